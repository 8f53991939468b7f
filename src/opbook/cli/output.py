"""What the command line shows: a run's progress, its per-step summary, failures, tables.

Everything here is plain text built from the run's events (``StepStates``, the same fold the
notebook's pictures use), with no dependency beyond the standard library:

* ``Progress`` is the per-event callback of a run: on a terminal it redraws one line (a bar,
  steps done of steps to run, the failures so far, the steps running) at most every
  ``min_interval`` seconds, and clears it when the run ends; elsewhere it draws nothing;
* ``step_table`` / ``run_line`` / ``failure_details`` summarise the run after it ended;
* ``table`` lays out rows in aligned columns (``opbook runs`` too); ``ticks_table`` shows a
  schedule's next ticks and the run each requests.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TextIO

import opbook
from opbook.config.errors import format_path, where
from opbook.definitions.graph import GraphDefinition
from opbook.definitions.job import PipelineDefinition
from opbook.definitions.run_request import SCHEDULE_NAME_TAG
from opbook.definitions.schedule import ScheduleTick
from opbook.errors import DagsterInvalidConfigError
from opbook.events import DagsterEvent, DagsterEventType, SerializableErrorInfo
from opbook.execution.step import format_duration
from opbook.execution.step_status import FINISHED, StepState, StepStates, StepStatus, error_text
from opbook.plan.compile import flatten_graph
from opbook.storage.instance import DagsterInstance
from opbook.storage.runs import PipelineRun

ET = DagsterEventType
BAR_WIDTH = 24
# A status as the step table and the run line say it; after the run, a pending step was not run.
STATUS_TEXT: dict[StepStatus, str] = {status: status.value for status in StepStatus}
STATUS_TEXT[StepStatus.PENDING] = "not run"
_ACTIVE = frozenset({StepStatus.RUNNING, StepStatus.RETRYING})
_RUN_ENDS: dict[str, str] = {
    ET.RUN_SUCCESS: "SUCCESS",
    ET.RUN_FAILURE: "FAILURE",
    ET.RUN_CANCELED: "CANCELED",
}
_OPBOOK_DIR = os.path.dirname(os.path.abspath(opbook.__file__))


def leaf_steps(graph: GraphDefinition, names: Iterable[str] | None = None) -> list[str]:
    """The step keys of a graph's ops (``comp.inner`` inside a graph node), in definition order;
    ``names`` keeps only those top-level nodes."""
    return list(flatten_graph(graph, None if names is None else frozenset(names)).ops)


def steps_of_run(pipeline: PipelineDefinition, run: PipelineRun | None) -> list[str]:
    """The steps a run set out to execute (a re-execution: only those it was asked to)."""
    if run is not None and run.step_keys_to_execute is not None:
        return list(run.step_keys_to_execute)
    selected = run.solids_to_execute if run is not None else None
    return leaf_steps(pipeline.graph, selected)


class Progress:
    """Follows a run's events; shows a progress line on a terminal (``live``)."""

    def __init__(
        self,
        pipeline: PipelineDefinition,
        instance: DagsterInstance,
        stream: TextIO | None = None,
        *,
        live: bool | None = None,
        min_interval: float = 0.1,
    ) -> None:
        self.pipeline = pipeline
        self.instance = instance
        self.stream = stream if stream is not None else sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.min_interval = min_interval
        self.states = StepStates()
        self.events: list[DagsterEvent] = []
        self.run_id: str | None = None
        self.expected: list[str] | None = None
        self.outcome: str | None = None
        self._last_draw = float("-inf")
        self._shown: str | None = None  # the line on the terminal now

    def __call__(self, event: DagsterEvent) -> None:
        self.events.append(event)
        if self.run_id is None and event.logging_tags.get("run_id"):
            self.run_id = str(event.logging_tags["run_id"])
            self.expected = steps_of_run(self.pipeline, self.instance.get_run_by_id(self.run_id))
        changed = self.states.update(event) is not None
        self.outcome = _RUN_ENDS.get(event.event_type_value, self.outcome)
        due = time.monotonic() - self._last_draw >= self.min_interval
        if self.live and self.outcome is None and changed and due:
            self.draw()

    def step_keys(self) -> list[str]:
        """Every step to show: those a re-execution reused from its parent run, then those
        with events, in the order they started, then the rest."""
        steps = self.states.steps
        reused = [key for key, state in steps.items() if state.status is StepStatus.REUSED]
        seen = reused + [key for key in steps if key not in reused]
        expected = self.expected if self.expected is not None else leaf_steps(self.pipeline.graph)
        return seen + [key for key in expected if key not in self.states.steps]

    def counts(self) -> dict[StepStatus, int]:
        counts: dict[StepStatus, int] = {}
        for key in self.step_keys():
            status = self.states.status(key)
            counts[status] = counts.get(status, 0) + 1
        return counts

    def line(self) -> str:
        """The progress line: ``[#####-----] 3/6 steps  1 failed  running: b, c``."""
        keys = self.step_keys()
        counts = self.counts()
        done = sum(n for status, n in counts.items() if status in FINISHED)
        filled = BAR_WIDTH * done // max(1, len(keys))
        text = f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {done}/{len(keys)} steps"
        if counts.get(StepStatus.FAILED):
            text += f"  {counts[StepStatus.FAILED]} failed"
        running = [k for k in keys if self.states.status(k) in _ACTIVE]
        if running:
            text += f"  running: {', '.join(running)}"
        return text

    def draw(self) -> None:
        """Redraw the progress line, if it changed."""
        width = shutil.get_terminal_size((80, 20)).columns - 1
        text = self.line()[:width]
        if text == self._shown:
            return
        # Cursor back at column 0: a log line printed meanwhile overwrites the bar, not trails it.
        self.stream.write(f"\r\x1b[K{text}\r")
        self.stream.flush()
        self._last_draw = time.monotonic()
        self._shown = text

    def close(self) -> None:
        """Clear the progress line, if one was drawn."""
        if self._shown is not None:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = None


