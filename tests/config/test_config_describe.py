"""Views of a schema: the one-line printer, describe, scaffold, and masking secrets."""

from __future__ import annotations

import json

import pytest

from opbook.config import (
    Any,
    BoolSource,
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
    describe,
    mask_secrets,
    resolve_config_type,
    scaffold,
    type_to_string,
    validate,
)

# The printer -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "text"),
    [
        (int, "Int"),
        (Any, "Any"),
        (Secret, "Secret"),
        ({"b": Field(str, is_required=False), "a": int}, "{ a: Int b?: String }"),
        ({"a": {"c": Field(str, default_value="x")}}, "{ a?: { c?: String } }"),
        ({}, "{}"),
        (Permissive({"a": int}), "{ a: Int ... }"),
        (Permissive(), "{ ... }"),
        (Selector({"y": {}, "x": int}), "{ x: Int y?: {} }"),
        ([int], "[Int]"),
        (Noneable([str]), "[String]?"),
        (ScalarUnion(int, {"value": int}), "(Int | { value: Int })"),
        (Map(str, Noneable(int)), "{ [String]: Int? }"),
        (Map(str, int, key_label_name="name"), "{ [name: String]: Int }"),
        (Enum("Color", ["RED"]), "Color"),
        (StringSource, "StringSource"),
        ({"port": IntSource, "on": BoolSource}, "{ on: BoolSource port: IntSource }"),
    ],
)
def test_type_to_string(schema: object, text: str) -> None:
    assert type_to_string(resolve_config_type(schema)) == text


# describe ----------------------------------------------------------------------------------------


def test_describe_a_shape_lists_fields_in_schema_order() -> None:
    schema = Shape(
        {
            "n": Field(int, description="how many"),
            "name": Field(str, default_value="x"),
            "token": Secret,
        },
        description="op config",
    )
    data = describe(schema)
    assert data["kind"] == "shape"
    assert data["description"] == "op config"
    assert data["type_string"] == "{ n: Int name?: String token: Secret }"
    assert data["fields"] == [
        {
            "name": "n",
            "required": True,
            "has_default": False,
            "default": None,
            "description": "how many",
            "is_secret": False,
            "type": {"kind": "int", "description": None, "type_string": "Int"},
        },
        {
            "name": "name",
            "required": False,
            "has_default": True,
            "default": "x",
            "description": None,
            "is_secret": False,
            "type": {"kind": "string", "description": None, "type_string": "String"},
        },
        {
            "name": "token",
            "required": True,
            "has_default": False,
            "default": None,
            "description": None,
            "is_secret": True,
            "type": {"kind": "secret", "description": None, "type_string": "Secret"},
        },
    ]


@pytest.mark.parametrize(
    ("schema", "kind"),
    [
        (Float, "float"),
        (bool, "bool"),
        (Any, "any"),
        (Permissive(), "permissive"),
        (Selector({"a": int}), "selector"),
        (StringSource, "string_source"),
        (IntSource, "int_source"),
        (BoolSource, "bool_source"),
    ],
)
def test_describe_kinds(schema: object, kind: str) -> None:
    assert describe(schema)["kind"] == kind


def test_describe_children_of_each_kind() -> None:
    assert describe([int])["element"]["kind"] == "int"
    assert describe(Noneable(str))["element"]["kind"] == "string"
    mapping = describe(Map(str, [int]))
    assert (mapping["key"]["kind"], mapping["value"]["kind"]) == ("string", "array")
    union = describe(ScalarUnion(int, {"v": int}))
    assert (union["scalar"]["kind"], union["non_scalar"]["kind"]) == ("int", "shape")
    assert describe(StringSource)["non_scalar"]["fields"][0]["name"] == "env"
    enum = describe(Enum("E", [EnumValue("A", description="first"), EnumValue("B")]))
    assert enum["values"] == [
        {"value": "A", "description": "first"},
        {"value": "B", "description": None},
    ]


def test_describe_a_field_describes_its_type() -> None:
    assert describe(Field({"a": int}, description="ignored")) == describe({"a": int})


def test_describe_masks_secret_defaults_but_not_env_references() -> None:
    schema = {
        "key": Field(str, default_value="hunter2", is_secret=True),
        "env_key": Field(StringSource, default_value={"env": "KEY"}, is_secret=True),
    }
    fields = describe(schema)["fields"]
    assert [f["default"] for f in fields] == ["***", {"env": "KEY"}]


