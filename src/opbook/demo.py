"""``python -m opbook.demo``: run the quickstart notebook headless and write an HTML copy.

The notebook (``notebooks/01_quickstart.ipynb`` in a checkout) is executed top to bottom in a
fresh kernel with nbclient, then converted to HTML with nbconvert, outputs included, so the
result can be read in any browser.  nbclient and nbconvert come with opbook's ``dev`` extra;
without them the demo says how to install them.  Exit status: 0 on success, 1 when the notebook
fails or cannot be found, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

QUICKSTART = Path(__file__).resolve().parents[2] / "notebooks" / "01_quickstart.ipynb"
DEFAULT_OUTPUT = Path("build") / "quickstart.html"
INSTALL = "pip install nbclient nbconvert   (or: pip install -e '.[dev]' in a checkout)"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m opbook.demo",
        description="Run opbook's quickstart notebook headless and write an HTML copy of it.",
    )
    parser.add_argument("--notebook", type=Path, default=QUICKSTART, help="the notebook to run")
    parser.add_argument(
        "--output", "-o", type=Path, default=DEFAULT_OUTPUT, help="where to write the HTML"
    )
    parser.add_argument("--timeout", type=int, default=300, help="seconds allowed per cell")
    return parser.parse_args(argv)


def _libraries() -> tuple[Any, Any, Any] | None:
    try:
        import nbclient
        import nbconvert
        import nbformat
    except ImportError as exc:
        print(f"The demo needs nbclient and nbconvert ({exc.name} is missing). Install them with:")
        print(f"    {INSTALL}")
        return None
    return nbformat, nbclient, nbconvert


def run(notebook: Path, output: Path, timeout: int = 300) -> int:
    """Execute ``notebook`` and write it as HTML to ``output``; returns the exit status."""
    libraries = _libraries()
    if libraries is None:
        return 1
    nbformat, nbclient, nbconvert = libraries
    if not notebook.is_file():
        print(
            f"No notebook at {notebook}: run the demo from an opbook checkout, or pass --notebook."
        )
        return 1
    document = nbformat.read(notebook, as_version=4)
    started = time.monotonic()
    client = nbclient.NotebookClient(
        document,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook.parent)}},
        # the kernel's start-up warnings (its transport, ...) are not the demo's business
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        print(f"The notebook {notebook} failed: {exc.ename}: {exc.evalue}")
        return 1
    html, _resources = nbconvert.HTMLExporter().from_notebook_node(document)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    cells = sum(1 for cell in document.cells if cell.cell_type == "code")
    print(f"Ran {notebook.name} ({cells} code cells) in {time.monotonic() - started:.1f} s.")
    print(f"HTML copy of the executed notebook: {output.resolve()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    return run(arguments.notebook, arguments.output, arguments.timeout)


if __name__ == "__main__":
    sys.exit(main())
