"""Config types, Field and shorthand: construction, equality, and bad schemas at definition time."""

from __future__ import annotations

import enum
import re
import typing

import pytest

import opbook
import opbook.config
from opbook.config import (
    Any,
    Array,
    Bool,
    BoolSource,
    ConfigType,
    ConfigTypeKind,
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
    convert_to_field,
    resolve_config_type,
)
from opbook.errors import (
    CheckError,
    DagsterInvalidConfigDefinitionError,
    DagsterInvalidConfigError,
    DagsterInvalidDefinitionError,
    ParameterCheckError,
)


def test_exports_are_sorted_and_exist() -> None:
    names = opbook.config.__all__
    assert names == sorted(names)
    assert all(hasattr(opbook.config, name) for name in names)


@pytest.mark.parametrize(
    ("config_type", "kind"),
    [
        (Int, ConfigTypeKind.SCALAR),
        (Secret, ConfigTypeKind.SCALAR),
        (Any, ConfigTypeKind.ANY),
        (Shape({}), ConfigTypeKind.STRICT_SHAPE),
        (Permissive(), ConfigTypeKind.PERMISSIVE_SHAPE),
        (Selector({"a": int}), ConfigTypeKind.SELECTOR),
        (Array(int), ConfigTypeKind.ARRAY),
        (Noneable(int), ConfigTypeKind.NONEABLE),
        (Enum("E", ["A"]), ConfigTypeKind.ENUM),
        (ScalarUnion(int, [int]), ConfigTypeKind.SCALAR_UNION),
        (Map(str, int), ConfigTypeKind.MAP),
        (StringSource, ConfigTypeKind.SOURCE),
        (IntSource, ConfigTypeKind.SOURCE),
        (BoolSource, ConfigTypeKind.SOURCE),
    ],
)
def test_every_type_has_its_kind(config_type: ConfigType, kind: ConfigTypeKind) -> None:
    assert config_type.kind is kind


def test_types_are_equal_and_hash_equal_when_structurally_equal() -> None:
    a = Shape({"x": int, "y": Field([str], is_required=False)})
    b = Shape({"y": Field(Array(String), is_required=False), "x": Field(Int)})
    assert a == b and hash(a) == hash(b)
    assert {a: 1}[b] == 1
    # as in Dagster, an equal fields type is the live one: its fields keep the first order
    assert b is a and list(b.fields) == ["x", "y"]


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (Shape({"x": int}), Permissive({"x": int})),
        (Shape({"x": int}), Selector({"x": int})),
        (Shape({"x": int}), Shape({"x": int}, description="d")),
        (Shape({"x": int}), Shape({"x": Field(int, description="d")})),
        (Shape({"x": int}), Shape({"x": Field(int, default_value=1)})),
        (Array(int), Noneable(int)),
        (Map(str, int), Map(str, float)),
        (Enum("E", ["A"]), Enum("E", ["A", "B"])),
        (Int, Float),
        (StringSource, String),
    ],
)
def test_structurally_different_types_are_unequal(left: ConfigType, right: ConfigType) -> None:
    assert left != right


def test_types_and_fields_are_immutable() -> None:
    shape = Shape({"a": int})
    with pytest.raises(AttributeError):
        shape.description = "x"
    with pytest.raises(TypeError):
        shape.fields["b"] = Field(int)  # type: ignore[index]
    with pytest.raises(AttributeError):
        Field(int).is_required = False


def test_composite_accessors() -> None:
    assert Array(int).inner_type is Int
    assert Noneable([str]).inner_type == Array(String)
    union = ScalarUnion(str, {"a": int})
    assert (union.scalar_type, union.non_scalar_type) == (String, Shape({"a": int}))
    mapping = Map(str, bool)
    assert (mapping.key_type, mapping.inner_type) == (String, Bool)
    assert StringSource.scalar_type is String


def test_enum_values_and_python_enums() -> None:
    class Size(enum.Enum):
        S = "small"
        L = "large"

    schema = Enum.from_python_enum(Size)
    assert schema.given_name == "Size"
    assert [(v.config_value, v.python_value) for v in schema.enum_values] == [
        ("S", Size.S),
        ("L", Size.L),
    ]
    assert Enum.from_python_enum(Size, name="Sz").given_name == "Sz"
    assert Enum("E", ["A"]).enum_values == (EnumValue("A", python_value="A"),)


@pytest.mark.parametrize("values", [[], ["A", "A"], [EnumValue("A"), "A"]])
def test_enum_needs_distinct_values(values: list[typing.Any]) -> None:
    with pytest.raises(ParameterCheckError):
        Enum("E", values)


# Shorthand ---------------------------------------------------------------------------------------


