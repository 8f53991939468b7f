"""The docs' IPython examples (magics and all) run as written, in a real kernel.

A page's ```ipython blocks (in Markdown) and ``.. code-block:: ipython`` directives (in
reStructuredText) are notebook cells a reader would type; its ```python blocks run too, in
the same order, since the IPython ones may build on them.  Each page runs in a fresh kernel
(nbclient), its blocks in page order; a block holds several cells when a blank line is
followed by an unindented line (``%load_ext opbook``, blank line, ``%%op ...``), as a reader
would type them into separate cells.  The kernel works in a temporary copy of the page's
folder, with ``$OPBOOK_HOME`` in a temporary directory.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
SKIPPED = {"tour", "_build"}
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})(?P<info>.*)$")
DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\.\. code-block::\s*(?P<language>\w+)\s*$")
LANGUAGES = {"ipython", "python"}


def markdown_blocks(text: str) -> list[tuple[str, int, list[str]]]:
    """The page's fenced blocks: (language, line number of the first line, lines)."""
    blocks: list[tuple[str, int, list[str]]] = []
    fence: re.Match[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if fence is None:
            if match:
                fence = match
                blocks.append((match["info"].strip().split(" ")[0], number + 1, []))
        elif match and match["ticks"].startswith(fence["ticks"]) and not match["info"].strip():
            fence = None
        else:
            indent = fence["indent"]
            blocks[-1][2].append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
    return blocks


def rst_blocks(text: str) -> list[tuple[str, int, list[str]]]:
    """The page's ``.. code-block::`` directives: (language, line of the first line, lines)."""
    blocks: list[tuple[str, int, list[str]]] = []
    lines = text.splitlines()
    number = 0
    while number < len(lines):
        match = DIRECTIVE.match(lines[number])
        number += 1
        if match is None:
            continue
        outer = len(match["indent"])
        body: list[str] = []
        start = number + 1
        while number < len(lines) and (
            not lines[number].strip() or len(lines[number]) - len(lines[number].lstrip()) > outer
        ):
            body.append(lines[number])
            number += 1
        while body and not body[0].strip():
            body.pop(0)
            start += 1
        while body and not body[-1].strip():
            body.pop()
        indent = min(len(line) - len(line.lstrip()) for line in body if line.strip())
        blocks.append((match["language"], start, [line[indent:] for line in body]))
    return blocks


def blocks_of(page: Path) -> list[tuple[str, int, list[str]]]:
    text = page.read_text("utf-8")
    found = rst_blocks(text) if page.suffix == ".rst" else markdown_blocks(text)
    return [block for block in found if block[0] in LANGUAGES]


def cells(start: int, lines: list[str]) -> list[tuple[int, str]]:
    """A block cut into cells: (line number in the page, source), a new cell wherever a blank
    line is followed by an unindented line."""
    found: list[tuple[int, list[str]]] = []
    blank = True
    for offset, line in enumerate(lines):
        if not line.strip():
            blank = True
            if found:
                found[-1][1].append(line)
            continue
        if blank and not line[0].isspace():
            found.append((start + offset, []))
        blank = False
        found[-1][1].append(line)
    return [(number, "\n".join(source).strip("\n")) for number, source in found]


def ipython_pages() -> list[Path]:
    candidates = [*DOCS.rglob("*.md"), *DOCS.rglob("*.rst")]
    return sorted(
        page
        for page in candidates
        if not SKIPPED & set(page.relative_to(DOCS).parts)
        and any(language == "ipython" for language, _, _ in blocks_of(page))
    )


def test_a_block_is_cut_into_cells_at_unindented_lines_after_a_blank() -> None:
    lines = ["%load_ext opbook", "", "%%op", "def f() -> int:", "", "    return 1", "", "f"]
    assert cells(10, lines) == [
        (10, "%load_ext opbook"),
        (12, "%%op\ndef f() -> int:\n\n    return 1"),
        (17, "f"),
    ]


def test_rst_code_blocks_are_found_with_their_page_lines() -> None:
    text = "Intro\n\n.. code-block:: ipython\n\n   %load_ext opbook\n\n   x = 1\n\nAfter\n"
    assert rst_blocks(text) == [("ipython", 5, ["%load_ext opbook", "", "x = 1"])]


def test_the_pages_with_ipython_examples_are_found() -> None:
    names = {str(page.relative_to(DOCS)) for page in ipython_pages()}
    assert {"notebook-guide.md", "api/notebook.rst"} <= names


def _errors(cell: Any) -> list[str]:
    """The cell's exceptions, and the usage errors of magics (which IPython prints, on stderr,
    with no traceback)."""
    raised = [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]
    stderr = "".join(
        o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"
    )
    return raised + [line for line in stderr.splitlines() if line.startswith("UsageError:")]


@pytest.mark.slow  # a kernel per page
@pytest.mark.parametrize("page", ipython_pages(), ids=lambda page: str(page.relative_to(DOCS)))
def test_page_ipython_examples_run_in_a_kernel(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    folder = tmp_path / "page"
    shutil.copytree(page.parent, folder, ignore=shutil.ignore_patterns(*SKIPPED))
    monkeypatch.setenv("OPBOOK_HOME", str(tmp_path / "home"))  # the kernel inherits it
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    numbered = [cell for _, start, lines in blocks_of(page) for cell in cells(start, lines)]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for _, source in numbered]
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    where = page.relative_to(DOCS)
    failed = [
        f"{where}, line {number}:\n{source}\n-> {'; '.join(_errors(cell))}"
        for (number, source), cell in zip(numbered, notebook.cells, strict=True)
        if _errors(cell)
    ]
    assert failed == []
