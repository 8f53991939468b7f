"""The examples in the docs run, and print what the docs say they print.

Each API reference page is cut at its directives (``.. autofunction::``, ``.. autoclass::``,
``.. autodata::``, ...) and at its section titles; the doctest examples of each piece run in a
fresh namespace, so an example never leans on one written for another symbol.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
API_PAGES = sorted((DOCS / "api").glob("*.rst"))
# A new piece starts at a directive that documents something, or at a section title's underline.
PIECE_START = re.compile(r"^\s*\.\. (auto\w+|py:\w+)::|^[=\-^~]{3,}$")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def pieces(page: Path) -> list[tuple[int, str]]:
    """The page cut into (first line number, text) pieces."""
    found: list[tuple[int, list[str]]] = [(1, [])]
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        if PIECE_START.match(line):
            found.append((number, []))
        found[-1][1].append(line)
    return [(start, "\n".join(lines)) for start, lines in found]


def run_piece(page: Path, start: int, text: str) -> doctest.TestResults:
    name = f"{page.relative_to(DOCS)}:{start}"
    test = doctest.DocTestParser().get_doctest(
        text, {"__name__": "__main__"}, name, str(page), start
    )
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test)
    return runner.summarize(verbose=False)


def test_the_api_pages_have_examples() -> None:
    names = {page.name for page in API_PAGES}
    assert {"execution-pipelines.rst", "execution-jobs.rst"} <= names
    for page in API_PAGES:
        assert ">>> " in page.read_text(encoding="utf-8"), page.name


@pytest.mark.slow  # some examples start worker processes or a Dask cluster
@pytest.mark.parametrize("page", API_PAGES, ids=lambda page: page.name)
def test_api_page_examples_run(page: Path) -> None:
    failed = tried = 0
    for start, text in pieces(page):
        results = run_piece(page, start, text)
        failed, tried = failed + results.failed, tried + results.attempted
    assert tried > 0
    assert failed == 0, f"{failed} of {tried} examples in {page.name} failed (see the output)"


DOCUMENTS = re.compile(r"^\s*\.\. (?:auto(?:function|class|data|exception)|py:\w+)::\s+(\S+)", re.M)


def documented_names() -> set[str]:
    """The names the API pages give an entry (the last part of a dotted name)."""
    found = set()
    for page in API_PAGES:
        found |= {m.group(1).split(".")[-1] for m in DOCUMENTS.finditer(page.read_text("utf-8"))}
    return found


def test_every_public_name_has_an_api_entry() -> None:
    import opbook

    errors = {
        n
        for n in opbook.__all__
        if getattr(getattr(opbook, n), "__module__", "") == "opbook.errors"
    }
    # The exceptions are on the errors page (automodule opbook.errors).
    missing = sorted(set(opbook.__all__) - {"__version__"} - errors - documented_names())
    assert missing == [], f"document these in a page under docs/api/: {missing}"


def test_getting_started_examples_run(capsys: pytest.CaptureFixture[str]) -> None:
    """The page a new user reads first: its Python blocks run in order, in one namespace."""
    text = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    namespace: dict[str, object] = {"__name__": "__main__"}
    for number, block in enumerate(blocks, start=1):
        exec(compile(block, f"getting-started.md, block {number}", "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "60" and printed[-1] == "hello"
    assert "Error 1: Invalid scalar at path root:ops:scale:config:factor." in "\n".join(printed)


def test_executors_page_dynamic_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """The dynamic-graph example of the executors page runs and prints what it says."""
    text = (DOCS / "executors.md").read_text(encoding="utf-8")
    section = text.split("## Dynamic graphs", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```python\n(.*?)```", section, re.S)
    exec(compile(block, "executors.md, dynamic graphs", "exec"), {"__name__": "__main__"})
    printed = capsys.readouterr().out.splitlines()
    assert printed == ["{'from_0': 45, 'from_10': 145, 'from_20': 245}", "435"]
