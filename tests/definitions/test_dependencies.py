"""A node's tags: its definition's tags under the invocation's own."""

from __future__ import annotations

from opbook import NodeInvocation, PipelineDefinition, solid


@solid(tags={"foo": "bar", "baz": "quux"})
def tagged(_context):
    pass


def test_a_nodes_tags_are_its_definitions_under_the_invocations() -> None:
    pipeline = PipelineDefinition(
        name="tag_pipeline",
        solid_defs=[tagged],
        dependencies={
            NodeInvocation("tagged", alias="aliased", tags={"foo": "oof", "bip": "bop"}): {}
        },
    )
    node = pipeline.solid_named("aliased")
    assert node.tags == {"foo": "oof", "baz": "quux", "bip": "bop"}