def test_describe_is_json_serialisable_data() -> None:
    schema = {"a": [Selector({"x": Map(str, Noneable(int))})], "e": Enum("E", ["A"])}
    data = describe(schema)
    assert json.loads(json.dumps(data)) == data


# scaffold ----------------------------------------------------------------------------------------


def test_scaffold_has_typed_placeholders_and_defaults() -> None:
    schema = {
        "n": int,
        "x": float,
        "flag": bool,
        "s": str,
        "any": Any,
        "items": [int],
        "color": Enum("Color", ["RED", "BLUE"]),
        "maybe": Noneable(int),
        "default": Field(int, default_value=5),
        "optional": Field(str, is_required=False),
        "exec": Selector({"in_process": {}, "multiprocess": {"n": Field(int, default_value=2)}}),
        "port": IntSource,
        "m": Map(str, int),
        "union": ScalarUnion(str, [str]),
    }
    assert scaffold(schema) == {
        "n": 0,
        "x": 0.0,
        "flag": False,
        "s": "",
        "any": None,
        "items": [],
        "color": "RED",
        "maybe": None,
        "default": 5,
        "exec": {"in_process": {}},
        "port": 0,
        "m": {},
        "union": "",
    }
    assert validate(schema, scaffold(schema)).success


def test_scaffold_with_optional_fields() -> None:
    schema = {"a": Field(str, is_required=False), "b": Field({"c": int}, is_required=False)}
    assert scaffold(schema) == {}
    assert scaffold(schema, include_optional=True) == {"a": "", "b": {"c": 0}}


def test_scaffold_of_a_field_uses_its_default() -> None:
    assert scaffold(Field(int, default_value=3)) == 3
    assert scaffold(Field({"a": Field(int, default_value=1)})) == {"a": 1}


def test_scaffold_never_aliases_defaults() -> None:
    field = Field([int], default_value=[1])
    skeleton = scaffold({"a": field})
    skeleton["a"].append(2)
    assert field.default_value == [1]


# mask_secrets ------------------------------------------------------------------------------------


def test_mask_secrets_replaces_secret_values_and_keeps_env_references() -> None:
    schema = {
        "user": str,
        "password": Field(str, is_secret=True),
        "token": Secret,
        "api_key": Field(StringSource, is_secret=True),
        "creds": Field({"a": str, "b": int}, is_secret=True),
        "many": [{"t": Secret}],
        "by_name": Map(str, Secret),
        "maybe": Noneable(Secret),
    }
    value = {
        "user": "me",
        "password": "hunter2",
        "token": "abc",
        "api_key": {"env": "API_KEY"},
        "creds": {"a": "x", "b": 1},
        "many": [{"t": "1"}, {"t": "2"}],
        "by_name": {"k": "v"},
        "maybe": None,
    }
    assert mask_secrets(schema, value) == {
        "user": "me",
        "password": "***",
        "token": "***",
        "api_key": {"env": "API_KEY"},
        "creds": "***",
        "many": [{"t": "***"}, {"t": "***"}],
        "by_name": {"k": "***"},
        "maybe": None,
    }
    assert value["password"] == "hunter2"


def test_mask_secrets_inside_selectors_and_unions() -> None:
    schema = Selector({"s3": {"secret": Secret}, "local": {"path": str}})
    assert mask_secrets(schema, {"s3": {"secret": "x"}}) == {"s3": {"secret": "***"}}
    union = ScalarUnion(str, {"secret": Secret})
    assert mask_secrets(union, {"secret": "x"}) == {"secret": "***"}
    assert mask_secrets(union, "plain") == "plain"


def test_mask_secrets_copes_with_invalid_values() -> None:
    schema = {"a": {"token": Secret}, "items": [Secret]}
    value = {"a": "not a dict", "items": {"x": 1}, "extra": [1]}
    masked = mask_secrets(schema, value)
    assert masked == value and masked is not value
    assert masked["extra"] is not value["extra"]


def test_mask_secrets_of_a_secret_field_schema() -> None:
    assert mask_secrets(Field(str, is_secret=True), "x") == "***"
    assert mask_secrets(Field(str), "x") == "x"
    assert mask_secrets(String, "x") == "x"
    assert mask_secrets(Int, 3) == 3


def test_mask_secrets_follows_field_aliases() -> None:
    schema = Shape({"key": Secret}, field_aliases={"key": "api_key"})
    assert mask_secrets(schema, {"api_key": "hunter2"}) == {"api_key": "***"}
