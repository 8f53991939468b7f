"""The dask executor on a LocalCluster with two worker processes: values and events, failures
with their remote tracebacks, notebook-style jobs, re-execution, lost workers, TLS, and a run
that can never hang.  Most tests share one cluster (``existing: {address}``); the few that need
the executor to start its own cluster, or a cluster of another shape, say so."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

distributed = pytest.importorskip("distributed")

from opbook import (  # noqa: E402
    DagsterInstance,
    DagsterSubprocessError,
    DagsterUnmetExecutorRequirementsError,
    ModeDefinition,
    PipelineRunStatus,
    RetryPolicy,
    RetryRequested,
    dask_executor,
    default_executors,
    execute_pipeline,
    execute_pipeline_iterator,
    job,
    op,
    pipeline,
    reexecute_pipeline,
    resource,
    solid,
)
from opbook.executors import dask as dask_module  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    # Dask's default allowed_failures (3) lets the scheduler re-run a task whose worker died:
    # the executor must then guard each step against a second run.
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=2, processes=True, dashboard_address=":0"
    ) as running:
        yield running


def on(cluster, **config):
    """Run config choosing the dask executor of a job built with ``executor_def``."""
    existing = {"address": cluster.scheduler_address}
    return {"execution": {"config": {"cluster": {"existing": existing}, **config}}}


def step_events(result, key):
    return [e.event_type_value for e in result.event_list if e.step_key == key and e.is_step_event]


@op
def start() -> int:
    return 1


@op
def add_one(x: int) -> int:
    return x + 1


@op
def total(values: list) -> int:
    return sum(values)


@op
def nap(x: int) -> int:
    time.sleep(1)
    return x


@job(executor_def=dask_executor)
def fan_out_in():
    first = start()
    total([add_one.alias(f"leg_{i}")(first) for i in range(6)])


def test_a_fan_out_and_in_gives_its_values_and_events_in_order_per_step(cluster):
    result = execute_pipeline(
        fan_out_in, run_config=on(cluster), instance=DagsterInstance.ephemeral()
    )
    assert result.success
    assert result.result_for_solid("total").output_value() == 12
    assert step_events(result, "leg_3") == [
        "STEP_START",
        "LOADED_INPUT",
        "STEP_INPUT",
        "STEP_OUTPUT",
        "HANDLED_OUTPUT",
        "STEP_SUCCESS",
    ]
    order = [e.step_key for e in result.event_list if e.event_type_value == "STEP_SUCCESS"]
    assert order[0] == "start" and order[-1] == "total"
    assert os.getpid() not in {e.pid for e in result.event_list if e.is_step_event}
    messages = [e.message for e in result.event_list if e.is_engine_event and e.step_key is None]
    assert messages[0].startswith("Executing steps using dask executor")
    # A job's outputs go through its default IO manager, which pickles them to files the
    # workers share: no switch from memory is needed, or announced.
    handled = [e.message for e in result.event_list if e.event_type_value == "HANDLED_OUTPUT"]
    assert handled and all('using IO manager "io_manager"' in m for m in handled)
    assert not any("instead of in memory" in m for m in messages)
    assert any(f"Dask scheduler at {cluster.scheduler_address}" in m for m in messages)
    kinds = [e.event_type_value for e in result.event_list]
    assert kinds[0] == "PIPELINE_START" and kinds[-1] == "PIPELINE_SUCCESS"


@solid
def solid_one(_):
    return 1


@solid
def solid_double(_, x):
    return 2 * x


@pipeline(mode_defs=[ModeDefinition(executor_defs=[*default_executors, dask_executor])])
def solid_pipeline():
    solid_double(solid_one())


def test_a_mode_that_lists_dask_is_chosen_by_run_config(cluster):
    existing = {"address": cluster.scheduler_address}
    config = {"execution": {"dask": {"config": {"cluster": {"existing": existing}}}}}
    result = execute_pipeline(
        solid_pipeline, run_config=config, instance=DagsterInstance.ephemeral()
    )
    assert result.result_for_solid("solid_double").output_value() == 2
    assert os.getpid() not in {e.pid for e in result.event_list if e.is_step_event}


@job(executor_def=dask_executor)
def two_naps():
    first = start()
    total([nap.alias("nap_1")(first), nap.alias("nap_2")(first)])


def test_events_stream_back_while_a_step_runs_and_max_concurrent_holds(cluster):
    arrived = {}
    events = execute_pipeline_iterator(
        two_naps, run_config=on(cluster, max_concurrent=1), instance=DagsterInstance.ephemeral()
    )
    for event in events:
        arrived.setdefault((event.step_key, event.event_type_value), time.monotonic())
    # each nap's start is seen here about a second before its end: events are live
    for name in ("nap_1", "nap_2"):
        assert arrived[(name, "STEP_SUCCESS")] - arrived[(name, "STEP_START")] > 0.8
    first, second = sorted(("nap_1", "nap_2"), key=lambda n: arrived[(n, "STEP_START")])
    assert arrived[(second, "STEP_START")] > arrived[(first, "STEP_SUCCESS")]  # one at a time
    assert arrived[("total", "STEP_SUCCESS")] > arrived[(second, "STEP_SUCCESS")]


@op
def boom(x: int) -> int:
    raise ValueError("kaboom on a dask worker")


@job(executor_def=dask_executor)
def failing():
    add_one.alias("after")(boom(start()))


def test_a_failing_op_reports_the_users_error_with_its_remote_traceback(cluster):
    instance = DagsterInstance.ephemeral()
    result = execute_pipeline(
        failing, run_config=on(cluster), instance=instance, raise_on_error=False
    )
    assert not result.success
    failure = result.result_for_solid("boom").failure_data.error.to_string()
    assert "kaboom on a dask worker" in failure
    assert 'raise ValueError("kaboom on a dask worker")' in failure  # the worker's traceback
    assert step_events(result, "after") == []
    assert result.event_list[-1].event_type_value == "PIPELINE_FAILURE"
    assert instance.get_run(result.run_id).status == PipelineRunStatus.FAILURE
    with pytest.raises(ValueError, match="kaboom on a dask worker") as info:
        execute_pipeline(failing, run_config=on(cluster), instance=instance)
    assert "test_dask.py" in str(info.value.__cause__)


def test_a_notebook_style_job_is_sent_by_value(cluster):
    class Offset:  # a class and ops defined here cannot be imported by a worker
        def __init__(self, n):
            self.n = n

    @op
    def make():
        return Offset(41)

    @op
    def use(offset):
        return offset.n + 1

    @job(executor_def=dask_executor)
    def local_job():
        use(make())

    result = execute_pipeline(
        local_job, run_config=on(cluster), instance=DagsterInstance.ephemeral()
    )
    assert result.success
    assert result.result_for_solid("use").output_value() == 42
    assert result.result_for_solid("make").output_value().n == 41


_MAIN_SCRIPT = """
import os
from opbook import dask_executor, execute_pipeline, job, op

