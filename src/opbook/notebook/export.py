"""Writing a notebook's ops, graphs and jobs to a Python module.

The module holds, in this order: the imports found in the notebook's code cells, then each
definition made with ``%%op``, ``%%graph`` or ``%%job`` as the decorated function it amounts to
(the ``%%op`` cell's function exactly as written, under a decorator carrying the magic's
options), then each op, graph or job defined with a decorator in a plain code cell, as written.
A name defined several times appears once, with its latest definition, at the place of its
first one, so jobs still come after the ops they use; a name no longer bound to a definition
is left out.  Importing the module rebuilds the same
definitions, ready for ``opbook run module.py`` or ``import``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from opbook.definitions.job import PipelineDefinition
from opbook.definitions.node import NodeDefinition
from opbook.notebook import session

DEFINING_DECORATORS = frozenset(
    {"op", "solid", "lambda_solid", "graph", "composite_solid", "job", "pipeline"}
)
HEADER = '"""Ops, graphs and jobs exported from a notebook by opbook."""\n'


@dataclass(frozen=True)
class Piece:
    """One definition to write: its name, the cell number that first defined it, its code."""

    name: str
    number: int
    code: str


def _history(shell: Any) -> list[str]:
    raw = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None) or []
    return list(raw)


def _parsed_cells(shell: Any) -> Iterable[tuple[int, ast.Module, str]]:
    """(number, syntax tree, source) of each plain code cell run so far."""
    for number, raw in enumerate(_history(shell)):
        if not raw.strip() or raw.lstrip().startswith("%%"):
            continue
        source = shell.transform_cell(raw)
        try:
            yield number, ast.parse(source), source
        except SyntaxError:
            continue


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""


def _plain_definitions(number: int, tree: ast.Module, source: str) -> list[Piece]:
    pieces = []
    lines = source.splitlines()
    for statement in tree.body:
        if not isinstance(statement, ast.FunctionDef) or not statement.decorator_list:
            continue
        if not any(_decorator_name(d) in DEFINING_DECORATORS for d in statement.decorator_list):
            continue
        start = statement.decorator_list[0].lineno - 1
        code = "\n".join(lines[start : statement.end_lineno]) + "\n"
        pieces.append(Piece(statement.name, number, code))
    return pieces


def notebook_imports(shell: Any) -> list[str]:
    """The import statements of the notebook's code cells, once each, in order."""
    found: list[str] = []
    for _number, tree, _source in _parsed_cells(shell):
        for statement in tree.body:
            if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
                continue
            if isinstance(statement, ast.Import | ast.ImportFrom):
                text = ast.unparse(statement)
                if text not in found:
                    found.append(text)
    return found


def pieces(shell: Any) -> list[Piece]:
    """Every definition still in the notebook, latest content at the first position of its name."""
    current = session.current()
    latest: dict[str, Piece] = {}
    first: dict[str, int] = dict(current.first_numbers)
    for record in current.records.values():
        code = f"{record.decorator}\n{record.source.rstrip()}\n"
        latest[record.name] = Piece(record.name, record.number, code)
    for number, tree, source in _parsed_cells(shell):
        for piece in _plain_definitions(number, tree, source):
            first[piece.name] = min(first.get(piece.name, number), number)
            known = latest.get(piece.name)
            if known is None or known.number <= piece.number:
                latest[piece.name] = piece
    alive = [p for p in latest.values() if _is_definition(shell.user_ns.get(p.name))]
    return sorted(alive, key=lambda p: (first[p.name], p.name))


def _is_definition(value: Any) -> bool:
    """Whether ``value`` is an op, graph, job or pipeline (a name deleted since is left out)."""
    return isinstance(value, NodeDefinition | PipelineDefinition)


def module_source(imports: Sequence[str], definitions: Sequence[Piece]) -> str:
    """The text of the module."""
    lines = [HEADER, "import opbook"]
    lines += [text for text in imports if text != "import opbook"]
    body = "\n\n".join(piece.code.rstrip() + "\n" for piece in definitions)
    return "\n".join(lines) + "\n\n\n" + body


def write_module(shell: Any, path: str) -> list[str]:
    """Write the notebook's definitions to ``path``; returns the names written."""
    definitions = pieces(shell)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(module_source(notebook_imports(shell), definitions))
    return [piece.name for piece in definitions]
