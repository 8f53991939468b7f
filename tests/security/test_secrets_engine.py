"""Secrets are used at run time only: records, events, results, errors and DataFrames never
hold the value of an environment variable read through config, or of a secret field."""

from __future__ import annotations

import pytest

from opbook import (
    DagsterInstance,
    DagsterInvalidConfigError,
    Field,
    IntSource,
    ModeDefinition,
    StringSource,
    execute_pipeline,
    execute_pipeline_iterator,
    job,
    op,
    pipeline,
    reexecute_pipeline,
    resource,
    solid,
)
from opbook.config import Secret
from opbook.notebook import events_to_dataframe


@resource(config_schema={"password": StringSource, "port": Field(IntSource, is_required=False)})
def db(init_context):
    return init_context.resource_config["password"]


@op(
    config_schema={
        "token": Field(str, is_secret=True),
        "key": Secret,
        "pin": Field(int, is_secret=True, is_required=False),
        "rows": int,
    },
    required_resource_keys={"db"},
)
def query(context) -> int:
    context.log.info(f"querying {context.op_config['rows']} rows")
    return context.op_config["rows"]


@op
def check(rows: int) -> int:
    if rows > 5:
        raise ValueError("too many rows")
    return rows


@job(resource_defs={"db": db})
def guarded():
    check(query())


@solid(
    config_schema={"token": Field(str, is_secret=True), "key": Secret, "rows": int},
    required_resource_keys={"db"},
)
def legacy_query(context) -> int:
    return context.solid_config["rows"]


@pipeline(mode_defs=[ModeDefinition(resource_defs={"db": db})])
def legacy():
    legacy_query()


@op(
    config_schema={"token": Field(str, is_secret=True), "key": Secret},
    required_resource_keys={"db"},
)
def spy(context) -> list:
    return [context.resources.db, context.op_config["token"], context.op_config["key"]]


@job(resource_defs={"db": db})
def spying():
    spy()


def run_config(secrets, rows: int = 1, **op_more) -> dict:
    return {
        "resources": {"db": {"config": secrets.resource_config()}},
        "ops": {"query": {"config": secrets.op_config(rows=rows, **op_more)}},
    }


def recorded(secret, config: dict, section: str = "ops", node: str = "query"):
    """What stands for ``secret`` in a recorded run config (of ``guarded`` by default)."""
    if secret.kind == "env":
        return config["resources"]["db"]["config"]["password"]
    return config[section][node]["config"]["token" if secret.kind == "field" else "key"]


def test_the_code_of_a_run_gets_the_real_values(secrets):
    result = spying.execute_in_process(
        run_config={
            "resources": {"db": {"config": secrets.resource_config()}},
            "ops": {"spy": {"config": {"token": secrets.field.value, "key": secrets.scalar.value}}},
        }
    )
    assert result.output_for_node("spy") == [v.value for v in secrets.all]


@pytest.mark.parametrize("storage", ["memory", "sqlite"])
def test_run_records_keep_the_reference_or_a_mask(secret, secrets, storage, tmp_path):
    instance = (
        DagsterInstance.ephemeral()
        if storage == "memory"
        else DagsterInstance.local(str(tmp_path / "home"))
    )
    with instance:
        result = guarded.execute_in_process(run_config=run_config(secrets), instance=instance)
        record = instance.get_run(result.run_id)
        assert recorded(secret, record.run_config) == secret.recorded
        assert record.run_config["ops"]["query"]["config"]["rows"] == 1  # the rest is kept
        secret.assert_hidden(record, repr(record), instance.get_runs())


def test_the_sqlite_files_hold_no_secret(secret, secrets, tmp_path):
    home = tmp_path / "home"
    with DagsterInstance.local(str(home)) as instance:
        guarded.execute_in_process(run_config=run_config(secrets), instance=instance)
        failed = guarded.execute_in_process(
            run_config=run_config(secrets, rows=10), instance=instance, raise_on_error=False
        )
        reexecute_pipeline(
            guarded,
            failed.run_id,
            run_config=run_config(secrets, rows=2),
            instance=instance,
            step_selection=["query+"],
        )
        files = [path for path in home.rglob("*") if path.is_file()]
        assert any(path.name.endswith("-wal") for path in files)  # the events still in the log
        for path in files:
            secret.assert_hidden(path.read_bytes())


def test_the_event_log_holds_no_secret(secret, secrets, caplog):
    instance = DagsterInstance.ephemeral()
    result = guarded.execute_in_process(run_config=run_config(secrets), instance=instance)
    assert result.success
    logged = instance.all_logs(result.run_id)
    messages = "\n".join(event.message or "" for event in result.event_list)
    assert "db" in messages  # the resource's initialization is reported
    assert "querying 1 rows" in caplog.text  # the log is looked at too
    secret.assert_hidden(result.event_list, logged, messages, caplog.text)


