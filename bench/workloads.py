"""One workload, measured inside one process: ``python -m bench.workloads NAME``.

Prints one JSON object: the engine, the workload, and ``seconds`` (one figure per timed
repetition, after the warm-up), or ``skipped`` with the reason when the engine lacks the API.
The runner (``bench/__main__.py``) starts this module in a fresh process per measurement.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

ENGINE = os.environ.get("BENCH_ENGINE", "opbook")


def timed(fn: Callable[[], Any], repeat: int, warmup: int = 1, budget: float = 20.0) -> list[float]:
    """Seconds of ``repeat`` calls after ``warmup`` ones; a call slower than ``budget`` seconds
    is measured once (its warm-up run is the figure), so a slow engine does not take hours."""
    for _ in range(warmup):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        if elapsed > budget:
            return [elapsed]
    figures = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        figures.append(time.perf_counter() - start)
    return figures


def _quiet(fn: Callable[[], Any]) -> Callable[[], Any]:
    """Dagster logs every event to stderr by default; keep the terminal readable."""

    def run() -> Any:
        with contextlib.redirect_stderr(io.StringIO()):
            return fn()

    return run


def chain(n: int, repeat: int) -> list[float]:
    if ENGINE == "dagster" and n > 1000:
        raise LookupError("not measured: at about 24 s per 1000 ops, one run takes minutes")
    from bench import jobs

    job = jobs.make_chain(n)
    return timed(_quiet(lambda: job.execute_in_process()), repeat)


def fan(n: int, repeat: int) -> list[float]:
    from bench import jobs

    job = jobs.make_fan(n)
    return timed(_quiet(lambda: job.execute_in_process()), repeat)


def per_call(fn: Callable[[], Any], calls: int, repeat: int, budget: float = 3.0) -> list[float]:
    """Seconds per call, over ``calls`` calls at a time, or fewer when they would take longer
    than ``budget`` seconds (a slow engine is measured on fewer calls, not for minutes)."""
    quiet = _quiet(fn)
    start = time.perf_counter()
    quiet()  # warm-up, and a first estimate of one call
    once = time.perf_counter() - start
    batch = max(1, min(calls, int(budget / max(once, 1e-9))))

    def many() -> None:
        for _ in range(batch):
            quiet()

    return [t / batch for t in timed(many, repeat, warmup=0)]


def one_op_job(repeat: int) -> list[float]:
    from bench import jobs

    return per_call(lambda: jobs.one_op.execute_in_process(), 200, repeat)


def execute_solid(repeat: int) -> list[float]:
    from bench import jobs

    if not hasattr(jobs.engine, "execute_solid"):
        raise LookupError("this engine has no execute_solid")
    return per_call(
        lambda: jobs.engine.execute_solid(jobs.add_one, input_values={"x": 1}), 200, repeat
    )


def chain_memory(repeat: int) -> list[float]:
    """Peak extra memory (MB, in place of seconds) of the first run of the 1000-op chain in
    this process: the growth of the process's peak resident size across the run.  (Tracing
    allocations instead would slow the engines down unevenly.)"""
    from bench import jobs

    job = jobs.make_chain(1000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _quiet(lambda: job.execute_in_process())()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return [(after - before) / 1024]  # ru_maxrss is in KiB on Linux


def multiprocess(name: str, repeat: int) -> list[float]:
    from bench import jobs

    target = jobs.engine.reconstructable(getattr(jobs, name))
    config = {"execution": {"config": {"multiprocess": {}}}}
    with tempfile.TemporaryDirectory() as home:
        instance = jobs.engine.DagsterInstance.local_temp(home)
        if ENGINE == "dagster":
            run = lambda: jobs.engine.execute_job(target, instance=instance, run_config=config)  # noqa: E731
        else:
            run = lambda: jobs.engine.execute_pipeline(target, run_config=config, instance=instance)  # noqa: E731
        return timed(_quiet(run), repeat, warmup=1)


def on_dask_cluster(job_of: Callable[[Any], Any], repeat: int, warmup: int = 1) -> list[float]:
    """Runs of ``job_of(dask_executor)`` on a running 2-worker, 2-threads-each LocalCluster,
    started once before the timings (a run that starts its own cluster adds its start-up)."""
    from bench import jobs

    if not hasattr(jobs.engine, "dask_executor"):
        raise LookupError("this engine has no dask_executor")
    import distributed

    job = job_of(jobs.engine.dask_executor)
    # Configured as the executor's own LocalCluster: a task is never re-run after its worker
    # dies, so steps need no guard against a second run (see docs/dask.md).
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=2,
        dashboard_address=":0",
        scheduler_kwargs={"allowed_failures": 0},
    ) as cluster:
        config = {
            "execution": {
                "config": {"cluster": {"existing": {"address": cluster.scheduler_address}}}
            }
        }
        instance = jobs.engine.DagsterInstance.ephemeral()
        run = lambda: jobs.engine.execute_pipeline(job, run_config=config, instance=instance)  # noqa: E731
        return timed(_quiet(run), max(repeat, 1 - warmup), warmup=warmup)


def dask_fan(repeat: int) -> list[float]:
    from bench import jobs

    return on_dask_cluster(lambda executor: jobs.make_fan(64, jobs.nap, executor), repeat)


def dask_per_task(repeat: int) -> list[float]:
    """Seconds per step of a fan-out of 64 trivial ops (66 steps) on the cluster."""
    from bench import jobs

    figures = on_dask_cluster(lambda executor: jobs.make_fan(64, jobs.add_one, executor), repeat)
    return [seconds / 66 for seconds in figures]


def _opbook_only() -> None:
    if ENGINE != "opbook":
        raise LookupError("an opbook-only workload (no Dagster counterpart)")


def sqlite_100k_events(repeat: int) -> list[float]:
    _opbook_only()
    from bench import bench_storage
    from opbook import DagsterInstance

    events = bench_storage.step_events(100_000)
    figures = []
    for i in range(repeat):
        with tempfile.TemporaryDirectory() as home:
            instance = DagsterInstance.local(home)
            figures.append(bench_storage.write_all(instance, f"run-{i}", events))
    return figures


def dataframe_100k_events(repeat: int) -> list[float]:
    _opbook_only()
    from bench import bench_notebook
    from opbook.notebook import events_to_dataframe

    events = bench_notebook.many_events()
    return timed(lambda: events_to_dataframe(events), repeat)


def config_form_200_fields(repeat: int) -> list[float]:
    _opbook_only()
    from bench import bench_forms
    from opbook.notebook import ConfigForm

    wide = bench_forms.make_job()
    return timed(lambda: ConfigForm(wide), repeat)


def graph_500_ops(repeat: int) -> list[float]:
    _opbook_only()
    from bench import bench_notebook

    wide = bench_notebook.wide_job()
    return timed(lambda: bench_notebook.render_svg(wide), repeat)


def validate_200_fields(repeat: int) -> list[float]:
    _opbook_only()
    from bench import bench_config
    from opbook.config import validate

    schema, value = bench_config.run_schema(), bench_config.run_config()
    return per_call(lambda: validate(schema, value), 200, repeat)


def memoized_full_20(repeat: int) -> list[float]:
    """A memoized first run of the 20-op chain whose upstream ops sleep 2 s (all steps run)."""
    _opbook_only()
    from bench import bench_memoized

    return [bench_memoized.full_run_seconds() for _ in range(repeat)]


def memoized_rerun_20(repeat: int) -> list[float]:
    """The same chain run memoized again after its last op was edited: only that op runs."""
    _opbook_only()
    from bench import bench_memoized
    from opbook import DagsterInstance

    with tempfile.TemporaryDirectory() as home:
        return timed(bench_memoized.rerun_timer(DagsterInstance.local(home)), repeat)


# -- where the data is real (bench/bench_data.py) -----------------------------------------------


def dask_bare_per_task(repeat: int) -> list[float]:
    """The reference of dask_overhead_per_trivial_task: the same 66 tasks submitted to
    ``distributed`` directly, on the same kind of cluster, seconds per task."""
    import distributed

    from bench import bench_data

    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=2,
            dashboard_address=":0",
            scheduler_kwargs={"allowed_failures": 0},
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        figures = timed(lambda: bench_data.bare_dask_fan(client), repeat)
    return [seconds / 66 for seconds in figures]


def dask_per_task_paired(repeat: int) -> list[float]:
    """opbook's time per step over bare ``distributed``'s per task, the two alternating on one
    cluster (a ratio per pair, after a warm-up pair): the machine's drift cancels out."""
    import distributed

    from bench import bench_data, jobs

    if not hasattr(jobs.engine, "dask_executor"):
        raise LookupError("this engine has no dask_executor")
    job = jobs.make_fan(64, jobs.add_one, jobs.engine.dask_executor)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=2,
            dashboard_address=":0",
            scheduler_kwargs={"allowed_failures": 0},
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        config = {
            "execution": {
                "config": {"cluster": {"existing": {"address": cluster.scheduler_address}}}
            }
        }
        instance = jobs.engine.DagsterInstance.ephemeral()
        ratios = []
        for _ in range(repeat + 1):
            start = time.perf_counter()
            jobs.engine.execute_pipeline(job, run_config=config, instance=instance)
            mine = time.perf_counter() - start
            start = time.perf_counter()
            bench_data.bare_dask_fan(client)
            ratios.append(mine / (time.perf_counter() - start))
    return ratios[1:]


