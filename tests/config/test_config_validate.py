"""Validating config values: accepted values, resolved values, and every problem with its path."""

from __future__ import annotations

import enum
from types import MappingProxyType
from typing import Any as AnyT

import pytest

from opbook.config import (
    Any,
    Bool,
    BoolSource,
    ConfigResult,
    DagsterEvaluationErrorReason,
    Enum,
    EnumValue,
    Field,
    Float,
    Int,
    IntSource,
    Map,
    Noneable,
    Permissive,
    ScalarUnion,
    Secret,
    Selector,
    Shape,
    String,
    StringSource,
    validate,
)

Reason = DagsterEvaluationErrorReason
Stack = tuple[str | int, ...]


def messages(result: ConfigResult) -> list[str]:
    return [error.message for error in result.errors]


def only_error(result: ConfigResult) -> tuple[Stack, DagsterEvaluationErrorReason, str]:
    assert not result.success and result.value is None
    assert len(result.errors) == 1, messages(result)
    error = result.errors[0]
    return error.stack, error.reason, error.message


# Scalars and Any ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "value", "expected"),
    [
        (Int, 3, 3),
        (int, -7, -7),
        (Float, 2.5, 2.5),
        (Float, 1, 1.0),
        (Float, True, 1.0),
        (Bool, False, False),
        (String, "s", "s"),
        (Secret, "hunter2", "hunter2"),
        (Any, None, None),
        (Any, {"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}),
    ],
)
def test_scalar_and_any_values_are_accepted(
    schema: object, value: object, expected: object
) -> None:
    result = validate(schema, value)
    assert result == ConfigResult(True, expected, ())
    assert type(result.value) is type(expected)


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        (Int, True),
        (Int, 1.5),
        (Int, "1"),
        (Float, "1.0"),
        (Bool, 1),
        (Bool, "true"),
        (String, 1),
        (String, b"bytes"),
        (Secret, 5),
    ],
)
def test_scalar_rejects_other_types(schema: object, value: object) -> None:
    stack, reason, _ = only_error(validate(schema, value))
    assert (stack, reason) == ((), Reason.RUNTIME_TYPE_MISMATCH)


def test_invalid_scalar_message_names_path_value_and_expected_type() -> None:
    schema = {"ops": {"cfg": {"config": {"n": int}}}}
    result = validate(schema, {"ops": {"cfg": {"config": {"n": "x"}}}})
    stack, reason, message = only_error(result)
    assert (stack, reason) == (("ops", "cfg", "config", "n"), Reason.RUNTIME_TYPE_MISMATCH)
    assert result.errors[0].path == "ops.cfg.config.n"
    assert message == (
        'Invalid scalar at path root:ops:cfg:config:n. Value "x" of type "<class \'str\'>" is not valid '
        'for expected type "Int".'
    )


@pytest.mark.parametrize("schema", [Int, String, {"a": int}, [int], Selector({"a": int})])
def test_none_is_rejected_for_types_other_than_any_and_noneable(schema: object) -> None:
    _, reason, message = only_error(validate(schema, None))
    assert reason is Reason.RUNTIME_TYPE_MISMATCH
    assert message.startswith("Value at the root must not be None. Expected: ")


def test_none_message_names_the_path() -> None:
    _, _, message = only_error(validate({"n": int}, {"n": None}))
    assert message == 'Value at path root:n must not be None. Expected: "Int".'


# Shapes ------------------------------------------------------------------------------------------


def test_shape_requires_a_dict() -> None:
    _, reason, message = only_error(validate({"a": int}, [1]))
    assert reason is Reason.RUNTIME_TYPE_MISMATCH
    assert message == 'Value at the root must be dict. Expected: "{ a: Int }".'


def test_missing_required_entry_message_has_a_sample() -> None:
    stack, reason, message = only_error(validate({"ops": {"s": {"x": int}}}, {"ops": {"s": {}}}))
    assert (stack, reason) == (("ops", "s"), Reason.MISSING_REQUIRED_FIELD)
    assert message == (
        "Missing required config entry \"x\" at path root:ops:s. Sample config for missing entry: {'x': 0}"
    )


