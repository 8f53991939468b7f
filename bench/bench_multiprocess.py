"""Time the multiprocess executor on a chain of 8 trivial ops and a fan-out of 16.

Run: ``python bench/bench_multiprocess.py``.  For each job it prints the median time of one
``execute_pipeline`` call in a warm process (targets: chain under 2 s, fan-out under 2.5 s),
and the time of a whole ``python`` process that imports opbook and runs the job once.
``--once NAME`` runs one job once (used for the whole-process figure).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from opbook import DagsterInstance, execute_pipeline, job, op, reconstructable

CONFIG = {"execution": {"config": {"multiprocess": {}}}}
TARGETS = {"chain_8": 2.0, "fan_16": 2.5}


@op
def start() -> int:
    return 0


@op
def add_one(x: int) -> int:
    return x + 1


@op
def total(values: list) -> int:
    return sum(values)


@job
def chain_8() -> None:
    value = start()
    for i in range(8):
        value = add_one.alias(f"add_{i}")(value)


@job
def fan_16() -> None:
    first = start()
    total([add_one.alias(f"leg_{i}")(first) for i in range(16)])


JOBS: dict[str, Any] = {"chain_8": chain_8, "fan_16": fan_16}


def run_once(name: str, instance: DagsterInstance) -> float:
    start_time = time.perf_counter()
    result = execute_pipeline(reconstructable(JOBS[name]), run_config=CONFIG, instance=instance)
    elapsed = time.perf_counter() - start_time
    assert result.success
    return elapsed


def whole_process(name: str) -> float:
    start_time = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--once", name], check=True)
    return time.perf_counter() - start_time


def main(repeat: int = 5) -> None:
    with tempfile.TemporaryDirectory() as home:
        instance = DagsterInstance.local(home)
        for name, target in TARGETS.items():
            run_once(name, instance)  # warm-up: imports, first pool
            runs = [run_once(name, instance) for _ in range(repeat)]
            processes = [whole_process(name) for _ in range(3)]
            print(
                f"multiprocess {name}: median {statistics.median(runs):.3f} s per run "
                f"(target < {target} s; min {min(runs):.3f}, max {max(runs):.3f}); whole process "
                f"median {statistics.median(processes):.3f} s"
            )
        instance.dispose()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--once":
        with tempfile.TemporaryDirectory() as home:
            run_once(sys.argv[2], DagsterInstance.local(home))
    else:
        main()
