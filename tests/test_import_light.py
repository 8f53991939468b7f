"""`import opbook` stays light: the heavy and notebook-only libraries are imported lazily.

Each check runs in a fresh interpreter, since the test process itself has imported them all.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY_MODULES = ["IPython", "ipywidgets", "graphviz", "pandas", "nbformat", "dask"]

_PROBE = f"""
import json, sys
import opbook
print(json.dumps([name for name in {HEAVY_MODULES!r} if name in sys.modules]))
"""


@pytest.fixture(scope="module")
def imported_by_opbook() -> list[str]:
    """The heavy modules present in `sys.modules` after a bare `import opbook`."""
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, f"`import opbook` failed in a fresh interpreter:\n{proc.stderr}"
    names: list[str] = json.loads(proc.stdout.strip().splitlines()[-1])
    return names


@pytest.mark.parametrize("module", HEAVY_MODULES)
def test_import_opbook_does_not_import(module: str, imported_by_opbook: list[str]) -> None:
    assert module not in imported_by_opbook, (
        f"`import opbook` imports {module}; import it lazily where it is used "
        "(`python -X importtime -c 'import opbook'` shows which module imports it)"
    )