def frame_pickle5(repeat: int) -> list[float]:
    """The reference of the large-frame runs: make the frame, one pickle-protocol-5 write and
    read of it, in the directory the runs store their outputs in (the same disk)."""
    _opbook_only()
    from bench import bench_data

    with tempfile.TemporaryDirectory() as directory:
        return timed(lambda: bench_data.pickle5_round_trip(directory), repeat)


def frame_multiprocess(repeat: int) -> list[float]:
    """On both engines: their multiprocess executor and default IO manager (files)."""
    from bench import frame_jobs

    with tempfile.TemporaryDirectory() as home:
        return timed(_quiet(lambda: frame_jobs.run_on_multiprocess(home)), repeat)


def frame_dask(repeat: int) -> list[float]:
    _opbook_only()
    from bench import bench_data

    return on_dask_cluster(bench_data.frame_dask, repeat)


def frame_fs_io_manager(repeat: int) -> list[float]:
    _opbook_only()
    from bench import bench_data

    with tempfile.TemporaryDirectory() as base_dir:
        return timed(lambda: bench_data.frame_in_process_fs(base_dir), repeat)


def _peak_over_frame(run: Callable[[], Any]) -> list[float]:
    """Peak resident size of the largest process of the run (this one or a worker), as a
    multiple of the frame's size (one run in a fresh process: the peak only grows)."""
    from bench import frame_jobs

    run()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest reaped
    return [max(own, children) * 1024 / frame_jobs.frame_bytes()]


