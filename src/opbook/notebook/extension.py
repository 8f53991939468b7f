"""``%load_ext opbook`` / ``%unload_ext opbook``: the magics and the rich displays.

In a Jupyter kernel, loading also makes the console logger print from ``WARNING`` unless a run
configures its level: what steps log at ``INFO`` is in the run's record (its DataFrame and the
run panel) rather than in stderr boxes under each cell.  Loading twice is harmless (IPython re-registers the same magics and formatters); unloading
removes both, leaving what the user defined in place.
"""

from __future__ import annotations

import logging
from typing import Any

from opbook.notebook import display
from opbook.notebook.engine_seam import set_default_console_level
from opbook.notebook.magics import CELL_MAGICS, LINE_MAGICS, OpbookMagics


def load_ipython_extension(shell: Any) -> None:
    """Register opbook's magics and rich displays in an IPython shell."""
    shell.register_magics(OpbookMagics)
    display.register(shell)
    if getattr(shell, "kernel", None) is not None:
        set_default_console_level(logging.WARNING)


def unload_ipython_extension(shell: Any) -> None:
    """Remove opbook's magics and rich displays from an IPython shell."""
    magics = shell.magics_manager.magics
    for name in CELL_MAGICS:
        magics["cell"].pop(name, None)
    for name in LINE_MAGICS:
        magics["line"].pop(name, None)
    shell.magics_manager.registry.pop(OpbookMagics.__name__, None)
    display.unregister(shell)
    set_default_console_level(logging.INFO)
