"""The one scheduling loop every executor shares.

State, kept by ``ActiveExecution`` and changed only by the events steps emit:
``waiting`` (step -> how many plan steps it still waits for), ``ready`` (ordered by the
``dagster/priority`` tag, then by when the step became ready: first in plan order, then as steps
are released), ``running``, and the outcomes: succeeded, failed, skipped, abandoned; plus
``produced`` (the outputs seen in STEP_OUTPUT events) and retries waiting for their time.

Policy: a step becomes ready when every step it waits for has finished.  If one of those failed,
the step and everything downstream of it are abandoned and emit nothing (as in Dagster).  If
an output it needs was not produced (an optional output), it is skipped with a STEP_SKIPPED
event, and the skip propagates.  A STEP_UP_FOR_RETRY puts the step back, after its wait, behind
the steps already ready.

Dynamic steps (``plan.dynamic``): a placeholder ``op[?]`` waits for the step that yields the
dynamic output it maps over.  When that step has finished, the placeholder is resolved into one
step ``op[k]`` per mapping key yielded (keys read from the STEP_OUTPUT events, in order), which
wait for their own upstream steps; the placeholder then waits for them, and finishes when they
all have, releasing the steps that collect over it.  A step with a collect input is resolved
when it is released, with one source per item.  A plan with no dynamic output pays nothing of
this: the loop uses the plan's own maps, and copies them only for a dynamic plan.

Executors differ only in how a ready step is submitted (``StepSubmitter``): in this process,
to a process pool, or to a Dask cluster.  The loop submits up to the submitter's free slots,
then relays the events the submitter reports, observing those that change what it may
schedule.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections import deque
from collections.abc import Generator, Mapping, Sequence
from functools import partial
from typing import Any, Protocol

from opbook.errors import DagsterInvariantViolationError
from opbook.events import DagsterEvent, DagsterEventType, StepOutputHandle
from opbook.execution.run_context import RunContext, mapping_keys_of_ancestor
from opbook.execution.step import NO_FAILURES, StepEvents, StepFailures
from opbook.plan.dynamic import UNRESOLVED, KeysOf, resolve_collect, resolve_mapped
from opbook.plan.plan import ExecutionPlan, ExecutionStep

ET = DagsterEventType
# The events that change what the loop may schedule; it looks at no others.  Which outputs
# were produced matters only to a plan where a step may be skipped (see ``StepLinks``).
_OUTCOME_EVENTS = frozenset({ET.STEP_SUCCESS, ET.STEP_FAILURE, ET.STEP_UP_FOR_RETRY})
_OUTCOME_AND_OUTPUT_EVENTS = _OUTCOME_EVENTS | {ET.STEP_OUTPUT}
# Members read once: on this path a module constant is cheaper than ``ET.X`` (the enum
# class's attribute lookup), and a member compares with the stored string as a string.
_STEP_OUTPUT, _STEP_SUCCESS = ET.STEP_OUTPUT, ET.STEP_SUCCESS
_STEP_FAILURE, _STEP_UP_FOR_RETRY = ET.STEP_FAILURE, ET.STEP_UP_FOR_RETRY


class StepSubmitter(Protocol):
    """How an executor runs a ready step."""

    def free_slots(self) -> int:
        """How many more steps may be submitted now."""
        ...

    def submit(self, step: ExecutionStep, attempt: int) -> None:
        """Start (or queue) one attempt of a step."""
        ...

    def events(self) -> StepEvents:
        """Events of submitted steps; returns once at least one submitted step has finished
        (or at once, when nothing is running), with the failures of the steps that ended."""
        ...

    def busy(self) -> bool:
        """Whether a submitted step has yet to report its end.  A step's last event may come
        before the message that ends it (with the exception ``raise_on_error`` re-raises)."""
        ...


class ActiveExecution:
    def __init__(self, plan: ExecutionPlan, known_keys: KeysOf | None = None) -> None:
        self.plan = plan
        self.links = links = plan.links
        # Dynamic steps (see the module docstring): placeholders and collects are resolved as
        # the run goes, into steps this run adds to copies of the plan's maps.
        self.dynamic = bool(links.placeholders or links.collectors)
        self.steps: dict[str, ExecutionStep] = plan.step_dict
        self.upstream: Mapping[str, Sequence[str]] = links.upstream
        self.downstream: Mapping[str, Sequence[str]] = links.downstream
        if self.dynamic:
            self.steps = dict(plan.step_dict)
            self.upstream = dict(links.upstream)
            self.downstream = {key: list(keys) for key, keys in links.downstream.items()}
        # (step, output) -> the mapping keys its STEP_OUTPUT events carried, in order
        self.mapping_keys: dict[tuple[str, str], list[str]] = {}
        self.expanded: dict[str, list[str]] = {}  # placeholder -> the keys it resolved to
        self.known_keys = known_keys  # the keys of dynamic outputs of steps outside the plan
        # step -> how many of the steps it waits for have not finished yet
        self.waiting: dict[str, int] = {}
        # Ready steps run in the order they became ready (a deque of keys), unless some step of
        # the plan has a priority: then they are a heap of (-priority, arrival, key).
        self.by_priority = links.has_priorities
        self.ready: Any = [] if self.by_priority else deque()
        self._arrivals = itertools.count()
        self.attempts: dict[str, int] = {}
        self.running: set[str] = set()
        self.succeeded: set[str] = set()
        self.failed: set[str] = set()
        self.skipped: set[str] = set()
        self.abandoned: set[str] = set()
        self.produced: set[tuple[str, str]] = set()
        self.retry_at: list[tuple[float, int, str]] = []
        self.pending_events: list[DagsterEvent] = []
        self.stopped = False
        for step in plan.steps:
            ups = links.upstream[step.key]
            if ups:
                self.waiting[step.key] = len(ups)
            elif self.dynamic:
                self._decide(step)
            else:
                self._push(step)

    def _push(self, step: ExecutionStep) -> None:
        if self.by_priority:
            heapq.heappush(self.ready, (-step.priority, next(self._arrivals), step.key))
        else:
            self.ready.append(step.key)

    @property
    def is_complete(self) -> bool:
        # A stopped run ends once its running steps have reported, whatever was released or
        # put up for retry meanwhile: nothing more will be taken.
        if self.stopped:
            return not self.running
        return not (self.ready or self.running or self.retry_at or self.waiting)

    def take_ready(self, limit: int) -> list[tuple[ExecutionStep, int]]:
        if self.retry_at:
            now = time.monotonic()
            while self.retry_at and self.retry_at[0][0] <= now:
                _, _, key = heapq.heappop(self.retry_at)
                self._push(self.steps[key])
        taken: list[tuple[ExecutionStep, int]] = []
        while self.ready and len(taken) < limit and not self.stopped:
            key = heapq.heappop(self.ready)[2] if self.by_priority else self.ready.popleft()
            self.running.add(key)
            taken.append((self.steps[key], self.attempts.get(key, 0)))
        return taken

    def seconds_until_retry(self) -> float | None:
        if not self.retry_at or self.ready or self.running:
            return None
        return max(0.0, self.retry_at[0][0] - time.monotonic())

    def stop(self) -> None:
        """Schedule nothing more (raise_on_error after a failure, or a cancel)."""
        self.stopped = True
        self.ready.clear()
        self.retry_at.clear()

    # -- observing events ------------------------------------------------------------------

    def observe(self, event: DagsterEvent) -> None:
        kind = event.event_type_value
        key = event.step_key
        if kind == _STEP_OUTPUT:
            handle = event.event_specific_data.step_output_handle
            self.produced.add((key, handle.output_name))  # type: ignore[arg-type]
            if handle.mapping_key is not None:
                self.mapping_keys.setdefault((key, handle.output_name), []).append(  # type: ignore[arg-type]
                    handle.mapping_key
                )
        elif kind == _STEP_SUCCESS:
            self._finish(key, self.succeeded)  # type: ignore[arg-type]
        elif kind == _STEP_FAILURE:
            self._finish(key, self.failed)  # type: ignore[arg-type]
        elif kind == _STEP_UP_FOR_RETRY:
            assert key is not None
            self.running.discard(key)
            if self.mapping_keys:  # the next attempt yields its items again
                for output in [o for o in self.mapping_keys if o[0] == key]:
                    del self.mapping_keys[output]
            self.attempts[key] = self.attempts.get(key, 0) + 1
            wait = event.event_specific_data.seconds_to_wait or 0.0
            heapq.heappush(self.retry_at, (time.monotonic() + wait, next(self._arrivals), key))

    def _finish(self, key: str, outcome: set[str]) -> None:
        if key not in self.running:
            return  # an event of a step this run does not schedule (already finished)
        self.running.remove(key)
        outcome.add(key)
        self._release_downstream(key)

    def _release_downstream(self, key: str) -> None:
        waiting = self.waiting
        for child in self.downstream[key]:
            left = waiting[child] - 1
            if left:
                waiting[child] = left
            else:
                del waiting[child]
                self._decide(self.steps[child])

    def _decide(self, step: ExecutionStep) -> None:
        key = step.key
        if self.dynamic:
            if key in self.links.placeholders:
                self._on_placeholder(step)
                return
            if key in self.links.collectors:
                step = self.steps[key] = resolve_collect(step, self._keys_of, self._produced)
        if (self.failed or self.abandoned) and any(
            up in self.failed or up in self.abandoned for up in self.upstream[key]
        ):
            self.abandoned.add(key)
            self._release_downstream(key)
        # An input can be missing only downstream of an optional output or of a skipped step.
        elif (
            self.skipped or self.dynamic or key in self.links.fed_by_optional_outputs
        ) and self._missing_inputs(step):
            self.skipped.add(key)
            self.pending_events.append(
                DagsterEvent.step(
                    ET.STEP_SKIPPED,
                    self.plan.pipeline_name,
                    key,
                    step.handle,
                    f'Skipped execution of step "{key}".',
                )
            )
            self._release_downstream(key)
        else:
            self._push(step)

    def _missing_inputs(self, step: ExecutionStep) -> bool:
        for step_input in step.inputs:
            if not step_input.sources:
                continue
            present = [
                (s.step_key, s.output_name) in self.produced or s.step_key not in self.steps
                for s in step_input.sources
            ]
            if (step_input.is_fan_in and not any(present)) or (
                not step_input.is_fan_in and not all(present)
            ):
                return True
        return False

    # -- dynamic steps ---------------------------------------------------------------------

    def _keys_of(self, step_key: str, output_name: str) -> Sequence[str]:
        """The mapping keys a dynamic output yielded, in order: in this run, or in the run
        that ran its step (a re-execution)."""
        found = self.mapping_keys.get((step_key, output_name))
        if found is not None:
            return found
        if step_key in self.steps or self.known_keys is None:
            return ()
        return self.known_keys(step_key, output_name)

    def _produced(self, handle: StepOutputHandle) -> bool:
        """Whether a collected output exists: produced in this run, or by an earlier run."""
        return (handle.step_key, handle.output_name) in self.produced or (
            handle.step_key not in self.steps
        )

    def _on_placeholder(self, step: ExecutionStep) -> None:
        """Resolve the placeholder ``op[?]`` once the step it maps over has finished: one step
        per item, each of which it then waits for; it finishes (abandoned if any of them
        failed or was abandoned) when they all have, releasing the steps that collect it."""
        key = step.key
        keys = self.expanded.get(key)
        if keys is not None:
            base = key[: -len(UNRESOLVED)]
            mapped = [f"{base}[{k}]" for k in keys]
            bad = any(k in self.failed or k in self.abandoned for k in mapped)
            (self.abandoned if bad else self.succeeded).add(key)
            self._release_downstream(key)
            return
        dynamic = step.dynamic_source
        assert dynamic is not None
        if dynamic.step_key in self.failed or dynamic.step_key in self.abandoned:
            self.abandoned.add(key)
            self._release_downstream(key)
            return
        keys = self.expanded[key] = list(self._keys_of(dynamic.step_key, dynamic.output_name))
        if not keys:
            self._on_placeholder(step)
            return
        self.waiting[key] = len(keys)
        for mapping_key in keys:
            self._add(resolve_mapped(step, mapping_key), key)

    def _add(self, step: ExecutionStep, placeholder: str) -> None:
        """Schedule a resolved step: it waits for its upstream steps that have not finished,
        and its placeholder waits for it."""
        key = step.key
        steps = self.steps
        steps[key] = step
        ups = tuple(up for up in step.upstream_keys if up in steps)
        self.upstream[key] = ups  # type: ignore[index]
        self.downstream[key] = [placeholder]  # type: ignore[index]
        pending = 0
        for up in ups:
            if not self._finished(up):
                self.downstream[up].append(key)  # type: ignore[attr-defined]
                pending += 1
        if pending:
            self.waiting[key] = pending
        else:
            self._decide(step)

    def _finished(self, key: str) -> bool:
        return (
            key in self.succeeded
            or key in self.failed
            or key in self.skipped
            or key in self.abandoned
        )

    def drain(self) -> list[DagsterEvent]:
        events, self.pending_events = self.pending_events, []
        return events


def execute_plan(
    rc: RunContext, submitter: StepSubmitter
) -> Generator[DagsterEvent, None, StepFailures]:
    """Run every step of ``rc.plan`` through ``submitter``; yield every event in order, and
    return the failures of the steps (what ``raise_on_error`` re-raises).  With
    ``raise_on_error``, nothing more is scheduled once a step has failed."""
    state = ActiveExecution(rc.plan, partial(mapping_keys_of_ancestor, rc))
    watched = (
        _OUTCOME_AND_OUTPUT_EVENTS
        if state.links.fed_by_optional_outputs or state.dynamic
        else _OUTCOME_EVENTS
    )
    failures: StepFailures = NO_FAILURES
    while not state.is_complete:
        for step, attempt in state.take_ready(submitter.free_slots()):
            submitter.submit(step, attempt)
        if not state.running:
            if not state.retry_at and not state.ready:
                raise DagsterInvariantViolationError(
                    f"Steps {sorted(state.waiting)} wait for steps that will never run; this is a bug in opbook."
                )
            wait = state.seconds_until_retry()
            if wait:
                time.sleep(wait)
            continue
        batch = submitter.events()
        for event in batch:
            if event.event_type_value in watched:
                state.observe(event)
            yield event
            if state.pending_events:
                yield from state.drain()
        if batch.failures:
            failures = {**failures, **batch.failures}
        if failures and rc.raise_on_error and not state.stopped:
            state.stop()
    yield from state.drain()
    # Every step has its outcome; wait for the ends of those whose last events came first.
    while submitter.busy():
        batch = submitter.events()
        yield from batch
        if batch.failures:
            failures = {**failures, **batch.failures}
    return failures
