"""OutputContext / InputContext built for tests."""

from __future__ import annotations

import pytest

from opbook import build_input_context, build_output_context
from opbook.errors import DagsterInvariantViolationError


def test_output_identifier_is_run_step_and_name() -> None:
    context = build_output_context(step_key="a", name="result", run_id="r")
    assert context.get_output_identifier() == ["r", "a", "result"]


def test_a_member_not_given_names_itself() -> None:
    with pytest.raises(DagsterInvariantViolationError, match="Attempting to access step_key"):
        _ = build_output_context(name="result").step_key


def test_input_context_keeps_its_upstream_output() -> None:
    upstream = build_output_context(step_key="a", name="result", run_id="r")
    assert build_input_context(upstream_output=upstream).upstream_output is upstream