def test_missing_required_entries_are_reported_together() -> None:
    _, reason, message = only_error(validate({"a": int, "b": str, "c": Field(int, 1)}, {}))
    assert reason is Reason.MISSING_REQUIRED_FIELDS
    assert message == (
        "Missing required config entries ['a', 'b'] at the root. "
        "Sample config for missing entries: {'a': 0, 'b': ''}"
    )


def test_unexpected_entry_message_shows_the_expected_type() -> None:
    schema = {"a": int, "b": Field(str, is_required=False)}
    _, reason, message = only_error(validate(schema, {"a": 1, "bogus": 2}))
    assert reason is Reason.FIELD_NOT_DEFINED
    assert message == (
        'Received unexpected config entry "bogus" at the root. Expected: "{ a: Int b?: String }".'
    )


def test_unexpected_entries_are_reported_together() -> None:
    result = validate({"a": int}, {"a": 1, "x": 1, "y": 2})
    _, reason, message = only_error(result)
    assert reason is Reason.FIELDS_NOT_DEFINED
    assert message.startswith("Received unexpected config entries ['x', 'y'] at the root.")
    assert result.errors[0].error_data == {"field_names": ["x", "y"]}


def test_every_problem_is_reported_at_once() -> None:
    schema = {"ops": {"load": {"config": {"retries": int, "name": str, "rate": float}}}}
    value = {"ops": {"load": {"config": {"retries": "3", "name": 4, "rate": "fast"}}}}
    result = validate(schema, value)
    assert [e.path for e in result.errors] == [
        "ops.load.config.retries",
        "ops.load.config.name",
        "ops.load.config.rate",
    ]
    assert {e.reason for e in result.errors} == {Reason.RUNTIME_TYPE_MISMATCH}


def test_problems_of_different_kinds_and_depths_are_all_reported() -> None:
    schema = {"a": int, "items": [{"n": int}], "sel": Selector({"x": int, "y": int})}
    value = {"items": [{"n": 1}, {"n": "two"}, {"m": 3}], "sel": {"x": 1, "y": 2}, "zz": 0}
    result = validate(schema, value)
    assert sorted((e.path, e.reason.name) for e in result.errors) == [
        ("", "FIELD_NOT_DEFINED"),
        ("", "MISSING_REQUIRED_FIELD"),
        ("items[1].n", "RUNTIME_TYPE_MISMATCH"),
        ("items[2]", "FIELD_NOT_DEFINED"),
        ("items[2]", "MISSING_REQUIRED_FIELD"),
        ("sel", "SELECTOR_FIELD_ERROR"),
    ]


# Defaults ----------------------------------------------------------------------------------------


def test_explicit_defaults_are_filled() -> None:
    schema = {"n": int, "s": Field(str, default_value="d"), "opt": Field(int, is_required=False)}
    assert validate(schema, {"n": 3}).value == {"n": 3, "s": "d"}


def test_given_values_override_defaults() -> None:
    assert validate({"s": Field(str, default_value="d")}, {"s": "given"}).value == {"s": "given"}


def test_implicit_defaults_of_nested_shapes_are_filled() -> None:
    schema = {"outer": {"inner": {"a": Field(int, default_value=1)}, "b": Field(bool, True)}}
    assert validate(schema, {}).value == {"outer": {"inner": {"a": 1}, "b": True}}


def test_noneable_fields_default_to_none() -> None:
    assert validate({"maybe": Noneable(int)}, {}).value == {"maybe": None}


def test_optional_fields_without_default_are_absent() -> None:
    schema = {"opt": Field(int, is_required=False), "shape": Field({"a": int}, is_required=False)}
    assert validate(schema, {}).value == {}


