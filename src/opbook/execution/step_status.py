"""The status of each step, folded from a run's events: one vocabulary for every view of a run.

A step's status is one of ``StepStatus``: ``pending`` (no attempt started yet), ``running``,
``retrying`` (an attempt asked for a retry; the next has not started), ``succeeded``,
``failed``, ``skipped`` and ``reused`` (a re-execution did not run it but loaded its outputs
from the parent run, or a memoized run found them stored under their versions).  Results, DataFrames, the command line and the notebook's pictures
all read it from here; how a picture colours a status is the notebook's business.

The fold, one event at a time (``StepStates.update``), keeps a ``StepState`` per step key:

* ``STEP_START`` / ``STEP_RESTARTED``: ``running``, one more attempt, the first start kept;
* ``STEP_UP_FOR_RETRY``: ``retrying``;
* ``STEP_SUCCESS`` / ``STEP_FAILURE`` / ``STEP_SKIPPED``: ``succeeded`` / ``failed`` /
  ``skipped``, with the end time (and the duration or the error);
* ``STEP_OUTPUT``: the output's name is noted;
* ``LOADED_INPUT`` from an upstream step with no events in this run: that step is ``reused``
  (a re-execution loads it from the parent run); other step events change nothing;
* the ENGINE_EVENT a memoized run reports for a step it does not run (its outputs are stored
  under their versions): ``reused``.

Other run-level events are not folded: whether a step that never started will still run is for the
view to say (a finished run's pending step was not run).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from opbook.events import MEMOIZED_STEP_MARKER, DagsterEvent, DagsterEventType

ET = DagsterEventType


class StepStatus(str, Enum):
    """Where a step is; each member is its word (``StepStatus.FAILED == "failed"``)."""

    PENDING = "pending"
    RUNNING = "running"
    RETRYING = "retrying"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    REUSED = "reused"

    # Shown as the word itself, on every Python version (a ``StrEnum`` before 3.11).
    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, format_spec: str) -> str:
        return str.__format__(self, format_spec)


# The statuses a step stays in: it will not run (again) in this run.
FINISHED = frozenset(
    {StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.SKIPPED, StepStatus.REUSED}
)


def error_text(event: DagsterEvent) -> str | None:
    """The innermost error message of a failure event (the user's exception), on one line."""
    error = getattr(event.event_specific_data, "error", None)
    if error is None:
        return None
    while error.cause is not None:
        error = error.cause
    return str(error.message).strip()


@dataclass
class StepState:
    """What is known about one step so far."""

    step_key: str
    status: StepStatus = StepStatus.PENDING
    start: float | None = None
    end: float | None = None
    duration_ms: float | None = None
    attempts: int = 0
    outputs: list[str] = field(default_factory=list)
    error: str | None = None

    def row(self) -> dict[str, Any]:
        """The state as plain data (the status as its word, times in epoch seconds, ms)."""
        duration = self.duration_ms
        if duration is None and self.start is not None and self.end is not None:
            duration = (self.end - self.start) * 1000
        return {
            "step_key": self.step_key,
            "status": self.status.value,
            "start": self.start,
            "end": self.end,
            "duration": duration,
            "attempts": self.attempts,
            "outputs": list(self.outputs),
        }


class StepStates:
    """The state of every step seen in a stream of events, updated one event at a time, so a
    live view can keep it up to date without re-reading the run."""

    def __init__(self, events: Iterable[DagsterEvent] = ()) -> None:
        self.steps: dict[str, StepState] = {}
        for event in events:
            self.update(event)

    def update(self, event: DagsterEvent) -> StepState | None:
        """Fold one event in; returns the step it changed (None for run-level events)."""
        key = event.step_key
        if key is None:
            return None
        if not event.is_step_event:
            return self._memoized(key, event)
        state = self.steps.get(key)
        if state is None:
            state = self.steps[key] = StepState(key)
        _apply(state, event)
        if event.event_type_value == _LOADED_INPUT:
            upstream = event.event_specific_data.upstream_step_key
            if upstream is not None and upstream not in self.steps:
                # Not run in this run, yet its output was loaded: reused from the parent run.
                self.steps[upstream] = StepState(upstream, StepStatus.REUSED)
        return state

    def _memoized(self, key: str, event: DagsterEvent) -> StepState | None:
        data = event.event_specific_data
        if (
            event.event_type_value != ET.ENGINE_EVENT
            or getattr(data, "marker_start", None) != MEMOIZED_STEP_MARKER
            or key in self.steps
        ):
            return None
        state = self.steps[key] = StepState(key, StepStatus.REUSED)
        return state

    def __getitem__(self, step_key: str) -> StepState:
        return self.steps[step_key]

    def get(self, step_key: str) -> StepState | None:
        return self.steps.get(step_key)

    def status(self, step_key: str) -> StepStatus:
        """The step's status (``pending`` for a step with no events yet)."""
        state = self.steps.get(step_key)
        return state.status if state is not None else StepStatus.PENDING


def step_statuses(events: Iterable[DagsterEvent]) -> dict[str, StepStatus]:
    """The status of every step that has events, by step key, in the order they first appear."""
    return {key: state.status for key, state in StepStates(events).steps.items()}


# Read once: the fold looks at every event of a run (``ET.X`` is a slower lookup).
_ATTEMPTS = frozenset({ET.STEP_START, ET.STEP_RESTARTED})
_OUTPUT, _SUCCESS, _FAILURE = ET.STEP_OUTPUT, ET.STEP_SUCCESS, ET.STEP_FAILURE
_SKIPPED, _UP_FOR_RETRY = ET.STEP_SKIPPED, ET.STEP_UP_FOR_RETRY
_LOADED_INPUT = ET.LOADED_INPUT


def _apply(state: StepState, event: DagsterEvent) -> None:
    kind = event.event_type_value
    if kind in _ATTEMPTS:
        state.attempts += 1
        state.status = StepStatus.RUNNING
        state.start = state.start if state.start is not None else event.timestamp
    elif kind == _OUTPUT:
        state.outputs.append(event.event_specific_data.output_name)
    elif kind == _SUCCESS:
        state.status, state.end = StepStatus.SUCCEEDED, event.timestamp
        state.duration_ms = float(event.event_specific_data.duration_ms)
    elif kind == _FAILURE:
        state.status, state.end, state.error = StepStatus.FAILED, event.timestamp, error_text(event)
    elif kind == _SKIPPED:
        state.status, state.end = StepStatus.SKIPPED, event.timestamp
    elif kind == _UP_FOR_RETRY:
        state.status = StepStatus.RETRYING
