"""DagsterEventType and DagsterEvent: every member, alias, predicate and payload accessor of both
generations, on events of a real run."""

from __future__ import annotations

import json
import pickle

import pytest

from opbook import DagsterEvent, DagsterEventType, In, Out, Output, SolidHandle, job, op
from opbook.errors import CheckError
from opbook.events import (
    EVENT_TYPE_VALUE_TO_DISPLAY_STRING,
    FAILURE_EVENTS,
    HOOK_EVENTS,
    PIPELINE_EVENTS,
    STEP_EVENTS,
    StepHandle,
    StepKind,
    StepOutputHandle,
)

ET = DagsterEventType

CANONICAL_ORDER = [
    "STEP_OUTPUT",
    "STEP_INPUT",
    "STEP_FAILURE",
    "STEP_START",
    "STEP_SUCCESS",
    "STEP_SKIPPED",
    "STEP_UP_FOR_RETRY",
    "STEP_RESTARTED",
    "ASSET_MATERIALIZATION",
    "ASSET_OBSERVATION",
    "STEP_EXPECTATION_RESULT",
    "RUN_ENQUEUED",
    "RUN_DEQUEUED",
    "RUN_STARTING",
    "RUN_START",
    "RUN_SUCCESS",
    "RUN_FAILURE",
    "RUN_CANCELING",
    "RUN_CANCELED",
    "PIPELINE_INIT_FAILURE",
    "OBJECT_STORE_OPERATION",
    "ASSET_STORE_OPERATION",
    "LOADED_INPUT",
    "HANDLED_OUTPUT",
    "ENGINE_EVENT",
    "HOOK_COMPLETED",
    "HOOK_ERRORED",
    "HOOK_SKIPPED",
    "ALERT_START",
    "ALERT_SUCCESS",
    "LOGS_CAPTURED",
]


# -- DagsterEventType ---------------------------------------------------------------------------


def test_canonical_members_in_dagster_013_order() -> None:
    assert [member.name for member in DagsterEventType] == CANONICAL_ORDER


@pytest.mark.parametrize(
    ("run_name", "pipeline_name"),
    [
        ("RUN_ENQUEUED", "PIPELINE_ENQUEUED"),
        ("RUN_DEQUEUED", "PIPELINE_DEQUEUED"),
        ("RUN_STARTING", "PIPELINE_STARTING"),
        ("RUN_START", "PIPELINE_START"),
        ("RUN_SUCCESS", "PIPELINE_SUCCESS"),
        ("RUN_FAILURE", "PIPELINE_FAILURE"),
        ("RUN_CANCELING", "PIPELINE_CANCELING"),
        ("RUN_CANCELED", "PIPELINE_CANCELED"),
    ],
)
def test_pipeline_names_are_aliases_keeping_pipeline_values(
    run_name: str, pipeline_name: str
) -> None:
    member = DagsterEventType[run_name]
    assert DagsterEventType[pipeline_name] is member
    assert member.name == run_name
    assert member.value == pipeline_name
    assert DagsterEventType(pipeline_name) is member
    assert EVENT_TYPE_VALUE_TO_DISPLAY_STRING[pipeline_name] == run_name


def test_step_materialization_aliases_asset_materialization() -> None:
    assert ET.STEP_MATERIALIZATION is ET.ASSET_MATERIALIZATION
    assert ET.STEP_MATERIALIZATION.value == "ASSET_MATERIALIZATION"


def test_every_member_of_dagster_09_exists() -> None:
    names_09 = [
        "STEP_OUTPUT",
        "STEP_INPUT",
        "STEP_FAILURE",
        "STEP_START",
        "STEP_SUCCESS",
        "STEP_SKIPPED",
        "STEP_UP_FOR_RETRY",
        "STEP_RESTARTED",
        "STEP_MATERIALIZATION",
        "STEP_EXPECTATION_RESULT",
        "PIPELINE_INIT_FAILURE",
        "PIPELINE_ENQUEUED",
        "PIPELINE_DEQUEUED",
        "PIPELINE_START",
        "PIPELINE_SUCCESS",
        "PIPELINE_FAILURE",
        "OBJECT_STORE_OPERATION",
        "ASSET_STORE_OPERATION",
        "ENGINE_EVENT",
        "HOOK_COMPLETED",
        "HOOK_ERRORED",
        "HOOK_SKIPPED",
    ]
    for name in names_09:
        assert name in DagsterEventType.__members__


def test_unknown_value_is_rejected() -> None:
    with pytest.raises(ValueError):
        DagsterEventType("NOT_A_TYPE")


@pytest.mark.parametrize("member", list(DagsterEventType.__members__.values()))
def test_members_are_their_string_values(member: DagsterEventType) -> None:
    assert member == member.value and member.value == member
    assert hash(member) == hash(member.value)
    assert member in {member.value} and member.value in {member}
    assert {member.value: 1}[member] == 1
    assert type(member.value) is str