def frame_pickle5_peak(repeat: int) -> list[float]:
    _opbook_only()
    from bench import bench_data

    with tempfile.TemporaryDirectory() as directory:
        return _peak_over_frame(lambda: bench_data.pickle5_round_trip(directory))


def frame_multiprocess_peak(repeat: int) -> list[float]:
    from bench import frame_jobs

    with tempfile.TemporaryDirectory() as home:
        return _peak_over_frame(_quiet(lambda: frame_jobs.run_on_multiprocess(home)))


def frame_dask_peak(repeat: int) -> list[float]:
    _opbook_only()
    from bench import bench_data

    return _peak_over_frame(lambda: on_dask_cluster(bench_data.frame_dask, 0, warmup=0))


def frame_fs_io_manager_peak(repeat: int) -> list[float]:
    _opbook_only()
    from bench import bench_data

    with tempfile.TemporaryDirectory() as base_dir:
        return _peak_over_frame(lambda: bench_data.frame_in_process_fs(base_dir))


def events_kb(multiprocess: bool) -> list[float]:
    """KB the main process keeps per event of one run of BENCH_EVENTS events (one run per
    process: a second run would reuse the memory the first freed)."""
    _opbook_only()
    from bench import bench_data

    return [bench_data.kb_per_event(multiprocess)]


