"""The multiprocess executor: values and events, parallelism, notebook-style jobs, crashes,
interrupts, errors and re-execution.  Each test starts worker processes, so they are few."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from opbook import (
    DagsterInstance,
    DagsterSubprocessError,
    PipelineRunStatus,
    RetryPolicy,
    RetryRequested,
    VersionStrategy,
    execute_pipeline,
    job,
    multiprocess_executor,
    op,
    pipeline,
    reexecute_pipeline,
    resource,
    solid,
)

pytestmark = pytest.mark.slow

MULTIPROCESS = {"execution": {"config": {"multiprocess": {}}}}


def multiprocess(**config):
    return {"execution": {"config": {"multiprocess": config}}}


@op
def start() -> int:
    return 1


@op
def add_one(x: int) -> int:
    return x + 1


@op
def nap(x: int) -> int:
    time.sleep(1)
    return x


@op
def total(values: list) -> int:
    return sum(values)


@job
def chain():
    add_one.alias("c")(add_one.alias("b")(add_one.alias("a")(start())))


@job
def fan_out():
    first = start()
    total([add_one.alias(f"leg_{i}")(first) for i in range(4)])


@job
def two_naps():
    first = start()
    total([nap.alias("nap_1")(first), nap.alias("nap_2")(first)])


class _VersionsByName(VersionStrategy):
    """Each op at version ``v1`` unless ``versions`` says otherwise (set by a test)."""

    versions: dict[str, str] = {}

    def get_op_version(self, context):
        return self.versions.get(context.op_def.name, "v1")


@job(version_strategy=_VersionsByName())
def versioned_chain():
    total([add_one(start())])


def step_events(result, key):
    return [e.event_type_value for e in result.event_list if e.step_key == key and e.is_step_event]


def no_worker_left():
    return multiprocessing.active_children() == []


def test_a_chain_gives_its_values_and_events():
    result = execute_pipeline(chain, run_config=MULTIPROCESS, instance=DagsterInstance.ephemeral())
    assert result.success
    assert result.result_for_solid("c").output_value() == 4
    assert step_events(result, "b") == [
        "STEP_START",
        "LOADED_INPUT",
        "STEP_INPUT",
        "STEP_OUTPUT",
        "HANDLED_OUTPUT",
        "STEP_SUCCESS",
    ]
    kinds = [e.event_type_value for e in result.event_list]
    assert kinds[0] == "PIPELINE_START" and kinds[-1] == "PIPELINE_SUCCESS"
    workers = {e.pid for e in result.event_list if e.is_step_event}
    assert os.getpid() not in workers
    messages = [e.message for e in result.event_list if e.is_engine_event]
    assert "multiprocess executor: parent process" in messages[0]
    # A job's outputs go through its default IO manager, which pickles them to files the
    # workers share: no switch from memory is needed, or announced.
    handled = [e.message for e in result.event_list if e.event_type_value == "HANDLED_OUTPUT"]
    assert handled and all('using IO manager "io_manager"' in m for m in handled)
    assert not any("instead of in memory" in m for m in messages)
    assert no_worker_left()


def test_a_fan_out_gives_its_values_and_events_in_order_per_step():
    result = execute_pipeline(
        fan_out, run_config=MULTIPROCESS, instance=DagsterInstance.ephemeral()
    )
    assert result.result_for_solid("total").output_value() == 8
    for leg in range(4):
        events = step_events(result, f"leg_{leg}")
        assert events[0] == "STEP_START" and events[-1] == "STEP_SUCCESS"
    order = [e.step_key for e in result.event_list if e.event_type_value == "STEP_SUCCESS"]
    assert order[0] == "start" and order[-1] == "total"


def test_steps_run_in_parallel():
    result = execute_pipeline(
        two_naps, run_config=multiprocess(max_concurrent=2), instance=DagsterInstance.ephemeral()
    )
    assert result.result_for_solid("total").output_value() == 2
    times = {
        (e.step_key, e.event_type_value): e.timestamp
        for e in result.event_list
        if e.step_key in ("nap_1", "nap_2")
    }
    # each nap started before the other finished: they overlapped, in two processes
    assert times[("nap_1", "STEP_START")] < times[("nap_2", "STEP_SUCCESS")]
    assert times[("nap_2", "STEP_START")] < times[("nap_1", "STEP_SUCCESS")]
    pids = {e.pid for e in result.event_list if e.step_key in ("nap_1", "nap_2")}
    assert len(pids) == 2


@job(executor_def=multiprocess_executor)
def fan_out_in_workers():
    first = start()
    total([add_one.alias(f"leg_{i}")(first) for i in range(3)])


def test_a_jobs_executor_def_and_max_concurrent_one():
    result = execute_pipeline(
        fan_out_in_workers,
        run_config={"execution": {"config": {"max_concurrent": 1}}},
        instance=DagsterInstance.ephemeral(),
    )
    assert result.result_for_solid("total").output_value() == 6
    pids = {e.pid for e in result.event_list if e.is_step_event}
    assert len(pids) == 1 and os.getpid() not in pids


@solid
def solid_one(_):
    return 1


@solid
def solid_double(_, x):
    return 2 * x


@pipeline
def solid_pipeline():
    solid_double(solid_one())


def test_a_pipeline_chooses_the_executor_of_its_mode_by_run_config():
    result = execute_pipeline(
        solid_pipeline,
        run_config={"execution": {"multiprocess": {"config": {"max_concurrent": 2}}}},
        instance=DagsterInstance.ephemeral(),
    )
    assert result.result_for_solid("solid_double").output_value() == 2
    assert os.getpid() not in {e.pid for e in result.event_list if e.is_step_event}


def test_a_job_that_cannot_be_sent_to_workers_is_explained():
    lock = threading.Lock()

    @op
    def holds_a_lock():
        with lock:
            return 1

    @job
    def unsendable():
        holds_a_lock()

    with pytest.raises(DagsterSubprocessError, match="could not send"):
        execute_pipeline(unsendable, run_config=MULTIPROCESS, instance=DagsterInstance.ephemeral())
    assert no_worker_left()


def test_a_notebook_style_job_is_sent_by_value():
    class Offset:  # a class and ops defined here cannot be imported by a worker
        def __init__(self, n):
            self.n = n

    @op
    def make():  # unannotated: a local class cannot be named in a string annotation
        return Offset(41)

    @op
    def use(offset):
        return offset.n + 1

    @job
    def local_job():
        use(make())

    result = execute_pipeline(
        local_job, run_config=MULTIPROCESS, instance=DagsterInstance.ephemeral()
    )
    assert result.success
    assert result.result_for_solid("use").output_value() == 42
    assert result.result_for_solid("make").output_value().n == 41


_MAIN_SCRIPT = """
import os
from opbook import execute_pipeline, job, op

