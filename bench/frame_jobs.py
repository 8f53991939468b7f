"""The large-DataFrame job, defined at module level against either engine (``BENCH_ENGINE``),
so that both run it on their multiprocess executor (which needs a reconstructable job)."""

from __future__ import annotations

import os
from typing import Any

from bench.jobs import engine

FRAME_MB = int(os.environ.get("BENCH_FRAME_MB", "100"))


def frame_bytes() -> int:
    return FRAME_MB * 1_000_000


def make_frame() -> Any:
    """A frame of ``FRAME_MB`` megabytes: 10 float64 columns in one block (made without a
    second copy, so that the producer's peak is the frame's size and not twice it)."""
    import numpy as np
    import pandas as pd

    rows = frame_bytes() // 80
    values = np.arange(rows * 10, dtype=np.float64).reshape(rows, 10)
    return pd.DataFrame(values, columns=[f"c{i}" for i in range(10)], copy=False)


@engine.op
def produce_frame() -> Any:
    return make_frame()


@engine.op
def consume_frame(frame: Any) -> int:
    return len(frame)


def frame_job(executor: Any = None, resources: dict[str, Any] | None = None) -> Any:
    kwargs: dict[str, Any] = {"name": "large_frame"}
    if executor is not None:
        kwargs["executor_def"] = executor
    if resources is not None:
        kwargs["resource_defs"] = resources

    @engine.job(**kwargs)
    def large_frame() -> None:
        consume_frame(produce_frame())

    return large_frame


def frame_multiprocess() -> Any:
    """The job on the default executor (multiprocess when configured so) and the default IO
    manager, which pickles to files under the instance's storage directory (fs_io_manager)."""
    return frame_job()


def run_on_multiprocess(home: str) -> float:
    """Seconds of one multiprocess run under an instance kept in ``home``."""
    import time

    instance = engine.DagsterInstance.local_temp(home)
    config = {"execution": {"config": {"multiprocess": {}}}}
    target = engine.reconstructable(frame_multiprocess)
    start = time.perf_counter()
    if hasattr(engine, "execute_job"):  # Dagster 1.x
        with engine.execute_job(target, instance=instance, run_config=config) as result:
            assert result.success
    else:
        assert engine.execute_pipeline(target, run_config=config, instance=instance).success
    return time.perf_counter() - start
