"""A pytest plugin that records each test's outcome, one JSON line per event.

Loaded with ``-p conformance.record`` in the pytest process that the runner starts (for opbook, or
for real Dagster when the baseline is measured, so it keeps to Python 3.9 syntax). Lines are
appended as tests finish, so a run that dies part-way still leaves what it recorded. Environment:

- ``CONFORMANCE_RECORD``: the JSON-lines file to append to (required);
- ``CONFORMANCE_ONLY``: optional JSON list of test IDs; other collected tests are deselected.

Each line is ``{"nodeid", "when", "outcome", "reason"}``: ``when`` is ``collect``, ``setup``,
``call`` or ``teardown``; ``reason`` is the first line of the failure, or null.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest


def _write(nodeid: str, when: str, outcome: str, reason: str | None) -> None:
    line = json.dumps({"nodeid": nodeid, "when": when, "outcome": outcome, "reason": reason})
    with open(os.environ["CONFORMANCE_RECORD"], "a", encoding="utf-8") as stream:
        stream.write(line + "\n")


def _reason(report: Any) -> str | None:
    """The one-line cause of a failed report (the crash message, else the last line)."""
    longrepr = report.longrepr
    if longrepr is None:
        return None
    crash = getattr(longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(longrepr)
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None
    return lines[0] if crash is not None else lines[-1]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or report.outcome != "passed":
        reason = _reason(report) if report.outcome == "failed" else None
        _write(report.nodeid, report.when, report.outcome, reason)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.outcome == "failed":
        _write(report.nodeid, "collect", "failed", _reason(report))


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: Any, name: str, obj: Any) -> list[Any] | None:
    """A test function whose definition failed (a placeholder now) is recorded as failed.

    Returning no items keeps pytest from treating the placeholder as a test function.
    """
    if getattr(type(obj), "__conformance_gap__", False):
        if name.startswith("test"):
            _write(f"{collector.nodeid}::{name}", "collect", "failed", repr(obj)[1:-1])
        return []
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    only_path = os.environ.get("CONFORMANCE_ONLY")
    if not only_path:
        return
    with open(only_path, encoding="utf-8") as stream:
        only = set(json.load(stream))
    kept = [item for item in items if item.nodeid in only]
    deselected = [item for item in items if item.nodeid not in only]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    for item in deselected:  # recorded, so that a differing parameter ID can be told apart
        _write(item.nodeid, "collect", "deselected", None)
    items[:] = kept