def test_members_show_as_dagsters_plain_enum_does() -> None:
    member = ET.STEP_START
    assert str(member) == format(member) == f"{member}" == "DagsterEventType.STEP_START"
    assert f"{member:>30}" == "   DagsterEventType.STEP_START"
    assert repr(member) == "<DagsterEventType.STEP_START: 'STEP_START'>"
    assert str(ET.PIPELINE_START) == "DagsterEventType.RUN_START"


def test_an_event_keeps_the_plain_string_whatever_it_is_given() -> None:
    for given in (ET.RUN_FAILURE, "PIPELINE_FAILURE"):
        event = DagsterEvent(given, "job")
        assert type(event.event_type_value) is str
        assert event.event_type_value == "PIPELINE_FAILURE"
        assert event.event_type is ET.RUN_FAILURE
        assert repr(event) == "DagsterEvent(PIPELINE_FAILURE, message=None)"
    assert type(DagsterEvent.run_event(ET.RUN_START, "job", "").event_type_value) is str


def test_category_sets() -> None:
    assert {ET.LOADED_INPUT, ET.HANDLED_OUTPUT, ET.STEP_RESTARTED} <= STEP_EVENTS
    assert ET.ENGINE_EVENT not in STEP_EVENTS
    assert not HOOK_EVENTS & STEP_EVENTS
    assert ET.LOGS_CAPTURED not in STEP_EVENTS
    assert {ET.RUN_FAILURE, ET.STEP_FAILURE, ET.RUN_CANCELED} <= FAILURE_EVENTS
    assert ET.RUN_STARTING in PIPELINE_EVENTS
    assert ET.STEP_START not in PIPELINE_EVENTS


# -- DagsterEvent on a real run -----------------------------------------------------------------


@op(out={"a": Out(int), "b": Out(is_required=False)})
def produce() -> object:
    yield Output(1, "a")


@op(ins={"x": In(int)})
def consume(x: int) -> int:
    return x + 1


@job
def two_ops() -> None:
    a, _b = produce()
    consume(a)


@pytest.fixture(scope="module")
def events() -> list[DagsterEvent]:
    return two_ops.execute_in_process().all_events


def first(
    events: list[DagsterEvent], event_type: DagsterEventType, key: str | None = None
) -> DagsterEvent:
    return next(
        e for e in events if e.event_type is event_type and (key is None or e.step_key == key)
    )


def test_fields_of_a_step_event(events: list[DagsterEvent]) -> None:
    event = first(events, ET.STEP_START, "consume")
    assert event.event_type_value == "STEP_START"
    assert event.event_type is ET.STEP_START
    assert event.pipeline_name == "two_ops"
    assert event.step_key == "consume"
    assert event.solid_handle == SolidHandle("consume")
    assert event.solid_name == "consume"
    assert event.step_handle == StepHandle(SolidHandle("consume"), "consume")
    assert event.step_handle.to_key() == "consume"
    assert event.step_kind_value == "COMPUTE"
    assert event.step_kind is StepKind.COMPUTE
    assert event.logging_tags["step_key"] == "consume"
    assert event.logging_tags["pipeline_name"] == "two_ops"
    assert isinstance(event.pid, int)
    assert event.message == 'Started execution of step "consume".'


def test_fields_of_a_run_event(events: list[DagsterEvent]) -> None:
    event = events[0]
    assert event.event_type is ET.RUN_START
    assert event.event_type_value == "PIPELINE_START"
    assert event.step_key is None
    assert event.solid_handle is None
    assert event.step_handle is None
    assert event.step_kind is None
    assert event.is_pipeline_event
    assert not event.is_step_event
    with pytest.raises(CheckError):
        _ = event.solid_name


def test_predicates(events: list[DagsterEvent]) -> None:
    by_type = {e.event_type: e for e in events}
    assert by_type[ET.STEP_START].is_step_start
    assert by_type[ET.STEP_OUTPUT].is_successful_output
    assert by_type[ET.STEP_SUCCESS].is_step_success
    assert by_type[ET.HANDLED_OUTPUT].is_handled_output
    assert by_type[ET.LOADED_INPUT].is_loaded_input
    assert by_type[ET.ENGINE_EVENT].is_engine_event
    assert by_type[ET.RUN_SUCCESS].is_pipeline_success
    assert by_type[ET.RUN_SUCCESS].is_run_success
    for event in events:
        assert event.is_step_event == (event.event_type in STEP_EVENTS)
        assert event.is_failure == (event.event_type in FAILURE_EVENTS)
        assert not event.is_hook_event
        assert not event.is_alert_event
        assert not event.is_step_failure
        assert not event.is_step_skipped
        assert not event.is_step_up_for_retry
        assert not event.is_step_restarted
        assert not event.is_pipeline_failure
        assert not event.is_pipeline_init_failure
        assert not event.is_step_materialization
        assert not event.is_expectation_result
        assert not event.is_asset_observation
        assert not event.is_asset_store_operation
        assert event.asset_key is None
        assert event.partition is None


