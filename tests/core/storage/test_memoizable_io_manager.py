"""opbook.core.storage.memoizable_io_manager: the versioned filesystem IO manager at the path
Dagster 0.13's memoization docs import it from."""

from __future__ import annotations

from pathlib import Path

from opbook import DagsterInstance, VersionStrategy, job, op
from opbook.core.storage.memoizable_io_manager import (
    MemoizableIOManager,
    versioned_filesystem_io_manager,
)
from opbook.core.storage.tags import MEMOIZED_RUN_TAG


class EveryOpIsVersionOne(VersionStrategy):
    def get_solid_version(self, context: object) -> str:
        return "1"


def test_a_memoized_rerun_through_the_imported_manager_reuses_the_stored_output(
    tmp_path: Path,
) -> None:
    calls: list[str] = []

    @op
    def emit() -> int:
        calls.append("emit")
        return 3

    @job(
        resource_defs={
            "io_manager": versioned_filesystem_io_manager.configured({"base_dir": str(tmp_path)})
        },
        version_strategy=EveryOpIsVersionOne(),
        tags={MEMOIZED_RUN_TAG: "true"},
    )
    def memoized() -> None:
        emit()

    instance = DagsterInstance.ephemeral()
    first = memoized.execute_in_process(instance=instance)
    second = memoized.execute_in_process(instance=instance)

    assert first.success and second.success
    assert calls == ["emit"]
    assert second.output_for_node("emit") == 3


def test_the_manager_it_builds_is_memoizable(tmp_path: Path) -> None:
    from opbook import build_init_resource_context

    manager = versioned_filesystem_io_manager.resource_fn(
        build_init_resource_context(config={"base_dir": str(tmp_path)})
    )
    assert isinstance(manager, MemoizableIOManager)
