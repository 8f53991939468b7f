"""Loading a notebook's definitions with no kernel: its code cells run in an in-process shell.

The notebook is read and its code cells run, in order, in a fresh IPython
``InteractiveShell`` with opbook's extension loaded, so ``%%op``, ``%%graph`` and ``%%job``
cells go through the same magics as in Jupyter and the notebook's other cells run as written
(running a notebook runs its code, as ``python file.py`` would).  Differences from a kernel:

* cells tagged ``skip`` are left out;
* ``%%op --run`` does not run the op (its options are dropped before the magic sees them);
* nothing is displayed (rich outputs and the value of a cell's last line are dropped), and
  what cells print goes to stderr, so a command's own output on stdout stays clean;
* the first cell that fails stops the loading with a one-line ``CommandLineError`` naming the
  cell (its number counting every cell, from 1, and its first line).

A notebook in the current format (nbformat 4) is read as the JSON it is; nbformat converts
older ones.  (Importing nbformat costs seconds where jsonschema's format checkers are installed,
as they are beside JupyterLab, so it is imported only for an old notebook.)

Loading starts a new notebook session (``opbook.notebook.session``): what ``export`` writes
is what this notebook defined.  This module imports IPython; the rest of the command line
imports it only when a target is a notebook.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from IPython.core.displaypub import DisplayPublisher
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from opbook.cli.errors import CommandLineError, describe_exception
from opbook.notebook import export, op_cell, session
from opbook.notebook.extension import load_ipython_extension
from opbook.notebook.options import parse

SKIP_TAG = "skip"
RUN_OPTIONS = ("run", "run-config")
DEFINING_MAGICS = ("%%op", "%%graph", "%%job")


@dataclass
class LoadedNotebook:
    """A notebook whose cells have run: the shell they ran in and its namespace."""

    path: str
    shell: Any

    @property
    def namespace(self) -> dict[str, Any]:
        return dict(self.shell.user_ns)

    def export(self, module_path: str) -> export.Exported:
        """Write the notebook's ops, graphs and jobs to a module and check that it imports."""
        return export.write_module(self.shell, module_path)


class _DropDisplays(DisplayPublisher):
    """Where ``display()`` goes while a notebook loads: nowhere."""

    def publish(self, *args: Any, **kwargs: Any) -> None:
        return None

    def clear_output(self, wait: bool = False) -> None:
        return None


def without_run_options(line: str) -> str:
    """A ``%%op`` line without ``--run`` and ``--run-config`` (a line that does not parse is
    returned as it is, for the magic to report)."""
    try:
        parsed = parse(line, op_cell.SPEC)
    except UsageError:
        return line
    kept = [
        f"--{name}" if value is None else f"--{name} {value}"
        for name, value in parsed.options.items()
        if name not in RUN_OPTIONS
    ]
    return " ".join([*parsed.positional, *kept])


def _new_shell() -> Any:
    config = Config()
    config.HistoryManager.enabled = False  # keep the user's IPython history file out of it
    main_module = sys.modules.get("__main__")
    shell: Any = InteractiveShell(config=config)
    if main_module is not None:  # the shell installs its namespace as __main__; undo that
        sys.modules["__main__"] = main_module
    shell.ast_node_interactivity = "none"  # a cell's last value is not displayed
    shell.display_pub = _DropDisplays(shell=shell)
    # Errors are reported by the loader, in one line; IPython's own tracebacks are not shown.
    shell.showtraceback = lambda *args, **kwargs: None
    shell.showsyntaxerror = lambda *args, **kwargs: None
    load_ipython_extension(shell)
    _use_op_magic_without_run(shell)
    return shell


def _use_op_magic_without_run(shell: Any) -> None:
    """Make ``%%op`` ignore ``--run``; done again after each cell, since a ``%load_ext opbook``
    cell registers the extension's own ``%%op`` again."""

    def op_magic(line: str, cell: str) -> None:
        op_cell.define_op(shell, without_run_options(line), cell)

    shell.register_magic_function(op_magic, "cell", "op")


