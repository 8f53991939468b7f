"""Every ```python block of every Markdown page under docs/ runs as written.

A page's blocks may build on each other, so they run in order, in one namespace per page, as
one script run by a fresh Python process: ``__name__ == "__main__"`` as in a script a reader
would write, and ``$OPBOOK_HOME`` (and ``$HOME``, for ``~``) in a temporary directory. A block
that starts worker processes or a cluster therefore needs the guard
``if __name__ == "__main__":``, as the reader's script would. The script keeps the page's line
numbers (lines outside the blocks are left blank), so a traceback names the line of the page.
Fragments that cannot run are fenced as ``text`` (or another language), not ``python``.

The working directory is a temporary copy of the page's folder, so relative paths resolve as
they would beside the page while nothing a page writes lands in the repository. A block whose
first line names a file (``# repo.py``, or a docstring opening with ``run_tick.py:``) is also
saved under that name there, as the reader would save it, so a later block can import it.

The generated ``docs/tour/`` pages and the build output ``docs/_build`` are not checked.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
SKIPPED = {"tour", "_build"}
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})(?P<info>.*)$")
FILE_NAME = re.compile(r'^(?:#\s*|"""|\'\'\')(?P<name>[A-Za-z_]\w*\.py)\b')


def pages() -> list[Path]:
    """The Markdown pages under docs/, generated and built ones left out."""
    return sorted(
        page for page in DOCS.rglob("*.md") if not SKIPPED & set(page.relative_to(DOCS).parts)
    )


def python_blocks(text: str) -> list[tuple[int, list[str]]]:
    """The page's ```python blocks: (line number of the fence, the block's lines, dedented)."""
    blocks: list[tuple[int, list[str]]] = []
    fence: re.Match[str] | None = None  # the fence of the block we are in
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if fence is None:
            if match:
                fence = match
                if match["info"].strip().split(" ")[0] == "python":
                    blocks.append((number, []))
                else:
                    blocks.append((-1, []))  # another language: kept out of the script
        elif match and match["ticks"].startswith(fence["ticks"]) and not match["info"].strip():
            fence = None
        else:
            indent = fence["indent"]
            blocks[-1][1].append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
    return [(start, lines) for start, lines in blocks if start > 0]


def page_script(text: str) -> str:
    """The page's ```python blocks as one script, each line on the line it has in the page."""
    out = [""] * len(text.splitlines())
    for start, lines in python_blocks(text):
        out[start : start + len(lines)] = lines
    return "\n".join(out) + "\n"


def named_files(text: str) -> dict[str, str]:
    """The blocks whose first line names the file they are: {file name: the block}."""
    found = {}
    for _, lines in python_blocks(text):
        match = FILE_NAME.match(lines[0]) if lines else None
        if match:
            found[match["name"]] = "\n".join(lines) + "\n"
    return found


def python_pages() -> list[Path]:
    return [page for page in pages() if page_script(page.read_text("utf-8")).strip()]


def test_the_script_keeps_the_page_line_numbers() -> None:
    text = "# Title\n\n```python\nx = 1\n```\n\n```yaml\na: 1\n```\n\n- item\n\n  ```python\n  y = x\n  ```\n"
    script = page_script(text).splitlines()
    assert script[3] == "x = 1" and script[13] == "y = x"
    assert [line for line in script if line] == ["x = 1", "y = x"]


def test_a_block_naming_a_file_is_saved_as_that_file() -> None:
    text = '```python\n# repo.py\nx = 1\n```\n\n```python\n"""tick.py: run"""\n```\n'
    assert named_files(text) == {"repo.py": "# repo.py\nx = 1\n", "tick.py": '"""tick.py: run"""\n'}


def test_the_pages_with_python_are_found() -> None:
    names = {str(page.relative_to(DOCS)) for page in python_pages()}
    assert {"getting-started.md", "dask.md", "executors.md", "storage.md"} <= names
    assert {"tutorial.md", "concepts/ops.md", "concepts/testing.md"} <= names
    assert not any(name.startswith(("tour", "_build")) for name in names)


@pytest.mark.slow  # each page runs in a fresh process; some start workers or a Dask cluster
@pytest.mark.parametrize("page", python_pages(), ids=lambda page: str(page.relative_to(DOCS)))
def test_page_python_blocks_run(page: Path, tmp_path: Path) -> None:
    text = page.read_text("utf-8")
    folder = tmp_path / "page"
    shutil.copytree(page.parent, folder, ignore=shutil.ignore_patterns(*SKIPPED))
    for name, block in named_files(text).items():
        (folder / name).write_text(block, encoding="utf-8")
    script = folder / f"{page.stem}_md.py"
    script.write_text(page_script(text), encoding="utf-8")
    env = {**os.environ, "OPBOOK_HOME": str(tmp_path / "home"), "HOME": str(tmp_path / "user")}
    env.pop("DAGSTER_HOME", None)
    ran = subprocess.run(
        [sys.executable, str(script)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    where = page.relative_to(DOCS)
    assert ran.returncode == 0, f"{where} (line numbers are the page's):\n{ran.stderr[-4000:]}"