def test_defaults_are_post_processed() -> None:
    color = Enum("Color", [EnumValue("RED", python_value=(255, 0, 0))])
    schema = {"rate": Field(Float, default_value=1), "color": Field(color, default_value="RED")}
    value = validate(schema, {}).value
    assert value == {"rate": 1.0, "color": (255, 0, 0)}
    assert isinstance(value, dict) and type(value["rate"]) is float


def test_results_never_alias_defaults() -> None:
    schema = {
        "tags": Field([str], default_value=["a"]),
        "blob": Field(Any, default_value={"k": []}),
    }
    first = validate(schema, {}).value
    assert isinstance(first, dict)
    first["tags"].append("mutated")
    first["blob"]["k"].append(1)
    assert validate(schema, {}).value == {"tags": ["a"], "blob": {"k": []}}


def test_results_are_new_plain_containers_and_the_input_is_untouched() -> None:
    value: dict[str, AnyT] = {"a": {"b": [1, 2]}, "any": {"deep": [{"x": 1}]}}
    schema = {"a": {"b": [int], "c": Field(int, 5)}, "any": Any}
    result = validate(schema, value).value
    assert result == {"a": {"b": [1, 2], "c": 5}, "any": {"deep": [{"x": 1}]}}
    assert isinstance(result, dict)
    assert result["a"] is not value["a"] and result["a"]["b"] is not value["a"]["b"]
    assert result["any"]["deep"][0] is not value["any"]["deep"][0]
    assert value == {"a": {"b": [1, 2]}, "any": {"deep": [{"x": 1}]}}


def test_an_optional_field_given_as_schema_treats_none_as_not_given() -> None:
    assert validate(Field(int, default_value=7), None).value == 7
    assert validate(Field({"a": Field(int, 1)}), None).value == {"a": 1}
    assert validate(Field(int, is_required=False), None) == ConfigResult(True, None, ())
    assert not validate(Field(int), None).success


# Permissive --------------------------------------------------------------------------------------


def test_permissive_keeps_unknown_keys_unvalidated() -> None:
    schema = Permissive({"a": Field(int, default_value=1)})
    assert validate(schema, {"zzz": object, "b": [1]}).value == {"a": 1, "zzz": object, "b": [1]}


def test_permissive_still_validates_its_fields() -> None:
    stack, reason, _ = only_error(validate(Permissive({"a": int}), {"a": "x", "b": 1}))
    assert (stack, reason) == (("a",), Reason.RUNTIME_TYPE_MISMATCH)


def test_bare_dict_class_is_a_permissive_dict() -> None:
    assert validate({"anything": dict}, {"anything": {"x": 1}}).value == {"anything": {"x": 1}}


# Selectors ---------------------------------------------------------------------------------------

EXECUTION = Selector(
    {
        "in_process": {"retries": Field(int, default_value=0)},
        "multiprocess": {"max_concurrent": Field(int, default_value=4)},
    }
)


def test_selector_takes_one_field_and_fills_its_defaults() -> None:
    assert validate(EXECUTION, {"multiprocess": {}}).value == {
        "multiprocess": {"max_concurrent": 4}
    }


def test_selector_none_value_for_a_shape_field_means_empty() -> None:
    assert validate(EXECUTION, {"in_process": None}).value == {"in_process": {"retries": 0}}


def test_selector_with_several_keys_names_them() -> None:
    result = validate(
        {"execution": EXECUTION}, {"execution": {"in_process": {}, "multiprocess": {}}}
    )
    stack, reason, message = only_error(result)
    assert (stack, reason) == (("execution",), Reason.SELECTOR_FIELD_ERROR)
    assert message == (
        "You can only specify a single field at path root:execution. You specified ['in_process', "
        "'multiprocess']. The available fields are ['in_process', 'multiprocess']"
    )


def test_empty_selector_with_several_fields_asks_for_one() -> None:
    _, reason, message = only_error(validate(EXECUTION, {}))
    assert reason is Reason.SELECTOR_FIELD_ERROR
    assert message == (
        "Must specify a field at the root if more than one field is defined. "
        "Defined fields: ['in_process', 'multiprocess']"
    )


