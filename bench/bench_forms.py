"""Time building a config form for a 200-field run config (the target is under 300 ms).

Run: ``python bench/bench_forms.py``.  Builds ``ConfigForm`` for a job of 20 ops with 10
config fields each (every kind of widget: numbers, strings, booleans, enums, lists, sources,
Noneable, a nested shape with a map), without a kernel, and prints the median build time,
folded as it first shows and with every group opened.  Also times one edit (type a value,
validate, redraw).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_config import OPS, op_schema

from opbook import job, op
from opbook.notebook.forms import ConfigForm


def make_job() -> object:
    ops = [op(name=f"op_{i}", config_schema=op_schema())(lambda context: None) for i in range(OPS)]

    @job
    def wide() -> None:
        for each in ops:
            each()

    return wide


def timed(fn: object, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return times


def main(repeat: int = 15) -> None:
    wide = make_job()
    ConfigForm(wide)  # warm-up: imports and the cached run-config schema
    build = timed(lambda: ConfigForm(wide), repeat)
    print(
        f"ConfigForm, {OPS * 10}-field run config: median {statistics.median(build) * 1000:.0f} ms"
        " to build (groups past the first 80 fields folded)"
    )
    unfolded = timed(lambda: ConfigForm(wide).expand_all(), repeat)
    print(f"  ... and with every group opened: median {statistics.median(unfolded) * 1000:.0f} ms")
    form = ConfigForm(wide)
    box = form.widget_for("ops.op_3.config.n")
    values = iter(range(10**6))
    edit = timed(lambda: setattr(box, "value", str(next(values))), repeat)
    print(f"one edit (validate and redraw): median {statistics.median(edit) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
