"""Rich display of opbook's objects, registered on IPython's formatters by the extension.

Jobs, pipelines and graphs show as their graph; ops as a card of their inputs, outputs, config
and location; results as their coloured graph with the per-step table (events and timeline
folded).  Terminals get the text forms.  Core classes keep their cheap ``__repr__``: nothing
here is attached to them, only registered with (and removed from) one IPython shell.
"""

from __future__ import annotations

from typing import Any

from opbook import (
    CompositeSolidExecutionResult,
    GraphDefinition,
    InProcessExecutionResult,
    PipelineDefinition,
    PipelineExecutionResult,
    SolidDefinition,
    SolidExecutionResult,
)
from opbook.notebook import cards

DISPLAYED_TYPES: tuple[type, ...] = (
    PipelineDefinition,
    GraphDefinition,
    SolidDefinition,
    PipelineExecutionResult,
    InProcessExecutionResult,
    CompositeSolidExecutionResult,
    SolidExecutionResult,
)


def _html(target: Any) -> str | None:
    return cards.html_for(target)


def _pretty(target: Any, printer: Any, cycle: bool) -> None:
    printer.text(cards.text_for(target) or repr(target))


def register(shell: Any) -> None:
    """Show opbook's objects richly in ``shell`` (registering twice is harmless)."""
    formatters = shell.display_formatter.formatters
    for kind in DISPLAYED_TYPES:
        formatters["text/html"].for_type(kind, _html)
        formatters["text/plain"].for_type(kind, _pretty)


def unregister(shell: Any) -> None:
    """Undo ``register``: opbook's objects show as their plain ``repr`` again."""
    formatters = shell.display_formatter.formatters
    for kind in DISPLAYED_TYPES:
        for mime in ("text/html", "text/plain"):
            formatters[mime].type_printers.pop(kind, None)
