"""Sphinx configuration for opbook's documentation.

Build: ``.venv/bin/sphinx-build -W -b html docs docs/_build/html`` (warnings are errors).
Pages are Markdown (MyST) or notebooks. The tour notebooks in ``../notebooks`` are copied into
``tour/`` (generated, not kept in git) with a page listing them, and shown with their saved
outputs: the test suite executes them, the docs build does not.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT / "src"))  # document the working tree, installed or not
sys.path.insert(0, str(DOCS))

from _signatures import drop_private_parameters  # noqa: E402

import opbook  # noqa: E402

TOUR_PAGE = """\
# Tour

The tour notebooks from the repository's `notebooks/` folder, with the outputs saved in them.
To run them yourself: `bash scripts/demo.sh`, then `.venv/bin/jupyter lab notebooks/`.

```{{toctree}}
:maxdepth: 1

{entries}
```
"""


def copy_tour_notebooks(source: Path, target: Path) -> None:
    """Copy the tour notebooks into the docs tree and write the page that lists them."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    notebooks = sorted(source.glob("*.ipynb"))
    for notebook in notebooks:
        shutil.copy2(notebook, target / notebook.name)
    entries = "\n".join(notebook.stem for notebook in notebooks)
    (target / "index.md").write_text(TOUR_PAGE.format(entries=entries), encoding="utf-8")


copy_tour_notebooks(ROOT / "notebooks", DOCS / "tour")

project = "opbook"
author = "the opbook authors"
copyright = "the opbook authors"
release = opbook.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "myst_nb",  # Markdown pages and notebooks (includes myst_parser)
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# Docstrings are Google style.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"

# Notebooks are shown as saved; the test suite is what executes them.
nb_execution_mode = "off"
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

html_theme = "alabaster"
html_title = "opbook"


def drop_class_docstring_of_instances(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """An ``autodata`` entry (``in_process_executor``) says what the object is in its own
    text; the docstring of the object's class would only repeat what its class's entry says."""
    if what == "data" and not isinstance(obj, type) and obj.__doc__ == type(obj).__doc__:
        lines.clear()


def setup(app: Any) -> None:
    app.connect("autodoc-process-docstring", drop_class_docstring_of_instances)
    # After autodoc's own handler (priority 500) has recorded the type hints.
    app.connect("autodoc-process-signature", drop_private_parameters, priority=600)
