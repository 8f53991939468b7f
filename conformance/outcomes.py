"""Fold the recorded pytest events into one outcome per test, and score the counted tests.

A test passed when its call phase passed and no phase failed. A counted test that has no
outcome at all failed: its definition broke (a placeholder, recorded at collection), its file did
not import, or the pytest process ended before reaching it. The reason kept for a failure is the
first line of the first failing phase.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

PHASES = ("collect", "setup", "call", "teardown")


@dataclass(frozen=True)
class Outcome:
    """What happened to one test: ``passed``, ``failed`` or ``skipped``, and why it failed."""

    outcome: str
    reason: str | None = None


def read_events(record: Path) -> list[dict[str, str | None]]:
    """The JSON lines that ``conformance.record`` wrote (none when the file is missing)."""
    if not record.exists():
        return []
    lines = record.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def fold(events: list[dict[str, str | None]]) -> dict[str, Outcome]:
    """One outcome per node ID (tests, and files or functions that failed to collect)."""
    outcomes: dict[str, Outcome] = {}
    for event in events:
        nodeid, outcome = str(event["nodeid"]), str(event["outcome"])
        previous = outcomes.get(nodeid)
        if previous is not None and previous.outcome == "failed":
            continue  # the first failure is the cause; a teardown error after it adds nothing
        if outcome == "passed" and previous is not None:
            continue
        outcomes[nodeid] = Outcome(outcome, event.get("reason"))
    return outcomes


def _missing_reason(test_id: str, outcomes: dict[str, Outcome]) -> str:
    """Why a counted test has no outcome: a broken definition, a broken file, or not reached."""
    function = test_id.partition("[")[0]
    file = test_id.partition("::")[0]
    for key in (function, file):
        found = outcomes.get(key)
        if found is not None and found.outcome == "failed":
            return found.reason or "failed to collect"
    if function != test_id and any(key.startswith(function + "[") for key in outcomes):
        return "collected under other parameter IDs (a parameter lacks Dagster's __name__)"
    return "not run (not collected, or the pytest process ended first)"


def score(counted: list[str], outcomes: dict[str, Outcome]) -> dict[str, Outcome]:
    """The outcome of every counted test; a skip counts as a failure (it passed on Dagster)."""
    scored: dict[str, Outcome] = {}
    for test_id in counted:
        found = outcomes.get(test_id)
        if found is None:
            scored[test_id] = Outcome("failed", _missing_reason(test_id, outcomes))
        elif found.outcome == "skipped":
            scored[test_id] = Outcome("failed", "skipped here, passed on Dagster")
        else:
            scored[test_id] = found
    return scored


def summary_line(scored: dict[str, Outcome]) -> str:
    """The runner's last line: ``conformance: N passed, M failed``."""
    passed = sum(1 for outcome in scored.values() if outcome.outcome == "passed")
    return f"conformance: {passed} passed, {len(scored) - passed} failed"


def write_results(path: Path, scored: dict[str, Outcome], outcomes: dict[str, Outcome]) -> None:
    """Write the counted tests' outcomes, and every recorded outcome, as JSON."""
    document = {
        "counted": {key: vars(value) for key, value in sorted(scored.items())},
        "all_recorded": {key: vars(value) for key, value in sorted(outcomes.items())},
    }
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
