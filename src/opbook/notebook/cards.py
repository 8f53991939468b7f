"""What definitions and results look like in a notebook (HTML) and in a terminal (text).

* an op: its name, description, inputs and outputs with their types, config schema, required
  resources and where it was defined;
* a job, pipeline or graph: a one-line summary and its graph;
* a run's result: a summary line, the failures, the graph coloured by status, the per-step
  table, and the events table and timeline folded under ``<details>``;
* one op's result (``execute_solid``): its status, output values or error, and events.

Pictures fall back to text when Graphviz is missing (see ``render``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from IPython import get_ipython

from opbook import (
    GraphDefinition,
    InProcessExecutionResult,
    PipelineDefinition,
    SolidDefinition,
    SolidExecutionResult,
)
from opbook import config as cfg
from opbook.notebook import render, tables
from opbook.notebook.diagrams import draw_subject
from opbook.notebook.engine_seam import GraphExecutionResult, StepStatus, error_text
from opbook.notebook.fmt import esc, format_duration, shorten
from opbook.notebook.status import RunView, Subject, subject_of
from opbook.notebook.timeline import timeline
from opbook.notebook.tracebacks import event_error, user_traceback

CARD_STYLE = "font-family: sans-serif; font-size: 13px; line-height: 1.4;"


def _card(body: str) -> str:
    return f'<div class="opbook-card" style="{CARD_STYLE}">{body}</div>'


class Card:
    """Ready-made HTML and its text form, to ``display()``."""

    def __init__(self, html: str, text: str) -> None:
        self.html = html
        self.text = text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


# -- ops -----------------------------------------------------------------------------------------


def location(definition: SolidDefinition) -> str:
    """Where an op's function was defined: ``cell In[3], line 1`` or ``path.py:12``."""
    code = getattr(definition.compute_fn, "__code__", None)
    if code is None:
        return ""
    shell = get_ipython()
    # IPython knows which cell compiled a file name (magic cells and plain cells alike).
    named = shell.compile.format_code_name(code.co_filename) if shell is not None else None
    if named is not None:
        return f"cell {named[1]}, line {code.co_firstlineno}"
    return f"{code.co_filename}:{code.co_firstlineno}"


def _io(items: list[Any], with_default: bool) -> list[str]:
    described = []
    for d in items:
        text = f"{d.name}: {d.dagster_type.name}"
        if with_default and d.has_default_value:
            text += f" = {shorten(repr(d.default_value), 60)}"
        described.append(text)
    return described


def op_facts(definition: SolidDefinition) -> list[tuple[str, str]]:
    """(label, text) pairs describing an op, shared by its HTML and text forms."""
    facts = [
        ("inputs", ", ".join(_io(definition.input_defs, True)) or "none"),
        ("outputs", ", ".join(_io(definition.output_defs, False)) or "none"),
    ]
    if definition.config_schema is not None:
        facts.append(("config", cfg.describe(definition.config_schema)["type_string"]))
    if definition.required_resource_keys:
        facts.append(("resources", ", ".join(sorted(definition.required_resource_keys))))
    where = location(definition)
    if where:
        facts.append(("defined in", where))
    return facts


def op_html(definition: SolidDefinition, notes: list[str] | None = None) -> str:
    head = f"<b>{esc(definition.node_kind)}</b> <code>{esc(definition.name)}</code>"
    if definition.description:
        head += f" &mdash; {esc(shorten(definition.description.splitlines()[0], 120))}"
    rows = "".join(
        f'<tr><th style="text-align:left;padding-right:1em">{esc(label)}</th>'
        f"<td><code>{esc(text)}</code></td></tr>"
        for label, text in op_facts(definition)
    )
    extra = "".join(f"<p>{esc(note)}</p>" for note in notes or [])
    return _card(f"<div>{head}</div><table>{rows}</table>{extra}")


def op_text(definition: SolidDefinition, notes: list[str] | None = None) -> str:
    lines = [f"{definition.node_kind} {definition.name}"]
    lines += [f"  {label}: {text}" for label, text in op_facts(definition)]
    return "\n".join(lines + list(notes or []))


# -- jobs, pipelines, graphs ---------------------------------------------------------------------


def _graph_rendered(subject: Subject) -> render.Rendered:
    picture = draw_subject(subject)
    return render.render(picture.source, picture.text)


def definition_summary(target: PipelineDefinition | GraphDefinition) -> str:
    graph = target.graph if isinstance(target, PipelineDefinition) else target
    kind = target.target_type if isinstance(target, PipelineDefinition) else target.node_kind
    count = len(graph.nodes)
    summary = f"{kind} {target.name}: {count} node{'s' if count != 1 else ''}"
    if isinstance(target, PipelineDefinition):
        mode = target.mode_definitions[0]
        if target.is_single_mode and mode.resource_defs:
            summary += f", resources {', '.join(sorted(mode.resource_defs))}"
        if not target.is_single_mode:
            summary += f", modes {', '.join(target.available_modes)}"
    return summary


def definition_html(target: PipelineDefinition | GraphDefinition) -> str:
    picture = _graph_rendered(subject_of(target))
    return _card(f"<div><b>{esc(definition_summary(target))}</b></div>{picture.html()}")


