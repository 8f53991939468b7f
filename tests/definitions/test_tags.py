"""Tags of ops and invocations follow Dagster's rule: strings, or values that survive a JSON
round trip, kept as their JSON text."""

from __future__ import annotations

import re

import pytest

from opbook import DagsterInvalidDefinitionError, op


def test_non_string_tag_values_are_kept_as_json() -> None:
    @op(tags={"pos": 3, "nested": {"ok": "fine"}, "name": "x"})
    def tagged():
        pass

    assert tagged.tags == {"pos": "3", "nested": '{"ok": "fine"}', "name": "x"}
    assert tagged.tag({"n": 1}).tags == {"n": "1"}


def test_a_value_json_cannot_encode_is_refused() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape('Invalid value for tag "bad", Could not JSON encode value'),
    ):
        op(name="bad", tags={"bad": object()})(lambda: None)


def test_a_value_that_comes_back_different_is_refused() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape('JSON encoding "[1, 2]" of value "(1, 2)" is not equivalent'),
    ):
        op(name="pair", tags={"pair": (1, 2)})(lambda: None)
