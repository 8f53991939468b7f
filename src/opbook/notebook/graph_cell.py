"""``%%graph`` and ``%%job``: the cell is the body of a composition function.

The magic line names it, with its inputs for a graph: ``%%graph clean(raw)`` or
``%%graph --name clean``; ``%%job numbers``.  In a ``%%graph`` cell, a last line that is an
expression is what the graph returns (its outputs), as in a notebook cell.  ``%%job`` also
takes ``--resources NAME=EXPR, ...`` (or a dict expression), ``--executor`` (``in_process``,
``multiprocess``, ``dask``, or an expression giving an executor definition), ``--config EXPR``
(default run config) and ``--description``.  The definition is bound under its name and shown
as its graph.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError
from IPython.display import display

import opbook
from opbook import ExecutorDefinition
from opbook import graph as graph_decorator
from opbook import job as job_decorator
from opbook.notebook import cards, cells, session
from opbook.notebook.options import Parsed, Spec, parse, split_top_level, unquote
from opbook.notebook.session import CellRecord

GRAPH_SPEC = Spec("%%graph", values=frozenset({"name", "description"}), max_positional=1)
JOB_SPEC = Spec(
    "%%job",
    values=frozenset({"name", "description", "resources", "executor", "config"}),
    max_positional=1,
)
_HEADER = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(\((?P<params>.*)\))?$", re.DOTALL)


@dataclass
class Header:
    """The composition function's name and parameters (a graph's inputs)."""

    name: str
    params: list[str]


def header(parsed: Parsed, spec: Spec) -> Header:
    """The name (and inputs) from ``NAME``, ``NAME(a, b)`` or ``--name NAME``."""
    text = parsed.positional[0] if parsed.positional else unquote(parsed.get("name") or "")
    if parsed.positional and parsed.has("name"):
        raise UsageError(f"{spec.magic}: give the name once (either {text!r} or --name)")
    if not text:
        raise UsageError(f"{spec.magic}: name it, e.g. `{spec.magic} my_{spec.magic[2:]}`")
    match = _HEADER.match(text)
    if match is None:
        raise UsageError(f"{spec.magic}: {text!r} is not a name (or name(inputs)) usable in Python")
    params = [p.strip() for p in (match["params"] or "").split(",") if p.strip()]
    bad = [p for p in params if not p.isidentifier()]
    if bad:
        raise UsageError(f"{spec.magic}: input {bad[0]!r} is not a valid name")
    return Header(match["name"], params)


def function_source(head: Header, body: str, returns_last: bool, magic: str) -> str:
    """The composition function a cell amounts to (``return`` added before a last expression)."""
    body = textwrap.dedent(body.strip("\n")) or "pass"
    source = f"def {head.name}({', '.join(head.params)}):\n{textwrap.indent(body, '    ')}\n"
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise UsageError(f"{magic}: {exc.msg} (cell line {(exc.lineno or 2) - 1})") from None
    last = tree.body[0].body[-1]  # type: ignore[attr-defined]
    if returns_last and isinstance(last, ast.Expr):
        lines = source.splitlines()
        row = lines[last.lineno - 1]
        lines[last.lineno - 1] = row[: last.col_offset] + "return " + row[last.col_offset :]
        source = "\n".join(lines) + "\n"
    return source


def _resources(shell: Any, text: str) -> tuple[dict[str, Any], str]:
    parts = split_top_level(text)
    if all(re.match(r"^[A-Za-z_]\w*\s*=[^=]", part) for part in parts):
        pairs = [part.split("=", 1) for part in parts]
        values = {
            key.strip(): cells.evaluate(shell, expr.strip(), f"%%job --resources {key.strip()}")
            for key, expr in pairs
        }
        source = "{" + ", ".join(f"{key.strip()!r}: {expr.strip()}" for key, expr in pairs) + "}"
        return values, source
    value = cells.evaluate(shell, text, "%%job --resources")
    if not isinstance(value, dict):
        raise UsageError(f"%%job --resources: expected NAME=EXPR pairs or a dict, got {value!r}")
    return value, text


def _executor(shell: Any, text: str) -> tuple[ExecutorDefinition, str]:
    name = unquote(text)
    builtin = getattr(opbook, f"{name}_executor", None) if name.isidentifier() else None
    if isinstance(builtin, ExecutorDefinition):
        return builtin, f"opbook.{name}_executor"
    value = cells.evaluate(shell, text, "%%job --executor")
    if not isinstance(value, ExecutorDefinition):
        raise UsageError(
            f"%%job --executor: {text!r} is not an executor (in_process, multiprocess, dask, or an "
            "ExecutorDefinition)"
        )
    return value, text


def job_arguments(shell: Any, parsed: Parsed) -> tuple[dict[str, Any], dict[str, str]]:
    """The @job arguments of a cell's options: as values, and as source text for export."""
    values: dict[str, Any] = {}
    texts: dict[str, str] = {}
    if parsed.has("resources"):
        values["resource_defs"], texts["resource_defs"] = _resources(
            shell, parsed.get("resources") or ""
        )
    if parsed.has("executor"):
        values["executor_def"], texts["executor_def"] = _executor(
            shell, parsed.get("executor") or ""
        )
    config = parsed.get("config")
    if config is not None:
        values["config"], texts["config"] = cells.evaluate(shell, config, "%%job --config"), config
    return values, texts


def define(shell: Any, kind: str, line: str, cell: str) -> None:
    """Run a ``%%graph`` or ``%%job`` cell: build, bind, record and show the definition."""
    spec = GRAPH_SPEC if kind == "graph" else JOB_SPEC
    parsed = parse(line, spec)
    head = header(parsed, spec)
    if kind == "job" and head.params:
        raise UsageError(f"%%job: a job takes no inputs ({head.name}({', '.join(head.params)}))")
    values, texts = job_arguments(shell, parsed) if kind == "job" else ({}, {})
    description = parsed.get("description")
    if description is not None:
        values["description"], texts["description"] = (
            unquote(description),
            repr(unquote(description)),
        )
    source = function_source(head, cell, kind == "graph", spec.magic)
    fn = cells.run_definition(shell, source, head.name, spec.magic, line_offset=1)
    decorator = graph_decorator if kind == "graph" else job_decorator
    definition = cells.build(
        lambda: decorator(**values)(fn), f"{spec.magic} {head.name}", fn.__code__.co_filename, 1
    )
    shell.user_ns[head.name] = definition
    arguments = ", ".join(f"{key}={text}" for key, text in texts.items())
    number = cells.cell_number(shell)
    session.current().record(
        CellRecord(
            kind,
            head.name,
            f"@opbook.{kind}({arguments})" if arguments else f"@opbook.{kind}",
            source,
            number,
        )
    )
    display(cards.card_for(definition))
