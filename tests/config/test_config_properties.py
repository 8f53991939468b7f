"""Properties over random schemas and values (hypothesis).

Schemas are drawn by a recursive strategy over every kind of type; values are drawn either at
random or *valid by construction* for the schema, which lets the tests check that validation
accepts them, that it is idempotent, and that scaffolds and masked values validate.
"""

from __future__ import annotations

import json
from typing import Any as AnyT

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opbook.config import (
    Any,
    Array,
    Bool,
    BoolSource,
    ConfigType,
    ConfigTypeKind,
    Enum,
    Field,
    FieldsType,
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
    scaffold,
    type_to_string,
    validate,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SECRET_MARK = "s3cr3t"

LEAVES: list[ConfigType] = [
    Int,
    Float,
    Bool,
    String,
    Any,
    Secret,
    StringSource,
    IntSource,
    BoolSource,
    Enum("Color", ["RED", "GREEN", "BLUE"]),
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)


def valid_values(t: ConfigType) -> st.SearchStrategy[AnyT]:
    """Values that are valid for ``t`` as written (no env references)."""
    kind = t.kind
    if kind is ConfigTypeKind.SCALAR or kind is ConfigTypeKind.SOURCE:
        return _scalar_values(t)
    if kind is ConfigTypeKind.ANY:
        return json_values
    if kind is ConfigTypeKind.ENUM:
        assert isinstance(t, Enum)
        return st.sampled_from(t.config_values)
    if isinstance(t, FieldsType):
        return _selector_values(t) if kind is ConfigTypeKind.SELECTOR else _shape_values(t)
    if isinstance(t, Array):
        return st.lists(valid_values(t.inner_type), max_size=3)
    if isinstance(t, Noneable):
        return st.none() | valid_values(t.inner_type)
    if isinstance(t, Map):
        return st.dictionaries(st.text(max_size=3), valid_values(t.inner_type), max_size=3)
    assert isinstance(t, ScalarUnion)
    return valid_values(t.scalar_type) | valid_values(t.non_scalar_type)


def _scalar_values(t: ConfigType) -> st.SearchStrategy[AnyT]:
    name = t.given_name or ""
    if name.startswith("Int"):
        return st.integers()
    if name.startswith("Bool"):
        return st.booleans()
    if name == "Float":
        return st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    if name == "Secret":
        return st.text(max_size=4).map(lambda text: SECRET_MARK + text)
    return st.text(max_size=4)


def _shape_values(t: FieldsType) -> st.SearchStrategy[AnyT]:
    required = {n: valid_values(f.config_type) for n, f in t.fields.items() if f.is_required}
    optional = {n: valid_values(f.config_type) for n, f in t.fields.items() if not f.is_required}
    shape = st.fixed_dictionaries(required, optional=optional)
    if t.kind is ConfigTypeKind.STRICT_SHAPE:
        return shape
    extras = st.dictionaries(st.text("xyz", min_size=1, max_size=2), json_values, max_size=2)
    return st.tuples(shape, extras).map(lambda pair: {**pair[1], **pair[0]})


def _selector_values(t: FieldsType) -> st.SearchStrategy[AnyT]:
    choices = [_selecting(name, field) for name, field in t.fields.items()]
    if len(t.fields) == 1 and next(iter(t.fields.values())).default_provided:
        choices.append(st.just({}))
    return st.one_of(choices)


def _selecting(name: str, field: Field) -> st.SearchStrategy[AnyT]:
    return valid_values(field.config_type).map(lambda value: {name: value})


@st.composite
def fields(draw: st.DrawFn, types: st.SearchStrategy[ConfigType]) -> Field:
    config_type = draw(types)
    how = draw(st.sampled_from(["plain", "optional", "default"]))
    if how == "plain":
        return Field(config_type)
    if how == "optional":
        return Field(config_type, is_required=False)
    return Field(config_type, default_value=draw(valid_values(config_type)))


def composites(children: st.SearchStrategy[ConfigType]) -> st.SearchStrategy[ConfigType]:
    field_dicts = st.dictionaries(
        st.text("abcdefg", min_size=1, max_size=2), fields(children), max_size=4
    )
    non_scalar = field_dicts.map(Shape) | children.map(Array)
    return st.one_of(
        field_dicts.map(Shape),
        field_dicts.map(Permissive),
        field_dicts.filter(bool).map(Selector),
        children.map(Array),
        children.map(Noneable),
        children.map(lambda t: Map(String, t)),
        st.tuples(st.sampled_from([Int, Float, Bool, String]), non_scalar).map(
            lambda pair: ScalarUnion(*pair)
        ),
    )


schemas = st.recursive(st.sampled_from(LEAVES), composites, max_leaves=10)


@st.composite
def schemas_with_valid_values(draw: st.DrawFn) -> tuple[ConfigType, AnyT]:
    schema = draw(schemas)
    return schema, draw(valid_values(schema))


odd_values = st.recursive(
    json_values | st.floats() | st.builds(object) | st.binary(max_size=2),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text("abcxyz", max_size=2) | st.integers(), inner, max_size=3)
        | st.tuples(inner)
    ),
    max_leaves=8,
)


@SETTINGS
@given(schemas, odd_values)
def test_validate_never_raises_for_any_value(schema: ConfigType, value: AnyT) -> None:
    result = validate(schema, value)
    assert result.success == (not result.errors)
    for error in result.errors:
        assert error.message and isinstance(error.path, str)


@SETTINGS
@given(schemas_with_valid_values())
def test_valid_values_validate_and_validation_is_idempotent(
    case: tuple[ConfigType, AnyT],
) -> None:
    schema, value = case
    first = validate(schema, value)
    assert first.success, [e.message for e in first.errors]
    second = validate(schema, first.value)
    assert second.success, [e.message for e in second.errors]
    assert second.value == first.value


@SETTINGS
@given(schemas)
def test_scaffolds_validate(schema: ConfigType) -> None:
    for include_optional in (False, True):
        result = validate(schema, scaffold(schema, include_optional=include_optional))
        assert result.success, [e.message for e in result.errors]


@SETTINGS
@given(schemas_with_valid_values())
def test_masked_values_hide_secrets_and_keep_their_shape(case: tuple[ConfigType, AnyT]) -> None:
    schema, value = case
    masked = mask_secrets(schema, value)
    assert SECRET_MARK not in json.dumps(masked, default=repr)
    assert validate(schema, masked).success


marked_values = st.recursive(
    st.integers() | st.booleans() | st.text(max_size=3).map(lambda text: SECRET_MARK + text),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text("abcxyz", max_size=2), inner, max_size=3)
    ),
    max_leaves=8,
)


@SETTINGS
@given(schemas, marked_values)
def test_values_of_secret_fields_never_appear_in_messages(schema: ConfigType, value: AnyT) -> None:
    wrapper = Shape({"v": Field(schema, is_secret=True)})
    for error in validate(wrapper, {"v": value}).errors:
        assert SECRET_MARK not in error.message


@SETTINGS
@given(schemas)
def test_views_of_any_schema(schema: ConfigType) -> None:
    text = type_to_string(schema)
    assert text and "\n" not in text
    data = describe(schema)
    assert data["type_string"] == text
    assert json.loads(json.dumps(data)) == data
