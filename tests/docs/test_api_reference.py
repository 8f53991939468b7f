"""What the API reference says matches the code: the members of the documented classes carry
docstrings, private constructor parameters stay out of signatures, and the DataFrame columns
the docs list are the columns a result's DataFrame has."""

from __future__ import annotations

import importlib.util
import inspect
import re
from pathlib import Path
from types import ModuleType

import pytest

from opbook import AbstractComputeExecutionContext, DagsterEvent, GraphDefinition, job, op

DOCS = Path(__file__).resolve().parents[2] / "docs"


def load_docs_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, DOCS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def undocumented_members(cls: type) -> list[str]:
    return sorted(
        name
        for name, member in vars(cls).items()
        if not name.startswith("_")
        and isinstance(member, (property, type(lambda: None)))
        and not inspect.getdoc(member)
    )


@pytest.mark.parametrize("cls", [AbstractComputeExecutionContext, DagsterEvent])
def test_every_member_of_the_class_has_a_docstring(cls: type) -> None:
    assert undocumented_members(cls) == []


def test_private_parameters_are_left_out_of_the_signature() -> None:
    signatures = load_docs_module("_signatures")
    shown = signatures.public_signature(GraphDefinition)
    assert shown.startswith("(name, description=None, node_defs=None, dependencies=None")
    assert "_nodes" not in shown and "_wiring" not in shown


def test_a_signature_without_private_parameters_is_left_alone() -> None:
    signatures = load_docs_module("_signatures")
    assert signatures.public_signature(job) is None


# -- the DataFrame columns ---------------------------------------------------------------------


@op
def one() -> int:
    return 1


@job
def single():
    one()


def listed_names(text: str, start: str, end: str) -> list[str]:
    """The names in backticks (Markdown or reStructuredText) between ``start`` and ``end``."""
    flat = " ".join(text.split())
    begin = flat.index(start) + len(start)
    return re.findall(r"`+(\w+)`+", flat[begin : flat.index(end, begin)])


EVENT_LISTS = [
    ("notebook-guide.md", "one row per event, with the columns", ". "),
    ("api/notebook.rst", "one row per event, with the columns", "(a result's frame"),
]
STEP_LISTS = [
    ("notebook-guide.md", "has one row per step:", ". "),
    ("api/notebook.rst", "one row per step:", ". "),
]


@pytest.mark.parametrize(("page", "start", "end"), EVENT_LISTS)
def test_the_documented_event_columns_are_the_real_ones(page: str, start: str, end: str) -> None:
    real = list(single.execute_in_process().to_dataframe().columns)
    assert listed_names((DOCS / page).read_text("utf-8"), start, end) == real


@pytest.mark.parametrize(("page", "start", "end"), STEP_LISTS)
def test_the_documented_step_columns_are_the_real_ones(page: str, start: str, end: str) -> None:
    real = list(single.execute_in_process().to_dataframe(per="step").columns)
    assert listed_names((DOCS / page).read_text("utf-8"), start, end) == real
