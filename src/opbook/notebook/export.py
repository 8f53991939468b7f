"""Writing a notebook's ops, graphs and jobs to a Python module.

The module holds the imports found in the notebook's code cells, then, in the order of the
cells: each definition made with ``%%op``, ``%%graph`` or ``%%job`` as the decorated function
it amounts to (the ``%%op`` cell's function exactly as written, under a decorator carrying the
magic's options); each op, graph or job defined in a plain code cell, with a decorator or by an
assignment (``prod = etl.to_job(...)``), as written; and the plain-cell code those use, found
by the names they mention: constants, resources, config schemas, helper functions.  Bare
expressions and magics are left out.  A name defined several times appears once, with its
latest definition, at the place of its first one, so jobs still come after the ops they use; a
name no longer bound to a definition is left out.

Once written, the module is imported in a new Python process, and the error, if any, is
reported: importing it must rebuild the same definitions, ready for ``opbook run module.py``.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from opbook import PipelineDefinition
from opbook.notebook import session
from opbook.notebook.engine_seam import NodeDefinition

HEADER = '"""Ops, graphs and jobs exported from a notebook by opbook."""\n'


@dataclass(frozen=True)
class Piece:
    """One piece of code to write: the names it binds, where it was run, its code.

    ``number`` is the cell that ran it, ``position`` its statement's place in that cell.
    """

    name: str
    number: int
    code: str
    binds: frozenset[str] = frozenset()
    position: int = 0


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


def _bound_names(statement: ast.stmt) -> set[str]:
    """The names a top-level statement binds (a def, a class, an assignment to names)."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        targets = [statement.target]
    names: set[str] = set()
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif not isinstance(node, ast.Tuple | ast.List | ast.Starred | ast.expr_context):
                return set()  # ``x.attr = ...`` or ``d[k] = ...`` changes something else
    return names


def _runs_magic(statement: ast.stmt) -> bool:
    """Whether the statement is (or holds) a magic: ``x = %opbook run job`` and the like."""
    return any(
        isinstance(node, ast.Name) and node.id == "get_ipython" for node in ast.walk(statement)
    )


def _plain_statements(number: int, tree: ast.Module, source: str) -> list[Piece]:
    """The statements of a plain cell that bind names: what a definition may need.

    Imports are gathered on their own; bare expressions (a value shown, a call made for what
    it does) and magics are not definitions and are left out.
    """
    pieces = []
    lines = source.splitlines()
    for position, statement in enumerate(tree.body):
        binds = _bound_names(statement)
        if not binds or _runs_magic(statement):
            continue
        decorators = getattr(statement, "decorator_list", None) or []
        start = (decorators[0].lineno if decorators else statement.lineno) - 1
        code = "\n".join(lines[start : statement.end_lineno]) + "\n"
        name = getattr(statement, "name", None) or sorted(binds)[0]
        pieces.append(Piece(name, number, code, frozenset(binds), position))
    return pieces


def _names_used(code: str) -> set[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


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
    """What the module holds: every op, graph and job still in the notebook (made by a magic,
    a decorator or an assignment such as ``prod = g.to_job(...)``), and the plain-cell code
    they use (constants, resources, config schemas, helper functions), each name with its
    latest content at the place of its first definition."""
    current = session.current()
    first: dict[str, int] = dict(current.first_numbers)
    latest: dict[str, Piece] = {}
    for record in current.records.values():
        code = f"{record.decorator}\n{record.source.rstrip()}\n"
        latest[record.name] = Piece(record.name, record.number, code, frozenset({record.name}))
    plain: dict[str, Piece] = {}  # the latest plain statement binding each name
    for number, tree, source in _parsed_cells(shell):
        for piece in _plain_statements(number, tree, source):
            for name in piece.binds:
                first[name] = min(first.get(name, number), number)
                plain[name] = piece
    for name, piece in plain.items():
        known = latest.get(name)
        if known is None or known.number <= piece.number:
            latest[name] = piece
    namespace = shell.user_ns
    chosen = {
        id(piece): piece
        for name, piece in latest.items()
        if _is_definition(namespace.get(name)) and name in piece.binds
    }
    waiting = list(chosen.values())
    while waiting:
        for name in _names_used(waiting.pop().code):
            needed = latest.get(name)
            if needed is not None and id(needed) not in chosen and name in namespace:
                chosen[id(needed)] = needed
                waiting.append(needed)
    return sorted(
        chosen.values(),
        key=lambda p: (min(first.get(n, p.number) for n in p.binds), p.position, p.name),
    )


def _is_definition(value: Any) -> bool:
    """Whether ``value`` is an op, graph, job or pipeline (a name deleted since is left out)."""
    return isinstance(value, NodeDefinition | PipelineDefinition)


def module_source(imports: Sequence[str], definitions: Sequence[Piece]) -> str:
    """The text of the module."""
    lines = [HEADER, "import opbook"]
    lines += [text for text in imports if text != "import opbook"]
    body = "\n\n".join(piece.code.rstrip() + "\n" for piece in definitions)
    return "\n".join(lines) + "\n\n\n" + body


@dataclass(frozen=True)
class Exported:
    """What ``write_module`` wrote: the definitions, the other names they use, and the error
    importing the module gave (None when it imports)."""

    path: str
    definitions: list[str]
    support: list[str]
    error: str | None

    def summary(self) -> str:
        """``Wrote 4 definitions (load, ...) and what they use (RATES) to path``."""
        names = ", ".join(self.definitions) or "none"
        used = f" and what they use ({', '.join(self.support)})" if self.support else ""
        return f"Wrote {len(self.definitions)} definitions ({names}){used} to {self.path}"


def write_module(shell: Any, path: str) -> Exported:
    """Write the notebook's definitions to ``path``, then import it in a new Python process.

    Raises:
        OSError: the file could not be written.
    """
    chosen = pieces(shell)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(module_source(notebook_imports(shell), chosen))
    namespace = shell.user_ns
    definitions = [p.name for p in chosen if _is_definition(namespace.get(p.name))]
    support = [p.name for p in chosen if not _is_definition(namespace.get(p.name))]
    return Exported(path, definitions, support, import_error(path))


def import_error(path: str, timeout: float = 120) -> str | None:
    """Why the module at ``path`` does not import in a new Python process (None if it does):
    the exception on one line and the module's line it came from."""
    directory = os.path.dirname(os.path.abspath(path))
    code = "import runpy, sys; runpy.run_path(sys.argv[1], run_name='opbook_export_check')"
    try:
        ran = subprocess.run(
            [sys.executable, "-c", code, os.path.abspath(path)],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return f"importing it took more than {timeout:g} s"
    if ran.returncode == 0:
        return None
    lines = [line for line in ran.stderr.strip().splitlines() if line.strip()]
    error = lines[-1].strip() if lines else f"exit code {ran.returncode}"
    where = re.findall(rf'File "{re.escape(os.path.abspath(path))}", line (\d+)', ran.stderr)
    return f"{error} (line {where[-1]})" if where else error
