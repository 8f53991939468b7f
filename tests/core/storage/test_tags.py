"""opbook.core.storage.tags: the tag names match the tags opbook puts on runs."""

from __future__ import annotations

from opbook import DagsterInstance, execute_pipeline, pipeline, reexecute_pipeline, solid
from opbook.core.storage.tags import MEMOIZED_RUN_TAG, PARENT_RUN_ID_TAG, ROOT_RUN_ID_TAG


def test_a_reexecuted_run_carries_the_parent_and_root_tags_by_these_names() -> None:
    @solid
    def one() -> int:
        return 1

    @pipeline
    def numbers() -> None:
        one()

    instance = DagsterInstance.ephemeral()
    parent = execute_pipeline(numbers, instance=instance)
    child = reexecute_pipeline(numbers, parent.run_id, instance=instance)

    tags = instance.get_run_by_id(child.run_id).tags
    assert tags[PARENT_RUN_ID_TAG] == parent.run_id
    assert tags[ROOT_RUN_ID_TAG] == parent.run_id


def test_the_memoized_run_tag_is_dagsters() -> None:
    assert MEMOIZED_RUN_TAG == "dagster/is_memoized_run"
