"""Stored data: owner-only permissions whatever the umask, no way out of the storage
directory (for writing or for loading), and pickle inputs from run config only on request."""

from __future__ import annotations

import os
import pickle
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from opbook import (
    Any,
    DagsterInstance,
    In,
    execute_pipeline,
    fs_io_manager,
    job,
    op,
    pipeline,
)
from opbook.config import describe
from opbook.definitions.run_config import run_config_schema
from opbook.errors import DagsterObjectStoreError
from opbook.storage.filesystem import FilesystemValueStore
from opbook.storage.sqlite import SqliteStorage

DOCS = Path(__file__).resolve().parents[2] / "docs"


def mode_of(path: Path | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """No umask: the permissions are the ones opbook asks for, not the process's defaults."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def assert_owner_only(root: Path) -> list[Path]:
    """Every directory under ``root`` (and itself) is 0700, every file 0600; returns them."""
    everything = [root, *root.rglob("*")]
    for path in everything:
        assert mode_of(path) == (0o700 if path.is_dir() else 0o600), path
    return everything


class Boobytrap:
    """Unpickling it runs code: it creates the file at ``marker``."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


@op
def make() -> int:
    return 41


@op
def bump(x: int) -> int:
    return x + 1


@job
def two_steps():
    bump(make())


FILESYSTEM = {"intermediate_storage": {"filesystem": {}}}


@pipeline
def two_steps_pipeline():
    bump(make())


def test_fs_io_manager_files_under_a_configured_base_dir_are_owner_only(tmp_path, open_umask):
    base = tmp_path / "values" / "here"
    config = {"resources": {"io_manager": {"config": {"base_dir": str(base)}}}}

    @job(resource_defs={"io_manager": fs_io_manager})
    def on_disk():
        bump(make())

    result = execute_pipeline(on_disk, run_config=config, instance=DagsterInstance.ephemeral())
    assert result.output_for_solid("bump") == 42
    files = [p for p in assert_owner_only(tmp_path / "values") if p.is_file()]
    assert len(files) == 2  # one value per step


# -- permissions --------------------------------------------------------------------------------


def test_a_sqlite_instance_is_owner_only_with_its_wal_files(tmp_path, open_umask):
    home = tmp_path / "deep" / "home"
    with DagsterInstance.local(str(home)) as instance:
        result = execute_pipeline(two_steps, run_config=FILESYSTEM, instance=instance)
        assert result.success
        names = {path.name for path in assert_owner_only(tmp_path / "deep")}
    assert {"opbook.db", "opbook.db-wal", "opbook.db-shm", "storage"} <= names
    assert any(name == "bump" for name in names)  # the values of the run, in storage/


def test_the_sqlite_file_is_owner_only_before_sqlite_opens_it(tmp_path, open_umask):
    path = tmp_path / "runs.db"
    SqliteStorage(str(path))
    assert mode_of(path) == 0o600


def test_filesystem_storage_under_a_configured_base_dir_is_owner_only(tmp_path, open_umask):
    base = tmp_path / "values" / "here"
    config = {"intermediate_storage": {"filesystem": {"config": {"base_dir": str(base)}}}}
    result = execute_pipeline(
        two_steps_pipeline, run_config=config, instance=DagsterInstance.ephemeral()
    )
    assert result.output_for_solid("bump") == 42
    files = [p for p in assert_owner_only(tmp_path / "values") if p.is_file()]
    assert len(files) == 2  # one value per step


@pytest.mark.slow
def test_the_multiprocess_executors_storage_is_owner_only(tmp_path, open_umask):
    home = tmp_path / "home"
    with DagsterInstance.local(str(home)) as instance:
        config = {"execution": {"config": {"multiprocess": {}}}}
        assert execute_pipeline(two_steps, run_config=config, instance=instance).success
        assert_owner_only(home)


# -- no way out of the base directory -------------------------------------------------------


ESCAPES = [
    ("..", "make", "result"),  # the run id
    ("run", "..", "result"),
    ("run", "../outside", "result"),
    ("run", "comp/../../outside", "result"),
    ("run", "make", "../../../outside"),
    ("run", "make", "sub/outside"),
    ("run", "make", "/abs/outside"),
]


@pytest.mark.parametrize(("run_id", "step_key", "output_name"), ESCAPES)
def test_a_value_cannot_be_written_outside_the_base_dir(tmp_path, run_id, step_key, output_name):
    store = FilesystemValueStore(str(tmp_path / "base"))
    with pytest.raises(DagsterObjectStoreError, match="not a plain name"):
        store.set_value(run_id, step_key, output_name, "written")
    outside = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert outside == []


@pytest.mark.parametrize(("run_id", "step_key", "output_name"), ESCAPES)
def test_a_value_cannot_be_loaded_from_outside_the_base_dir(
    tmp_path, run_id, step_key, output_name
):
    # A pickle planted where the escaping names would lead: loading it would run its code.
    bait = pickle.dumps(Boobytrap(str(tmp_path / "ran")))
    for where in ("outside", "abs/outside", "sub/outside", "base/outside", "result"):
        (tmp_path / where).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / where).write_bytes(bait)
    store = FilesystemValueStore(str(tmp_path / "base" / "inner"))

    with pytest.raises(DagsterObjectStoreError, match="not a plain name"):
        store.get_value(run_id, step_key, output_name)
    with pytest.raises(DagsterObjectStoreError, match="not a plain name"):
        store.has_value(run_id, step_key, output_name)
    assert not (tmp_path / "ran").exists()


