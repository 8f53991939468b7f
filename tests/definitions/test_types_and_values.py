"""Dagster types from type-check functions and from Python annotations, and the values user code
returns, yields or raises (Output, materializations, expectations, Failure, RetryRequested,
RetryPolicy, TypeCheck)."""

from __future__ import annotations

import typing

import pytest

from opbook import (
    Any,
    AssetKey,
    AssetMaterialization,
    Bool,
    DagsterInvalidDefinitionError,
    DagsterType,
    EventMetadataEntry,
    ExpectationResult,
    Failure,
    Float,
    In,
    InputDefinition,
    Int,
    List,
    Materialization,
    MetadataValue,
    Nothing,
    Optional,
    Output,
    RetryPolicy,
    RetryRequested,
    String,
    TypeCheck,
    job,
    op,
)
from opbook.definitions.dagster_type import resolve_dagster_type
from opbook.errors import CheckError


class Point:
    """A user class used as an annotation."""


@pytest.mark.parametrize(
    ("hint", "name"),
    [
        (int, "Int"),
        (str, "String"),
        (float, "Float"),
        (bool, "Bool"),
        (typing.Any, "Any"),
        (None, "Any"),
        (type(None), "Nothing"),
        (list, "List"),
        (list[int], "List[Int]"),
        (typing.List[str], "List[String]"),  # noqa: UP006
        (typing.Optional[int], "Optional[Int]"),  # noqa: UP045
        (int | None, "Optional[Int]"),
        (dict, "Dict"),
        (dict[str, int], "Dict[String,Int]"),
        (set, "Set"),
        (tuple, "Tuple"),
        (Point, "Point"),
        (List[Int], "List[Int]"),
        (Optional[String], "Optional[String]"),
    ],
)
def test_annotations_resolve_to_dagster_types(hint: object, name: str) -> None:
    assert resolve_dagster_type(hint).name == name


def test_builtin_types_are_the_exported_objects() -> None:
    assert resolve_dagster_type(int) is Int
    assert resolve_dagster_type(float) is Float
    assert resolve_dagster_type(bool) is Bool
    assert resolve_dagster_type(str) is String
    assert resolve_dagster_type(typing.Any) is Any
    assert resolve_dagster_type(type(None)) is Nothing
    assert resolve_dagster_type(Point) is resolve_dagster_type(Point)


def test_something_that_is_not_a_type_is_rejected() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="Invalid type"):
        resolve_dagster_type(5)


@pytest.mark.parametrize(
    ("dagster_type", "good", "bad"),
    [
        (Int, 1, "1"),
        (Int, True, 1.0),  # bool is an int, as in Dagster
        (Float, 1.5, "x"),
        (Bool, False, 0),
        (String, "s", 1),
        (resolve_dagster_type(list[int]), [1, 2], [1, "2"]),
        (resolve_dagster_type(typing.Optional[int]), None, "x"),  # noqa: UP045
        (resolve_dagster_type(Point), Point(), 1),
        (Nothing, None, 1),
    ],
)
def test_builtin_type_checks(dagster_type: DagsterType, good: object, bad: object) -> None:
    assert dagster_type.type_check(None, good).success
    result = dagster_type.type_check(None, bad)
    assert not result.success
    assert result.description


def test_any_accepts_everything() -> None:
    assert Any.type_check(None, object()).success
    assert Any.is_any


def test_type_check_function_answers_are_normalised() -> None:
    as_bool = DagsterType(lambda _c, v: v > 0, name="Positive", description="> 0")
    as_check = DagsterType(
        lambda _c, v: TypeCheck(v > 0, "must be positive", metadata={"v": v}), name="P2"
    )
    as_other = DagsterType(lambda _c, v: "yes", name="Odd")
    assert as_bool.type_check(None, 1).success
    assert not as_bool.type_check(None, -1).success
    failed = as_check.type_check(None, -1)
    assert (failed.success, failed.description) == (False, "must be positive")
    assert failed.metadata_entries[0].label == "v"
    odd = as_other.type_check(None, 1)
    assert not odd.success
    assert "Type checks must return TypeCheck or bool" in odd.description
    assert as_bool.display_name == as_bool.name == as_bool.key == "Positive"
    assert as_bool.description == "> 0"


def test_dagster_type_definition_errors() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="must be callable"):
        DagsterType("not callable", name="Bad")  # type: ignore[arg-type]
    with pytest.raises(DagsterInvalidDefinitionError, match="needs a name or a key"):
        DagsterType(lambda _c, _v: True)


def test_custom_type_in_a_run() -> None:
    Even = DagsterType(lambda _c, v: isinstance(v, int) and v % 2 == 0, name="Even")

    @op
    def three() -> int:
        return 3

    @op(ins={"x": In(Even)})
    def wants_even(x):
        return x

    @job
    def checks():
        wants_even(three())

    result = checks.execute_in_process(raise_on_error=False)
    step_input = next(e for e in result.all_events if e.event_type_value == "STEP_INPUT")
    assert step_input.message == 'Got input "x" of type "Even". Warning! Type check failed.'
    assert not result.success


