"""Which process drives a run, and whether that process is still there.

A run records its process when it starts (pid, host, and on Linux the process's start time,
so that a pid the system has handed to another process since is not taken for the run's).  A
run left STARTED by a process that is gone (killed with SIGKILL, out of memory, a full disk)
can then be told from a run still going: see ``DagsterInstance.reconcile_dead_runs``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class RunProcess:
    """The process that drives a run."""

    pid: int
    hostname: str
    # Ticks since boot when the process started (/proc/PID/stat), where the system says.
    start_ticks: int | None = None

    def describe(self) -> str:
        return f"pid {self.pid} on {self.hostname}"


_this: RunProcess | None = None


def this_process() -> RunProcess:
    """This process (worked out again after a fork)."""
    global _this
    pid = os.getpid()
    if _this is None or _this.pid != pid:
        _this = RunProcess(pid, os.uname().nodename, _start_ticks(pid))
    return _this


def is_running(process: RunProcess) -> bool | None:
    """Whether ``process`` still runs; None when this machine cannot tell (another host)."""
    if process.hostname != os.uname().nodename:
        return None
    try:
        os.kill(process.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # a process of another user has that pid now, or still has it
    ticks = _start_ticks(process.pid)
    if ticks is not None and process.start_ticks is not None and ticks != process.start_ticks:
        return False  # the pid was reused
    return not _is_zombie(process.pid)


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name, or None off Linux."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _start_ticks(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[19]) if fields is not None and len(fields) > 19 else None


def _is_zombie(pid: int) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and fields[0] == "Z"
