"""Metadata entries (EventMetadataEntry / MetadataValue, or plain dicts) carried by outputs,
materializations, expectations, type checks and failures onto the events of a run, and shown in
the events DataFrame's ``metadata`` column."""

from __future__ import annotations

import pytest

from opbook import (
    AssetMaterialization,
    DagsterType,
    EventMetadata,
    EventMetadataEntry,
    ExpectationResult,
    Failure,
    FloatMetadataEntryData,
    In,
    IntMetadataEntryData,
    JsonMetadataEntryData,
    MarkdownMetadataEntryData,
    MetadataValue,
    Output,
    PathMetadataEntryData,
    PythonArtifactMetadataEntryData,
    TextMetadataEntryData,
    TypeCheck,
    UrlMetadataEntryData,
    job,
    op,
)
from opbook.definitions.metadata import normalize_metadata
from opbook.errors import DagsterInvalidDefinitionError


def sample_function() -> None:
    """A python artifact."""


EVERY_KIND = {
    "text": MetadataValue.text("hello"),
    "url": MetadataValue.url("http://example.com"),
    "path": MetadataValue.path("/tmp/x.csv"),
    "json": MetadataValue.json({"a": [1, 2]}),
    "md": MetadataValue.md("# Title"),
    "float": MetadataValue.float(1.5),
    "int": MetadataValue.int(3),
    "artifact": MetadataValue.python_artifact(sample_function),
}


def test_every_kind_of_value_and_its_entry_spelling() -> None:
    entries = normalize_metadata(None, EVERY_KIND)
    assert [type(e.entry_data) for e in entries] == [
        TextMetadataEntryData,
        UrlMetadataEntryData,
        PathMetadataEntryData,
        JsonMetadataEntryData,
        MarkdownMetadataEntryData,
        FloatMetadataEntryData,
        IntMetadataEntryData,
        PythonArtifactMetadataEntryData,
    ]
    spelled = [
        EventMetadataEntry.text("hello", "text"),
        EventMetadataEntry.url("http://example.com", "url"),
        EventMetadataEntry.path("/tmp/x.csv", "path"),
        EventMetadataEntry.json({"a": [1, 2]}, "json"),
        EventMetadataEntry.md("# Title", "md"),
        EventMetadataEntry.float(1.5, "float"),
        EventMetadataEntry.int(3, "int"),
        EventMetadataEntry.python_artifact(sample_function, "artifact"),
    ]
    assert spelled == entries
    assert entries[-1].value == PythonArtifactMetadataEntryData(__name__, "sample_function")
    assert EventMetadata is MetadataValue


def test_plain_values_are_given_their_kind() -> None:
    entries = normalize_metadata(None, {"n": 1, "x": 0.5, "s": "t", "d": {"k": 1}, "b": True})
    assert [type(e.entry_data).__name__ for e in entries] == [
        "IntMetadataEntryData",
        "FloatMetadataEntryData",
        "TextMetadataEntryData",
        "JsonMetadataEntryData",
        "TextMetadataEntryData",
    ]
    with pytest.raises(DagsterInvalidDefinitionError, match='metadata value for "o"'):
        normalize_metadata(None, {"o": object()})
    with pytest.raises(DagsterInvalidDefinitionError, match="a class or a function"):
        MetadataValue.python_artifact(3)


positive = DagsterType(
    lambda _c, v: TypeCheck(v > 0, "positive?", metadata={"checked": v}), name="Positive"
)


@op(ins={"n": In(positive)})
def report(context, n):
    yield AssetMaterialization("table", metadata={"rows": n, "url": MetadataValue.url("http://t")})
    yield ExpectationResult(True, "enough", metadata_entries=[EventMetadataEntry.int(n, "seen")])
    context.add_output_metadata({"extra": "yes"})
    yield Output(n * 2, metadata=EVERY_KIND)


@op
def source() -> int:
    return 3


@op
def fails() -> None:
    raise Failure("stop", metadata={"reason": MetadataValue.md("**bad**")})


@job
def reporting():
    report(source())


def _payload(result, kind: str):
    return next(e.event_specific_data for e in result.all_events if e.event_type_value == kind)


def test_metadata_is_carried_by_the_events() -> None:
    result = reporting.execute_in_process()
    materialization = _payload(result, "ASSET_MATERIALIZATION").materialization
    assert [e.label for e in materialization.metadata_entries] == ["rows", "url"]
    expectation = _payload(result, "STEP_EXPECTATION_RESULT").expectation_result
    assert expectation.metadata_entries[0].entry_data == IntMetadataEntryData(3)
    outputs = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "STEP_OUTPUT" and e.step_key == "report"
    ]
    assert [e.label for e in outputs[0].metadata_entries] == [*EVERY_KIND, "extra"]
    step_input = _payload(result, "STEP_INPUT")
    assert step_input.type_check_data.metadata_entries[0].label == "checked"


def test_failure_metadata_is_on_the_failure_event() -> None:
    @job
    def failing():
        fails()

    result = failing.execute_in_process(raise_on_error=False)
    failure = _payload(result, "STEP_FAILURE").user_failure_data
    assert failure.metadata_entries[0].entry_data == MarkdownMetadataEntryData("**bad**")
    frame = result.to_dataframe()
    row = frame[frame["event_type"] == "STEP_FAILURE"].iloc[0]
    assert row["metadata"] == {"reason": "**bad**"}


def test_the_events_frame_shows_metadata_by_label() -> None:
    frame = reporting.execute_in_process().to_dataframe()
    by_kind = {
        kind: rows["metadata"].tolist()
        for kind, rows in frame[frame["step_key"] == "report"].groupby("event_type", observed=True)
    }
    assert by_kind["ASSET_MATERIALIZATION"] == [{"rows": 3, "url": "http://t"}]
    assert by_kind["STEP_EXPECTATION_RESULT"] == [{"seen": 3}]
    assert by_kind["STEP_INPUT"] == [{"checked": 3}]
    output = by_kind["STEP_OUTPUT"][0]
    assert output["json"] == {"a": [1, 2]}
    assert output["artifact"] == f"{__name__}.sample_function"
    assert output["extra"] == "yes"
    assert by_kind["STEP_START"] == [None]
