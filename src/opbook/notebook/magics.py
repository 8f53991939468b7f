"""The magics ``%load_ext opbook`` registers: ``%%op``, ``%%graph``, ``%%job`` and ``%opbook``.

This module only wires names to their implementations: ``op_cell`` (``%%op``), ``graph_cell``
(``%%graph``, ``%%job``) and ``commands`` (``%opbook``, whose ``help`` lists everything).
"""

from __future__ import annotations

from typing import Any

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class

from opbook.notebook import commands, graph_cell, op_cell

CELL_MAGICS = ("op", "graph", "job")
LINE_MAGICS = ("opbook",)


@magics_class
class OpbookMagics(Magics):
    """opbook's magics; see ``%opbook help``."""

    # IPython's annotations of its magic decorators match no method, hence the ignores below.

    @cell_magic("op")  # type: ignore[arg-type]
    def op(self, line: str, cell: str) -> None:
        """Define an op from the function in this cell (``%opbook help`` for the options)."""
        op_cell.define_op(self.shell, line, cell)

    @cell_magic("graph")  # type: ignore[arg-type]
    def graph(self, line: str, cell: str) -> None:
        """Define a graph whose body is this cell: ``%%graph name(input, ...)``."""
        graph_cell.define(self.shell, "graph", line, cell)

    @cell_magic("job")  # type: ignore[arg-type]
    def job(self, line: str, cell: str) -> None:
        """Define a job whose body is this cell: ``%%job name [--resources ...]``."""
        graph_cell.define(self.shell, "job", line, cell)

    @line_magic("opbook")  # type: ignore[arg-type]
    def opbook(self, line: str) -> Any:
        """Show, run and re-execute jobs, list runs, export: ``%opbook help``."""
        return commands.dispatch(self.shell, line)
