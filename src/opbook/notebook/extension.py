"""``%load_ext opbook`` / ``%unload_ext opbook``: the magics and the rich displays.

Loading twice is harmless (IPython re-registers the same magics and formatters); unloading
removes both, leaving what the user defined in place.
"""

from __future__ import annotations

from typing import Any

from opbook.notebook import display
from opbook.notebook.magics import CELL_MAGICS, LINE_MAGICS, OpbookMagics


def load_ipython_extension(shell: Any) -> None:
    """Register opbook's magics and rich displays in an IPython shell."""
    shell.register_magics(OpbookMagics)
    display.register(shell)


def unload_ipython_extension(shell: Any) -> None:
    """Remove opbook's magics and rich displays from an IPython shell."""
    magics = shell.magics_manager.magics
    for name in CELL_MAGICS:
        magics["cell"].pop(name, None)
    for name in LINE_MAGICS:
        magics["line"].pop(name, None)
    shell.magics_manager.registry.pop(OpbookMagics.__name__, None)
    display.unregister(shell)