def test_empty_selector_selects_its_sole_defaulted_field() -> None:
    schema = Selector({"in_memory": Field({"size": Field(int, default_value=8)})})
    assert validate(schema, {}).value == {"in_memory": {"size": 8}}


def test_empty_selector_with_a_sole_required_field_asks_for_it() -> None:
    _, reason, message = only_error(validate(Selector({"path": str}), {}))
    assert reason is Reason.SELECTOR_FIELD_ERROR
    assert message == "Must specify the required field at the root. Defined fields: ['path']"


def test_selector_unknown_field_and_non_dict() -> None:
    _, reason, _ = only_error(validate(EXECUTION, {"dask": {}}))
    assert reason is Reason.FIELD_NOT_DEFINED
    _, _, message = only_error(validate(EXECUTION, "in_process"))
    assert message.startswith("Value for selector type at the root must be a dict.")


def test_selector_validates_the_selected_value() -> None:
    stack, _, _ = only_error(validate(EXECUTION, {"multiprocess": {"max_concurrent": "x"}}))
    assert stack == ("multiprocess", "max_concurrent")


# Arrays, Noneable, Map ---------------------------------------------------------------------------


def test_array_requires_a_list() -> None:
    _, reason, message = only_error(validate({"items": [int]}, {"items": (1, 2)}))
    assert reason is Reason.RUNTIME_TYPE_MISMATCH
    assert message == 'Value at path root:items must be list. Expected: "[Int]".'


def test_array_items_are_validated_with_their_index() -> None:
    result = validate({"items": [int]}, {"items": [1, "x", 3, None]})
    assert [e.path for e in result.errors] == ["items[1]", "items[3]"]
    assert validate([float], [1, 2.5]).value == [1.0, 2.5]


def test_nested_arrays_paths() -> None:
    result = validate([[{"n": int}]], [[{"n": 1}], [{"n": 1}, {"n": "x"}]])
    assert [e.path for e in result.errors] == ["[1][1].n"]


def test_noneable_accepts_none_or_the_inner_type() -> None:
    assert validate(Noneable(int), None).value is None
    assert validate(Noneable(int), 3).value == 3
    assert not validate(Noneable(int), "3").success


def test_map_validates_keys_and_values_with_the_key_in_the_path() -> None:
    schema = Map(str, {"n": int})
    assert validate(schema, {"a": {"n": 1}}).value == {"a": {"n": 1}}
    result = validate({"m": schema}, {"m": {"a": {"n": "x"}, 3: {"n": 1}}})
    assert [(e.path, e.reason) for e in result.errors] == [
        ("m.a.n", Reason.RUNTIME_TYPE_MISMATCH),
        ("m[3]", Reason.RUNTIME_TYPE_MISMATCH),
    ]
    assert 'Key "3" of type "<class \'int\'>"' in result.errors[1].message
    assert validate(Map(int, str), {1: "a"}).value == {1: "a"}
    assert not validate(schema, ["a"]).success


# Enums -------------------------------------------------------------------------------------------


class Color(enum.Enum):
    RED = 1
    BLUE = 2


def test_enum_value_becomes_its_python_value() -> None:
    schema = Enum.from_python_enum(Color)
    assert validate(schema, "RED").value is Color.RED
    assert validate(Enum("Size", ["S", "M"]), "M").value == "M"


def test_enum_rejects_unknown_names_and_non_strings() -> None:
    schema = {"color": Enum.from_python_enum(Color)}
    _, reason, message = only_error(validate(schema, {"color": "GREEN"}))
    assert reason is Reason.RUNTIME_TYPE_MISMATCH
    assert message == "Value at path root:color not in enum type Color got GREEN"
    _, _, message = only_error(validate(schema, {"color": 1}))
    assert "for enum type Color must be a string" in message


# Scalar unions -----------------------------------------------------------------------------------


