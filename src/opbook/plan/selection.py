"""The selection grammar: ``*a`` (a and everything upstream), ``a+`` (a and one level
downstream), ``++a``, ``a*``, several clauses separated by commas or given as a list.

A clause is an optional prefix (at most one ``*``, then any number of ``+``), a name, and an
optional suffix (any number of ``+``, then at most one ``*``).  ``*`` means unlimited depth,
each ``+`` one level.  Every clause must select something: an unknown name raises
``DagsterInvalidSubsetError`` naming the clause, the selection and what could be selected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from opbook import dag
from opbook.errors import DagsterInvalidSubsetError

_CLAUSE = re.compile(r"^(?P<up>\*?\+*)(?P<name>[\w.\[\]?\-]+)(?P<down>\+*\*?)$")


def _depth(part: str) -> int | None:
    if "*" in part:
        return None
    return len(part)


def split_clauses(selection: str | Sequence[str]) -> list[str]:
    items = [selection] if isinstance(selection, str) else list(selection)
    return [clause.strip() for item in items for clause in item.split(",") if clause.strip()]


def parse_clause(clause: str) -> tuple[int | None, str, int | None] | None:
    match = _CLAUSE.match(clause.strip())
    if match is None:
        return None
    return _depth(match["up"]), match["name"], _depth(match["down"])


def select(
    upstream: Mapping[str, Sequence[str]],
    selection: str | Sequence[str],
    what: str = "solids",
    argument: str = "solid_selection",
    aliases: Mapping[str, str] | None = None,
) -> set[str]:
    """The names a selection picks out of a dependency map ``{name: [upstream names]}``.

    Args:
        upstream: every selectable name and the names it depends on.
        selection: one query string or a list of them.
        what / argument: used in the error message ("ops", "op_selection").
        aliases: other spellings of names (``"a.compute"`` for step ``"a"``).
    """
    downstream = dag.invert(upstream)
    chosen: set[str] = set()
    clauses = split_clauses(selection)
    for clause in clauses:
        parsed = parse_clause(clause)
        name = (aliases or {}).get(parsed[1], parsed[1]) if parsed is not None else ""
        if parsed is None or name not in upstream:
            raise DagsterInvalidSubsetError(
                f"No qualified {what} to execute found for {argument}={clauses!r}: "
                f'"{clause}" matches nothing. Available {what}: {sorted(upstream)}.'
            )
        up_depth, _, down_depth = parsed
        chosen.add(name)
        if up_depth != 0:
            chosen |= dag.reachable([name], upstream, up_depth)
        if down_depth != 0:
            chosen |= dag.reachable([name], downstream, down_depth)
    if not chosen:
        raise DagsterInvalidSubsetError(
            f"No qualified {what} to execute found for {argument}={clauses!r}"
        )
    return chosen


def ordered(names: Iterable[str], order: Sequence[str]) -> list[str]:
    wanted = set(names)
    return [n for n in order if n in wanted]
