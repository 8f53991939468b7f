"""The @resource decorator: what a resource function may take."""

from __future__ import annotations

import re

import pytest

from opbook import DagsterInvalidDefinitionError, ResourceDefinition, resource


def test_a_resource_function_with_required_extra_parameters_is_refused() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            "@resource decorated function 'needs_more' expects only a single positional required "
            "argument. Got required extra params _b, _c"
        ),
    ):

        @resource
        def needs_more(_a, _b, _c, _d=4):
            pass


def test_extra_parameters_with_defaults_are_fine() -> None:
    @resource
    def with_defaults(_a, _b=1, _c=2):
        return (_b, _c)

    @resource
    def without_context():
        return 0

    assert isinstance(with_defaults, ResourceDefinition)
    assert isinstance(without_context, ResourceDefinition)