class HasConfigType:
    """Stands for a Dagster type (the definitions layer's builtin ``Int`` etc.)."""

    def __config_type__(self) -> ConfigType:
        return Int


@pytest.mark.parametrize(
    ("shorthand", "expected"),
    [
        (int, Int),
        (float, Float),
        (bool, Bool),
        (str, String),
        (list, Array(Any)),
        (dict, Permissive()),
        (typing.Any, Any),
        ([int], Array(Int)),
        ([[str]], Array(Array(String))),
        ({"a": int, "b": {"c": [bool]}}, Shape({"a": Int, "b": Shape({"c": Array(Bool)})})),
        ({}, Shape({})),
        (HasConfigType(), Int),
        ({"n": HasConfigType()}, Shape({"n": Int})),
        (Noneable(int), Noneable(Int)),
        ({str: int}, Map(String, Int)),
        ({"a": {int: [str]}}, Shape({"a": Map(Int, Array(String))})),
    ],
)
def test_shorthand_resolves(shorthand: object, expected: ConfigType) -> None:
    assert resolve_config_type(shorthand) == expected


def test_convert_to_field_keeps_fields_and_wraps_the_rest() -> None:
    field = Field(int, default_value=1)
    assert convert_to_field(field) is field
    assert convert_to_field({"a": str}) == Field(Shape({"a": String}))


@pytest.mark.parametrize("spec", [[], [int, str]])
def test_array_shorthand_must_have_one_element(spec: list[object]) -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="List must be of length 1"):
        resolve_config_type({"a": spec})


def test_none_as_a_field_value_names_its_path() -> None:
    with pytest.raises(DagsterInvalidConfigDefinitionError) as info:
        resolve_config_type({"a": {"b": None}})
    assert str(info.value).startswith(
        "Error defining config. Original value passed: {'a': {'b': None}}. "
        "Error at stack path :a:b. None cannot be resolved. Reason: Fields cannot be"
    )


@pytest.mark.parametrize(
    ("schema", "path", "mentions"),
    [
        ({"a": {"b": object()}}, ":a:b", "object"),
        ({"a": typing.List[int]}, ":a", "typing"),  # noqa: UP006
        ({"a": list[int]}, ":a", "list[int]"),
        ({"a": [set]}, ":a", "Got item <class 'set'>"),
        ({"a": HasConfigType}, ":a", "HasConfigType"),
        ({"a": ConfigTypeKind}, ":a", "from_python_enum"),
        ({"a": [Field(int)]}, ":a", "Fields may only be the values of a dict"),
        ({"a": {1: int}}, ":a", "Invalid key in map specification: 1 in map {1: <class 'int'>}"),
        ({"a": {1: int, 2: int}}, ":a", "field names must be strings"),
        ({"a": {Noneable(int): str}}, ":a", "Non-scalar key in map specification"),
        ({"a": {str: "text"}}, ":a", "Map must have a single value and contain a valid type"),
    ],
)
def test_unresolvable_schemas_name_the_value_and_its_path(
    schema: typing.Callable[[], object] | object, path: str | None, mentions: str
) -> None:
    with pytest.raises(DagsterInvalidConfigDefinitionError) as info:
        resolve_config_type(schema)
    message = str(info.value)
    assert mentions in message
    if path is not None:
        assert message.startswith(f"Error defining config. Original value passed: {schema!r}.")
        assert f"Error at stack path {path}." in message


def test_config_type_method_must_return_a_config_type() -> None:
    class Bad:
        def __config_type__(self) -> object:
            return int

    with pytest.raises(DagsterInvalidConfigDefinitionError, match="not a config type"):
        resolve_config_type(Bad())


@pytest.mark.parametrize(
    "build",
    [
        lambda: Selector({}),
        lambda: ScalarUnion({"a": int}, [int]),
        lambda: ScalarUnion(int, str),
        lambda: Field(Field(int)),
        lambda: Field(None),
    ],
)
def test_malformed_composites_are_refused(build: typing.Callable[[], object]) -> None:
    with pytest.raises(DagsterInvalidConfigDefinitionError):
        build()


@pytest.mark.parametrize(
    ("key_type", "mentions"),
    [
        ("asdf", "Map key_type 'asdf' is not a config type"),
        (Noneable(str), "Key type must be a scalar"),
        ({"a": int}, "Key type must be a scalar"),
    ],
)
def test_a_map_key_type_that_is_not_a_scalar_is_a_parameter_error(
    key_type: object, mentions: str
) -> None:
    with pytest.raises(ParameterCheckError, match=mentions):
        Map(key_type, int)


# Field -------------------------------------------------------------------------------------------


