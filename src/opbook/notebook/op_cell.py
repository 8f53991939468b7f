"""``%%op``: the cell holds one function definition, which becomes an op.

Options: ``--name NAME``, ``--config EXPR`` (a config schema), ``--resources a,b``,
``--out TYPE`` (a type, an ``Out`` or a dict of ``Out``), ``--description TEXT``, ``--solid``
(define it with ``@solid``), ``--run [INPUTS]`` (run it at once with ``execute_solid``, inputs
from a dict expression) and ``--run-config EXPR``.  Expressions are evaluated in the notebook.

The op is bound under the function's name; every graph and job of the notebook that uses an
op of that name is rebuilt with it, and the cell's display says which.  When ``%opbook
autorun JOB`` watches a job that uses the op, the job then re-runs memoized.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError
from IPython.display import display

from opbook import Out, OutputDefinition, execute_solid
from opbook import op as op_decorator
from opbook import solid as solid_decorator
from opbook.notebook import autorun, cards, cells, redefine, session
from opbook.notebook.options import Parsed, Spec, parse, split_top_level, unquote
from opbook.notebook.session import CellRecord

SPEC = Spec(
    "%%op",
    flags=frozenset({"solid"}),
    values=frozenset({"name", "config", "resources", "out", "description", "run-config"}),
    optional=frozenset({"run"}),
)


@dataclass
class OpArguments:
    """The decorator arguments a cell's options amount to, as values and as source text."""

    values: dict[str, Any]
    texts: dict[str, str]

    def add(self, key: str, value: Any, text: str) -> None:
        self.values[key] = value
        self.texts[key] = text

    def decorator(self, kind: str) -> str:
        if not self.texts:
            return f"@opbook.{kind}"
        arguments = ", ".join(f"{key}={text}" for key, text in self.texts.items())
        return f"@opbook.{kind}({arguments})"


def function_name(cell: str) -> str:
    """The name of the one function the cell defines.

    Raises:
        UsageError: the cell does not parse, or holds anything but one function definition.
    """
    try:
        tree = ast.parse(cell)
    except SyntaxError as exc:
        raise UsageError(f"%%op: {exc.msg} (cell line {exc.lineno})") from None
    functions = [s for s in tree.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)]
    if len(tree.body) != 1 or len(functions) != 1:
        found = ", ".join(type(s).__name__ for s in tree.body) or "nothing"
        raise UsageError(
            f"%%op: the cell must hold exactly one function definition (found: {found})"
        )
    return functions[0].name


def _outputs(shell: Any, text: str, as_solid: bool) -> tuple[str, Any, str]:
    value = cells.evaluate(shell, text, "%%op --out")
    if as_solid:
        if isinstance(value, list | tuple):
            return "output_defs", list(value), text
        if isinstance(value, OutputDefinition):
            return "output_defs", [value], f"[{text}]"
        return "output_defs", [OutputDefinition(value)], f"[opbook.OutputDefinition({text})]"
    if isinstance(value, Out | Mapping):
        return "out", value, text
    return "out", Out(value), f"opbook.Out({text})"


def arguments(shell: Any, parsed: Parsed) -> OpArguments:
    """The decorator arguments of ``%%op`` options."""
    args = OpArguments({}, {})
    as_solid = parsed.has("solid")
    name = parsed.get("name")
    if name is not None:
        args.add("name", unquote(name), repr(unquote(name)))
    config = parsed.get("config")
    if config is not None:
        args.add("config_schema", cells.evaluate(shell, config, "%%op --config"), config)
    resources = parsed.get("resources")
    if resources is not None:
        keys = sorted(unquote(k) for k in split_top_level(unquote(resources)))
        args.add("required_resource_keys", set(keys), "{" + ", ".join(map(repr, keys)) + "}")
    out = parsed.get("out")
    if out is not None:
        args.add(*_outputs(shell, out, as_solid))
    description = parsed.get("description")
    if description is not None:
        args.add("description", unquote(description), repr(unquote(description)))
    return args


def define_op(shell: Any, line: str, cell: str) -> None:
    """Run a ``%%op`` cell: define, bind, record, update dependents, show (and maybe run)."""
    parsed = parse(line, SPEC)
    source = cell.strip("\n")
    name = function_name(source)
    args = arguments(shell, parsed)
    fn = cells.run_definition(shell, source, name, "%%op")
    kind = "solid" if parsed.has("solid") else "op"
    decorator = solid_decorator if kind == "solid" else op_decorator
    definition = cells.build(lambda: _checked(decorator(**args.values)(fn)), f"%%op {name}")
    shell.user_ns[name] = definition
    number = cells.cell_number(shell)
    session.current().record(CellRecord("op", name, args.decorator(kind), source, number))
    notes = _update_dependents(shell, definition)
    display(cards.Card(cards.op_html(definition, notes), cards.op_text(definition, notes)))
    if parsed.has("run"):
        _run(shell, definition, parsed)
    autorun.after_redefine(shell, definition)


def _checked(definition: Any) -> Any:
    """The op, unless a resource key it names could never be provided (a job's resource keys
    are Python identifiers); said now rather than when a job is made."""
    for key in sorted(definition.required_resource_keys):
        if not key.isidentifier():
            raise ValueError(f"resource key {key!r} is not a valid Python identifier.")
    return definition


def _update_dependents(shell: Any, definition: Any) -> list[str]:
    updated, failed = redefine.update_namespace(shell.user_ns, definition)
    notes = [f"Updated to use the new {definition.name}: {', '.join(updated)}."] if updated else []
    notes += [f"Not updated, {reason}" for reason in failed]
    return notes


def _run(shell: Any, definition: Any, parsed: Parsed) -> None:
    inputs_text = parsed.get("run")
    inputs = cells.evaluate(shell, inputs_text, "%%op --run") if inputs_text else None
    if inputs is not None and not isinstance(inputs, Mapping):
        raise UsageError(f"%%op --run: inputs must be a dict of input values, got {inputs!r}")
    config_text = parsed.get("run-config")
    run_config = cells.evaluate(shell, config_text, "%%op --run-config") if config_text else None
    result = cells.build(
        lambda: execute_solid(
            definition, input_values=inputs, run_config=run_config, raise_on_error=False
        ),
        f"%%op --run {definition.name}",
    )
    display(cards.card_for(result))
