"""Fault injection: a run writing to a SQLite instance is killed at random points (SIGKILL,
SIGTERM, SIGINT), then the instance is opened again and checked.

After every kill: no event stored twice and none lost from the stored prefix (each writer's
batches are contiguous), every step that started ended at most once, the run is not left
unfinished (a killed process is found dead when the instance opens and the run marked failed;
SIGTERM and SIGINT cancel it), its status agrees with the last event it stored, and the run can
be re-executed from where it stopped.

The points are drawn from a seeded generator (``OPBOOK_FAULT_SEED``, default 20); CI runs a
few per signal, ``OPBOOK_FAULT_POINTS=200`` runs that many per signal.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from opbook import (
    DagsterInstance,
    PipelineRunStatus,
    execute_pipeline,
    fs_io_manager,
    job,
    multiprocess_executor,
    op,
    reexecute_pipeline,
)
from opbook.cli import main as cli_main
from opbook.storage.instance import UNFINISHED

POINTS = int(os.environ.get("OPBOOK_FAULT_POINTS", "3"))
SEED = int(os.environ.get("OPBOOK_FAULT_SEED", "20"))
WIDTH = 16
LINES = 4

# The job, run by the killed process and re-executed by the test.
JOB_SOURCE = f"""
import time
from opbook import fs_io_manager, in_process_executor, job, multiprocess_executor, op

@op
def start(context) -> int:
    context.log.info("starting")
    return 1

def worker(i):
    @op(name=f"work_{{i}}")
    def work(context, x: int) -> int:
        for n in range({LINES}):
            context.log.info(f"work {{i}}, line {{n}}")
            time.sleep(0.002)
        return x + i
    return work

WORKERS = [worker(i) for i in range({WIDTH})]

@op
def total(context, values) -> int:
    context.log.info(f"{{len(values)}} values")
    return sum(values)

def body():
    first = start()
    total([work(first) for work in WORKERS])

resources = {{"io_manager": fs_io_manager}}
in_process = job(name="long_run", resource_defs=resources, executor_def=in_process_executor)(body)
multiprocess = job(
    name="long_run", resource_defs=resources, executor_def=multiprocess_executor
)(body)
"""

# The killed process: many small writes (a batch per event), then "ran" when the run ends.
RUNNER = """
import sys
import opbook.executors.run as run_module
from opbook import DagsterInstance, execute_pipeline

run_module.FLUSH_EVERY = 1
run_module.CHECK_EVERY = 1
home, marker, executor, source = sys.argv[1:5]
namespace = {"__name__": "fault_job"}
exec(source, namespace)
instance = DagsterInstance.local(home)
open(marker, "w").close()
execute_pipeline(namespace[executor], instance=instance, raise_on_error=False)
"""

EXPECTED_TOTAL = sum(1 + i for i in range(WIDTH))
ENDINGS = {
    "PIPELINE_SUCCESS": PipelineRunStatus.SUCCESS,
    "PIPELINE_FAILURE": PipelineRunStatus.FAILURE,
    "PIPELINE_CANCELED": PipelineRunStatus.CANCELED,
}


def the_job(executor: str) -> Any:
    namespace: dict[str, Any] = {"__name__": "fault_job"}
    exec(JOB_SOURCE, namespace)
    return namespace[executor]


def start_run(home: Path, executor: str) -> tuple[subprocess.Popen[bytes], Path]:
    marker, errors = home.parent / f"{home.name}.started", home.parent / f"{home.name}.stderr"
    args = [sys.executable, "-c", RUNNER, str(home), str(marker), executor, JOB_SOURCE]
    with errors.open("wb") as stderr:  # a file, not a pipe: nobody reads it while it runs
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=stderr)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, errors.read_text()
        assert time.monotonic() < deadline, "the run never started"
        time.sleep(0.005)
    return proc, marker


def run_length(tmp_path: Path, executor: str) -> float:
    """Seconds from the run's start to its last event, when nothing kills it."""
    home = tmp_path / f"whole-{executor}"
    proc, marker = start_run(home, executor)
    assert proc.wait(timeout=120) == 0
    with DagsterInstance.local(str(home)) as instance:
        (run,) = instance.get_runs()
        last = instance.get_events(run.run_id)[-1]
    assert last.event_type_value == "PIPELINE_SUCCESS"
    return last.timestamp - marker.stat().st_mtime


