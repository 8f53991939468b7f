"""Time writing 100,000 events to a SQLite instance, in the batches the engine writes.

Run: ``python bench/bench_storage.py``.  Prints the median time to write the events (target:
under 2 s) and the time to read them back.  The events are the engine's usual mix: step
starts, inputs, outputs with type checks, handled outputs and successes.
"""

from __future__ import annotations

import statistics
import tempfile
import time

from opbook import DagsterInstance
from opbook.events import (
    DagsterEvent,
    DagsterEventType,
    HandledOutputData,
    SolidHandle,
    StepInputData,
    StepOutputData,
    StepOutputHandle,
    StepSuccessData,
    TypeCheckData,
)

EVENTS = 100_000
BATCH = 1000  # what the run driver writes at once (FLUSH_EVERY)
ET = DagsterEventType


def step_events(n: int) -> list[DagsterEvent]:
    """``n`` events, five per step, as the engine makes them."""
    events = []
    for i in range(n // 5):
        key = f"op_{i}"
        handle = SolidHandle(key)
        tags = {"run_id": "bench", "pipeline_name": "p", "step_key": key, "solid_name": key}
        check = TypeCheckData(True, "result")
        for kind, data in (
            (ET.STEP_START, None),
            (ET.STEP_INPUT, StepInputData("x", TypeCheckData(True, "x"))),
            (ET.STEP_OUTPUT, StepOutputData(StepOutputHandle(key, "result"), check)),
            (ET.HANDLED_OUTPUT, HandledOutputData("result", "in_memory")),
            (ET.STEP_SUCCESS, StepSuccessData(0.5)),
        ):
            events.append(
                DagsterEvent.step(kind, "p", key, handle, f"{kind.value} {key}", data, tags)
            )
    return events


def write_all(instance: DagsterInstance, run_id: str, events: list[DagsterEvent]) -> float:
    start = time.perf_counter()
    for i in range(0, len(events), BATCH):
        instance.store_events(run_id, events[i : i + BATCH])
    return time.perf_counter() - start


def main(repeat: int = 5) -> None:
    events = step_events(EVENTS)
    writes, reads = [], []
    with tempfile.TemporaryDirectory() as home:
        instance = DagsterInstance.local(home)
        write_all(instance, "warm-up", events[:BATCH])
        for n in range(repeat):
            writes.append(write_all(instance, f"run-{n}", events))
            start = time.perf_counter()
            assert len(instance.get_events(f"run-{n}")) == EVENTS
            reads.append(time.perf_counter() - start)
        instance.dispose()
    print(
        f"SQLite instance, {EVENTS:,} events in batches of {BATCH}: "
        f"write median {statistics.median(writes):.3f} s (target < 2 s), "
        f"read median {statistics.median(reads):.3f} s"
    )


if __name__ == "__main__":
    main()
