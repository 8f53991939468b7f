"""Time the notebook's two heavy views: a 500-op job graph, and a DataFrame of 100,000 events.

Run: ``python bench/bench_notebook.py``.  Prints the median of several runs of each:

* drawing a 500-op job (``draw(job)``: the model and the Graphviz source) and rendering it to
  SVG with ``dot``, for a wide job (fan-out, fan-in) and a 500-op chain; target under 3 s;
* ``result.to_dataframe()`` over 100,000 events (the events of a 100-op run, repeated), and the
  per-step frame of the same events; target under 1 s.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from opbook import job, op
from opbook.notebook import draw, events_to_dataframe, render

OPS = 500
EVENTS = 100_000


@op
def start() -> int:
    return 1


@op
def step(x: int) -> int:
    return x + 1


@op
def gather(xs: list[int]) -> int:
    return sum(xs)


def wide_job(ops: int = OPS) -> Any:
    """One source, a layer of (ops - 2) / 2 steps, a gather, and a second layer: ``ops`` ops."""
    width = (ops - 2) // 2

    @job(name=f"wide_{ops}")
    def wide():
        first = start()
        layer = [step.alias(f"a{i}")(first) for i in range(width)]
        gather.alias("mid")(layer)
        for i in range(ops - 2 - width):
            step.alias(f"b{i}")(layer[i])

    return wide


def chain_job(ops: int = OPS) -> Any:
    @job(name=f"chain_{ops}")
    def chain():
        value = start()
        for i in range(ops - 1):
            value = step.alias(f"s{i}")(value)

    return chain


def median_seconds(work: Callable[[], Any], repeat: int) -> float:
    work()  # warm-up
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def render_svg(target: Any) -> str:
    render.to_svg.cache_clear()  # measure dot every time, not the cache
    picture = draw(target)
    return render.to_svg(picture.source)


def many_events(count: int = EVENTS) -> list[Any]:
    events = chain_job(100).execute_in_process().event_list
    return (events * (count // len(events) + 1))[:count]


def main(repeat: int = 5) -> None:
    for target in (wide_job(), chain_job()):
        drawn = median_seconds(lambda target=target: draw(target), repeat)
        rendered = median_seconds(lambda target=target: render_svg(target), repeat)
        print(
            f"graph of {target.name}: draw {drawn * 1000:.0f} ms, draw + dot to SVG {rendered:.2f} s (target < 3 s)"
        )
    events = many_events()
    per_event = median_seconds(lambda: events_to_dataframe(events), repeat)
    per_step = median_seconds(lambda: events_to_dataframe(events, per="step"), repeat)
    print(
        f"DataFrame of {len(events):,} events: {per_event:.2f} s (target < 1 s); per step: {per_step:.2f} s"
    )


if __name__ == "__main__":
    main()
