"""Composition: what an invoked output refuses while a graph, job or pipeline body is recorded."""

from __future__ import annotations

import re

import pytest

from opbook import DagsterInvariantViolationError, job, op, pipeline, solid


@op
def emit() -> int:
    return 1


@op
def take(x: int) -> int:
    return x


def test_iterating_over_a_single_output_names_the_handle_and_the_op() -> None:
    with pytest.raises(
        DagsterInvariantViolationError,
        match=re.escape(
            "Attempted to iterate over an InvokedSolidOutputHandle. This object represents the "
            "output \"result\" from the op 'emit', a single output. Consider defining multiple "
            "Outs if you seek to pass different parts of this output to different ops."
        ),
    ):

        @job
        def unpacks():
            for x in emit():
                take(x)


def test_indexing_into_a_single_output_of_a_solid_says_solids() -> None:
    @solid
    def emit_solid(_):
        return 1

    @solid
    def take_solid(_, x):
        return x

    with pytest.raises(
        DagsterInvariantViolationError,
        match=re.escape(
            "Attempted to index in to an InvokedSolidOutputHandle. This object represents the "
            "output \"result\" from the solid 'emit_solid', a single output. Consider defining "
            "multiple Outs if you seek to pass different parts of this output to different solids."
        ),
    ):

        @pipeline
        def indexes():
            take_solid(emit_solid()[0])