@contextlib.contextmanager
def _current(shell: Any) -> Iterator[None]:
    """Make ``shell`` the one ``get_ipython()`` and ``display()`` find, for a while.

    IPython keeps the current shell as the class's singleton; a test process may already have
    one, which is put back afterwards.
    """
    previous = InteractiveShell.__dict__.get("_instance")
    main_module = sys.modules.get("__main__")
    InteractiveShell._instance = shell
    sys.modules["__main__"] = shell.user_module  # as in a kernel: pickle finds cell classes
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        InteractiveShell._instance = previous
        if main_module is not None:
            sys.modules["__main__"] = main_module


@dataclass(frozen=True)
class Cell:
    """One cell of a notebook: ``kind`` (``code``, ``markdown``, ``raw``), source and tags."""

    kind: str
    source: str
    tags: tuple[str, ...] = ()


def _old_format(path: str) -> dict[str, Any]:
    import nbformat  # slow to import (see the module's docstring): only for old notebooks

    try:
        return dict(nbformat.read(path, as_version=4))
    except Exception as exc:  # nbformat raises JSON, validation and OS errors alike
        raise CommandLineError(f"{path}: not a notebook: {describe_exception(exc)}") from None


def _cell(raw: Any) -> Cell:
    if not isinstance(raw, dict):
        raise ValueError(f"a cell is a JSON object, got {type(raw).__name__}")
    source = raw.get("source", "")
    tags = (raw.get("metadata") or {}).get("tags") or ()
    return Cell(
        str(raw.get("cell_type", "")),
        "".join(source) if isinstance(source, list) else str(source),
        tuple(str(tag) for tag in tags),
    )


def read_cells(path: str) -> list[Cell]:
    """The cells of the notebook at ``path``.

    Raises:
        CommandLineError: no such file, or it is not a notebook.
    """
    if not os.path.isfile(path):
        raise CommandLineError(f"no such notebook: {path}")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise CommandLineError(f"{path}: not a notebook: {describe_exception(exc)}") from None
    if not isinstance(data, dict) or "nbformat" not in data:
        raise CommandLineError(f"{path}: not a notebook (no nbformat version in it)")
    if data["nbformat"] != 4:
        data = _old_format(path)
    try:
        return [_cell(raw) for raw in data.get("cells") or []]
    except (ValueError, AttributeError) as exc:
        raise CommandLineError(f"{path}: not a notebook: {describe_exception(exc)}") from None


def _first_line(source: str) -> str:
    line = next((text.strip() for text in source.splitlines() if text.strip()), "")
    return line if len(line) <= 60 else line[:59] + "…"


def _cell_problem(error: BaseException) -> str:
    """What went wrong in a cell, on one line, with the cell line when known."""
    if isinstance(error, UsageError):
        return str(error)
    if isinstance(error, SyntaxError):
        return f"SyntaxError: {error.msg} (cell line {error.lineno})"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith("<")]
    where = f" (cell line {frames[-1].lineno})" if frames else ""
    return f"{describe_exception(error)}{where}"


def load(path: str) -> LoadedNotebook:
    """Run the code cells of the notebook at ``path``; see the module's docstring.

    Raises:
        CommandLineError: no such file, not a notebook, or a cell failed (which, and why).
    """
    cells = read_cells(path)
    session.reset()
    shell = _new_shell()
    with _current(shell):
        for number, cell in enumerate(cells, 1):
            if cell.kind != "code" or SKIP_TAG in cell.tags:
                continue
            result = shell.run_cell(cell.source, store_history=True)
            _use_op_magic_without_run(shell)
            error = result.error_before_exec or result.error_in_exec
            if isinstance(error, KeyboardInterrupt):
                raise KeyboardInterrupt
            if error is not None:
                raise CommandLineError(_cell_message(path, number, cell.source, error))
    return LoadedNotebook(path, shell)


def _cell_message(path: str, number: int, source: str, error: BaseException) -> str:
    text = f"{path}, cell {number} ({_first_line(source)}): {_cell_problem(error)}"
    if not source.lstrip().startswith(DEFINING_MAGICS):
        # a definition cell must be fixed; any other cell may just be exploration
        text += f" (tag the cell `{SKIP_TAG}` to leave it out)"
    return text