def definition_text(target: PipelineDefinition | GraphDefinition) -> str:
    return _graph_rendered(subject_of(target)).plain()


# -- results -------------------------------------------------------------------------------------


def run_summary(subject: Subject) -> str:
    """``run 1f0c2a9e of job numbers: failed in 4.1 ms (2 succeeded, 1 failed)``."""
    run = subject.run
    assert run is not None
    counts = run.counts(subject.model.boxes)
    parts = [f"{n} {status}" for status, n in counts.items() if n]
    duration = format_duration(run.run_duration_ms)
    who = f"run {run.run_id[:8]} of " if run.run_id else ""
    head = f"{who}{subject.model.kind} {subject.model.name}: {run.outcome or 'running'}"
    return f"{head}{' in ' + duration if duration else ''} ({', '.join(parts)})"


def _failures(run: RunView) -> list[tuple[str, str]]:
    return [
        (state.step_key, state.error or "failed")
        for state in run.states.steps.values()
        if state.status is StepStatus.FAILED
    ]


def _failures_html(run: RunView) -> str:
    items = "".join(
        f"<li><code>{esc(key)}</code>: {esc(shorten(error, 300))}</li>"
        for key, error in _failures(run)
    )
    return f'<ul style="color:#c62828">{items}</ul>' if items else ""


def _tracebacks_html(events: Any) -> str:
    """Each failed step's traceback, folded, from the op's own frame."""
    parts = []
    for event in events:
        error = event_error(event) if event.is_step_failure else None
        if error is not None:
            trace = f'<pre style="color:#c62828">{esc(user_traceback(error))}</pre>'
            parts.append(_details(f"Traceback of {event.step_key}", trace))
    return "".join(parts)


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{esc(summary)}</summary>{body}</details>"


def result_html(result: Any) -> str:
    subject = subject_of(result)
    assert subject.run is not None
    events = result.event_list
    body = f"<div><b>{esc(run_summary(subject))}</b></div>{_failures_html(subject.run)}"
    body += _tracebacks_html(events)
    body += _graph_rendered(subject).html()
    body += tables.steps_html(events)
    body += _details(f"Events ({len(events)})", tables.events_html(events))
    if subject.run.states.steps:
        body += _details("Timeline", timeline(result).svg)
    return _card(body)


def result_text(result: Any) -> str:
    subject = subject_of(result)
    lines = [run_summary(subject)]
    assert subject.run is not None
    lines += [f"  {key} failed: {error}" for key, error in _failures(subject.run)]
    return "\n".join(lines) + "\n" + _graph_rendered(subject).plain()


def step_result_html(result: SolidExecutionResult) -> str:
    body = f"<div><b>{esc(step_result_summary(result))}</b></div>"
    if result.success:
        rows = "".join(
            f'<tr><th style="text-align:left;padding-right:1em">{esc(name)}</th>'
            f"<td><code>{esc(shorten(repr(value), 500))}</code></td></tr>"
            for name, value in (result.output_values or {}).items()
        )
        body += f"<table>{rows}</table>"
    elif result.failure_data is not None and result.failure_data.error is not None:
        body += f'<pre style="color:#c62828">{esc(user_traceback(result.failure_data.error))}</pre>'
    events = result.step_events
    body += _details(f"Events ({len(events)})", tables.events_html(events))
    return _card(body)


def step_result_summary(result: SolidExecutionResult) -> str:
    state = "succeeded" if result.success else ("skipped" if result.skipped else "failed")
    kind = result.solid.definition.node_kind
    where = f" ({result.handle})" if str(result.handle) != result.solid.name else ""
    summary = f"{kind} {result.solid.name}{where}: {state}"
    failures = [e for e in result.step_events if e.is_step_failure]
    if failures:
        summary += f": {error_text(failures[0])}"
    return summary


def step_result_text(result: SolidExecutionResult) -> str:
    lines = [step_result_summary(result)]
    if result.success:
        lines += [
            f"  {name} = {shorten(repr(v), 200)}"
            for name, v in (result.output_values or {}).items()
        ]
    return "\n".join(lines)


def _forms(target: Any) -> tuple[Callable[[Any], str], Callable[[Any], str]] | None:
    """The (HTML, text) builders for ``target``, or None when it is not opbook's to show."""
    if isinstance(target, SolidExecutionResult):
        return step_result_html, step_result_text
    if isinstance(target, PipelineDefinition | GraphDefinition):
        return definition_html, definition_text
    if isinstance(target, SolidDefinition):
        return op_html, op_text
    if isinstance(target, InProcessExecutionResult | GraphExecutionResult):
        return result_html, result_text
    return None


def can_show(target: Any) -> bool:
    return _forms(target) is not None


def html_for(target: Any) -> str | None:
    """The HTML of a definition or result (None for anything else)."""
    forms = _forms(target)
    return forms[0](target) if forms is not None else None


def text_for(target: Any) -> str | None:
    """The text form of a definition or result (None for anything else)."""
    forms = _forms(target)
    return forms[1](target) if forms is not None else None


def card_for(target: Any) -> Card:
    """A displayable card of a definition or result (its ``repr`` for anything else)."""
    forms = _forms(target)
    if forms is None:
        return Card(f"<pre>{esc(repr(target))}</pre>", repr(target))
    return Card(forms[0](target), forms[1](target))