def test_payloads(events: list[DagsterEvent]) -> None:
    output = first(events, ET.STEP_OUTPUT)
    assert output.step_output_data.step_output_handle == StepOutputHandle("produce", "a")
    assert output.step_output_data.output_name == "a"
    assert output.step_output_data.type_check_data.success
    assert output.step_output_data.type_check_data.label == "a"
    step_input = first(events, ET.STEP_INPUT)
    assert step_input.step_input_data.input_name == "x"
    assert step_input.step_input_data.type_check_data.success
    success = first(events, ET.STEP_SUCCESS)
    assert success.step_success_data.duration_ms >= 0
    loaded = first(events, ET.LOADED_INPUT)
    assert loaded.loaded_input_data.input_name == "x"
    assert loaded.loaded_input_data.upstream_step_key == "produce"
    assert loaded.loaded_input_data.upstream_output_name == "a"
    handled = first(events, ET.HANDLED_OUTPUT)
    assert handled.handled_output_data.output_name == "a"
    engine = first(events, ET.ENGINE_EVENT)
    assert [e.label for e in engine.engine_event_data.metadata_entries] == ["pid"]


@pytest.mark.parametrize(
    ("accessor", "expected_type"),
    [
        ("step_input_data", "STEP_INPUT"),
        ("step_output_data", "STEP_OUTPUT"),
        ("step_success_data", "STEP_SUCCESS"),
        ("step_failure_data", "STEP_FAILURE"),
        ("step_retry_data", "STEP_UP_FOR_RETRY"),
        ("step_materialization_data", "ASSET_MATERIALIZATION"),
        ("step_expectation_result_data", "STEP_EXPECTATION_RESULT"),
        ("pipeline_failure_data", "RUN_FAILURE"),
        ("pipeline_init_failure_data", "PIPELINE_INIT_FAILURE"),
        ("engine_event_data", "ENGINE_EVENT"),
        ("hook_completed_data", "HOOK_COMPLETED"),
        ("hook_errored_data", "HOOK_ERRORED"),
        ("hook_skipped_data", "HOOK_SKIPPED"),
        ("handled_output_data", "HANDLED_OUTPUT"),
        ("loaded_input_data", "LOADED_INPUT"),
        ("logs_captured_data", "LOGS_CAPTURED"),
        ("asset_observation_data", "ASSET_OBSERVATION"),
    ],
)
def test_payload_accessor_on_wrong_type_raises(
    events: list[DagsterEvent], accessor: str, expected_type: str
) -> None:
    start = events[0]
    with pytest.raises(
        CheckError,
        match=f"{accessor} only callable when event_type is {expected_type}, called on RUN_START",
    ):
        getattr(start, accessor)


def test_events_pickle_round_trip(events: list[DagsterEvent]) -> None:
    for event in events:
        copy = pickle.loads(pickle.dumps(event))
        assert copy.event_type is event.event_type
        assert copy.step_key == event.step_key
        assert copy.solid_handle == event.solid_handle
        assert copy.message == event.message
        assert copy.timestamp == event.timestamp


def test_solid_handle() -> None:
    handle = SolidHandle.from_string("comp.inner")
    assert handle == SolidHandle("inner", SolidHandle("comp"))
    assert str(handle) == handle.to_string() == "comp.inner"
    assert handle.path == ["comp", "inner"]
    assert handle.is_or_descends_from("comp")
    assert handle.is_or_descends_from(SolidHandle("comp"))
    assert not handle.is_or_descends_from("com")
    assert not SolidHandle("comp").is_or_descends_from(handle)
    assert pickle.loads(pickle.dumps(handle)) == handle


def test_solid_handle_pop_removes_an_ancestor() -> None:
    handle = SolidHandle.from_string("a.b.c")
    assert handle.pop(SolidHandle("a")) == SolidHandle.from_string("b.c")
    with pytest.raises(CheckError, match="does not descend from"):
        handle.pop(SolidHandle("x"))


def test_solid_handle_with_ancestor_grafts_a_parent() -> None:
    handle = SolidHandle.from_string("b.c")
    assert handle.with_ancestor(None) == handle
    assert handle.with_ancestor(SolidHandle("a")) == SolidHandle.from_string("a.b.c")


def test_solid_handle_from_path() -> None:
    assert SolidHandle.from_path(["a", "b"]) == SolidHandle("b", SolidHandle("a"))
    with pytest.raises(CheckError, match="Invalid handle path"):
        SolidHandle.from_path([])


def test_solid_handle_dict_survives_a_json_round_trip() -> None:
    handle = SolidHandle.from_string("a.b.c")
    assert SolidHandle.from_dict(json.loads(json.dumps(handle._asdict()))) == handle
    assert SolidHandle.from_dict({"name": "a", "parent": None}) == SolidHandle("a")
