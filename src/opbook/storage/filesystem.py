"""Output values pickled to files: ``<base_dir>/<run_id>/intermediates/<step_key>/<output>``.

Writes are atomic (a temporary file in the same directory, then ``os.replace``), so a crash
mid-write never leaves a half-written value for a later run to load.  Directories are created
owner-only (0700) and files 0600.  Every path is checked to stay inside ``base_dir``: a step
key or output name with ``..`` or a path separator cannot point outside it.
"""

from __future__ import annotations

import os
import pickle
from typing import IO, Any

from opbook.definitions.atomic_files import write_atomically
from opbook.errors import DagsterObjectStoreError


def _safe_part(part: str, what: str) -> str:
    if not part or part in (".", "..") or "/" in part or "\\" in part or "\0" in part:
        raise DagsterObjectStoreError(
            f"Refusing to store a value under the {what} {part!r}: it is not a plain name."
        )
    return part


def _dump(value: Any, handle: IO[bytes]) -> None:
    """Pickle ``value``; values of classes defined in a notebook or ``__main__`` cannot be
    pickled by reference, and are pickled by value with cloudpickle instead."""
    try:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        import cloudpickle  # 50 ms to import: only when a value needs it

        handle.seek(0)
        handle.truncate()
        cloudpickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)


def make_private_dir(path: str) -> None:
    """Create ``path`` and any missing parents owner-only (``os.makedirs`` gives the mode to
    the last directory only)."""
    missing = []
    current = os.path.abspath(path)
    while not os.path.isdir(current):
        missing.append(current)
        current = os.path.dirname(current)
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:  # made meanwhile by another process
            pass


class FilesystemValueStore:
    name = "filesystem"
    is_persistent = True

    def __init__(self, base_dir: str) -> None:
        self.base_dir = os.path.realpath(os.path.expanduser(base_dir))
        make_private_dir(self.base_dir)

    def path_for(self, run_id: str, step_key: str, output_name: str) -> str:
        parts = [_safe_part(run_id, "run id"), "intermediates"]
        # A step key is dotted ("comp.inner"); each part must itself be a plain name.
        for piece in step_key.split("."):
            _safe_part(piece, "step key")
        parts += [step_key, _safe_part(output_name, "output name")]
        path = os.path.realpath(os.path.join(self.base_dir, *parts))
        if os.path.commonpath([path, self.base_dir]) != self.base_dir:
            raise DagsterObjectStoreError(
                f"The path {path} lies outside the storage directory {self.base_dir}."
            )
        return path

    def set_value(self, run_id: str, step_key: str, output_name: str, value: Any) -> str:
        path = self.path_for(run_id, step_key, output_name)
        directory = os.path.dirname(path)
        make_private_dir(directory)
        write_atomically(path, lambda handle: _dump(value, handle))
        return path

    def get_value(self, run_id: str, step_key: str, output_name: str) -> Any:
        path = self.path_for(run_id, step_key, output_name)
        try:
            with open(path, "rb") as handle:
                return pickle.load(handle)
        except FileNotFoundError:
            raise KeyError((run_id, step_key, output_name)) from None
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
            raise DagsterObjectStoreError(
                f'Could not load output "{output_name}" of step "{step_key}" of run {run_id} '
                f"from {path}: {exc!r}"
            ) from exc

    def has_value(self, run_id: str, step_key: str, output_name: str) -> bool:
        return os.path.exists(self.path_for(run_id, step_key, output_name))

    def describe(self) -> str:
        return f"in the filesystem at {self.base_dir}"
