"""User-defined intermediate storage: value stores, asset stores (with AssetStoreContext) and
object stores, created with the run's resources and used for loading and re-execution."""

from __future__ import annotations

import pytest

from opbook import (
    AssetStoreContext,
    DagsterInstance,
    DagsterInvariantViolationError,
    ModeDefinition,
    OutputDefinition,
    build_intermediate_storage_from_object_store,
    default_intermediate_storage_defs,
    execute_pipeline,
    intermediate_storage,
    pipeline,
    reexecute_pipeline,
    resource,
    solid,
)


class DictAssetStore:
    """An asset store in the style of Dagster 0.9: keyed by the context's identifier."""

    def __init__(self):
        self.assets = {}
        self.contexts = []

    def set_asset(self, context, obj):
        self.contexts.append(context)
        self.assets[tuple(context.get_run_scoped_output_identifier())] = obj

    def get_asset(self, context):
        return self.assets[tuple(context.get_run_scoped_output_identifier())]

    def has_asset(self, context):
        return tuple(context.get_run_scoped_output_identifier()) in self.assets


ASSET_STORE = DictAssetStore()


@intermediate_storage(name="assets", is_persistent=True)
def asset_storage(init_context):
    return ASSET_STORE


@solid(output_defs=[OutputDefinition(int, asset_metadata={"table": "numbers"})])
def one(_):
    return 1


@solid
def plus_one(_, x):
    return x + 1


asset_mode = ModeDefinition(
    intermediate_storage_defs=[*default_intermediate_storage_defs, asset_storage]
)


@pipeline(mode_defs=[asset_mode])
def asset_pipeline():
    plus_one(one())


def test_an_asset_store_gets_an_asset_store_context():
    result = execute_pipeline(asset_pipeline, run_config={"intermediate_storage": {"assets": {}}})
    assert result.result_for_solid("plus_one").output_value() == 2
    context = next(c for c in ASSET_STORE.contexts if c.step_key == "one")
    assert isinstance(context, AssetStoreContext)
    assert context.output_name == "result"
    assert context.asset_metadata == {"table": "numbers"}
    assert context.pipeline_name == "asset_pipeline"
    assert context.solid_def is one
    assert context.source_run_id == result.run_id
    assert context.get_run_scoped_output_identifier() == [result.run_id, "one", "result"]
    handled = [e for e in result.event_list if e.event_type_value == "HANDLED_OUTPUT"]
    assert "assets" in handled[0].message


def test_reexecution_reads_the_parent_values_from_the_asset_store():
    config = {"intermediate_storage": {"assets": {}}}
    parent = execute_pipeline(asset_pipeline, run_config=config)
    child = reexecute_pipeline(
        asset_pipeline, parent.run_id, run_config=config, step_selection=["plus_one"]
    )
    assert child.result_for_solid("plus_one").output_value() == 2
    loaded = [c for c in ASSET_STORE.contexts if c.source_run_id == child.run_id]
    assert [c.step_key for c in loaded] == ["plus_one"]


class MemoryObjectStore:
    def __init__(self):
        self.objects = {}

    def set_object(self, key, obj, serialization_strategy):
        self.objects[key] = obj

    def get_object(self, key, serialization_strategy):
        return self.objects[key]

    def has_object(self, key):
        return key in self.objects


OBJECTS = MemoryObjectStore()


@resource(config_schema={"prefix": str})
def prefix_resource(init_context):
    return init_context.resource_config["prefix"]


@intermediate_storage(
    name="objects", required_resource_keys={"prefix"}, config_schema={"bucket": str}
)
def object_storage(init_context):
    bucket = init_context.intermediate_storage_config["bucket"]
    prefix = init_context.resources.prefix
    return build_intermediate_storage_from_object_store(
        OBJECTS, init_context, root_for_run_id=lambda run_id: f"{bucket}/{prefix}/{run_id}"
    )


@pipeline(
    mode_defs=[
        ModeDefinition(
            resource_defs={"prefix": prefix_resource},
            intermediate_storage_defs=[object_storage],
        )
    ]
)
def object_pipeline():
    plus_one(one())


def test_an_object_store_storage_with_config_and_resources():
    result = execute_pipeline(
        object_pipeline,
        run_config={
            "intermediate_storage": {"objects": {"config": {"bucket": "b"}}},
            "resources": {"prefix": {"config": {"prefix": "p"}}},
        },
    )
    assert result.success
    key = f"b/p/{result.run_id}/intermediates/plus_one/result"
    assert OBJECTS.objects[key] == 2
    assert result.result_for_solid("plus_one").output_value() == 2


def test_a_creation_function_returning_something_else_is_explained():
    @intermediate_storage(name="junk")
    def junk_storage(_):
        return 42

    @pipeline(mode_defs=[ModeDefinition(intermediate_storage_defs=[junk_storage])])
    def junk_pipeline():
        one()

    result = execute_pipeline(junk_pipeline, raise_on_error=False)
    assert not result.success
    failure = result.result_for_solid("one").failure_data
    assert "set_value/get_value/has_value" in failure.error.to_string()


def test_values_of_an_unknown_custom_storage_cannot_be_read_by_name():
    with pytest.raises(DagsterInvariantViolationError, match='intermediate storage "nowhere"'):
        DagsterInstance.ephemeral().value_store("nowhere")
