"""The output-storage seam: jobs through IO managers, pipelines through intermediate storage."""

from __future__ import annotations

import os
from pathlib import Path

from opbook import (
    AssetKey,
    DagsterInstance,
    IOManager,
    ModeDefinition,
    Out,
    execute_pipeline,
    fs_io_manager,
    io_manager,
    job,
    mem_io_manager,
    op,
    pipeline,
    reexecute_pipeline,
)


@op
def one():
    return 1


@op
def add_one(x):
    return x + 1


def _messages(result, kind: str) -> list[str]:
    events = getattr(result, "all_events", None) or result.event_list
    return [e.message for e in events if e.event_type_value == kind]


def test_job_events_name_the_io_manager() -> None:
    @job
    def chain():
        add_one(one())

    result = chain.execute_in_process()
    assert (
        _messages(result, "HANDLED_OUTPUT")[0]
        == 'Handled output "result" using IO manager "io_manager"'
    )
    assert _messages(result, "LOADED_INPUT") == [
        'Loaded input "x" using input manager "io_manager", from output "result" of step "one"'
    ]


def test_a_job_outside_execute_in_process_pickles_under_the_storage_directory(
    tmp_path: Path,
) -> None:
    @job
    def chain():
        add_one(one())

    instance = DagsterInstance.ephemeral(str(tmp_path))
    result = execute_pipeline(chain, instance=instance)
    path = os.path.join(instance.storage_directory, result.run_id, "add_one", "result")
    assert os.path.exists(path)
    assert result.result_for_solid("add_one").output_value() == 2


def test_a_custom_io_manager_is_handed_contexts() -> None:
    seen: list[tuple[str, ...]] = []

    class Recording(IOManager):
        def __init__(self):
            self.values = {}

        def handle_output(self, context, obj):
            seen.append(tuple(context.get_output_identifier()[1:]))
            self.values[context.step_key] = obj

        def load_input(self, context):
            return self.values[context.upstream_output.step_key]

    @io_manager
    def recording(_):
        return Recording()

    @job(resource_defs={"io_manager": recording})
    def chain():
        add_one(one())

    assert chain.execute_in_process().output_for_node("add_one") == 2
    assert seen == [("one", "result"), ("add_one", "result")]


def test_an_output_with_an_asset_key_records_a_materialization() -> None:
    @op(out=Out(asset_key=AssetKey("table")))
    def table():
        return 1

    @job
    def assets():
        table()

    events = assets.execute_in_process().all_events
    kinds = [e.event_type_value for e in events if e.step_key == "table"]
    assert kinds.index("ASSET_MATERIALIZATION") < kinds.index("HANDLED_OUTPUT")


def test_a_failing_io_manager_fails_the_step_with_dagsters_message() -> None:
    class Broken(IOManager):
        def handle_output(self, context, obj):
            raise ValueError("disk full")

        def load_input(self, context):
            return None

    @job(resource_defs={"io_manager": io_manager(lambda _: Broken())})
    def broken():
        one()

    result = broken.execute_in_process(raise_on_error=False)
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert (
        'Error occurred while handling output "result" of step "one":'
        in failure.step_failure_data.error.message
    )


def test_a_pipeline_mode_with_an_io_manager_uses_it() -> None:
    @pipeline(mode_defs=[ModeDefinition(resource_defs={"io_manager": mem_io_manager})])
    def chain():
        add_one(one())

    result = execute_pipeline(chain)
    assert _messages(result, "HANDLED_OUTPUT")[0].endswith('using IO manager "io_manager"')


def test_reexecution_loads_the_parents_fs_outputs(tmp_path: Path) -> None:
    @job(resource_defs={"io_manager": fs_io_manager})
    def chain():
        add_one(one())

    instance = DagsterInstance.ephemeral(str(tmp_path))
    parent = execute_pipeline(chain, instance=instance)
    child = reexecute_pipeline(chain, parent.run_id, step_selection=["add_one"], instance=instance)
    assert child.success
    assert child.result_for_solid("add_one").output_value() == 2


class _TableManager(IOManager):
    def handle_output(self, context, obj):
        pass

    def load_input(self, context):
        return None

    def get_output_asset_key(self, context):
        return AssetKey(["tables", context.name])


def test_an_io_manager_asset_key_records_a_materialization_in_the_catalog() -> None:
    @op(out=Out(io_manager_key="tables"))
    def make():
        return 1

    @job(resource_defs={"tables": io_manager(lambda _: _TableManager())})
    def tables_job():
        make()

    instance = DagsterInstance.ephemeral()
    result = tables_job.execute_in_process(instance=instance)

    assert [e.asset_key for e in result.all_events if e.is_step_materialization] == [
        AssetKey(["tables", "result"])
    ]
    assert instance.all_asset_keys() == [AssetKey(["tables", "result"])]


def test_an_asset_key_from_both_the_output_and_its_manager_is_an_error() -> None:
    @op(out=Out(io_manager_key="tables", asset_key=AssetKey("mine")))
    def make():
        return 1

    @job(resource_defs={"tables": io_manager(lambda _: _TableManager())})
    def both_job():
        make()

    result = both_job.execute_in_process(raise_on_error=False)

    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert 'Both the OutputDefinition and the IOManager of output "result"' in (
        failure.step_failure_data.error.message
    )


def test_metadata_a_manager_yields_goes_on_its_handled_output_event() -> None:
    from opbook import EventMetadataEntry

    class Counting(IOManager):
        def handle_output(self, context, obj):
            yield EventMetadataEntry.int(len(obj), label="number of rows")

        def load_input(self, context):
            return None

    @op(out=Out(io_manager_key="tables"))
    def rows():
        return [1, 2, 3]

    @job(resource_defs={"tables": io_manager(lambda _: Counting())})
    def rows_job():
        rows()

    result = rows_job.execute_in_process()

    [handled] = [e for e in result.all_events if e.event_type_value == "HANDLED_OUTPUT"]
    [entry] = handled.event_specific_data.metadata_entries
    assert (entry.label, entry.entry_data.value) == ("number of rows", 3)


def test_a_manager_returning_something_else_fails_the_step_naming_the_type() -> None:
    class Chatty(IOManager):
        def handle_output(self, context, obj):
            return "stored!"

        def load_input(self, context):
            return None

    @op(out=Out(io_manager_key="chatty"))
    def make():
        return 1

    @job(resource_defs={"chatty": io_manager(lambda _: Chatty())})
    def chatty_job():
        make()

    result = chatty_job.execute_in_process(raise_on_error=False)

    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert (
        "IO manager on output result has returned value 'stored!' of type str"
        in failure.step_failure_data.error.message
    )
