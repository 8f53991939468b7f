"""Run state for pictures: the status and shade of each box, and what a picture is of.

``RunView`` folds a run's events (all at once, or one at a time while the run goes on) with the
engine's step fold (``StepStates``), and adds what only the run knows: whether it is over.  A
box's status is the step's ``StepStatus`` as of then: once the run is over, a step that never
started was not run (``skipped``: downstream of a failure, or not selected), and one still
running was cut short (``failed``).  A step a re-execution took from its parent run is
``reused`` (the engine's fold says so from the inputs loaded from it).

A box's shade is how a picture colours it: its status, except that a step which needed a retry
(retrying now, or succeeded after more than one attempt) is shaded ``retried``.  ``STATUSES``
lists the shades in legend order, with their labels and colours.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from opbook import (
    CompositeSolidExecutionResult,
    DagsterEvent,
    DagsterEventType,
    InProcessExecutionResult,
    PipelineExecutionResult,
    SolidExecutionResult,
)
from opbook.notebook import graphmodel
from opbook.notebook.engine_seam import StepStates, StepStatus, run_id_of
from opbook.notebook.graphmodel import GraphModel

ET = DagsterEventType
# The shade of a step that needed a retry; every other shade is a status.
RETRIED = "retried"
_S = StepStatus
# The shades by their words, in legend order, with their labels and colours (fill and border;
# "definition" colours a definition, drawn with no run).
STATUSES: list[str] = [
    _S.PENDING.value,
    _S.RUNNING.value,
    _S.SUCCEEDED.value,
    _S.FAILED.value,
    RETRIED,
    _S.REUSED.value,
    _S.SKIPPED.value,
]
STATUS_LABELS: dict[str, str] = {
    _S.PENDING: "pending",
    _S.RUNNING: "running",
    _S.SUCCEEDED: "succeeded",
    _S.FAILED: "failed",
    RETRIED: "retried",
    _S.REUSED: "reused",
    _S.SKIPPED: "skipped / not run",
}
FILL: dict[str, str] = {
    "definition": "#e8f0fe",
    _S.PENDING: "#f1f3f4",
    _S.RUNNING: "#fff3b0",
    _S.SUCCEEDED: "#c8e6c9",
    _S.FAILED: "#ffcdd2",
    RETRIED: "#ffe0b2",
    _S.REUSED: "#e8f5e9",
    _S.SKIPPED: "#ffffff",
}
BORDER: dict[str, str] = {
    "definition": "#5f6b7a",
    _S.PENDING: "#9aa0a6",
    _S.RUNNING: "#c69500",
    _S.SUCCEEDED: "#2e7d32",
    _S.FAILED: "#c62828",
    RETRIED: "#ef6c00",
    _S.REUSED: "#81c784",
    _S.SKIPPED: "#bdbdbd",
}
_RUN_END: dict[str, str] = {
    ET.RUN_SUCCESS: "succeeded",
    ET.RUN_FAILURE: "failed",
    ET.RUN_CANCELED: "canceled",
}


class RunView:
    """The state of a run's steps, from its events."""

    def __init__(self, events: Iterable[DagsterEvent] = (), run_id: str | None = None) -> None:
        self.states = StepStates()
        self.run_id = run_id
        self.outcome: str | None = None  # "succeeded", "failed", "canceled" once finished
        self.started: float | None = None
        self.ended: float | None = None
        for event in events:
            self.update(event)

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    def update(self, event: DagsterEvent) -> bool:
        """Fold one event in; True when a step's status or the run's outcome changed."""
        kind = event.event_type_value
        if kind == ET.RUN_START:
            self.started = event.timestamp
        if self.run_id is None:
            self.run_id = event.logging_tags.get("run_id") or None
        if kind in _RUN_END:
            self.outcome, self.ended = _RUN_END[kind], event.timestamp
            return True
        state = self.states.get(event.step_key) if event.step_key else None
        before = state.status if state is not None else None
        changed = self.states.update(event)
        return changed is not None and changed.status != before

    def status(self, key: str) -> StepStatus:
        """The step's status; once the run is over, it did not run or was cut short."""
        status = self.states.status(key)
        if self.finished and status is StepStatus.PENDING:
            return StepStatus.SKIPPED
        if self.finished and status is StepStatus.RUNNING:
            return StepStatus.FAILED  # the run ended (canceled) while the step ran
        return status

    def shade(self, key: str) -> str:
        """How a picture colours the step: one of ``STATUSES``."""
        status = self.status(key)
        if status is StepStatus.RETRYING or (
            status is StepStatus.SUCCEEDED and self.states[key].attempts > 1
        ):
            return RETRIED
        return status.value

    def duration_ms(self, key: str) -> float | None:
        state = self.states.get(key)
        if state is None:
            return None
        row = state.row()
        duration: float | None = row["duration"]
        return duration

    @property
    def run_duration_ms(self) -> float | None:
        if self.started is None or self.ended is None:
            return None
        return (self.ended - self.started) * 1000

    def counts(self, keys: Iterable[str]) -> dict[str, int]:
        """How many of ``keys`` are in each shade (by its word, in legend order)."""
        counts = dict.fromkeys(STATUSES, 0)
        for key in keys:
            counts[self.shade(key)] += 1
        return counts


@dataclass
class Subject:
    """What a picture is of: a model, and the run colouring it (None for a definition)."""

    model: GraphModel
    run: RunView | None = None
    title: str = ""


def _result_subject(result: Any) -> Subject | None:
    if isinstance(result, InProcessExecutionResult):
        job = result.job_def
        model = (
            graphmodel.from_pipeline(job, whole=True)
            if job is not None
            else graphmodel.from_graph(result.node_def)
        )
        return Subject(model, RunView(result.event_list, result.run_id))
    if isinstance(result, PipelineExecutionResult):
        model = graphmodel.from_pipeline(result.pipeline_def, whole=True)
        return Subject(model, RunView(result.event_list, result.run_id))
    if isinstance(result, CompositeSolidExecutionResult):
        prefix = f"{result.handle}." if result.handle is not None else ""
        model = graphmodel.from_graph(result.container, "composite", prefix=prefix)
        return Subject(model, RunView(result.event_list, result.run_id))
    if isinstance(result, SolidExecutionResult):
        model = graphmodel.from_op(result.solid.definition, str(result.handle))
        events = result.step_events
        return Subject(model, _finished(RunView(events, run_id_of(events))))
    return None


def _finished(view: RunView) -> RunView:
    """A step result's events hold no run end; the run is over all the same."""
    if view.outcome is None:
        failed = any(state.status is StepStatus.FAILED for state in view.states.steps.values())
        view.outcome = "failed" if failed else "succeeded"
    return view


def subject_of(target: Any, events: Iterable[DagsterEvent] | None = None) -> Subject:
    """The model of ``target`` (a definition, plan or result) and the run colouring it.

    ``events`` colours a definition with a run's events (a run that may still be going on).
    """
    subject = _result_subject(target)
    if subject is None:
        subject = Subject(graphmodel.model_of(target))
    if events is not None:
        subject.run = RunView(events)
    return subject