def test_a_failed_run_holds_no_secret(secret, secrets):
    result = guarded.execute_in_process(
        run_config=run_config(secrets, rows=10), raise_on_error=False
    )
    assert not result.success
    frame = result.to_dataframe()
    assert "too many rows" in frame["error"].dropna().tolist()[0]
    secret.assert_hidden(result.event_list, frame.to_json(date_format="iso"))


@pytest.mark.parametrize("generation", ["job", "pipeline"])
def test_result_run_config_is_the_recorded_config(secret, secrets, generation):
    if generation == "job":
        result = guarded.execute_in_process(run_config=run_config(secrets))
        assert recorded(secret, result.run_config) == secret.recorded
    else:
        result = execute_pipeline(
            legacy,
            run_config={
                "resources": {"db": {"config": secrets.resource_config()}},
                "solids": {"legacy_query": {"config": secrets.op_config(rows=1)}},
            },
        )
        assert recorded(secret, result.run_config, "solids", "legacy_query") == secret.recorded
    secret.assert_hidden(result.run_config)
    result.run_config.clear()  # a copy: the result keeps what was recorded
    assert result.run_config


def test_result_run_config_of_a_reexecution(secret, secrets):
    instance = DagsterInstance.ephemeral()
    parent = execute_pipeline(
        guarded, run_config=run_config(secrets, rows=9), instance=instance, raise_on_error=False
    )
    child = reexecute_pipeline(
        guarded,
        parent.run_id,
        run_config=run_config(secrets, rows=1),
        instance=instance,
        step_selection=["query+"],
    )
    assert child.success
    assert recorded(secret, child.run_config) == secret.recorded
    secret.assert_hidden(child.run_config, instance.get_run(child.run_id))


def test_dataframes_hold_no_secret(secret, secrets):
    result = guarded.execute_in_process(run_config=run_config(secrets))
    streamed = list(execute_pipeline_iterator(guarded, run_config=run_config(secrets)))
    frames = [
        result.to_dataframe(),
        result.to_dataframe(per="step"),
        events_to_dataframe(streamed),
        events_to_dataframe(streamed, per="step"),
    ]
    for frame in frames:
        assert len(frame) > 0
        secret.assert_hidden(
            frame.to_json(date_format="iso", default_handler=str), frame.to_string()
        )


def test_a_wrong_type_in_a_secret_field_is_reported_without_its_value(secrets):
    bad = run_config(secrets, pin=secrets.field.value)  # a string where an Int is expected
    bad["ops"]["query"]["config"]["token"] = [secrets.scalar.value]

    with pytest.raises(DagsterInvalidConfigError) as raised:
        guarded.execute_in_process(run_config=bad)

    message = str(raised.value)
    assert "root:ops:query:config:pin" in message
    assert 'expected type "Int"' in message
    assert "root:ops:query:config:token" in message
    secrets.assert_hidden(message, raised.value.errors, raised.value.config_value)
    assert raised.value.config_value["ops"]["query"]["config"]["pin"] == "***"


def test_an_env_value_of_the_wrong_type_is_reported_without_it(secrets, monkeypatch):
    monkeypatch.setenv("OPBOOK_SECURITY_PORT", secrets.env.value)  # not an int
    config = run_config(secrets)
    config["resources"]["db"]["config"]["port"] = {"env": "OPBOOK_SECURITY_PORT"}

    with pytest.raises(DagsterInvalidConfigError) as raised:
        guarded.execute_in_process(run_config=config)

    message = str(raised.value)
    assert "root:resources:db:config:port" in message
    assert "OPBOOK_SECURITY_PORT" in message
    secrets.assert_hidden(message, raised.value.errors, raised.value.config_value)


def test_a_secret_default_is_never_shown(secrets):
    field = Field(str, is_secret=True, default_value=secrets.field.value)
    assert secrets.field.value not in repr(field)

    @op(config_schema={"token": field})
    def uses_default(context) -> str:
        return context.op_config["token"]

    @job
    def defaulted():
        uses_default()

    result = defaulted.execute_in_process()
    assert result.output_for_node("uses_default") == secrets.field.value
    secrets.field.assert_hidden(result.run_config, result.event_list)


def test_secret_is_masked_whichever_name_the_node_section_has() -> None:
    from opbook import Field, job, op

    @op(config_schema={"pw": Field(str, is_secret=True)})
    def connect(context):
        return len(context.op_config["pw"])

    @job
    def connects():
        connect()

    for section in ("ops", "solids"):
        result = connects.execute_in_process(
            run_config={section: {"connect": {"config": {"pw": "hunter2"}}}}
        )
        assert result.output_for_node("connect") == 7
        assert result.run_config == {section: {"connect": {"config": {"pw": "***"}}}}
