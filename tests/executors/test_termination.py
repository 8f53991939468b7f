"""SIGTERM and SIGHUP end a run as Ctrl-C does, and workers do not outlive a driving process
that was killed.  Each test drives a run in a child Python process and signals it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

_SCRIPT = """
import os, sys, tempfile, time
from opbook import DagsterInstance, execute_pipeline, job, op

@op
def slow() -> int:
    with open(os.environ["MARKER"], "a") as marker:
        marker.write(f"{os.getpid()}\\n")
    time.sleep(120)
    return 1

@op
def after(x: int) -> int:
    return x

@job
def sleepy():
    after(slow())

if __name__ == "__main__":
    tempfile.tempdir = os.environ["TEMP_ROOT"]
    home = sys.argv[1]
    instance = DagsterInstance.ephemeral() if home == "ephemeral" else DagsterInstance.local(home)
    config = {"execution": {"config": {sys.argv[2]: {}}}}
    execute_pipeline(sleepy, run_config=config, instance=instance)
"""

_READ_BACK = """
import sys
from opbook import DagsterInstance
instance = DagsterInstance.local(sys.argv[1])
(run,) = instance.get_runs()
print(run.status.value)
print(" ".join(e.event_type_value for e in instance.get_events(run.run_id)))
print("|".join(e.message for e in instance.get_events(run.run_id) if e.event_type_value == "ENGINE_EVENT"))
"""


def start_run(
    tmp_path: Path, executor: str, home: str | None = None
) -> tuple[subprocess.Popen, int]:
    """A run of ``sleepy`` in a child process; returns it and the pid running ``slow``."""
    script, marker, temp_root = tmp_path / "run.py", tmp_path / "marker", tmp_path / "tmp"
    script.write_text(_SCRIPT)
    temp_root.mkdir()
    proc = subprocess.Popen(
        [sys.executable, str(script), home or str(tmp_path / "home"), executor],
        env=dict(os.environ, MARKER=str(marker), TEMP_ROOT=str(temp_root)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (marker.exists() and marker.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return proc, int(marker.read_text().split()[0])


def read_back(tmp_path: Path) -> tuple[str, list[str], str]:
    out = subprocess.run(
        [sys.executable, "-c", _READ_BACK, str(tmp_path / "home")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return out[0], out[1].split(), out[2]


def gone(pid: int, within: float = 15.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not os.path.exists(f"/proc/{pid}") or _is_zombie(pid):
            return True
        time.sleep(0.1)
    return False


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
@pytest.mark.parametrize("executor", ["in_process", "multiprocess"])
def test_a_terminating_signal_cancels_the_run_and_ends_the_process(tmp_path, executor, signum):
    proc, worker = start_run(tmp_path, executor)
    os.kill(proc.pid, signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == -signum, err  # the process still ends by the signal
    status, kinds, engine_messages = read_back(tmp_path)
    assert status == "CANCELED"
    assert kinds[0] == "PIPELINE_START" and kinds[-1] == "PIPELINE_CANCELED"
    assert f"The process received {signal.Signals(signum).name}" in engine_messages
    if executor == "multiprocess":
        assert "STEP_FAILURE" in kinds  # the step that was running is reported as interrupted
        assert gone(worker)


def test_values_shared_with_workers_in_a_temporary_directory_are_removed(tmp_path):
    proc, worker = start_run(tmp_path, "multiprocess", home="ephemeral")
    assert [p.name[:7] for p in (tmp_path / "tmp").iterdir()] == ["opbook-"]
    os.kill(proc.pid, signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGTERM
    assert gone(worker)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_workers_end_when_the_driving_process_is_killed(tmp_path):
    proc, worker = start_run(tmp_path, "multiprocess")
    assert worker != proc.pid
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert gone(worker)


def test_a_host_handler_for_sigterm_is_left_alone():
    script = """
import signal
from opbook import job, op
seen = []
signal.signal(signal.SIGTERM, lambda *_: seen.append("host"))
handler = signal.getsignal(signal.SIGTERM)

@op
def check() -> bool:
    return signal.getsignal(signal.SIGTERM) is handler

@job
def checking():
    check()

result = checking.execute_in_process()
print(result.output_for_node("check"), signal.getsignal(signal.SIGTERM) is handler)
print(signal.getsignal(signal.SIGHUP) is signal.SIG_DFL)
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["True", "True", "True"]