def test_scalar_union_takes_a_scalar_or_the_non_scalar_schema() -> None:
    schema = ScalarUnion(int, {"value": int})
    assert validate(schema, 3).value == 3
    assert validate(schema, {"value": 3}).value == {"value": 3}
    assert validate(ScalarUnion(str, [str]), ["a"]).value == ["a"]
    stack, _, message = only_error(validate(schema, {"value": "x"}))
    assert stack == ("value",)
    _, _, message = only_error(validate(schema, "x"))
    assert 'expected type "Int"' in message


# Environment sources -----------------------------------------------------------------------------


def test_sources_take_a_scalar_directly() -> None:
    assert validate(StringSource, "s").value == "s"
    assert validate(IntSource, 3).value == 3
    assert validate(BoolSource, True).value is True
    assert not validate(IntSource, "3").success


def test_sources_read_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPBOOK_T_STR", "hello")
    monkeypatch.setenv("OPBOOK_T_INT", "42")
    monkeypatch.setenv("OPBOOK_T_BOOL", "false")
    schema = {"s": StringSource, "i": IntSource, "b": BoolSource}
    value = {
        "s": {"env": "OPBOOK_T_STR"},
        "i": {"env": "OPBOOK_T_INT"},
        "b": {"env": "OPBOOK_T_BOOL"},
    }
    # as in Dagster, any non-empty text (even "false") is True
    assert validate(schema, value).value == {"s": "hello", "i": 42, "b": True}


def test_missing_environment_variable_is_a_post_processing_problem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPBOOK_T_NOPE", raising=False)
    result = validate({"res": {"path": StringSource}}, {"res": {"path": {"env": "OPBOOK_T_NOPE"}}})
    stack, reason, message = only_error(result)
    assert (stack, reason) == (("res", "path"), Reason.FAILED_POST_PROCESSING)
    assert message == (
        "Post processing at path root:res:path of original value {'env': 'OPBOOK_T_NOPE'} failed:\n"
        'You have attempted to fetch the environment variable "OPBOOK_T_NOPE" which is not set. '
        "In order for this execution to succeed it must be set in this environment."
    )


def test_int_source_with_non_int_text_is_reported_without_the_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPBOOK_T_INT", "hello")
    _, reason, message = only_error(validate(IntSource, {"env": "OPBOOK_T_INT"}))
    assert reason is Reason.FAILED_POST_PROCESSING
    assert 'Value "***" stored in env variable "OPBOOK_T_INT" cannot be coerced into an int.' in (
        message
    )
    assert "hello" not in message


def test_malformed_env_reference_is_reported() -> None:
    stack, reason, _ = only_error(validate({"p": StringSource}, {"p": {"environ": "X"}}))
    assert (stack, reason) == (("p",), Reason.FIELD_NOT_DEFINED)


def test_env_defaults_are_read_at_validation_not_definition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPBOOK_T_LATER", raising=False)
    schema = {"p": Field(StringSource, default_value={"env": "OPBOOK_T_LATER"})}
    _, reason, _ = only_error(validate(schema, {}))
    assert reason is Reason.FAILED_POST_PROCESSING
    monkeypatch.setenv("OPBOOK_T_LATER", "now")
    assert validate(schema, {}).value == {"p": "now"}


# Secrets -----------------------------------------------------------------------------------------


def test_secret_field_values_are_masked_in_messages() -> None:
    schema = {"password": Field(int, is_secret=True), "token": Secret}
    result = validate(schema, {"password": "hunter2", "token": 12345})
    assert len(result.errors) == 2
    for message in messages(result):
        assert "hunter2" not in message and "12345" not in message
        assert 'Value "***"' in message


def test_values_inside_a_secret_shape_are_masked() -> None:
    schema = {"creds": Field({"user": str, "key": Enum("K", ["A"])}, is_secret=True)}
    result = validate(schema, {"creds": {"user": 99, "key": "sesame"}})
    assert len(result.errors) == 2
    assert not any("99" in m or "sesame" in m for m in messages(result))