@op
def where() -> int:
    return os.getpid()

@job(executor_def=dask_executor)
def main_job():
    where()

if __name__ == "__main__":
    existing = {"address": os.environ["SCHEDULER"]}
    result = execute_pipeline(main_job, run_config={"execution": {"config": {"cluster": {"existing": existing}}}})
    worker = result.result_for_solid("where").output_value()
    print("OK", result.success, worker != os.getpid())
"""


def test_a_job_defined_in_a_scripts_main_runs(cluster, tmp_path):
    script = tmp_path / "script.py"
    script.write_text(_MAIN_SCRIPT)
    proc = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=dict(os.environ, SCHEDULER=cluster.scheduler_address),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "OK True True"


_UNGUARDED_SCRIPT = """
from opbook import dask_executor, execute_pipeline, job, op

@op
def one() -> int:
    return 1

@job(executor_def=dask_executor)
def unguarded():
    one()

execute_pipeline(unguarded, run_config={"execution": {"config": {"cluster": {"local": {"n_workers": 1}}}}})
"""


def test_a_script_starting_a_local_cluster_without_the_main_guard_is_told_to_add_it(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(_UNGUARDED_SCRIPT)
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert "could not start a LocalCluster" in last and "Nanny failed to start" in last
    assert 'under `if __name__ == "__main__":`' in last


@op
def c_times_ten(x: int) -> int:
    return x * 10


@job(executor_def=dask_executor)
def abc():
    c_times_ten.alias("c")(add_one.alias("b")(start()))


def test_reexecution_of_a_run_made_on_dask(cluster):
    instance = DagsterInstance.ephemeral()
    parent = execute_pipeline(abc, run_config=on(cluster), instance=instance)
    assert instance.get_run(parent.run_id).storage_name == "filesystem"
    child = reexecute_pipeline(
        abc, parent.run_id, run_config=on(cluster), step_selection=["c"], instance=instance
    )
    assert [e.step_key for e in child.event_list if e.is_step_start] == ["c"]
    assert child.result_for_solid("c").output_value() == 20


@resource(config_schema={"path": str})
def counter_file(init_context):
    return init_context.resource_config["path"]


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


@job(resource_defs={"counter": counter_file}, executor_def=dask_executor)
def retried():
    add_one(flaky())


def test_resources_are_initialised_on_the_worker_and_retries_run_there(cluster, tmp_path):
    config = on(cluster)
    config["resources"] = {"counter": {"config": {"path": str(tmp_path / "attempts")}}}
    result = execute_pipeline(retried, run_config=config, instance=DagsterInstance.ephemeral())
    assert result.success
    kinds = step_events(result, "flaky")
    assert "STEP_UP_FOR_RETRY" in kinds and "STEP_RESTARTED" in kinds
    assert result.result_for_solid("add_one").output_value() == 2
    resource_events = [
        e
        for e in result.event_list
        if e.is_engine_event and "initialization of resources" in e.message
    ]
    # The user's resource is built only for the step that needs it (the IO manager, for each).
    assert {e.step_key for e in resource_events if "counter" in e.message} == {"flaky"}
    assert os.getpid() not in {e.pid for e in resource_events}


@op
def crash_worker(x: int) -> int:
    time.sleep(1)  # mid-step: its start has been reported
    os.kill(os.getpid(), signal.SIGKILL)
    return x


@job(executor_def=dask_executor)
def crashing():
    add_one.alias("after")(crash_worker(start()))


@op(retry_policy=RetryPolicy(max_retries=1))
def crash_once(context, x: int) -> int:
    if context.retry_number == 0:
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)
    return x + 100


@job(executor_def=dask_executor)
def crashing_once():
    crash_once(start())


def _children() -> set[int]:
    return {child.pid for child in multiprocessing.active_children()}


def test_a_cluster_started_for_the_run_is_closed_also_after_a_lost_worker(cluster):
    before = _children()  # the shared cluster's workers
    local = {"local": {"n_workers": 2, "threads_per_worker": 1}}
    config = {"execution": {"config": {"cluster": local}}}
    with pytest.raises(DagsterSubprocessError, match="died while running it"):
        execute_pipeline(crashing, run_config=config, instance=DagsterInstance.ephemeral())
    assert _children() <= before


def test_a_worker_lost_mid_step_fails_it_clearly_or_retries_it_by_policy(cluster):
    # This cluster lets Dask re-run the task elsewhere: the second run must refuse to start.
    begun = time.monotonic()
    result = execute_pipeline(
        crashing, run_config=on(cluster), instance=DagsterInstance.ephemeral(), raise_on_error=False
    )
    assert time.monotonic() - begun < 60
    failure = result.result_for_solid("crash_worker").compute_step_failure_event
    assert "was lost while running it" in failure.message
    assert "did not finish" in failure.step_failure_data.error.message
    assert step_events(result, "crash_worker").count("STEP_START") == 1  # never run twice
    assert step_events(result, "after") == []
    assert result.event_list[-1].event_type_value == "PIPELINE_FAILURE"
    retried = execute_pipeline(
        crashing_once, run_config=on(cluster), instance=DagsterInstance.ephemeral()
    )
    assert retried.result_for_solid("crash_once").output_value() == 101
    assert "STEP_UP_FOR_RETRY" in step_events(retried, "crash_once")


_INTERRUPTED = """
import multiprocessing, os, sys, time
from opbook import DagsterInstance, dask_executor, execute_pipeline, job, op

