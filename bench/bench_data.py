"""Workloads where the data is real: a large DataFrame between two ops, a million events,
Dask's per-task overhead against bare ``distributed``, and the notebook's live display.

Each opbook workload has a reference measured in the same ``python -m bench`` run (see
``REFERENCES`` in ``bench/__main__.py``): bare ``distributed`` on the same cluster, one
pickle-protocol-5 write and read of the same frame to the same disk, the same events in
process, the same run without a display.  Sizes come from the environment, so that a quick run
stays quick: ``BENCH_FRAME_MB`` (default 100; ``python -m bench --frame-mb 500``; the job is
in ``bench/frame_jobs.py``, which Dagster runs too) and
``BENCH_EVENTS`` (default 100,000; ``--events 1000000``).
"""

from __future__ import annotations

import gc
import os
import pickle
import tempfile
import time
from typing import Any

from bench import frame_jobs
from opbook import (
    DagsterInstance,
    ExpectationResult,
    Output,
    execute_pipeline,
    fs_io_manager,
    in_process_executor,
    job,
    op,
    reconstructable,
)

EVENTS = int(os.environ.get("BENCH_EVENTS", "100000"))
EVENT_OPS = 4  # the events come from this many ops at once


# -- measuring --------------------------------------------------------------------------------


def resident_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def pickle5_round_trip(directory: str) -> int:
    """The reference: make the frame, write it to a new file with pickle protocol 5 and read
    it back.  The file is kept, as a run keeps its outputs (a file deleted at once would
    never be written back to the disk)."""
    frame = frame_jobs.make_frame()
    fd, path = tempfile.mkstemp(dir=directory, suffix=".pickle")
    with os.fdopen(fd, "wb") as out:
        pickle.dump(frame, out, protocol=5)
    del frame
    with open(path, "rb") as handle:
        back = pickle.load(handle)
    return len(back)


def frame_in_process_fs(base_dir: str) -> float:
    """One in-process run of the two ops with ``fs_io_manager`` writing under ``base_dir``."""
    large = frame_jobs.frame_job(
        in_process_executor, {"io_manager": fs_io_manager.configured({"base_dir": base_dir})}
    )
    start = time.perf_counter()
    result = large.execute_in_process()
    elapsed = time.perf_counter() - start
    assert result.success
    return elapsed


def frame_dask(executor: Any) -> Any:
    return frame_jobs.frame_job(executor)


# -- events -----------------------------------------------------------------------------------


@op
def many_events() -> Any:  # a generator: the annotation would type-check its output
    for _ in range(EVENTS // EVENT_OPS):
        yield ExpectationResult(success=True, label="row_count")
    yield Output(1)


@op
def gather_events(values: list) -> int:
    return sum(values)


@job
def events_job() -> None:
    gather_events([many_events.alias(f"events_{i}")() for i in range(EVENT_OPS)])


def kb_per_event(multiprocess: bool) -> float:
    """Memory the main process keeps per event of one run (its result held): growth of the
    resident size across the run, in KB per event."""
    with tempfile.TemporaryDirectory() as home:
        instance = DagsterInstance.ephemeral()
        gc.collect()
        before = resident_mb()
        if multiprocess:
            config = {
                "execution": {"config": {"multiprocess": {}}},
            }
            result = execute_pipeline(
                reconstructable(events_job_fn), run_config=config, instance=instance
            )
        else:
            result = execute_pipeline(events_job, instance=instance)
        gc.collect()
        after = resident_mb()
        assert result.success
        count = len(result.event_list)
        del home
        return (after - before) * 1000 / count


def events_job_fn() -> Any:
    return events_job


# -- dask ---------------------------------------------------------------------------------------


def _start(_: Any = None) -> int:
    return 0


def _add_one(x: int) -> int:
    return x + 1


def _total(values: list) -> int:
    return sum(values)


def bare_dask_fan(client: Any, n: int = 64) -> int:
    """The same 66 tasks as the 64-op fan-out, submitted to ``distributed`` directly: each
    leg's input is the first task's future, the last takes all legs' futures."""
    import uuid

    tag = uuid.uuid4().hex
    first = client.submit(_start, key=f"start-{tag}")
    legs = [client.submit(_add_one, first, key=f"leg-{i}-{tag}") for i in range(n)]
    last = client.submit(_total, legs, key=f"total-{tag}")
    return int(last.result())


# -- the live display ---------------------------------------------------------------------------

DISPLAY_OPS = 200


def display_chain() -> Any:
    from bench import jobs

    return jobs.make_chain(DISPLAY_OPS - 1)  # start and 199 add_one: 200 steps


def shell() -> Any:
    """An IPython shell formatting displays as a notebook would (HTML on), outputs captured."""
    from IPython.testing.globalipapp import start_ipython

    ip = start_ipython()
    if ip is None:
        from IPython import get_ipython

        ip = get_ipython()
    ip.display_formatter.formatters["text/html"].enabled = True
    return ip


def step_durations(result: Any) -> list[float]:
    """The duration (ms) each step reported in its STEP_SUCCESS message."""
    import re

    found = []
    for event in result.event_list:
        if event.event_type_value == "STEP_SUCCESS":
            match = re.search(r"in ([0-9.]+)(µs|ms|s)\.$", event.message or "")
            if match:
                scale = {"µs": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
                found.append(float(match.group(1)) * scale)
    return found