# -- after the run ---------------------------------------------------------------------------


def _duration(state: StepState) -> str:
    row = state.row()
    return format_duration(row["duration"]) if row["duration"] is not None else ""


def _note(state: StepState) -> str:
    if state.status is StepStatus.FAILED:
        return state.error or ""
    if state.attempts > 1:
        return f"after {state.attempts} attempts"
    return ""


def step_table(progress: Progress) -> str:
    """One row per step: its status, how long it took, and its error or its retries."""
    rows = []
    for key in progress.step_keys():
        state = progress.states.get(key)
        if state is None:
            rows.append([key, STATUS_TEXT[StepStatus.PENDING], "", ""])
        else:
            rows.append([key, STATUS_TEXT[state.status], _duration(state), _note(state)])
    return table(["step", "status", "duration", ""], rows)


def run_line(progress: Progress, run_id: str, success: bool) -> str:
    """``Run <id> of job numbers: SUCCESS, 3 steps succeeded in 12.3ms``."""
    counts = progress.counts()
    kind = progress.pipeline.target_type
    outcome = progress.outcome or ("SUCCESS" if success else "FAILURE")
    parts = [f"{n} {STATUS_TEXT[status]}" for status, n in counts.items() if n]
    text = f"Run {run_id} of {kind} {progress.pipeline.name}: {outcome}"
    text += f", {', '.join(parts)}" if parts else ""
    starts = [e.timestamp for e in progress.events if e.event_type_value == ET.RUN_START]
    ends = [e.timestamp for e in progress.events if e.event_type_value in _RUN_ENDS]
    if starts and ends:
        text += f" in {format_duration((ends[-1] - starts[0]) * 1000)}"
    return text


def _innermost(error: SerializableErrorInfo) -> SerializableErrorInfo:
    while error.cause is not None:
        error = error.cause
    return error


def _user_frames(stack: Sequence[str]) -> list[str]:
    """The traceback's frames outside opbook's own code (the user's code, as they wrote it)."""
    return [frame for frame in stack if _OPBOOK_DIR not in frame.split("\n", 1)[0]]


def failure_details(events: Iterable[DagsterEvent]) -> list[str]:
    """For each failed step (or a run that failed outside any step): its error and traceback."""
    lines: list[str] = []
    events = list(events)
    failed_steps = [e for e in events if e.event_type_value == ET.STEP_FAILURE]
    failures = failed_steps or [e for e in events if e.event_type_value == ET.RUN_FAILURE]
    for event in failures:
        error = getattr(event.event_specific_data, "error", None)
        what = f'Step "{event.step_key}"' if event.step_key else "The run"
        if error is None:
            lines.append(f"{what} failed: {event.message or ''}".rstrip())
            continue
        inner = _innermost(error)
        lines.append(f"{what} failed: {error_text(event) or inner.message.strip()}")
        lines += ["".join(_user_frames(inner.stack)).rstrip("\n")] if inner.stack else []
    return [line for line in lines if line]


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Rows in columns as wide as their widest cell (the last column is not padded)."""
    cells = [[str(h) for h in headers]] + [
        ["" if c is None else str(c) for c in row] for row in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        padded = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])] + [row[-1]]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def _clock(timestamp: float | None) -> str:
    if timestamp is None:
        return ""
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")


def runs_table(runs: Iterable[PipelineRun]) -> str:
    """The runs, newest first: id, job, status, start, duration, parent run."""
    rows = []
    for run in runs:
        took = (
            format_duration((run.end_time - run.start_time) * 1000)
            if run.start_time is not None and run.end_time is not None
            else ""
        )
        rows.append(
            [
                run.run_id,
                run.pipeline_name,
                run.status.value,
                _clock(run.start_time),
                took,
                run.parent_run_id or "",
            ]
        )
    return table(["run id", "job", "status", "started", "duration", "parent"], rows)


def config_problems(error: DagsterInvalidConfigError) -> list[str]:
    """The config error as lines: what was being checked, then each problem with its path."""
    lines = [f"{error.preamble}:"]
    for problem in error.errors:
        stack = tuple(getattr(problem, "stack", ()) or ())
        message = str(getattr(problem, "message", problem))
        # A problem's message names its place (``at path root:ops:load``); else it is prefixed.
        located = not stack or where(stack) in message
        lines.append(f"  {message}" if located else f"  {format_path(stack)}: {message}")
    return lines


def summarise(value: Any, width: int = 60) -> str:
    """A mapping on one line, ``{}`` when empty, shortened with ``...`` past ``width``."""
    text = json.dumps(value, default=str, sort_keys=True) if value else "{}"
    return text if len(text) <= width else f"{text[: width - 3]}..."


def ticks_table(ticks: Iterable[ScheduleTick]) -> str:
    """One row per run request of each tick (or one for a skipped tick): the tick's time,
    the run key, the tags (the schedule's own tag left out) and the run config, summarised."""
    rows: list[list[Any]] = []
    for tick in ticks:
        when = tick.time.isoformat(sep=" ")
        if not tick.run_requests:
            rows.append([when, "", "", f"skipped: {tick.skip_message or 'no run requested'}"])
        for request in tick.run_requests:
            tags = {k: v for k, v in request.tags.items() if k != SCHEDULE_NAME_TAG}
            config = summarise(request.run_config)
            rows.append([when, request.run_key or "", summarise(tags, 40), config])
    return table(["tick", "run key", "tags", "run config"], rows)