def test_the_keys_of_a_secret_map_are_masked_in_error_paths_and_messages() -> None:
    schema = {"tokens": Field(Map(str, int), is_secret=True)}
    result = validate(schema, {"tokens": {"alice-api-key": "x", 7: 1}})
    assert len(result.errors) == 2
    for error in result.errors:
        assert error.stack == ("tokens", "***")
        assert "alice-api-key" not in error.message and '"7"' not in error.message


def test_unexpected_entries_in_a_secret_shape_are_masked() -> None:
    schema = {"creds": Field({"user": str}, is_secret=True)}
    (error,) = validate(schema, {"creds": {"user": "u", "pw=hunter2": 1}}).errors
    assert "hunter2" not in error.message and '"***"' in error.message
    assert error.error_data == {"field_names": ["***"]}


def test_the_keys_of_a_plain_map_stay_in_error_paths() -> None:
    (error,) = validate({"sizes": Map(str, int)}, {"sizes": {"big": "x"}}).errors
    assert error.stack == ("sizes", "big")


def test_secret_values_are_still_returned_to_the_caller() -> None:
    assert validate({"token": Secret}, {"token": "abc"}).value == {"token": "abc"}


# Never raises for bad values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [object(), {1, 2}, (1,), b"x", float("nan"), {"a": object()}, [[[]]], {None: 1}]
)
def test_bad_values_never_raise(value: object) -> None:
    schema = {"a": int, "b": [str], "c": Selector({"x": int}), "m": Map(str, int)}
    for candidate in (value, {"a": value, "b": value, "c": value, "m": value}):
        assert not validate(schema, candidate).success


# Mappings other than dict, and field aliases ------------------------------------------------------


def test_read_only_mappings_are_accepted_where_dicts_are() -> None:
    schema = {"s": {"a": int}, "m": Map(str, int), "sel": Selector({"x": int}), "u": IntSource}
    value = {
        "s": MappingProxyType({"a": 1}),
        "m": MappingProxyType({"k": 2}),
        "sel": MappingProxyType({"x": 3}),
        "u": MappingProxyType({"env": "OPBOOK_T_UNSET_FOR_SURE"}),
    }
    result = validate(schema, value)
    assert [e.path for e in result.errors] == ["u"]  # only the unset variable
    del value["u"]
    assert validate({k: v for k, v in schema.items() if k != "u"}, value).value == {
        "s": {"a": 1},
        "m": {"k": 2},
        "sel": {"x": 3},
    }


def test_a_field_alias_is_accepted_and_renamed() -> None:
    schema = Shape({"ops": {"a": int}}, field_aliases={"ops": "solids"})
    assert validate(schema, {"solids": {"a": 1}}).value == {"ops": {"a": 1}}
    assert validate(schema, {"ops": {"a": 1}}).value == {"ops": {"a": 1}}
    stack, reason, _ = only_error(validate(schema, {"solids": {"a": "x"}}))
    assert (stack, reason) == (("ops", "a"), Reason.RUNTIME_TYPE_MISMATCH)


def test_giving_a_field_and_its_alias_is_a_problem() -> None:
    schema = Shape({"ops": {"a": int}}, field_aliases={"ops": "solids"})
    _, reason, message = only_error(validate(schema, {"ops": {"a": 1}, "solids": {"a": 1}}))
    assert reason is Reason.FIELD_NOT_DEFINED
    assert message == (
        "Received both field 'ops' and field 'solids' in config at the root. "
        "Please use one or the other."
    )


# Problems inside a field: the path in the stack and in the message, the data for forms ------


