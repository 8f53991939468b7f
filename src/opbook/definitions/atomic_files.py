"""Files written whole or not at all, and the temporary files a killed writer leaves.

A value is pickled to a temporary file in the directory of its final path, then renamed over
it (``os.replace`` is atomic within a filesystem), so a reader never sees half a value.  A
writer killed between the two (SIGKILL, out of memory, a worker process that dies) leaves its
temporary file behind; the name says which process wrote it (``.tmp-<pid>-<random>.pickle``),
so ``remove_abandoned_temp_files`` can tell an abandoned file from one being written now.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import IO

TEMP_PREFIX = ".tmp-"
TEMP_SUFFIX = ".pickle"


def write_atomically(path: str, dump: Callable[[IO[bytes]], None]) -> None:
    """Write ``path`` with ``dump(handle)``: the file appears whole (0600) or not at all."""
    directory = os.path.dirname(path)
    # mkstemp creates the file 0600; it becomes the value only by the atomic rename.
    fd, tmp = tempfile.mkstemp(
        dir=directory, prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=TEMP_SUFFIX
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            dump(handle)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _writer_pid(name: str) -> int | None:
    if not (name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)):
        return None
    pid, _, _ = name[len(TEMP_PREFIX) :].partition("-")
    return int(pid) if pid.isdigit() else None


def _is_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # a process of another user has that pid
    return False


def remove_abandoned_temp_files(directory: str) -> list[str]:
    """Remove the temporary files under ``directory`` whose writer is this process (it is not
    writing them now: call this when its run has ended) or a process that is gone.

    Returns:
        The paths removed.
    """
    removed = []
    here = os.getpid()
    for folder, _, names in os.walk(directory):
        for name in names:
            pid = _writer_pid(name)
            if pid is not None and (pid == here or _is_gone(pid)):
                path = os.path.join(folder, name)
                try:
                    os.unlink(path)
                except FileNotFoundError:  # removed meanwhile by another process
                    continue
                removed.append(path)
    return removed