@op
def where() -> int:
    return os.getpid()

@job
def main_job():
    where()

if __name__ == "__main__":
    result = execute_pipeline(main_job, run_config={"execution": {"config": {"multiprocess": {}}}})
    worker = result.result_for_solid("where").output_value()
    print("OK", result.success, worker != os.getpid())
"""


def test_a_job_defined_in_a_scripts_main_runs(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(_MAIN_SCRIPT)
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "OK True True"


@op
def crash(x: int) -> int:
    os._exit(3)


@job
def crashing():
    add_one.alias("after")(crash(start()))


def test_a_worker_that_dies_fails_its_step_with_the_exit_code(tmp_path):
    instance = DagsterInstance.local(str(tmp_path))
    result = execute_pipeline(
        crashing, run_config=MULTIPROCESS, instance=instance, raise_on_error=False
    )
    assert not result.success
    failure = result.result_for_solid("crash").compute_step_failure_event
    assert "exit code 3" in failure.message
    assert "worker process" in failure.step_failure_data.error.message
    assert step_events(result, "after") == []  # downstream: not run, no events
    assert result.event_list[-1].event_type_value == "PIPELINE_FAILURE"
    assert instance.get_run(result.run_id).status == PipelineRunStatus.FAILURE
    assert no_worker_left()
    with pytest.raises(DagsterSubprocessError, match="exit code 3"):
        execute_pipeline(crashing, run_config=MULTIPROCESS, instance=instance)
    assert no_worker_left()


@op(config_schema={"marker": str}, retry_policy=RetryPolicy(max_retries=1))
def killed_once(context, x: int) -> int:
    marker = context.op_config["marker"]
    if not os.path.exists(marker):
        open(marker, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer does
    return x + 10


@job
def killed_once_job():
    add_one.alias("after")(killed_once(start()))


def test_a_worker_killed_mid_step_is_retried_under_the_step_retry_policy(tmp_path):
    config = {
        **MULTIPROCESS,
        "ops": {"killed_once": {"config": {"marker": str(tmp_path / "marker")}}},
    }
    result = execute_pipeline(
        killed_once_job, run_config=config, instance=DagsterInstance.local(str(tmp_path))
    )
    assert result.success
    kinds = step_events(result, "killed_once")
    assert kinds.count("STEP_UP_FOR_RETRY") == 1 and "STEP_FAILURE" not in kinds
    retry = next(e for e in result.event_list if e.event_type_value == "STEP_UP_FOR_RETRY")
    assert "was killed by signal SIGKILL" in retry.message
    assert result.result_for_solid("after").output_value() == 12
    assert no_worker_left()


@op
def boom(x: int) -> int:
    raise ValueError("kaboom in a worker")


class Unpicklable(Exception):
    def __init__(self, a, b):
        super().__init__(f"{a} and {b}")


@op
def odd_failure(x: int) -> int:
    raise Unpicklable("this", "that")


@job
def failing():
    add_one.alias("after")(boom(start()))


@job
def oddly_failing():
    odd_failure(start())


def test_raise_on_error_re_raises_the_users_exception_with_its_worker_traceback():
    with pytest.raises(ValueError, match="kaboom in a worker") as info:
        execute_pipeline(failing, run_config=MULTIPROCESS, instance=DagsterInstance.ephemeral())
    assert "test_multiprocess.py" in str(info.value.__cause__)
    assert 'raise ValueError("kaboom in a worker")' in str(info.value.__cause__)
    with pytest.raises(DagsterSubprocessError, match="this and that"):
        execute_pipeline(
            oddly_failing, run_config=MULTIPROCESS, instance=DagsterInstance.ephemeral()
        )
    result = execute_pipeline(
        failing, run_config=MULTIPROCESS, instance=DagsterInstance.ephemeral(), raise_on_error=False
    )
    assert "kaboom in a worker" in result.result_for_solid("boom").failure_data.error.to_string()


_INTERRUPTED = """
import multiprocessing, os, sys, time
from opbook import DagsterInstance, execute_pipeline, job, op

