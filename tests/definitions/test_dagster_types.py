"""Dagster types beyond plain classes: the typing helpers and Python's typing equivalents as
input and output types, PythonObjectDagsterType, usable_as_dagster_type, loaders and
materializers fed by run config, and check_dagster_type."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

import pytest

from opbook import (
    Any,
    AssetMaterialization,
    DagsterInvalidConfigError,
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
    DagsterType,
    DagsterTypeCheckDidNotPass,
    Dict,
    EventMetadataEntry,
    Failure,
    In,
    Int,
    List,
    Nothing,
    Optional,
    Out,
    PythonObjectDagsterType,
    Set,
    String,
    Tuple,
    TypeCheck,
    check_dagster_type,
    dagster_type_loader,
    dagster_type_materializer,
    job,
    make_python_type_usable_as_dagster_type,
    op,
    usable_as_dagster_type,
)
from opbook.definitions.dagster_type import resolve_dagster_type

# -- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hint", "name"),
    [
        (List[int], "List[Int]"),
        (List[List[str]], "List[List[String]]"),
        (list[float], "List[Float]"),
        (typing.List[bool], "List[Bool]"),  # noqa: UP006
        (Optional[str], "Optional[String]"),
        (typing.Optional[List[int]], "Optional[List[Int]]"),  # noqa: UP045
        (str | None, "Optional[String]"),
        (typing.Union[int, None], "Optional[Int]"),  # noqa: UP007
        (Dict[str, int], "Dict[String,Int]"),
        (typing.Dict[str, typing.List[int]], "Dict[String,List[Int]]"),  # noqa: UP006
        (dict[str, Any], "Dict[String,Any]"),
        (Set[int], "Set[Int]"),
        (set[str], "Set[String]"),
        (frozenset, "Set"),
        (Tuple[int, str], "Tuple[Int,String]"),
        (tuple[int, str], "Tuple[Int,String]"),
        (tuple[int, ...], "Tuple"),
        (Dict, "Dict"),
        (typing.Dict, "Dict"),  # noqa: UP006
        (typing.Any, "Any"),
        (int | str, "Union[int, str]"),
        (int | str | None, "Optional[Union[int, str]]"),
    ],
)
def test_display_names(hint: object, name: str) -> None:
    resolved = resolve_dagster_type(hint)
    assert resolved.display_name == name


def test_the_same_container_type_is_one_object() -> None:
    assert resolve_dagster_type(list[int]) is List[Int]
    assert resolve_dagster_type(typing.Optional[str]) is Optional[String]  # noqa: UP045
    assert List[int].key == "List.Int"


def test_nothing_cannot_be_wrapped() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="Type Nothing can not be wrapped"):
        List[Nothing]
    with pytest.raises(DagsterInvalidDefinitionError, match="Type Nothing can not be wrapped"):
        Optional[Nothing]


def test_bad_types_are_rejected() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="Invalid type: dagster_type must be"):
        In(5).to_definition("x")
    with pytest.raises(DagsterInvalidDefinitionError, match="could not be evaluated"):
        resolve_dagster_type("Undefined")
    with pytest.raises(DagsterInvalidDefinitionError, match="not the class"):
        resolve_dagster_type(DagsterType)
    with pytest.raises(DagsterInvalidDefinitionError, match="Dict takes two type parameters"):
        Dict[int]


# -- checks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dagster_type", "good", "bad", "why"),
    [
        (List[int], [1, 2], [1, "2"], 'Value "2" of python type "str" must be a int.'),
        (List[int], [], (1,), 'Value "(1,)" of python type "tuple" must be a list.'),
        (Optional[int], None, "x", "must be a int"),
        (Dict[str, int], {"a": 1}, {"a": "b"}, "must be a int"),
        (Dict[str, int], {}, {1: 1}, "must be a string"),
        (Dict[str, int], {}, [], "Value should be a dict"),
        (Set[int], {1}, {"x"}, "must be a int"),
        (Set[int], set(), [1], "Value should be a set"),
        (Tuple[int, str], (1, "a"), (1, 2), "must be a string"),
        (Tuple[int, str], (1, "a"), (1,), "requires 2 entries, received 1 values"),
        (List[Optional[int]], [1, None], [None, "x"], "must be a int"),
        (
            resolve_dagster_type(int | str),
            "a",
            1.5,
            "expected value to be of Python type Union[int, str]",
        ),
    ],
)
def test_container_checks_are_item_by_item(
    dagster_type: object, good: object, bad: object, why: str
) -> None:
    assert check_dagster_type(dagster_type, good).success
    result = check_dagster_type(dagster_type, bad)
    assert not result.success
    assert why in (result.description or "")


def test_check_dagster_type_rejects_typing_types() -> None:
    hints = (typing.List[int], list[int], typing.Optional[int], typing.Dict)  # noqa: UP006, UP045
    for hint in hints:
        with pytest.raises(DagsterInvariantViolationError, match="python's typing module"):
            check_dagster_type(hint, [])


def test_check_dagster_type_takes_classes_and_turns_failure_into_a_failed_check() -> None:
    assert check_dagster_type(int, 1).success
    assert not check_dagster_type(str, 1).success

    def strict(_context, value):
        if value < 0:
            raise Failure("negative", metadata={"value": value})
        return True

    positive = DagsterType(strict, name="Positive")
    failed = check_dagster_type(positive, -1)
    assert (failed.success, failed.description) == (False, "negative")
    assert failed.metadata_entries[0].label == "value"


def test_python_object_dagster_type() -> None:
    numbers = PythonObjectDagsterType((int, float), name="Number")
    assert numbers.python_type == (int, float)
    assert check_dagster_type(numbers, 1.5).success
    result = check_dagster_type(numbers, "x")
    assert result.description == (
        "Value of type <class 'str'> failed type check for Dagster type Number, expected value to "
        "be of Python type Union[int, float]."
    )
    assert PythonObjectDagsterType(Path).name == "Path"


def test_usable_as_dagster_type_and_the_registry() -> None:
    @usable_as_dagster_type(name="Celsius", description="a temperature")
    class Celsius(float):
        pass

    assert resolve_dagster_type(Celsius).name == "Celsius"
    assert resolve_dagster_type(list[Celsius]).name == "List[Celsius]"

    @usable_as_dagster_type
    class Bare:
        pass

    assert resolve_dagster_type(Bare).description is None
    with pytest.raises(DagsterInvalidDefinitionError, match="can only be called once"):
        make_python_type_usable_as_dagster_type(Bare, PythonObjectDagsterType(Bare))


class Late:
    """Used as a hint before being registered."""


def test_registering_after_a_hint_was_used_is_an_error() -> None:
    @op
    def uses(value: Late) -> None:
        pass

    with pytest.raises(DagsterInvalidDefinitionError, match="auto-registered"):
        make_python_type_usable_as_dagster_type(Late, PythonObjectDagsterType(Late))


def test_typed_inputs_and_outputs_in_a_run() -> None:
    @op
    def make() -> dict[str, list[int]]:
        return {"a": [1, 2]}

    @op
    def total(values: dict[str, list[int]]) -> int:
        return sum(sum(v) for v in values.values())

    @op
    def broken() -> list[int]:
        return [1, "2"]  # type: ignore[list-item]

    @job
    def good():
        total(make())

    assert good.execute_in_process().output_for_node("total") == 3

    @job
    def bad():
        broken()

    with pytest.raises(DagsterTypeCheckDidNotPass, match='"List\\[Int\\]"'):
        bad.execute_in_process()


# -- loaders: run config's `inputs:` -----------------------------------------------------------


@op
def echo(value: typing.Any) -> typing.Any:
    return value


def _echo_of(hint: object, value: object) -> object:
    @op(ins={"value": In(hint)})
    def typed(value):
        return value

    @job
    def one():
        typed()

    result = one.execute_in_process(run_config={"ops": {"typed": {"inputs": {"value": value}}}})
    return result.output_for_node("typed")


@pytest.mark.parametrize(
    ("hint", "config", "expected"),
    [
        (int, 3, 3),
        (int, {"value": 3}, 3),
        (List[int], [1, 2], [1, 2]),
        (list[str], ["a"], ["a"]),
        (Optional[int], None, None),
        (Optional[int], 4, 4),
        (Set[int], [1, 1, 2], {1, 2}),
        (Dict, {"a": 1, "b": [2]}, {"a": 1, "b": [2]}),
        (dict[str, int], {"a": 1}, {"a": 1}),
        (Tuple[int, str], [1, "a"], (1, "a")),
        (list[Optional[float]], [1.5, None], [1.5, None]),
    ],
)
def test_builtin_loaders_take_run_config(hint: object, config: object, expected: object) -> None:
    assert _echo_of(hint, config) == expected


def test_builtin_loader_schemas_reject_bad_config() -> None:
    with pytest.raises(DagsterInvalidConfigError, match=re.escape(":inputs:value")):
        _echo_of(List[int], [1, "x"])
    with pytest.raises(DagsterInvalidConfigError, match="must be list"):
        _echo_of(List[int], 1)


def test_custom_loader_and_materializer(tmp_path: Path) -> None:
    @dagster_type_loader({"start": int, "stop": int})
    def load_range(_context, config):
        return list(range(config["start"], config["stop"]))

    @dagster_type_materializer({"path": str})
    def write_numbers(_context, config, value):
        Path(config["path"]).write_text(json.dumps(value))
        return AssetMaterialization(
            "numbers", metadata_entries=[EventMetadataEntry.path(config["path"], "path")]
        )

    Numbers = DagsterType(
        lambda _c, v: isinstance(v, list),
        name="Numbers",
        loader=load_range,
        materializer=write_numbers,
    )

    @op(ins={"numbers": In(Numbers)}, out=Out(Numbers))
    def double(numbers):
        return [n * 2 for n in numbers]

    @job
    def doubling():
        double()

    target = tmp_path / "out.json"
    result = doubling.execute_in_process(
        run_config={
            "ops": {
                "double": {
                    "inputs": {"numbers": {"start": 1, "stop": 4}},
                    "outputs": [{"result": {"path": str(target)}}],
                }
            }
        }
    )
    assert result.output_for_node("double") == [2, 4, 6]
    assert json.loads(target.read_text()) == [2, 4, 6]
    assert [m.asset_key.path for m in result.asset_materializations_for_node("double")] == [
        ["numbers"]
    ]


def test_builtin_materializer_writes_json(tmp_path: Path) -> None:
    @op
    def numbers() -> list:
        return [1, 2]

    @op
    def name() -> str:
        return "x"

    @job
    def out():
        numbers()
        name()

    path = tmp_path / "name.json"
    out.execute_in_process(
        run_config={"ops": {"name": {"outputs": [{"result": {"json": {"path": str(path)}}}]}}}
    )
    assert json.loads(path.read_text()) == {"value": "x"}


def test_type_check_may_return_a_type_check_with_metadata() -> None:
    def check(_context, value):
        return TypeCheck(value > 0, "must be positive", metadata={"value": value})

    positive = DagsterType(check, name="Positive")
    result = check_dagster_type(positive, -2)
    assert (result.success, result.metadata_entries[0].entry_data.value) == (False, -2)


def test_a_loader_function_without_a_context_parameter_is_refused() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            "@dagster_type_loader 'load' decorated function does not have required positional "
            "parameter 'context'."
        ),
    ):

        @dagster_type_loader(String)
        def load(hello):
            return hello


def test_a_loader_function_without_a_value_parameter_is_refused() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            "@dagster_type_loader 'load' decorated function does not have required positional "
            "parameter '*'."
        ),
    ):

        @dagster_type_loader(String)
        def load(_):
            return 1
