"""The memoizable filesystem managers, used directly through build_*_context."""

from __future__ import annotations

import os

from opbook import (
    DagsterInstance,
    MemoizableIOManager,
    PickledObjectFilesystemIOManager,
    build_init_resource_context,
    build_input_context,
    build_output_context,
)
from opbook.definitions.memoizable_io_manager import (
    VersionedPickledObjectFilesystemIOManager,
    versioned_filesystem_io_manager,
)


def test_versioned_manager_finds_an_output_by_its_version(tmp_path) -> None:
    store = VersionedPickledObjectFilesystemIOManager(str(tmp_path))
    context = build_output_context(step_key="foo", name="bar", version="version1")
    store.handle_output(context, "cat")
    assert store.has_output(context)
    assert store.load_input(build_input_context(upstream_output=context)) == "cat"


def test_versioned_manager_does_not_find_another_version(tmp_path) -> None:
    store = VersionedPickledObjectFilesystemIOManager(str(tmp_path))
    store.handle_output(build_output_context(step_key="foo", name="bar", version="v1"), "cat")
    assert not store.has_output(build_output_context(step_key="foo", name="bar", version="v2"))


def test_versioned_manager_defaults_under_the_instance_storage(tmp_path) -> None:
    instance = DagsterInstance.local(str(tmp_path))
    manager = versioned_filesystem_io_manager.resource_fn(
        build_init_resource_context(instance=instance)
    )
    assert manager.base_dir == os.path.join(instance.storage_directory, "versioned_outputs")


def test_fs_manager_is_memoizable_and_keys_by_version(tmp_path) -> None:
    store = PickledObjectFilesystemIOManager(str(tmp_path))
    context = build_output_context(step_key="foo", name="bar", version="v1", run_id="r")
    store.handle_output(context, 5)
    assert isinstance(store, MemoizableIOManager)
    assert os.path.isfile(os.path.join(str(tmp_path), "versioned_outputs", "v1", "foo", "bar"))
    assert store.has_output(context)
