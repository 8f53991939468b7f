"""The notebook's fastest loop, measured: a memoized rerun after editing the last op.

Run: ``python bench/bench_memoized.py``.  A 20-op chain whose 19 upstream ops sleep 2 s in
total runs memoized once (every step runs); then the last op is "edited" (defined again from
new source text, as ``%%op`` does) and the job runs memoized again: only the last op runs, the
others' outputs are loaded from where the first run stored them.  Target: the rerun takes
under 5% of the full run.  Prints both medians and their ratio.
"""

from __future__ import annotations

import itertools
import linecache
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from opbook import DagsterInstance, execute_pipeline, job, op
from opbook.api import memoized_run

UPSTREAM = 19
UPSTREAM_SECONDS = 2.0
_edits = itertools.count()


def _upstream(i: int) -> Any:
    @op(name=f"step_{i}")
    def step(x: int) -> int:
        time.sleep(UPSTREAM_SECONDS / UPSTREAM)
        return x + 1

    return step


def _first() -> int:
    return 0


def edited_last_op() -> Any:
    """The last op, from a cell of its own with new source text (as ``%%op`` compiles it)."""
    number = next(_edits)
    source = f"def last(x: int) -> int:\n    return x * {number + 2}\n"
    filename = f"<bench-cell-{number}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = {}
    exec(compile(source, filename, "exec"), namespace)
    return op(namespace["last"])


def make_job(last: Any) -> Any:
    first = op(name="first")(_first)
    steps = [_upstream(i) for i in range(UPSTREAM)]

    @job(name="memoized_chain_20")
    def chain() -> None:
        value = first()
        for step in steps:
            value = step(value)
        last(value)

    return chain


def run_memoized(chain: Any, instance: DagsterInstance) -> Any:
    versioned, tags = memoized_run(chain)
    result = execute_pipeline(versioned, tags=tags, instance=instance)
    assert result.success
    return result


def full_run_seconds() -> float:
    """One memoized run of the job on a fresh instance: every step runs."""
    with tempfile.TemporaryDirectory() as home:
        instance = DagsterInstance.local(home)
        start = time.perf_counter()
        run_memoized(make_job(edited_last_op()), instance)
        return time.perf_counter() - start


def rerun_timer(instance: DagsterInstance) -> Callable[[], Any]:
    """A call that edits the last op and reruns the job memoized (after one full run)."""
    run_memoized(make_job(edited_last_op()), instance)

    def rerun() -> Any:
        result = run_memoized(make_job(edited_last_op()), instance)
        ran = {e.step_key for e in result.step_event_list if e.is_step_start}
        assert ran == {"last"}, ran
        return result

    return rerun


def main() -> None:
    full = [full_run_seconds() for _ in range(3)]
    with tempfile.TemporaryDirectory() as home:
        rerun = rerun_timer(DagsterInstance.local(home))
        reruns = []
        for _ in range(5):
            start = time.perf_counter()
            rerun()
            reruns.append(time.perf_counter() - start)
    f, r = statistics.median(full), statistics.median(reruns)
    print(
        f"full memoized run: {f * 1000:.0f} ms; rerun after editing the last op: {r * 1000:.1f} ms"
    )
    print(f"rerun / full: {r / f:.4f} (target: under 0.05)")


if __name__ == "__main__":
    main()