@pytest.mark.parametrize(
    ("schema", "value", "reason", "message", "data"),
    [
        (
            {"a": [int]},
            {"a": 3},
            Reason.RUNTIME_TYPE_MISMATCH,
            'Value at path root:outer:a must be list. Expected: "[Int]".',
            {"expected": "[Int]"},
        ),
        (
            Shape({"x": int}, field_aliases={"x": "y"}),
            {"x": 1, "y": 2},
            Reason.FIELD_NOT_DEFINED,
            "Received both field 'x' and field 'y' in config at path root:outer. Please use one or the other.",
            {"field_names": ["x", "y"]},
        ),
        (
            {"x": int},
            {},
            Reason.MISSING_REQUIRED_FIELD,
            "Missing required config entry \"x\" at path root:outer. Sample config for missing entry: {'x': 0}",
            {"field_names": ["x"]},
        ),
        (
            {"x": int, "y": int},
            {},
            Reason.MISSING_REQUIRED_FIELDS,
            "Missing required config entries ['x', 'y'] at path root:outer. "
            "Sample config for missing entries: {'x': 0, 'y': 0}",
            {"field_names": ["x", "y"]},
        ),
        (
            {"x": int},
            {"x": 1, "z": 2},
            Reason.FIELD_NOT_DEFINED,
            'Received unexpected config entry "z" at path root:outer. Expected: "{ x: Int }".',
            {"field_names": ["z"]},
        ),
        (
            {"x": int},
            {"x": 1, "z": 2, "w": 3},
            Reason.FIELDS_NOT_DEFINED,
            "Received unexpected config entries ['z', 'w'] at path root:outer. Expected: \"{ x: Int }\".",
            {"field_names": ["z", "w"]},
        ),
        (
            Selector({"a": int, "b": int}),
            {},
            Reason.SELECTOR_FIELD_ERROR,
            "Must specify a field at path root:outer if more than one field is defined. "
            "Defined fields: ['a', 'b']",
            {"field_names": ["a", "b"]},
        ),
        (
            Selector({"a": int}),
            {},
            Reason.SELECTOR_FIELD_ERROR,
            "Must specify the required field at path root:outer. Defined fields: ['a']",
            {"field_names": ["a"]},
        ),
        (
            Selector({"a": int, "b": int}),
            {1: 1, "a": 2},
            Reason.SELECTOR_FIELD_ERROR,
            "You can only specify a single field at path root:outer. You specified [1, 'a']. "
            "The available fields are ['a', 'b']",
            {"field_names": ["a", "b"]},
        ),
    ],
    ids=[
        "type mismatch",
        "field and alias",
        "missing field",
        "missing fields",
        "unexpected field",
        "unexpected fields",
        "selector without a field",
        "selector without its only field",
        "selector with two fields",
    ],
)
def test_a_problem_in_a_field_is_located_there_with_its_data(
    schema: AnyT, value: AnyT, reason: Reason, message: str, data: AnyT
) -> None:
    result = validate({"outer": schema}, {"outer": value})
    stack = ("outer", "a") if reason is Reason.RUNTIME_TYPE_MISMATCH else ("outer",)
    assert only_error(result) == (stack, reason, message)
    assert result.errors[0].error_data == data


def test_every_alias_of_a_shape_is_accepted() -> None:
    shape = Shape({"a": int, "b": int}, field_aliases={"a": "aa", "b": "bb"})
    assert validate(shape, {"a": 1, "bb": 2}).value == {"a": 1, "b": 2}


def test_a_selector_given_a_scalar_in_a_field_is_located_there_with_its_data() -> None:
    result = validate({"outer": Selector({"a": int})}, {"outer": 3})
    assert only_error(result) == (
        ("outer",),
        Reason.RUNTIME_TYPE_MISMATCH,
        'Value for selector type at path root:outer must be a dict. Expected: "{ a: Int }".',
    )
    assert result.errors[0].error_data == {"expected": "{ a: Int }"}


def test_a_secret_field_chosen_in_a_selector_is_masked() -> None:
    result = validate(
        {"outer": Selector({"token": Field(str, is_secret=True)})}, {"outer": {"token": 5}}
    )
    assert only_error(result)[2] == (
        'Invalid scalar at path root:outer:token. Value "***" of type "<class \'int\'>" is not valid '
        'for expected type "String".'
    )


