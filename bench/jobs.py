"""The benchmark jobs, defined at module level against either engine.

``BENCH_ENGINE`` (``opbook`` or ``dagster``) picks the engine; the definitions use only the
API both share (``@op``, ``@job``, ``In``, ``Nothing``-free fan-in), so the same workload runs on
both.  Being module-level, the jobs are reconstructable, which the multiprocess executor of
Dagster requires.
"""

from __future__ import annotations

import importlib
import os
import time
from typing import Any

engine: Any = importlib.import_module(os.environ.get("BENCH_ENGINE", "opbook"))
op, job = engine.op, engine.job


@op
def start() -> int:
    return 0


@op
def add_one(x: int) -> int:
    return x + 1


@op
def total(values: list) -> int:
    return sum(values)


@op
def nap(x: int) -> int:
    time.sleep(0.2)
    return x


def make_chain(n: int) -> Any:
    @job(name=f"chain_{n}")
    def chain() -> None:
        value = start()
        for i in range(n):
            value = add_one.alias(f"add_{i}")(value)

    return chain


def make_fan(n: int, body: Any = add_one, executor_def: Any = None) -> Any:
    @job(name=f"fan_{n}_{body.name}", executor_def=executor_def)
    def fan() -> None:
        first = start()
        total([body.alias(f"leg_{i}")(first) for i in range(n)])

    return fan


@job
def one_op() -> None:
    start()


def chain_8() -> Any:
    """A module-level function returning the job: what both engines' reconstructable() take."""
    return make_chain(8)


def fan_16() -> Any:
    return make_fan(16)


fan_64_naps = make_fan(64, nap)