def test_required_field_with_a_default_is_a_parameter_error() -> None:
    with pytest.raises(ParameterCheckError, match="required arguments should not specify default"):
        Field(int, default_value=1, is_required=True)


def test_callable_default_is_refused() -> None:
    with pytest.raises(ParameterCheckError):
        Field(Any, default_value=lambda: 1)


def test_invalid_default_is_reported_at_definition() -> None:
    with pytest.raises(DagsterInvalidConfigError) as info:
        Field({"a": int, "b": str}, default_value={"a": "x"})
    error = info.value
    assert error.preamble == "Invalid default_value for Field."
    assert [e.reason for e in error.errors] == [
        DagsterEvaluationErrorReason.RUNTIME_TYPE_MISMATCH,
        DagsterEvaluationErrorReason.MISSING_REQUIRED_FIELD,
    ]
    assert str(error).startswith(
        "Invalid default_value for Field.\n    Error 1: Invalid scalar at path root:a."
    )
    assert error.config_value == {"a": "x"}


def test_invalid_secret_default_hides_the_value() -> None:
    with pytest.raises(DagsterInvalidConfigError) as info:
        Field(int, default_value="hunter2", is_secret=True)
    assert "hunter2" not in str(info.value)
    assert info.value.config_value == "***"


def test_enum_default_is_the_config_string() -> None:
    color = Enum("Color", [EnumValue("RED", python_value=1)])
    assert Field(color, default_value="RED").default_value == "RED"
    with pytest.raises(DagsterInvalidConfigError):
        Field(color, default_value=1)


@pytest.mark.parametrize(
    ("config", "required"),
    [
        (int, True),
        (Any, True),
        ({"a": int}, True),
        ({"a": Field(int, default_value=1)}, False),
        ({}, False),
        (Permissive(), False),
        (Noneable(int), False),
        (Selector({"a": Field(int, default_value=1)}), False),
        (Selector({"a": Field(int, default_value=1), "b": int}), True),
        (Selector({"a": int}), True),
        ([int], True),
    ],
)
def test_is_required_is_inferred(config: object, required: bool) -> None:
    assert Field(config).is_required is required


def test_implicit_defaults() -> None:
    shape = Field({"a": Field(int, default_value=1), "b": Field(str, is_required=False)})
    assert (shape.default_provided, shape.default_value) == (True, {"a": 1})
    assert Field(Noneable(int)).default_value is None
    selector = Field(Selector({"mem": Field({"size": Field(int, default_value=2)})}))
    assert selector.default_value == {"mem": {"size": 2}}


def test_implicit_defaults_keep_the_written_form() -> None:
    color = Enum("Color", [EnumValue("RED", python_value=1)])
    field = Field({"c": Field(color, default_value="RED"), "s": Field(StringSource, "x")})
    assert field.default_value == {"c": "RED", "s": "x"}


def test_optional_field_without_default_has_none() -> None:
    field = Field(int, is_required=False)
    assert (field.is_required, field.default_provided) == (False, False)
    with pytest.raises(CheckError):
        _ = field.default_value


def test_explicit_required_noneable_has_no_default() -> None:
    field = Field(Noneable(int), is_required=True)
    assert (field.is_required, field.default_provided) == (True, False)


def test_field_properties_and_equality() -> None:
    field = Field(str, default_value="d", description="a name")
    assert (field.config_type, field.is_required, field.description) == (String, False, "a name")
    assert field.default_value_as_json_str == '"d"'
    assert field == Field(String, default_value="d", description="a name")
    assert hash(field) == hash(Field(String, default_value="d", description="a name"))
    assert field != Field(str, default_value="e", description="a name")
    assert Field([int], default_value=[1]) == Field([int], default_value=[1])
    assert len({Field({"a": int}), Field({"a": Int})}) == 1


def test_default_value_is_copied_from_the_argument() -> None:
    default = {"a": [1]}
    field = Field({"a": [int]}, default_value=default)
    default["a"].append(2)
    assert field.default_value == {"a": [1]}


def test_secret_type_makes_a_secret_field() -> None:
    assert Field(Secret).is_secret
    assert Field(str, is_secret=True).is_secret
    assert not Field(str).is_secret
    assert "hunter2" not in repr(Field(str, default_value="hunter2", is_secret=True))


@pytest.mark.parametrize("kwargs", [{"is_required": "yes"}, {"is_secret": 1}, {"description": 3}])
def test_field_argument_types_are_checked(kwargs: dict[str, object]) -> None:
    with pytest.raises(ParameterCheckError):
        Field(int, **kwargs)  # type: ignore[arg-type]


def test_reprs_are_readable() -> None:
    assert repr(Int) == "Int"
    assert repr(Shape({"a": int})) == "Shape({ a: Int })"
    assert repr(Field(int, default_value=3)) == "Field(Int, default_value=3, is_required=False)"