def test_failure_raised_in_a_type_check_is_a_failed_check() -> None:
    def check(_context, value):
        raise Failure("not acceptable", metadata={"value": str(value)})

    Strict = DagsterType(check, name="Strict")

    @op(out={"result": __import__("opbook").Out(Strict)})
    def strict():
        return 1

    @job
    def checked():
        strict()

    result = checked.execute_in_process(raise_on_error=False)
    output = next(e for e in result.all_events if e.is_successful_output)
    data = output.step_output_data.type_check_data
    assert (data.success, data.description) == (False, "not acceptable")
    assert data.metadata_entries[0].label == "value"


# -- values user code returns, yields or raises ------------------------------------------------------


def test_output() -> None:
    output = Output(5, "count", metadata={"rows": 2})
    assert (output.value, output.output_name) == (5, "count")
    assert output.metadata_entries[0].label == "rows"
    assert Output(1) == Output(1, "result")
    with pytest.raises(CheckError):
        Output(1, 5)  # type: ignore[arg-type]


def test_asset_key_and_materialization() -> None:
    assert AssetKey("table").path == ["table"]
    assert AssetKey(["db", "table"]).to_string() == "db.table"
    materialization = AssetMaterialization(["db", "table"], "written", metadata={"rows": 3})
    assert materialization.asset_key == AssetKey(["db", "table"])
    assert materialization.description == "written"
    assert materialization.metadata_entries[0].entry_data.value == 3
    file = AssetMaterialization.file("/tmp/out.csv")
    assert file.asset_key.path == ["/tmp/out.csv"]
    assert file.metadata_entries[0].entry_data.path == "/tmp/out.csv"


def test_an_asset_keys_path_is_the_list_or_tuple_given_and_keys_compare_by_path() -> None:
    assert AssetKey(["db", "table"]).path == ["db", "table"]
    assert AssetKey(("db", "table")).path == ("db", "table")
    assert AssetKey(("db", "table")) == AssetKey(["db", "table"])
    assert len({AssetKey(("db", "table")), AssetKey(["db", "table"])}) == 1


def test_an_asset_materializations_label_joins_its_key_path_with_spaces() -> None:
    assert AssetMaterialization(asset_key=AssetKey(["foo", "bar"])).label == "foo bar"


def test_legacy_materialization_has_a_label() -> None:
    legacy = Materialization(
        label="my_label", description="d", metadata_entries=[EventMetadataEntry.text("t", "k")]
    )
    assert isinstance(legacy, AssetMaterialization)
    assert legacy.label == "my_label"
    assert legacy.asset_key.path == ["my_label"]
    assert Materialization.file("/x").label == "/x"


def test_expectation_result() -> None:
    result = ExpectationResult(
        success=False, description="too few rows", metadata_entries=[EventMetadataEntry.int(1, "n")]
    )
    assert (result.success, result.label, result.description) == (False, "result", "too few rows")
    with pytest.raises(CheckError):
        ExpectationResult(success="yes")  # type: ignore[arg-type]


def test_metadata_values_and_entries() -> None:
    entries = [
        EventMetadataEntry.text("t", "text"),
        EventMetadataEntry.url("http://x", "url"),
        EventMetadataEntry.path("/p", "path"),
        EventMetadataEntry.json({"a": 1}, "json"),
        EventMetadataEntry.md("# h", "md"),
        EventMetadataEntry.float(1.5, "float"),
        EventMetadataEntry.int(2, "int"),
    ]
    assert [e.label for e in entries] == ["text", "url", "path", "json", "md", "float", "int"]
    materialization = AssetMaterialization(
        "a", metadata={"u": MetadataValue.url("http://y"), "j": {"k": [1]}}
    )
    assert materialization.metadata_entries[0].entry_data.url == "http://y"
    assert materialization.metadata_entries[1].entry_data.data == {"k": [1]}
    with pytest.raises(DagsterInvalidDefinitionError, match='metadata value for "bad"'):
        AssetMaterialization("a", metadata={"bad": object()})


def test_failure_and_retry_requested() -> None:
    failure = Failure("why", metadata={"k": "v"})
    assert isinstance(failure, Exception)
    assert str(failure) == "why"
    assert failure.metadata_entries[0].label == "k"
    retry = RetryRequested(max_retries=3, seconds_to_wait=1.5)
    assert (retry.max_retries, retry.seconds_to_wait) == (3, 1.5)
    assert RetryRequested().max_retries == 1


def test_retry_policy() -> None:
    assert RetryPolicy() == RetryPolicy(max_retries=1, delay=None)
    with pytest.raises(CheckError, match="max_retries must be >= 0"):
        RetryPolicy(max_retries=-1)


def test_a_scalar_input_default_of_the_wrong_type_fails_at_definition() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match="Type check failed for the default_value of InputDefinition x of type Int",
    ):
        InputDefinition("x", int, default_value="foo")
