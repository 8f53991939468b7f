"""A run's timeline as an interactive widget: a live Gantt chart of its steps.

One lane per process that ran steps (the ``pid`` each step's start event carries: one lane for
the in-process executor, one per worker for multiprocess and dask), bars coloured by status;
hovering a bar tells its duration, when it started and how many attempts it took; the wheel
zooms on time.  Fold a live run's events in with :meth:`TimelineWidget.update`: each change
sends the one step's bar (``patch``), and the run's end sends every bar once.  The output also
carries the static SVG of ``timeline.py`` for notebooks opened without a kernel.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from typing import Any

import anywidget
import traitlets

from opbook import DagsterEvent, DagsterEventType
from opbook.notebook.status import RunView
from opbook.notebook.timeline import _from_run
from opbook.notebook.widgets import bundle_file, with_fallback
from opbook.notebook.widgets.graph import palette


def lane_name(pid: int | None) -> str:
    """The lane of steps run by process ``pid``."""
    if pid is None:
        return "steps"
    return "this process" if pid == os.getpid() else f"process {pid}"


class TimelineWidget(anywidget.AnyWidget):
    """A Gantt chart of a run's steps.

    Args:
        target: a result, or a job whose run ``events`` are given (None for a run to follow
            with :meth:`update`).
        events: the run's events so far.
    """

    _esm = bundle_file("timeline.js")
    _css = bundle_file("widgets.css")

    # [{key, lane, start, end, shade, attempts, duration_ms}], in seconds from the run's start
    spans: Any = traitlets.List().tag(sync=True)
    lanes: Any = traitlets.List().tag(sync=True)
    total = traitlets.Float(0.0).tag(sync=True)  # seconds from the run's start to its last event
    patch = traitlets.Dict().tag(sync=True)  # {seq, spans}: the bars one event changed
    title = traitlets.Unicode().tag(sync=True)
    colours = traitlets.Dict().tag(sync=True)
    labels = traitlets.Dict().tag(sync=True)

    def __init__(
        self, target: Any = None, events: Iterable[DagsterEvent] | None = None, **kwargs: Any
    ) -> None:
        colours, labels = palette()
        super().__init__(colours=colours, labels=labels, **kwargs)
        self._lock = threading.RLock()
        self._seq = 0
        self._pids: dict[str, int | None] = {}
        self._last: float | None = None
        self._sent: dict[str, dict[str, Any]] = {}
        self.run = RunView()
        if target is not None:
            events = _events_of(target, events)
        for event in events or ():
            self._fold(event)
        self._send_all()

    def __repr__(self) -> str:
        return f"TimelineWidget({len(self.run.states.steps)} steps)"

    def _fold(self, event: DagsterEvent) -> None:
        self.run.update(event)
        if event.event_type_value == DagsterEventType.STEP_START and event.step_key:
            self._pids[event.step_key] = event.pid
        self._last = max(self._last or event.timestamp, event.timestamp)

    def _origin(self) -> float:
        starts = [s.start for s in self.run.states.steps.values() if s.start is not None]
        if self.run.started is not None:
            return self.run.started
        return min(starts, default=self._last or 0.0)

    def _span(self, key: str, origin: float) -> dict[str, Any] | None:
        state = self.run.states.get(key)
        if state is None or state.start is None:
            return None
        end = state.end if state.end is not None else None
        if end is None and self.run.finished:
            end = self.run.ended or self._last
        return {
            "key": key,
            "lane": lane_name(self._pids.get(key)),
            "start": round(state.start - origin, 6),
            "end": None if end is None else round(end - origin, 6),
            "shade": self.run.shade(key),
            "attempts": state.attempts,
            "duration_ms": self.run.duration_ms(key),
        }

    def _total(self, origin: float) -> float:
        last = self.run.ended if self.run.ended is not None else self._last
        return max((last or origin) - origin, 1e-6)

    def _send_all(self) -> None:
        origin = self._origin()
        spans = [s for key in self.run.states.steps if (s := self._span(key, origin))]
        spans.sort(key=lambda s: s["start"])
        self._sent = {s["key"]: s for s in spans}
        lanes = list(dict.fromkeys(s["lane"] for s in spans))
        with self.hold_sync():
            self.spans = spans
            self.lanes = lanes
            self.total = self._total(origin)
            self.title = _from_run(self.run).title

    def update(self, event: DagsterEvent) -> bool:
        """Fold one of the run's events in; True when a bar changed."""
        with self._lock:
            self._fold(event)
            if self.run.finished:
                self._send_all()
                return True
            key = event.step_key
            origin = self._origin()
            span = self._span(key, origin) if key else None
            if span is None or self._sent.get(span["key"]) == span:
                return False
            self._sent[span["key"]] = span
            self._seq += 1
            with self.hold_sync():
                if span["lane"] not in self.lanes:
                    self.lanes = [*self.lanes, span["lane"]]
                self.patch = {"seq": self._seq, "spans": [span]}
                self.total = self._total(origin)
                self.title = _from_run(self.run).title
            return True

    def __call__(self, event: DagsterEvent) -> None:
        self.update(event)

    def static_html(self) -> str:
        """The timeline of the current state as SVG (what a notebook without a kernel shows)."""
        with self._lock:
            return f'<div class="opbook-timeline">{_from_run(self.run).svg}</div>'

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return with_fallback(super()._repr_mimebundle_(**kwargs), self.static_html())


def _events_of(target: Any, events: Iterable[DagsterEvent] | None) -> Iterable[DagsterEvent]:
    if events is not None:
        return events
    found = getattr(target, "event_list", None)
    if found is None:
        found = getattr(target, "step_events", None)
    if found is None:
        raise TypeError(
            f"TimelineWidget needs a result, or a job and its run's events; got {target!r}."
        )
    return list(found)