def kill_at(home: Path, executor: str, signum: int, delay: float) -> None:
    proc, _ = start_run(home, executor)
    time.sleep(delay)
    proc.send_signal(signum)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"the run did not end within 60 s of {signal.Signals(signum).name}")


def check_batches(instance: DagsterInstance, run_id: str) -> None:
    """Each writer's batches follow one another with no gap and no overlap."""
    conn = instance.event_storage._connection()  # type: ignore[attr-defined]
    rows = conn.execute(
        "SELECT writer, first_index, event_count FROM event_batches "
        "WHERE run_id = ? AND writer IS NOT NULL ORDER BY writer, first_index",
        (run_id,),
    ).fetchall()
    held: dict[str, int] = {}
    for writer, first_index, count in rows:
        assert first_index == held.get(writer, 0), (writer, first_index, held)
        held[writer] = first_index + count


def check_events(instance: DagsterInstance, run: Any, signum: int) -> None:
    events = instance.get_events(run.run_id)
    kinds = [e.event_type_value for e in events]
    identities = [(e.event_type_value, e.step_key, e.timestamp, e.message) for e in events]
    assert len(identities) == len(set(identities)), "an event is stored twice"
    if not kinds:
        return
    assert kinds[0] == "PIPELINE_START"
    starts = Counter(e.step_key for e in events if e.event_type_value == "STEP_START")
    ends = Counter(e.step_key for e in events if e.is_step_success or e.is_step_failure)
    assert max(starts.values(), default=0) <= 1 and max(ends.values(), default=0) <= 1
    # A step handed to a worker that had not started it yet when the run was interrupted
    # ends with a failure and no start; a success always follows a start.
    succeeded = {e.step_key for e in events if e.is_step_success}
    assert succeeded <= set(starts), "a step succeeded that never started"
    endings = [kind for kind in kinds if kind in ENDINGS]
    assert len(endings) == 1, kinds[-5:]
    assert ENDINGS[endings[0]] == run.status, (endings, run.status)
    if signum != signal.SIGKILL:
        # A signal the run heard cancels it, unless it came once the run had ended.
        assert run.status in (PipelineRunStatus.CANCELED, PipelineRunStatus.SUCCESS), kinds[-5:]


def check_reexecution(instance: DagsterInstance, run: Any, executor: str) -> None:
    done = {e.step_key for e in instance.get_events(run.run_id) if e.is_step_success}
    job_def = the_job(executor)
    result = reexecute_pipeline(
        job_def,
        run.run_id,
        instance=instance,
        from_failure=len(done) < WIDTH + 2,
    )
    assert result.success
    if "total" not in done:
        assert result.result_for_solid("total").output_value() == EXPECTED_TOTAL


def check_instance(home: Path, executor: str, signum: int) -> None:
    if not (home / "opbook.db").exists():
        return  # killed before the instance was made
    if signum == signal.SIGKILL:  # the command line finds the dead run first
        listing = io.StringIO()
        with contextlib.redirect_stdout(listing):
            assert cli_main(["runs", "--instance", str(home)]) == 0
        assert "STARTED" not in listing.getvalue()
    with DagsterInstance.local(str(home)) as instance:
        runs = instance.get_runs()
        assert len(runs) <= 1
        for run in runs:
            assert run.status not in UNFINISHED, f"run left {run.status.value}"
            check_batches(instance, run.run_id)
            check_events(instance, run, signum)
            if run.status != PipelineRunStatus.NOT_STARTED:
                check_reexecution(instance, run, executor)
        assert not list(home.rglob(".tmp-*")), "a half-written value was left behind"


SIGNALS = [signal.SIGKILL, signal.SIGTERM, signal.SIGINT]


@pytest.mark.slow
@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_a_run_killed_at_random_points_leaves_a_consistent_instance(tmp_path, signum):
    length = run_length(tmp_path, "in_process")
    points = random.Random(f"{SEED}-{signum}")
    for point in range(POINTS):
        home = tmp_path / f"point-{point}"
        kill_at(home, "in_process", signum, points.uniform(0, length * 1.05))
        check_instance(home, "in_process", signum)


