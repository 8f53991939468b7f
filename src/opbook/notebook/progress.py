"""A run shown live: its graph coloured by status and a progress bar, updated in place.

``LiveRun`` is the per-event callback that ``execute_in_process(progress=True)``,
``execute_pipeline(progress=True)`` and the magics hand to the engine.  It folds each event
into a ``RunView`` and, when a step's status changes, redraws one display (``display_id``), so
the saved notebook keeps the final picture and not one picture per step.  Redraws are
throttled: never closer than ``min_interval`` seconds, nor closer than twice the time the last
one took, so a 500-op graph does not spend the run redrawing itself.  A change that comes too
soon after a redraw is not lost: one more redraw follows when the throttle allows (a trailing
redraw, from a timer thread, so a step that starts just after another finished is still shown
running).  The run's end is always drawn.  In a terminal (no kernel) only the final state is
shown, as text.

In a kernel where the interactive widgets can be shown (``widgets.available()``), the run is
shown as a :class:`~opbook.notebook.widgets.graph.GraphWidget` instead: each event that changes
a step sends that one step to the browser (no redraw, no throttle), and the run's end updates
the output once more so that the saved notebook keeps the static picture of the final state
(until then that output holds the text picture: Graphviz draws once per run).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from IPython import get_ipython
from IPython.display import display

from opbook import DagsterEvent, PipelineDefinition
from opbook.notebook import graphmodel, render, widgets
from opbook.notebook.diagrams import draw_subject
from opbook.notebook.engine_seam import StepStatus
from opbook.notebook.fmt import esc, format_duration
from opbook.notebook.status import FILL, STATUS_LABELS, RunView, Subject


class LiveRun:
    """Shows a run of ``pipeline`` as it goes; call it with each event."""

    def __init__(
        self,
        pipeline: PipelineDefinition,
        steps: Sequence[str] | None = None,
        *,
        live: bool = True,
        min_interval: float = 0.25,
        widget: bool = False,
    ) -> None:
        self.model = graphmodel.from_pipeline(pipeline, whole=True)
        self.expected = list(steps) if steps else list(graphmodel.from_pipeline(pipeline).boxes)
        self.run = RunView()
        self.live = live
        self.min_interval = min_interval
        self.interval = min_interval
        self.handle: Any = None
        self.updates = 0
        self._last = float("-inf")  # the first change is always drawn
        # Events are folded on the engine's thread, trailing redraws drawn on a timer's: the
        # lock keeps a picture from being drawn from a half-folded event.
        self._lock = threading.RLock()
        self._trailing: threading.Timer | None = None
        self.widget: Any = None
        if widget:
            from opbook.notebook.widgets.graph import GraphWidget

            self.widget = GraphWidget(
                pipeline, subject=Subject(self.model, self.run), steps=self.expected
            )

    @classmethod
    def for_notebook(
        cls, pipeline: PipelineDefinition, steps: Sequence[str] | None = None
    ) -> LiveRun | None:
        """A live display in a notebook, a final summary in a terminal, None outside IPython."""
        shell = get_ipython()
        if shell is None:
            return None
        live = hasattr(shell, "kernel")
        return cls(pipeline, steps, live=live, widget=live and widgets.available())

    def __call__(self, event: DagsterEvent) -> None:
        if self.widget is not None:
            self._to_widget(event)
            return
        with self._lock:
            changed = self.run.update(event)
            if self.run.finished:
                self._cancel_trailing()
                self.show()
                return
            if not (changed and self.live):
                return
            wait = self.interval - (time.monotonic() - self._last)
            if wait <= 0:
                self._cancel_trailing()
                self.show()
            elif self._trailing is None:
                self._trailing = threading.Timer(wait, self._draw_trailing)
                self._trailing.daemon = True
                self._trailing.start()

    def _to_widget(self, event: DagsterEvent) -> None:
        with self._lock:
            if self.handle is None:
                self.widget.draft = True  # the run's end draws the picture (below)
                try:
                    self.handle = display(self.widget, display_id=True)
                finally:
                    self.widget.draft = False
            if self.widget.update(event):  # folds the event into self.run
                self.updates += 1
            if self.run.finished:
                self.handle.update(self.widget)  # the final picture, for the saved notebook

    def _cancel_trailing(self) -> None:
        if self._trailing is not None:
            self._trailing.cancel()
            self._trailing = None

    def _draw_trailing(self) -> None:
        with self._lock:
            if self._trailing is None or self.run.finished:
                return  # cancelled, or the run's end was drawn meanwhile
            self._trailing = None
            self.show()

    def show(self) -> None:
        """Draw the current state (the first call creates the display, later ones update it)."""
        with self._lock:
            started = time.monotonic()
            view = ProgressView(self.model, self.run, self.expected)
            if self.handle is None:
                self.handle = display(view, display_id=True)
            else:
                self.handle.update(view)
            self.updates += 1
            self._last = time.monotonic()
            self.interval = max(self.min_interval, 2 * (self._last - started))


class ProgressView:
    """One picture of a run in progress: a progress bar above the coloured graph."""

    def __init__(self, model: graphmodel.GraphModel, run: RunView, expected: list[str]) -> None:
        self.subject = Subject(model, run)
        self.run = run
        self.expected = expected

    def _counts(self) -> tuple[int, dict[str, int]]:
        counts = self.run.counts(self.expected)
        done = len(self.expected) - counts[StepStatus.PENDING] - counts[StepStatus.RUNNING]
        return done, counts

    def summary(self) -> str:
        done, counts = self._counts()
        parts = [
            f"{n} {STATUS_LABELS[s]}" for s, n in counts.items() if n and s != StepStatus.PENDING
        ]
        elapsed = format_duration(self.run.run_duration_ms)
        state = self.run.outcome or "running"
        text = f"{state}: {done} of {len(self.expected)} steps done"
        text += f" ({', '.join(parts)})" if parts else ""
        return text + (f" in {elapsed}" if elapsed else "")

    def _repr_html_(self) -> str:
        done, _counts = self._counts()
        colour = FILL["failed"] if self.run.outcome == "failed" else FILL["succeeded"]
        bar = (
            f'<progress value="{done}" max="{max(1, len(self.expected))}" '
            f'style="width: 320px; accent-color: {colour}"></progress> '
            f"<span>{esc(self.summary())}</span>"
        )
        picture = draw_subject(self.subject)
        graph = render.render(picture.source, picture.text).html()
        return f'<div class="opbook-progress">{bar}{graph}</div>'

    def __repr__(self) -> str:
        done, _counts = self._counts()
        width = 30
        filled = int(width * done / max(1, len(self.expected)))
        return f"[{'#' * filled}{'-' * (width - filled)}] {self.summary()}"
