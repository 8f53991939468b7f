"""A run's timeline: when each step started and ended, as SVG written by hand (no dependency).

One row per step that started, in order of start; each bar spans the step's start to its end
(or to the last event seen, for a step still running), coloured by its status, with its
duration beside it and details in a tooltip.  The axis is time since the run started.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from opbook import DagsterEvent
from opbook.notebook.fmt import esc, format_duration
from opbook.notebook.status import BORDER, FILL, RunView, subject_of

ROW = 20
BAR = 14
CHART = 520
CHAR = 6.6  # average width of a 11px sans-serif character, for the label column
TICK_STEPS = [1, 2, 5]
# Text and lines are drawn in ``currentColor``: inlined in a page, the picture takes the text
# colour around it (light in a dark theme).  Opened on its own (an image, a file), the SVG is its
# own root and shows dark on white.
MUTED = ' fill-opacity="0.65"'
STANDALONE_STYLE = "<style>svg.opbook-timeline-svg:root{color:#1f2328;background:#fff}</style>"


@dataclass(frozen=True)
class Span:
    """One step's bar: seconds since the run started."""

    key: str
    shade: str
    start: float
    end: float
    duration_ms: float | None


class Timeline:
    """The picture of a run's timeline; shows as SVG in a notebook and as text elsewhere."""

    def __init__(self, title: str, spans: list[Span], total: float) -> None:
        self.title = title
        self.spans = spans
        self.total = total

    @property
    def svg(self) -> str:
        return _svg(self)

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        # Inlined in the page, the picture's text and lines take the theme's colour.
        return f'<div class="opbook-timeline">{self.svg}</div>'

    def to_text(self) -> str:
        return _text(self)

    def __repr__(self) -> str:
        return self.to_text()


def timeline(target: Any, events: Iterable[DagsterEvent] | None = None) -> Timeline:
    """The timeline of a result (or of a definition's run, given its events).

    Args:
        target: a result, or a job whose run ``events`` are given.
        events: the run's events, when ``target`` is not a result.
    """
    run = subject_of(target, events).run
    if run is None:
        raise TypeError(
            f"timeline() needs a result, or a job and its run's events; got {target!r}."
        )
    return _from_run(run)


def _from_run(run: RunView) -> Timeline:
    states = sorted(
        (s for s in run.states.steps.values() if s.start is not None), key=lambda s: s.start or 0.0
    )
    starts = [s.start for s in states if s.start is not None]
    ends = [s.end for s in states if s.end is not None]
    origin = run.started if run.started is not None else min(starts, default=0.0)
    last = max([run.ended or origin, *starts, *ends])
    spans = [
        Span(
            s.step_key,
            run.shade(s.step_key),
            (s.start or origin) - origin,
            (s.end if s.end is not None else last) - origin,
            run.duration_ms(s.step_key),
        )
        for s in states
    ]
    total = max(last - origin, 1e-6)
    duration = format_duration(total * 1000)
    run_part = f"run {run.run_id[:8]}" if run.run_id else "run"
    steps = f"{len(spans)} step{'s' if len(spans) != 1 else ''}"
    return Timeline(f"Timeline of {run_part}: {steps} in {duration}", spans, total)


def _tick_step(total: float, wanted: int = 6) -> float:
    raw = total / wanted
    magnitude = 10 ** math.floor(math.log10(raw))
    for step in TICK_STEPS:
        if step * magnitude >= raw:
            return step * magnitude
    return 10 * magnitude


def _svg(t: Timeline) -> str:
    label_width = int(min(240, max((len(s.key) for s in t.spans), default=4) * CHAR + 12))
    left, top = label_width, 28
    height = top + ROW * len(t.spans) + 24
    width = left + CHART + 80
    scale = CHART / t.total
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="opbook-timeline-svg" width="{width}" '
        f'height="{height}" font-family="Helvetica, Arial, sans-serif" font-size="11" '
        'fill="currentColor">',
        STANDALONE_STYLE,
        f'<text x="4" y="16" font-size="12">{esc(t.title)}</text>',
    ]
    parts += _axis(t.total, left, top, height - 20, scale)
    for row, span in enumerate(t.spans):
        y = top + row * ROW
        x = left + span.start * scale
        bar = max(1.5, (span.end - span.start) * scale)
        duration = format_duration(span.duration_ms)
        tip = f"{span.key}: {span.shade}, {duration or 'running'}, started at +{format_duration(span.start * 1000) or '0 ms'}"
        parts.append(
            f'<text x="{left - 6}" y="{y + BAR - 3}" text-anchor="end">{esc(span.key)}</text>'
            f'<rect x="{x:.1f}" y="{y}" width="{bar:.1f}" height="{BAR}" rx="2" '
            f'fill="{FILL[span.shade]}" stroke="{BORDER[span.shade]}">'
            f"<title>{esc(tip)}</title></rect>"
            f'<text x="{x + bar + 4:.1f}" y="{y + BAR - 3}"{MUTED}>{esc(duration)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _axis(total: float, left: int, top: int, bottom: int, scale: float) -> list[str]:
    step = _tick_step(total)
    parts = [
        f'<line x1="{left}" y1="{bottom}" x2="{left + CHART}" y2="{bottom}" '
        'stroke="currentColor" stroke-opacity="0.45"/>'
    ]
    tick = 0.0
    while tick <= total * 1.0001:
        x = left + tick * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom}" stroke="currentColor" '
            'stroke-opacity="0.12"/>'
            f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle"{MUTED}>'
            f"{esc(format_duration(tick * 1000) or '0 ms')}</text>"
        )
        tick += step
    return parts


def _text(t: Timeline, width: int = 40) -> str:
    lines = [t.title]
    name_width = max((len(s.key) for s in t.spans), default=0)
    for span in t.spans:
        begin = int(span.start / t.total * width)
        end = max(begin + 1, math.ceil(span.end / t.total * width))
        bar = " " * begin + "#" * (end - begin)
        lines.append(
            f"  {span.key:<{name_width}} |{bar:<{width}}| {format_duration(span.duration_ms)}"
        )
    return "\n".join(lines)