@pytest.mark.parametrize("aliases", [{"nope": "x"}, {"a": "b"}, {"a": 3}])
def test_field_aliases_must_name_a_field_and_a_new_key(aliases: dict[str, typing.Any]) -> None:
    with pytest.raises(DagsterInvalidConfigDefinitionError, match="Invalid field alias"):
        Shape({"a": int, "b": int}, field_aliases=aliases)


def test_field_aliases_are_part_of_equality() -> None:
    assert Shape({"a": int}, field_aliases={"a": "x"}) != Shape({"a": int})
    assert Shape({"a": int}, field_aliases={"a": "x"}) == Shape(
        {"a": int}, field_aliases={"a": "x"}
    )


def test_equal_fields_types_are_one_object() -> None:
    first = Shape({"a": Field(int), "b": Field(str, default_value="x")})
    assert Shape({"b": Field(str, default_value="x"), "a": Field(int)}) is first
    assert Permissive({"a": int}) is Permissive({"a": int})
    assert Selector({"a": int}) is Selector({"a": int})
    assert Shape({"a": int}, field_aliases={"a": "z"}) is not Shape({"a": int})


def test_config_type_keys_name_equal_types_alike() -> None:
    assert Shape({"a": int, "b": str}).key == Shape({"b": str, "a": int}).key
    assert Shape({"a": int}).key.startswith("Shape.")
    assert Shape({"a": int}).key != Shape({"a": Field(int, description="d")}).key
    assert Permissive({"a": int}).key != Shape({"a": int}).key
    assert Int.key == "Int"
    assert Array(Noneable(int)).key == "Array.Noneable.Int"
    assert Map(str, int, key_label_name="name").key == "Map.String.Int:name: name"


def test_map_key_label_name() -> None:
    assert Map(str, int, key_label_name="name").key_label_name == "name"
    assert Map(str, int).key_label_name is None
    assert Map(str, int, key_label_name="name") != Map(str, int)


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (typing.List[int], "You have passed in typing.List[int] to the config system."),  # noqa: UP006
        (typing.Optional[int], "Cannot use typing.Optional as a config type."),  # noqa: UP045
    ],
)
def test_typing_annotations_are_refused_with_dagsters_message(schema: object, message: str) -> None:
    with pytest.raises(DagsterInvalidConfigDefinitionError, match=re.escape(message)):
        resolve_config_type(schema)


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (opbook.List, "Cannot use List in the context of config."),
        (opbook.List[int], "Cannot use List in the context of config."),
        (opbook.Set[int], "Cannot use Set in the context of a config field."),
        (opbook.Tuple, "Cannot use Tuple in the context of a config field."),
    ],
)
def test_dagster_collection_types_are_refused_as_config(schema: object, message: str) -> None:
    with pytest.raises(DagsterInvalidConfigDefinitionError) as info:
        resolve_config_type(schema)
    assert message in str(info.value)
    assert "dagster.Array (e.g. Array(int))" in str(info.value)


def test_a_plain_value_given_to_field_is_refused_with_dagsters_message() -> None:
    with pytest.raises(DagsterInvalidConfigDefinitionError) as info:
        Field("nope")
    assert str(info.value) == (
        "Attempted to pass 'nope' to a Field that expects a valid dagster type usable in config "
        "(e.g. Dict, Int, String et al)."
    )


def test_an_unresolvable_schema_names_the_schema_the_path_and_the_value() -> None:
    with pytest.raises(DagsterInvalidConfigDefinitionError) as info:
        convert_to_field({"field": {"nested": "text"}})
    error = info.value
    assert str(error).startswith(
        "Error defining config. Original value passed: {'field': {'nested': 'text'}}. "
        "Error at stack path :field:nested. 'text' cannot be resolved. Reason: "
    )
    assert error.original_root == {"field": {"nested": "text"}}
    assert error.current_value == "text"
    assert error.stack == ["field", "nested"]


def test_a_list_with_an_unresolvable_item_is_the_value_reported() -> None:
    with pytest.raises(DagsterInvalidConfigDefinitionError) as info:
        convert_to_field({"items": ["text"]})
    assert (
        "Error at stack path :items. ['text'] cannot be resolved. Reason: List have a single item"
        in str(info.value)
    )


def test_a_definitions_config_schema_reads_as_a_field() -> None:
    from opbook import solid

    @solid(config_schema={"default_to_one": Field(int, default_value=1)})
    def defaulted(context):
        return context.solid_config["default_to_one"]

    field = defaulted.config_schema.as_field()
    assert field is defaulted.config_schema
    assert field.config_type.fields["default_to_one"].is_required is False
