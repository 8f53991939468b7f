"""Rewrite one Dagster test module so that it runs against opbook.

Three changes, made on the syntax tree (comments are lost; the code is otherwise the same):

1. Every import of ``dagster`` or a ``dagster.*`` module goes through ``conformance.shim``:
   ``from dagster.x import A, B as C`` becomes ``(A, C) = shim.take('dagster.x', ('A', 'B'))`` and
   ``import dagster`` becomes ``dagster = shim.module('dagster')``. A name opbook lacks becomes a
   placeholder that fails when used, not at import. ``mock`` is imported from ``unittest``.
2. Every top-level statement (after the docstring and ``__future__`` imports) runs inside a guard:
   if it raises, the names it would have bound become placeholders carrying the error, so one
   broken definition fails only the tests that use it instead of the whole file's collection.
3. ``import conformance.shim as _conformance_shim`` is added at the top.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

SHIM = "_conformance_shim"


def _is_dagster(module_name: str) -> bool:
    return module_name == "dagster" or module_name.startswith("dagster.")


def _is_mock(module_name: str) -> bool:
    return module_name == "mock" or module_name.startswith("mock.")


def _shim_call(function: str, *args: ast.expr) -> ast.Call:
    attribute = ast.Attribute(ast.Name(SHIM, ast.Load()), function, ast.Load())
    return ast.Call(attribute, list(args), [])


def _assign(names: list[str], value: ast.expr) -> ast.Assign:
    """``(a, b) = value`` (always a tuple target: ``take`` returns one value per name)."""
    elements: list[ast.expr] = [ast.Name(name, ast.Store()) for name in names]
    return ast.Assign([ast.Tuple(elements, ast.Store())], value)


def _assign_one(name: str, value: ast.expr) -> ast.Assign:
    return ast.Assign([ast.Name(name, ast.Store())], value)


class _ImportRewriter(ast.NodeTransformer):
    """Sends Dagster imports through the shim and ``mock`` to ``unittest.mock``, at any depth."""

    def visit_Import(self, node: ast.Import) -> list[ast.stmt]:
        statements: list[ast.stmt] = []
        kept: list[ast.alias] = []
        for alias in node.names:
            if _is_dagster(alias.name):
                # ``import dagster.a.b`` binds ``dagster``; ``import dagster.a.b as x`` binds the module.
                target = alias.asname or "dagster"
                source = alias.name if alias.asname else "dagster"
                statements.append(_assign_one(target, _shim_call("module", ast.Constant(source))))
            elif _is_mock(alias.name):
                statements.append(ast.ImportFrom("unittest", [ast.alias("mock", alias.asname)], 0))
            else:
                kept.append(alias)
        if kept:
            statements.insert(0, ast.Import(kept))
        return [ast.copy_location(statement, node) for statement in statements]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.stmt:
        module_name = node.module or ""
        if node.level or not _is_dagster(module_name):
            if not node.level and _is_mock(module_name):
                node.module = "unittest." + module_name
            return node
        if any(alias.name == "*" for alias in node.names):
            return ast.copy_location(ast.ImportFrom("opbook", node.names, 0), node)
        imported = ast.Tuple([ast.Constant(alias.name) for alias in node.names], ast.Load())
        targets = [alias.asname or alias.name for alias in node.names]
        call = _shim_call("take", ast.Constant(module_name), imported)
        return ast.copy_location(_assign(targets, call), node)


def _bound_names(node: ast.AST) -> Iterator[str]:
    """Names a top-level statement binds, not looking inside function or class bodies."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield node.name
        return
    if isinstance(node, ast.Import | ast.ImportFrom):
        for alias in node.names:
            yield alias.asname or alias.name.partition(".")[0]
        return
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
        yield node.id
        return
    if isinstance(node, ast.Lambda | ast.comprehension | ast.GeneratorExp):
        return
    for child in ast.iter_child_nodes(node):
        yield from _bound_names(child)


def _guard(statement: ast.stmt) -> ast.Try:
    """``try: statement`` / ``except (Exception, ConformanceGap) as e: shim.broken(...)``."""
    names = sorted(set(_bound_names(statement)) - {"*"})
    caught = ast.Tuple(
        [
            ast.Name("Exception", ast.Load()),
            ast.Attribute(ast.Name(SHIM, ast.Load()), "ConformanceGap", ast.Load()),
        ],
        ast.Load(),
    )
    report = _shim_call(
        "broken",
        _shim_call_globals(),
        ast.List([ast.Constant(name) for name in names], ast.Load()),
        ast.Name("_conformance_error", ast.Load()),
    )
    handler = ast.ExceptHandler(caught, "_conformance_error", [ast.Expr(report)])
    return ast.Try([statement], [handler], [], [])


def _shim_call_globals() -> ast.Call:
    return ast.Call(ast.Name("globals", ast.Load()), [], [])


def _is_prologue(statement: ast.stmt, index: int) -> bool:
    """The module docstring and ``from __future__`` imports, which must stay first and bare."""
    if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
        return True
    return (
        index == 0
        and isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def rewrite_source(source: str) -> str:
    """Return ``source`` (a Dagster test module) rewritten to run against opbook."""
    tree = _ImportRewriter().visit(ast.parse(source))
    prologue: list[ast.stmt] = []
    body: list[ast.stmt] = []
    for index, statement in enumerate(tree.body):
        if _is_prologue(statement, index) and not body:
            prologue.append(statement)
        else:
            body.append(_guard(statement))
    shim_import = ast.Import([ast.alias("conformance.shim", SHIM)])
    tree.body = [*prologue, shim_import, *body]
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"
