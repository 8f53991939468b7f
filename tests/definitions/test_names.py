"""Names of nodes, inputs and outputs follow Dagster's rule: letters, digits and underscores,
and no word Dagster reserves."""

from __future__ import annotations

import re

import pytest

from opbook import DagsterInvalidDefinitionError, InputDefinition, OutputDefinition, op, solid


def test_names_may_start_with_a_digit() -> None:
    assert OutputDefinition(name="1").name == "1"
    assert InputDefinition("2nd").name == "2nd"


def test_names_outside_the_pattern_are_refused() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape('"a-b" is not a valid name in Dagster. Names must be in regex'),
    ):
        OutputDefinition(name="a-b")


def test_reserved_input_name_is_refused() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            '"context" is not a valid name in Dagster. It conflicts with a Dagster or python '
            "reserved keyword."
        ),
    ):

        @solid
        def context_last(x, context):
            return x


def test_reserved_node_name_is_refused() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match='"input" is not a valid name'):
        op(name="input")(lambda: 1)
