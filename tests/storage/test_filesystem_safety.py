"""Stored data stays private and whole: owner-only permissions, no path escapes, atomic writes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap

import pytest

from opbook import DagsterInstance
from opbook.errors import DagsterObjectStoreError
from opbook.storage.filesystem import FilesystemValueStore


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_values_are_owner_only(tmp_path):
    store = FilesystemValueStore(str(tmp_path / "values"))
    path = store.set_value("run1", "comp.inner", "result", 42)
    assert mode_of(path) == 0o600
    assert mode_of(tmp_path / "values") == 0o700
    assert mode_of(tmp_path / "values" / "run1") == 0o700
    assert mode_of(os.path.dirname(path)) == 0o700


def test_sqlite_instance_is_owner_only(tmp_path):
    instance = DagsterInstance.local(str(tmp_path / "home"))
    assert mode_of(tmp_path / "home") == 0o700
    assert mode_of(tmp_path / "home" / "opbook.db") == 0o600
    assert mode_of(instance.storage_directory) == 0o700


@pytest.mark.parametrize(
    ("run_id", "step_key", "output_name"),
    [
        ("..", "a", "result"),
        ("r", "../../etc", "result"),
        ("r", "a..b/../c", "result"),
        ("r", "comp..inner", "result"),
        ("r", "a", "../../passwd"),
        ("r", "a", "sub/name"),
        ("r/../x", "a", "result"),
        ("r", "a", ""),
    ],
)
def test_paths_cannot_escape_the_base_directory(tmp_path, run_id, step_key, output_name):
    store = FilesystemValueStore(str(tmp_path / "values"))
    with pytest.raises(DagsterObjectStoreError, match="not a plain name"):
        store.set_value(run_id, step_key, output_name, 1)
    with pytest.raises(DagsterObjectStoreError):
        store.get_value(run_id, step_key, output_name)
    assert not any(p.name == "passwd" for p in tmp_path.rglob("*"))


def test_a_symlink_out_of_the_base_directory_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    base = tmp_path / "values"
    store = FilesystemValueStore(str(base))
    os.symlink(outside, base / "run1")
    with pytest.raises(DagsterObjectStoreError, match="outside the storage directory"):
        store.set_value("run1", "a", "result", 1)
    assert list(outside.iterdir()) == []


class ExplodingLater:
    def __getstate__(self):
        raise RuntimeError("disk on fire")


def test_a_failed_write_leaves_the_previous_value_and_no_temporary_file(tmp_path):
    store = FilesystemValueStore(str(tmp_path))
    path = store.set_value("r", "a", "result", "first")
    with pytest.raises(Exception, match="disk on fire"):
        store.set_value("r", "a", "result", {"big": list(range(1000)), "bad": ExplodingLater()})
    assert store.get_value("r", "a", "result") == "first"
    assert os.listdir(os.path.dirname(path)) == ["result"]


def test_a_crash_mid_write_leaves_no_readable_half_value(tmp_path):
    script = textwrap.dedent(
        f"""
        import os
        from opbook.storage.filesystem import FilesystemValueStore

        class Crash:
            def __reduce__(self):
                os._exit(7)  # the process dies while the value is being written

        store = FilesystemValueStore({str(tmp_path)!r})
        store.set_value("r", "a", "result", ["x" * 100_000, Crash()])
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert proc.returncode == 7
    store = FilesystemValueStore(str(tmp_path))
    assert not store.has_value("r", "a", "result")
    with pytest.raises(KeyError):
        store.get_value("r", "a", "result")
    leftovers = [p.name for p in (tmp_path / "r" / "intermediates" / "a").iterdir()]
    assert all(name.startswith(".tmp-") for name in leftovers)
