"""What the notebook session remembers beyond the user's namespace.

* the cells that defined ops, graphs and jobs through the magics, as the decorator and the
  function source they amount to: what ``%opbook export`` writes out;
* the run config of each run started from the notebook, so a re-execution can reuse it
  (the instance only keeps it with secrets masked), and its result, so its steps' inputs can
  be read back (``%opbook inputs``);
* the job ``%opbook autorun`` watches, if any;
* when the session started, to tell this session's runs from older ones in a persistent
  instance.

There is one session per Python process (a kernel runs one notebook).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CellRecord:
    """A magic cell as plain Python: ``decorator`` above ``source``, binding ``name``.

    ``number`` is the execution count of the cell.
    """

    kind: str  # "op", "graph" or "job"
    name: str
    decorator: str
    source: str
    number: int


@dataclass
class Session:
    started: float = field(default_factory=time.time)
    records: dict[str, CellRecord] = field(default_factory=dict)
    # the cell that first defined each name: a module written from the records keeps that
    # order, so a job still comes after the ops it uses even when one was redefined later
    first_numbers: dict[str, int] = field(default_factory=dict)
    run_configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # the results of runs started from the notebook, by run id (for ``%opbook inputs``)
    results: dict[str, Any] = field(default_factory=dict)
    # the job ``%opbook autorun`` re-runs after each ``%%op`` that redefines one of its ops
    autorun: Any = None

    def record(self, record: CellRecord) -> None:
        """Remember a definition cell; a later cell binding the same name replaces it."""
        self.first_numbers.setdefault(record.name, record.number)
        self.records[record.name] = record

    def remember_run(self, run_id: str, run_config: dict[str, Any]) -> None:
        self.run_configs[run_id] = run_config

    def remember_result(self, result: Any) -> None:
        self.results[result.run_id] = result


_current = Session()


def current() -> Session:
    """This process's session."""
    return _current


def reset() -> Session:
    """Forget everything (a fresh session); returns it."""
    global _current
    _current = Session()
    return _current