@pytest.mark.slow
@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_a_multiprocess_run_killed_at_a_random_point_leaves_a_consistent_instance(tmp_path, signum):
    length = run_length(tmp_path, "multiprocess")
    points = random.Random(f"{SEED}-multiprocess-{signum}")
    for point in range(max(1, POINTS // 3)):
        home = tmp_path / f"point-{point}"
        kill_at(home, "multiprocess", signum, points.uniform(0, length * 1.05))
        check_instance(home, "multiprocess", signum)


CONCURRENT_RUNNER = """
import sys
import opbook.executors.run as run_module
from opbook import DagsterInstance, execute_pipeline

run_module.FLUSH_EVERY = 1
run_module.CHECK_EVERY = 1
home, go, source = sys.argv[1:4]
namespace = {"__name__": "fault_job"}
exec(source, namespace)
instance = DagsterInstance.local(home)
while not __import__("os").path.exists(go):
    __import__("time").sleep(0.001)
assert execute_pipeline(namespace["in_process"], instance=instance).success
"""


@pytest.mark.slow
def test_four_processes_writing_to_one_instance_at_once_lose_nothing(tmp_path):
    home, go = tmp_path / "home", tmp_path / "go"
    args = [sys.executable, "-c", CONCURRENT_RUNNER, str(home), str(go), JOB_SOURCE]
    DagsterInstance.local(str(home)).dispose()
    procs = [subprocess.Popen(args, stderr=subprocess.PIPE) for _ in range(4)]
    time.sleep(0.5)
    go.touch()  # all four start their runs together
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    with DagsterInstance.local(str(home)) as instance:
        runs = instance.get_runs()
        counts = {instance.get_event_count(run.run_id) for run in runs}
        logs = {len(instance.get_log_entries(run.run_id)) for run in runs}
        for run in runs:
            check_batches(instance, run.run_id)
            check_events(instance, run, signal.SIGKILL)
    assert [run.status for run in runs] == [PipelineRunStatus.SUCCESS] * 4
    assert len(counts) == 1 and len(logs) == 1  # every run stored all its events and lines
    assert logs == {2 + WIDTH * LINES}


def _can_mount() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and sys.platform.startswith("linux")


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs, unmounted at the end (needs root; skipped otherwise)."""
    if not _can_mount():
        pytest.skip("mounting a small tmpfs needs root on Linux")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


FILLING_JOB = """
from opbook import job, op

LINES = [1000]

@op
def chatty(context) -> int:
    for n in range(LINES[0]):
        context.log.debug(f"line {n} " + "x" * 1000)
    return 1

@job
def fills_the_disk():
    chatty()
"""


@pytest.mark.slow
def test_a_disk_that_fills_mid_run_leaves_the_run_failed_and_the_instance_usable(
    small_disk, monkeypatch
):
    monkeypatch.setattr("opbook.executors.run.FLUSH_EVERY", 1)
    monkeypatch.setattr("opbook.executors.run.CHECK_EVERY", 1)
    namespace: dict[str, Any] = {"__name__": "fault_job"}
    exec(FILLING_JOB, namespace)
    home, ballast = small_disk / "home", small_disk / "ballast"
    instance = DagsterInstance.local(str(home))
    ballast.write_bytes(b"0" * 600_000)
    with pytest.raises(Exception, match="disk is full"):
        namespace["fills_the_disk"].execute_in_process(instance=instance)
    (run,) = instance.get_runs()
    assert run.status == PipelineRunStatus.FAILURE
    # Space comes back: the instance opens, its log is whole, and the run can be re-executed.
    instance.dispose()
    ballast.unlink()
    with DagsterInstance.local(str(home)) as reopened:
        (run,) = reopened.get_runs()
        check_batches(reopened, run.run_id)
        kinds = [e.event_type_value for e in reopened.get_events(run.run_id)]
        assert kinds[0] == "PIPELINE_START"
        namespace["LINES"][0] = 10
        assert reexecute_pipeline(namespace["fills_the_disk"], run.run_id, instance=reopened)


class KillsItsPickler:
    """A value whose pickling kills the process writing it, half-way through its file."""

    def __reduce__(self) -> Any:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")


@op
def killed_mid_write() -> Any:
    return KillsItsPickler()


@job(resource_defs={"io_manager": fs_io_manager}, executor_def=multiprocess_executor)
def worker_killed_mid_write():
    killed_mid_write()


@pytest.mark.slow
def test_a_worker_killed_while_writing_a_value_leaves_no_temporary_file(tmp_path):
    with DagsterInstance.local(str(tmp_path)) as instance:
        result = execute_pipeline(worker_killed_mid_write, instance=instance, raise_on_error=False)
    failure = result.result_for_solid("killed_mid_write").compute_step_failure_event
    assert "killed by signal SIGKILL" in failure.message
    assert (tmp_path / "storage" / result.run_id).is_dir()
    assert not list(tmp_path.rglob(".tmp-*"))
