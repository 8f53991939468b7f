"""One IPython test shell for the whole session, with opbook's extension loaded.

``start_ipython()`` gives None on a second call in one process, so the shell is session-scoped;
each test gets it through ``nb``, which runs cells (storing history, as a notebook does),
captures what they display, and afterwards removes the names the test defined and forgets the
notebook session, so tests do not see each other's ops and jobs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from IPython.testing.globalipapp import start_ipython
from IPython.utils.capture import capture_output

from opbook.notebook import session


@pytest.fixture(scope="session")
def ip() -> Any:
    shell = start_ipython()
    assert shell is not None, "the IPython test shell was started twice in this process"
    # The test shell has the HTML formatter off; notebooks have it on.
    shell.display_formatter.formatters["text/html"].enabled = True
    shell.run_line_magic("load_ext", "opbook")
    return shell


@dataclass
class Ran:
    """What one cell did: its result, the display outputs, and what it printed."""

    result: Any
    outputs: list[Any]
    stdout: str
    stderr: str

    @property
    def error(self) -> BaseException | None:
        return self.result.error_before_exec or self.result.error_in_exec

    def html(self) -> list[str]:
        return [o.data["text/html"] for o in self.outputs if "text/html" in o.data]

    def text(self) -> list[str]:
        return [o.data["text/plain"] for o in self.outputs if "text/plain" in o.data]


class Notebook:
    """Runs cells in the shared shell, like a notebook would."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell

    def run(self, source: str) -> Ran:
        with capture_output() as captured:
            result = self.shell.run_cell(source, store_history=True)
        return Ran(result, captured.outputs, captured.stdout, captured.stderr)

    def cell(self, source: str) -> Ran:
        """Run a cell that must succeed."""
        ran = self.run(source)
        if ran.error is not None:
            raise AssertionError(f"cell failed: {ran.error!r}\n{ran.stderr}") from ran.error
        return ran

    def __getitem__(self, name: str) -> Any:
        return self.shell.user_ns[name]


@pytest.fixture
def nb(ip: Any) -> Iterator[Notebook]:
    before = set(ip.user_ns)
    session.reset()
    yield Notebook(ip)
    for name in set(ip.user_ns) - before:
        del ip.user_ns[name]
    session.reset()
