"""get_dagster_logger: records logged while an op runs reach the run's loggers, tagged with
the op's step; elsewhere the logger is an ordinary Python logger."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from opbook import DagsterInstance, Field, get_dagster_logger, job, logger, op
from opbook.errors import DagsterInvariantViolationError


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


RUN_LOG = ListHandler()


@logger(config_schema={"log_level": Field(str, default_value="DEBUG")})
def list_logger(init_context):
    log = logging.getLogger("opbook.tests.python_logs")
    log.setLevel(init_context.logger_config["log_level"])
    log.propagate = False
    if RUN_LOG not in log.handlers:
        log.addHandler(RUN_LOG)
    return log


@pytest.fixture(autouse=True)
def run_log() -> Iterator[ListHandler]:
    RUN_LOG.records.clear()
    yield RUN_LOG
    RUN_LOG.records.clear()


def messages() -> list[str]:
    return [r.getMessage() for r in RUN_LOG.records if not r.getMessage().startswith("STEP_")]


@op
def says_hello() -> None:
    get_dagster_logger().info("hello %s", "world")


@job(logger_defs={"list": list_logger})
def hello_job():
    says_hello()


def test_logger_is_named_under_dagster_builtin() -> None:
    assert get_dagster_logger().name == "dagster.builtin"
    assert get_dagster_logger("mine").name == "dagster.builtin.mine"
    assert logging.getLogger("dagster").level == logging.DEBUG


def test_a_record_logged_in_an_op_reaches_the_runs_loggers_formatted() -> None:
    hello_job.execute_in_process()
    assert "hello world" in messages()


def test_a_record_logged_in_an_op_carries_its_step_key() -> None:
    hello_job.execute_in_process()
    record = next(r for r in RUN_LOG.records if r.getMessage() == "hello world")
    assert record.opbook_step_key == "says_hello"  # type: ignore[attr-defined]
    assert record.levelno == logging.INFO


def test_a_named_logger_made_before_the_run_is_captured_too() -> None:
    module_logger = get_dagster_logger("made_early")

    @op
    def warns() -> None:
        module_logger.warning("careful", extra={"table": "users"})

    @job(logger_defs={"list": list_logger})
    def warning_job():
        warns()

    warning_job.execute_in_process()
    record = next(r for r in RUN_LOG.records if r.getMessage() == "careful")
    assert record.levelno == logging.WARNING
    assert record.table == "users"  # type: ignore[attr-defined]


def test_an_exception_logged_in_an_op_keeps_its_traceback() -> None:
    @op
    def catches() -> None:
        try:
            raise ValueError("bad row")
        except ValueError:
            get_dagster_logger().exception("could not load")

    @job(logger_defs={"list": list_logger})
    def exception_job():
        catches()

    exception_job.execute_in_process()
    record = next(r for r in RUN_LOG.records if r.getMessage() == "could not load")
    assert record.exc_info is not None and isinstance(record.exc_info[1], ValueError)


def test_the_run_loggers_level_decides_what_is_kept() -> None:
    @op
    def chatty() -> None:
        get_dagster_logger().debug("detail")
        get_dagster_logger().error("problem")

    @job(logger_defs={"list": list_logger})
    def chatty_job():
        chatty()

    chatty_job.execute_in_process(
        run_config={"loggers": {"list": {"config": {"log_level": "ERROR"}}}}
    )
    assert messages() == ["problem"]


def test_outside_a_run_records_go_to_the_python_handlers_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="dagster"):
        get_dagster_logger().info("plain logging")
    assert [r.getMessage() for r in caplog.records] == ["plain logging"]
    assert RUN_LOG.records == []


def test_outside_a_run_a_warning_reaches_stderr_with_no_handler_configured(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    get_dagster_logger().warning("no handler anywhere")
    assert "no handler anywhere" in capsys.readouterr().err


# -- instance settings: python_logs ---------------------------------------------------------------


def run_with_python_logs(a_job, **python_logs) -> list[tuple[str, int, str | None]]:
    """Run ``a_job`` on an instance with these ``python_logs`` settings; its logged lines."""
    instance = DagsterInstance.ephemeral()
    instance.settings = {"python_logs": python_logs}
    result = a_job.execute_in_process(instance=instance)
    logs = instance.event_log_storage.get_logs_for_run(result.run_id)
    return [(e.user_message, e.level, e.step_key) for e in logs if e.dagster_event is None]


@op
def uses_plain_loggers() -> None:
    logging.getLogger("opbook.tests.plain").warning("plain warning")
    logging.getLogger("opbook.tests.plain").info("plain info")
    logging.getLogger("opbook.tests.other").warning("other warning")


@job
def plain_loggers_job():
    uses_plain_loggers()


def test_a_plain_python_logger_is_not_captured_unless_managed() -> None:
    assert run_with_python_logs(plain_loggers_job) == []


def test_a_managed_python_logger_is_captured_as_the_steps_log() -> None:
    lines = run_with_python_logs(plain_loggers_job, managed_python_loggers=["opbook.tests.plain"])
    assert lines == [("plain warning", logging.WARNING, "uses_plain_loggers")]


def test_python_log_level_sets_the_managed_loggers_level() -> None:
    lines = run_with_python_logs(
        plain_loggers_job, managed_python_loggers=["opbook.tests.plain"], python_log_level="INFO"
    )
    assert [message for message, _, _ in lines] == ["plain warning", "plain info"]


def test_managing_root_captures_every_logger_once() -> None:
    lines = run_with_python_logs(
        plain_loggers_job, managed_python_loggers=["root", "opbook.tests.plain"]
    )
    assert [message for message, _, _ in lines] == ["plain warning", "other warning"]


def test_python_log_level_sets_the_dagster_loggers_level() -> None:
    @op
    def chatty() -> None:
        get_dagster_logger().debug("detail")
        get_dagster_logger().info("news")

    @job
    def chatty_job():
        chatty()

    assert [m for m, _, _ in run_with_python_logs(chatty_job, python_log_level="INFO")] == ["news"]


def test_managed_loggers_get_their_level_and_handlers_back_after_the_run() -> None:
    plain = logging.getLogger("opbook.tests.plain")
    handlers = list(plain.handlers)
    run_with_python_logs(
        plain_loggers_job, managed_python_loggers=["opbook.tests.plain"], python_log_level="DEBUG"
    )
    assert plain.level == logging.NOTSET and plain.handlers == handlers


def test_a_bad_python_log_level_is_named() -> None:
    with pytest.raises(
        DagsterInvariantViolationError, match=r"python_logs\.python_log_level: 'LOUD'"
    ):
        run_with_python_logs(plain_loggers_job, python_log_level="LOUD")