def test_a_symlink_out_of_the_base_dir_is_not_followed_when_loading(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "result").write_bytes(pickle.dumps(Boobytrap(str(tmp_path / "ran"))))
    base = tmp_path / "base"
    store = FilesystemValueStore(str(base))
    step_dir = base / "run" / "intermediates"
    step_dir.mkdir(parents=True)
    os.symlink(outside, step_dir / "make")

    with pytest.raises(DagsterObjectStoreError, match="outside the storage directory"):
        store.get_value("run", "make", "result")
    assert not (tmp_path / "ran").exists()


# -- pickle inputs from run config ----------------------------------------------------------


@op(ins={"thing": In(Any)})
def takes_anything(thing) -> str:
    return repr(thing)


@job
def fed_from_config():
    takes_anything()


def pickle_input(path: Path, **more) -> dict:
    return {
        "ops": {"takes_anything": {"inputs": {"thing": {"pickle": {"path": str(path), **more}}}}}
    }


def test_a_pickle_input_is_refused_unless_trusted(tmp_path):
    marker = tmp_path / "code-ran"
    path = tmp_path / "input.pickle"
    path.write_bytes(pickle.dumps(Boobytrap(str(marker))))

    result = fed_from_config.execute_in_process(run_config=pickle_input(path), raise_on_error=False)

    assert not result.success
    assert not marker.exists()  # refused before the file was opened
    (failure,) = [e for e in result.event_list if e.is_step_failure]
    message = failure.event_specific_data.error.message
    assert 'input "thing"' in message
    assert str(path) in message
    assert "loads and runs code from that file" in message
    assert "trust: true" in message


def test_a_refused_pickle_input_raises_with_the_way_to_opt_in(tmp_path):
    path = tmp_path / "input.pickle"
    path.write_bytes(pickle.dumps([1, 2]))
    with pytest.raises(Exception, match=r"loads and runs code.*trust: true"):
        fed_from_config.execute_in_process(run_config=pickle_input(path))


def test_a_trusted_pickle_input_is_loaded(tmp_path):
    path = tmp_path / "input.pickle"
    path.write_bytes(pickle.dumps({"a": [1, 2]}))
    result = fed_from_config.execute_in_process(run_config=pickle_input(path, trust=True))
    assert result.output_for_node("takes_anything") == "{'a': [1, 2]}"


def test_trust_false_is_refused_too(tmp_path):
    path = tmp_path / "input.pickle"
    path.write_bytes(pickle.dumps(1))
    result = fed_from_config.execute_in_process(
        run_config=pickle_input(path, trust=False), raise_on_error=False
    )
    assert not result.success


def test_json_inputs_need_no_opt_in(tmp_path):
    path = tmp_path / "input.json"
    path.write_text('{"value": [1, 2]}')
    config = {"ops": {"takes_anything": {"inputs": {"thing": {"json": {"path": str(path)}}}}}}
    result = fed_from_config.execute_in_process(run_config=config)
    assert result.output_for_node("takes_anything") == "[1, 2]"


def _field(description: dict, name: str) -> dict:
    return next(f for f in description["fields"] if f["name"] == name)


def test_the_pickle_loader_says_what_loading_does():
    schema = run_config_schema(fed_from_config, fed_from_config.get_mode_definition())
    ops = _field(describe(schema), "ops")["type"]
    inputs = _field(_field(ops, "takes_anything")["type"], "inputs")["type"]
    selector = _field(inputs, "thing")["type"]
    loader = _field(selector, "pickle")
    assert "loads and runs code from that file" in loader["description"]
    trust = _field(loader["type"], "trust")
    assert trust["default"] is False
    assert "loads and runs code from that file" in trust["description"]


def test_the_docs_say_what_loading_a_pickle_does():
    for page in ("storage.md", "security.md"):
        text = " ".join((DOCS / page).read_text().split())
        assert "loads and runs code from that file" in text, page
        assert "trust: true" in text, page
