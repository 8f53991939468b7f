"""Driving the ``opbook`` command in-process, with its instance and files in a temporary dir.

``cli("run", "jobs.py", ...)`` calls ``main`` in the test's temporary directory and returns
its exit status and what it wrote to stdout and stderr.  ``$OPBOOK_HOME`` points into the
temporary directory, so nothing reaches the user's ``~/.opbook``; ``sys.path`` (which loading a
target extends) is put back after each test.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from opbook.cli import main


@dataclass
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPBOOK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield tmp_path


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Ran]:
    def run(*argv: str) -> Ran:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run


class Files:
    """Writes the files a test needs into its temporary directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, name: str, text: str) -> Path:
        """Write dedented ``text`` to ``name``; returns the path."""
        target = self.root / name
        target.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return target

    def notebook(self, name: str, cells: list[dict[str, Any] | str]) -> Path:
        """A notebook of these cells (a string is a code cell), as Jupyter would save it."""
        notebook = {
            "cells": [code_cell(c) if isinstance(c, str) else c for c in cells],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        target = self.root / name
        target.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
        return target

    def config(self, name: str, n: int) -> Path:
        """Run config for ``JOBS_PY``'s job."""
        return self.write(name, f"ops:\n  first:\n    config:\n      n: {n}\n")

    def jobs(self, name: str = "jobs.py") -> Path:
        return self.write(name, JOBS_PY)

    @staticmethod
    def cell(source: str, tags: tuple[str, ...] = ()) -> dict[str, Any]:
        return code_cell(source, tags)


def code_cell(source: str, tags: tuple[str, ...] = ()) -> dict[str, Any]:
    metadata: dict[str, Any] = {"tags": list(tags)} if tags else {}
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": metadata,
        "outputs": [],
        "source": textwrap.dedent(source).strip("\n"),
    }


@pytest.fixture
def files(workdir: Path) -> Files:
    return Files(workdir)


@pytest.fixture
def numbers_cells() -> list[dict[str, Any] | str]:
    """A notebook defining ops with %%op and the job ``numbers`` with %%job."""
    return list(NUMBERS_CELLS)


NUMBERS_CELLS: list[dict[str, Any] | str] = [
    {"cell_type": "markdown", "metadata": {}, "source": "# Numbers"},
    "%load_ext opbook",
    """
    %%op
    def load() -> list[int]:
        return [3, 1, 4]
    """,
    """
    %%op --config {"factor": int}
    def scale(context, numbers: list[int]) -> list[int]:
        return [n * context.op_config["factor"] for n in numbers]
    """,
    """
    %%op
    def total(numbers: list[int]) -> int:
        return sum(numbers)
    """,
    """
    %%job numbers
    total(scale(load()))
    """,
]

JOBS_PY = """
    from opbook import Field, job, op


    @op(config_schema={"n": int})
    def first(context):
        context.log.info("starting")
        return context.op_config["n"]


    @op
    def second(x):
        if x > 5:
            raise ValueError(f"too big: {x}")
        return x + 1


    @op
    def third(y):
        return y * 2


    @job
    def chain():
        third(second(first()))
"""