@pytest.mark.parametrize(("value", "shown"), [(3, "3"), (["red"], "['red']")])
def test_an_enum_given_a_non_string_in_a_field_names_its_type(value: AnyT, shown: str) -> None:
    color = Enum("Color", [EnumValue("red")])
    result = validate({"outer": color}, {"outer": value})
    assert only_error(result) == (
        ("outer",),
        Reason.RUNTIME_TYPE_MISMATCH,
        f'Value at path root:outer for enum type Color must be a string, got "{shown}" of type '
        f'"{type(value)}".',
    )


def test_a_failed_result_says_success_is_false() -> None:
    assert validate({"a": int}, {"a": "x"}).success is False


@pytest.mark.parametrize(
    ("schema", "value", "message"),
    [
        ({"x": int}, None, 'Value at path root:outer must not be None. Expected: "{ x: Int }".'),
        ({"x": int}, 3, 'Value at path root:outer must be dict. Expected: "{ x: Int }".'),
        (Map(str, int), 3, 'Value at path root:outer must be dict. Expected: "{ [String]: Int }".'),
        (
            Noneable(int),
            "x",
            'Invalid scalar at path root:outer. Value "x" of type "<class \'str\'>" is not valid for '
            'expected type "Int".',
        ),
        (
            StringSource,
            5,
            'Invalid scalar at path root:outer. Value "5" of type "<class \'int\'>" is not valid for '
            'expected type "String".',
        ),
    ],
    ids=["none", "shape", "map", "noneable", "source"],
)
def test_a_mismatch_inside_a_field_is_located_there(
    schema: AnyT, value: AnyT, message: str
) -> None:
    result = validate({"outer": schema}, {"outer": value})
    assert only_error(result) == (("outer",), Reason.RUNTIME_TYPE_MISMATCH, message)


@pytest.mark.parametrize(
    ("schema", "value", "data"),
    [
        ({"x": int}, None, {"expected": "{ x: Int }"}),
        (int, "x", {"expected": "Int"}),
        (Map(str, int), {1: 1}, {"expected": "String"}),
        (Enum("Color", [EnumValue("red")]), "blue", {"expected": ["red"]}),
        (StringSource, {"env": "OPBOOK_TEST_SURELY_UNSET"}, {"env": "OPBOOK_TEST_SURELY_UNSET"}),
    ],
    ids=["none", "scalar", "map key", "enum", "env variable"],
)
def test_each_problem_carries_its_data(schema: AnyT, value: AnyT, data: AnyT) -> None:
    (error,) = validate({"outer": schema}, {"outer": value}).errors
    assert error.error_data == data


def test_every_bad_key_of_a_map_is_reported_where_it_is() -> None:
    result = validate({"outer": Map(str, int)}, {"outer": {1: 1, 2: 2, "a": 3}})
    assert [(e.stack, e.message) for e in result.errors] == [
        (
            ("outer", key),
            f'Invalid key at path root:outer. Key "{key}" of type "<class \'int\'>" is not valid for '
            'expected key type "String".',
        )
        for key in (1, 2)
    ]


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        (str, 12345),
        (Noneable(str), 12345),
        ([str], [12345]),
        (Map(str, str), {"k": 12345}),
        (ScalarUnion(str, {"a": str}), 12345),
        (StringSource, 12345),
        (StringSource, {"env": 12345}),
    ],
    ids=["scalar", "noneable", "array", "map", "scalar union", "source", "env name"],
)
def test_a_secret_fields_value_is_masked_at_any_depth(schema: AnyT, value: AnyT) -> None:
    (error,) = validate(Field(schema, is_secret=True), value).errors
    assert '"***"' in error.message and "12345" not in error.message


def test_an_implicit_default_keeps_its_values_as_written() -> None:
    default = Field({"rate": Field(float, default_value=1)}).default_value
    assert default == {"rate": 1} and type(default["rate"]) is int