@op
def slow() -> int:
    with open(os.environ["MARKER"], "w") as marker:
        marker.write(str(os.getpid()))
    time.sleep(120)
    return 1

@job(executor_def=dask_executor)
def sleepy():
    slow()

if __name__ == "__main__":
    instance = DagsterInstance.local(sys.argv[1])
    config = {"execution": {"config": {"cluster": {"local": {"n_workers": 1}}}}}
    try:
        execute_pipeline(sleepy, run_config=config, instance=instance)
    except KeyboardInterrupt:
        run = instance.get_runs()[0]
        print("STATUS", run.status.value)
        print("EVENTS", " ".join(e.event_type_value for e in instance.get_events(run.run_id)))
        print("CHILDREN", len(multiprocessing.active_children()))
"""


def test_keyboard_interrupt_cancels_the_run_and_closes_the_cluster(tmp_path):
    script, marker = tmp_path / "interrupted.py", tmp_path / "marker"
    script.write_text(_INTERRUPTED)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "home")],
        env=dict(os.environ, MARKER=str(marker)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 90
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    worker = int(marker.read_text())
    time.sleep(1)  # the step's start reaches the notebook: the user sees it running, and stops
    os.kill(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=90)
    lines = dict(line.split(" ", 1) for line in out.strip().splitlines())
    assert lines["STATUS"] == "CANCELED", err
    events = lines["EVENTS"].split()
    assert events[-1] == "PIPELINE_CANCELED" and "STEP_FAILURE" in events
    assert lines["CHILDREN"] == "0"
    deadline = time.monotonic() + 10
    while os.path.exists(f"/proc/{worker}") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not os.path.exists(f"/proc/{worker}")


# -- a cluster that cannot run anything, and TLS ------------------------------------------------


@job(executor_def=dask_executor)
def one_step():
    start()


def test_a_cluster_without_workers_fails_the_run_instead_of_hanging(monkeypatch):
    monkeypatch.setattr(dask_module, "NO_WORKERS_SECONDS", 1.0)
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as empty:
        result = execute_pipeline(
            one_step,
            run_config=on(empty),
            instance=DagsterInstance.ephemeral(),
            raise_on_error=False,
        )
    assert not result.success
    failure = result.result_for_solid("start").compute_step_failure_event
    assert "has had no workers" in failure.message


def test_a_scheduler_lost_mid_run_ends_the_run(tmp_path, monkeypatch):
    monkeypatch.setattr(dask_module, "SCHEDULER_LOST_SECONDS", 1.0)
    info = tmp_path / "scheduler.json"
    scheduler = subprocess.Popen(
        [
            *[sys.executable, "-m", "distributed.cli.dask_scheduler"],
            *["--scheduler-file", str(info), "--port", "0", "--dashboard-address", ":0"],
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (info.exists() and info.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        address = json.loads(info.read_text())["address"]
        config = {"execution": {"config": {"cluster": {"existing": {"address": address}}}}}
        kinds = []
        begun = time.monotonic()
        for event in execute_pipeline_iterator(
            one_step, run_config=config, instance=DagsterInstance.ephemeral()
        ):
            kinds.append(event.event_type_value)
            if event.is_engine_event and "Connected to the Dask scheduler" in event.message:
                # once the step waits for a worker (this scheduler has none), the scheduler dies
                threading.Timer(1.0, scheduler.kill).start()
        assert time.monotonic() - begun < 30
    finally:
        scheduler.kill()
        scheduler.wait()
    assert kinds[-1] == "PIPELINE_FAILURE"
    assert "STEP_FAILURE" in kinds


def test_an_unreachable_scheduler_is_reported_with_its_address():
    existing = {"address": "tcp://127.0.0.1:1", "timeout": 1.0}
    config = {"execution": {"config": {"cluster": {"existing": existing}}}}
    with pytest.raises(DagsterUnmetExecutorRequirementsError, match=r"tcp://127\.0\.0\.1:1"):
        execute_pipeline(one_step, run_config=config, instance=DagsterInstance.ephemeral())


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A throwaway self-signed certificate and its key, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        [
            *["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"],
            *["-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


def test_a_run_on_a_tls_cluster_passes_the_users_certificates(certificate):
    cert, key = certificate
    roles = {
        f"tls_{role}_{part}": path
        for role in ("scheduler", "worker", "client")
        for part, path in (("cert", cert), ("key", key))
    }
    security = distributed.Security(tls_ca_file=cert, require_encryption=True, **roles)
    with distributed.LocalCluster(
        n_workers=1, processes=False, protocol="tls://", security=security, dashboard_address=":0"
    ) as secure:
        address = secure.scheduler_address
        assert address.startswith("tls://")
        tls = {"tls_ca_file": cert, "tls_client_cert": cert, "tls_client_key": key}
        config = {
            "execution": {
                "config": {"cluster": {"existing": {"address": address, "security": tls}}}
            }
        }
        result = execute_pipeline(one_step, run_config=config, instance=DagsterInstance.ephemeral())
        assert result.success
        assert result.result_for_solid("start").output_value() == 1
        plain = {
            "execution": {"config": {"cluster": {"existing": {"address": address, "timeout": 5.0}}}}
        }
        with pytest.raises(DagsterUnmetExecutorRequirementsError, match="uses TLS"):
            execute_pipeline(one_step, run_config=plain, instance=DagsterInstance.ephemeral())


def test_certificates_are_checked_before_connecting(tmp_path):
    missing = str(tmp_path / "nowhere.pem")
    security = {"tls_ca_file": missing, "tls_client_cert": missing}
    existing = {"address": "tls://127.0.0.1:1", "security": security}
    config = {"execution": {"config": {"cluster": {"existing": existing}}}}
    with pytest.raises(DagsterUnmetExecutorRequirementsError, match=r"security\.tls_ca_file"):
        execute_pipeline(one_step, run_config=config, instance=DagsterInstance.ephemeral())
    existing = {"address": "tcp://127.0.0.1:1", "security": {"tls_ca_file": "-----BEGIN x"}}
    config = {"execution": {"config": {"cluster": {"existing": existing}}}}
    with pytest.raises(DagsterUnmetExecutorRequirementsError, match="not a tls:// address"):
        execute_pipeline(one_step, run_config=config, instance=DagsterInstance.ephemeral())


def test_require_encryption_refuses_a_plain_connection_before_connecting():
    def run_with(address, security):
        existing = {"address": address, "security": security, "timeout": 1.0}
        config = {"execution": {"config": {"cluster": {"existing": existing}}}}
        with pytest.raises(DagsterUnmetExecutorRequirementsError) as raised:
            execute_pipeline(one_step, run_config=config, instance=DagsterInstance.ephemeral())
        return str(raised.value)

    message = run_with("tcp://127.0.0.1:1", {"require_encryption": True})
    assert "requires encryption" in message and "not a tls:// address" in message
    message = run_with("tls://127.0.0.1:1", {"require_encryption": True})
    assert "requires encryption" in message and "no certificates were given" in message
    # turned off, the executor goes on to connect (and finds nothing there)
    message = run_with("tcp://127.0.0.1:1", {"require_encryption": False})
    assert "could not connect" in message