def display_per_step(kind: str, repeat: int) -> list[float]:
    """Seconds per step of a 200-op in-process run in an IPython shell formatting HTML, with
    the live display ``kind`` (none, static, widget) built and shown as the notebook does."""
    _opbook_only()
    from IPython.utils.capture import capture_output

    from bench import bench_data
    from opbook.notebook import LiveRun

    bench_data.shell()
    chain = bench_data.display_chain()

    def run() -> None:
        progress = None if kind == "none" else LiveRun(chain, widget=kind == "widget")
        with capture_output():
            chain.execute_in_process(progress=progress)

    return [t / bench_data.DISPLAY_OPS for t in timed(run, repeat)]


def display_first_step(kind: str, repeat: int) -> list[float]:
    """The duration (seconds) the first step of that run reports: display work done while a
    step's clock runs shows up here."""
    _opbook_only()
    from IPython.utils.capture import capture_output

    from bench import bench_data
    from opbook.notebook import LiveRun

    bench_data.shell()
    chain = bench_data.display_chain()
    figures = []
    for _ in range(repeat + 1):
        progress = None if kind == "none" else LiveRun(chain, widget=kind == "widget")
        with capture_output():
            result = chain.execute_in_process(progress=progress)
        durations = bench_data.step_durations(result)
        figures.append(max(durations[:3]) / 1000)
    return figures[1:]


WORKLOADS: dict[str, Callable[[int], list[float]]] = {
    "sqlite_100k_events": sqlite_100k_events,
    "dataframe_100k_events": dataframe_100k_events,
    "config_form_200_fields": config_form_200_fields,
    "graph_500_ops_svg": graph_500_ops,
    "validate_200_fields_per_call": validate_200_fields,
    "chain_10": lambda r: chain(10, r),
    "chain_100": lambda r: chain(100, r),
    "chain_1000": lambda r: chain(1000, r),
    "chain_10000": lambda r: chain(10000, r),
    "fan_500": lambda r: fan(500, r),
    "one_op_job_per_run": one_op_job,
    "execute_solid_per_call": execute_solid,
    "chain_1000_peak_mb": chain_memory,
    "multiprocess_chain_8": lambda r: multiprocess("chain_8", r),
    "multiprocess_fan_16": lambda r: multiprocess("fan_16", r),
    "dask_fan_64_naps": dask_fan,
    "dask_overhead_per_trivial_task": dask_per_task,
    "memoized_full_20": memoized_full_20,
    "memoized_rerun_20": memoized_rerun_20,
    "dask_bare_per_trivial_task": dask_bare_per_task,
    "dask_per_task_over_bare_paired": dask_per_task_paired,
    "frame_pickle5_reference": frame_pickle5,
    "frame_multiprocess": frame_multiprocess,
    "frame_dask": frame_dask,
    "frame_fs_io_manager": frame_fs_io_manager,
    "frame_pickle5_peak_x": frame_pickle5_peak,
    "frame_multiprocess_peak_x": frame_multiprocess_peak,
    "frame_dask_peak_x": frame_dask_peak,
    "frame_fs_io_manager_peak_x": frame_fs_io_manager_peak,
    "events_kb_per_event_in_process": lambda r: events_kb(False),
    "events_kb_per_event_multiprocess": lambda r: events_kb(True),
    "display_none_per_step": lambda r: display_per_step("none", r),
    "display_static_per_step": lambda r: display_per_step("static", r),
    "display_widget_per_step": lambda r: display_per_step("widget", r),
    "display_none_first_steps": lambda r: display_first_step("none", r),
    "display_static_first_steps": lambda r: display_first_step("static", r),
    "display_widget_first_steps": lambda r: display_first_step("widget", r),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    result: dict[str, Any] = {"engine": ENGINE, "workload": args.workload}
    try:
        figures = WORKLOADS[args.workload](args.repeat)
        result.update(figures=figures, median=statistics.median(figures))
    except (LookupError, ImportError, AttributeError) as exc:
        result["skipped"] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
