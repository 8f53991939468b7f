"""Time validation of a 200-field nested run config (the hot path of every run).

Run: ``python bench/bench_config.py``.  Prints the median time per ``validate`` call; the
target is under 2 ms.
"""

from __future__ import annotations

import statistics
import time

from opbook.config import (
    Enum,
    Field,
    IntSource,
    Map,
    Noneable,
    Selector,
    Shape,
    StringSource,
    validate,
)

OPS = 20  # 20 ops x 10 config fields = 200 fields, plus the wrapping shapes


def op_schema() -> Shape:
    """Ten fields of mixed kinds, some with defaults, one nested shape."""
    return Shape(
        {
            "n": int,
            "rate": Field(float, default_value=0.5),
            "name": str,
            "flag": Field(bool, default_value=False),
            "tags": [str],
            "mode": Field(Enum("Mode", ["FAST", "SLOW"]), default_value="FAST"),
            "path": StringSource,
            "port": IntSource,
            "maybe": Noneable(int),
            "extra": {"depth": Field(int, default_value=3), "labels": Map(str, int)},
        }
    )


def run_schema() -> Shape:
    ops = {f"op_{i}": {"config": op_schema()} for i in range(OPS)}
    executor = Selector({"in_process": {}, "multiprocess": {"max_concurrent": Field(int, 0)}})
    return Shape({"ops": ops, "execution": Field(executor, is_required=False)})


def run_config() -> dict[str, object]:
    op_config = {
        "n": 3,
        "name": "x",
        "tags": ["a", "b", "c"],
        "path": "/tmp/data",
        "port": 8080,
        "maybe": None,
        "extra": {"labels": {"a": 1, "b": 2}},
    }
    ops = {f"op_{i}": {"config": dict(op_config)} for i in range(OPS)}
    return {"ops": ops, "execution": {"multiprocess": {}}}


def main(repeat: int = 2000) -> None:
    schema, value = run_schema(), run_config()
    assert validate(schema, value).success
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        validate(schema, value)
        times.append(time.perf_counter() - start)
    median_ms = statistics.median(times) * 1000
    print(f"validate, {OPS * 10}-field nested config: median {median_ms:.3f} ms per call")


if __name__ == "__main__":
    main()