@op
def slow() -> int:
    with open(os.environ["MARKER"], "w") as marker:
        marker.write(str(os.getpid()))
    time.sleep(120)
    return 1

@op
def after(x: int) -> int:
    return x

@job
def sleepy():
    after(slow())

if __name__ == "__main__":
    instance = DagsterInstance.local(sys.argv[1])
    try:
        execute_pipeline(sleepy, run_config={"execution": {"config": {"multiprocess": {}}}}, instance=instance)
    except KeyboardInterrupt:
        run = instance.get_runs()[0]
        print("STATUS", run.status.value)
        print("EVENTS", " ".join(e.event_type_value for e in instance.get_events(run.run_id)))
        print("CHILDREN", len(multiprocessing.active_children()))
"""


def test_keyboard_interrupt_cancels_the_run_and_stops_the_workers(tmp_path):
    script, marker = tmp_path / "interrupted.py", tmp_path / "marker"
    script.write_text(_INTERRUPTED)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "home")],
        env=dict(os.environ, MARKER=str(marker)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    worker = int(marker.read_text())
    os.kill(proc.pid, signal.SIGINT)  # the parent alone, as the notebook's stop button does
    out, err = proc.communicate(timeout=60)
    lines = dict(line.split(" ", 1) for line in out.strip().splitlines())
    assert lines["STATUS"] == "CANCELED", err
    events = lines["EVENTS"].split()
    assert events[-1] == "PIPELINE_CANCELED" and "STEP_FAILURE" in events
    assert lines["CHILDREN"] == "0"
    assert not os.path.exists(f"/proc/{worker}")


@op
def c_times_ten(x: int) -> int:
    return x * 10


@job
def abc():
    c_times_ten.alias("c")(add_one.alias("b")(start()))


def test_reexecution_of_a_multiprocess_run():
    instance = DagsterInstance.ephemeral()
    parent = execute_pipeline(abc, run_config=MULTIPROCESS, instance=instance)
    assert instance.get_run(parent.run_id).storage_name == "filesystem"
    child = reexecute_pipeline(
        abc, parent.run_id, run_config=MULTIPROCESS, step_selection=["c"], instance=instance
    )
    assert [e.step_key for e in child.event_list if e.is_step_start] == ["c"]
    assert child.result_for_solid("c").output_value() == 20


def test_reexecution_in_workers_of_a_run_kept_in_memory():
    instance = DagsterInstance.ephemeral()
    parent = execute_pipeline(abc, instance=instance)  # in process, values in memory
    child = reexecute_pipeline(
        abc, parent.run_id, run_config=MULTIPROCESS, step_selection=["c"], instance=instance
    )
    assert child.result_for_solid("c").output_value() == 20


@resource
def counter_file(init_context):
    return os.environ["OPBOOK_TEST_COUNTER"]


@op(required_resource_keys={"counter"})
def flaky(context) -> int:
    path = context.resources.counter
    attempts = 0
    if os.path.exists(path):
        with open(path) as handle:
            attempts = int(handle.read())
    with open(path, "w") as handle:
        handle.write(str(attempts + 1))
    if attempts == 0:
        raise RetryRequested(max_retries=2)
    return attempts


@job(resource_defs={"counter": counter_file})
def retried():
    add_one(flaky())


@pytest.mark.parametrize("start_method", ["fork", "forkserver"])
def test_resources_and_retries_in_workers(tmp_path, monkeypatch, start_method):
    monkeypatch.setenv("OPBOOK_TEST_COUNTER", str(tmp_path / "attempts"))
    result = execute_pipeline(
        retried,
        run_config=multiprocess(start_method={start_method: {}}),
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    assert step_events(result, "flaky")[-1] == "STEP_SUCCESS"
    assert "STEP_UP_FOR_RETRY" in step_events(result, "flaky")
    assert "STEP_RESTARTED" in step_events(result, "flaky")
    assert result.result_for_solid("add_one").output_value() == 2
    resource_events = [
        e
        for e in result.event_list
        if e.is_engine_event and "initialization of resources" in e.message
    ]
    # The user's resource is built only for the step that needs it (the IO manager, for each).
    assert {e.step_key for e in resource_events if "counter" in e.message} == {"flaky"}
    assert {e.pid for e in result.event_list if e.is_step_event} - {os.getpid()}
    assert no_worker_left()


def test_a_memoized_run_loads_reused_outputs_in_the_workers():
    instance = DagsterInstance.ephemeral()
    in_process = {"execution": {"config": {"in_process": {}}}}
    assert execute_pipeline(versioned_chain, run_config=in_process, instance=instance).success
    _VersionsByName.versions["total"] = "v2"
    try:
        result = execute_pipeline(versioned_chain, run_config=MULTIPROCESS, instance=instance)
    finally:
        _VersionsByName.versions.clear()
    assert result.success
    assert {e.step_key for e in result.event_list if e.is_step_start} == {"total"}
    assert result.result_for_solid("total").output_value() == 2
