"""One run from start to end: RUN_START, the executor's events, then RUN_SUCCESS,
RUN_FAILURE or RUN_CANCELED; the run's status and events recorded in the instance.

Two frames, each written once.  ``RunDriver`` frames the run: its status, the RUN_* events,
SIGTERM / SIGHUP taken as Ctrl-C (``termination``), a KeyboardInterrupt recorded as CANCELED,
storing the events.  ``execute_steps`` frames a built-in executor's part: its opening and
closing ENGINE_EVENTs with the time the steps took, opening what runs the steps (resources,
worker processes, a Dask cluster) and closing it whatever happens, and a STEP_FAILURE for each
step running elsewhere when the run is interrupted.  An executor (``Executor``) supplies only
those events and the ``StepSubmitter`` through which the shared loop (``base.execute_plan``)
submits ready steps.  The failures of steps come back as the return value of the events'
stream (``StepEvents``), and the driver keeps the first for ``raise_on_error``.

Events reach the instance in batches (at most ``FLUSH_EVERY`` events or ``FLUSH_SECONDS``
apart, and always at the end), so a SQLite instance costs a transaction per batch rather than
per event.  A KeyboardInterrupt (the notebook's stop button) cancels the run: the run is
recorded as CANCELED with its events, then the interrupt goes on.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Generator, Iterator
from typing import Protocol

from opbook.events import (
    MEMOIZED_STEP_MARKER,
    DagsterEvent,
    DagsterEventType,
    EngineEventData,
    PipelineFailureData,
    SerializableErrorInfo,
)
from opbook.execution.python_logs import managed_python_logs
from opbook.execution.resources import ResourceInitFailed, ResourceScope
from opbook.execution.run_context import RunContext
from opbook.execution.step import NO_FAILURES, StepEvents, StepFailures
from opbook.executors.base import StepSubmitter, execute_plan
from opbook.executors.termination import RunTerminated, terminate_as_interrupt
from opbook.executors.worker import failure_event
from opbook.storage.runs import PipelineRunStatus

ET = DagsterEventType
# Read once: every event of a run is compared with these (``ET.X`` is a slower lookup).
_STEP_FAILURE = ET.STEP_FAILURE
_LOGGED_AS_ERRORS = frozenset({ET.STEP_FAILURE, ET.RUN_FAILURE})
FLUSH_EVERY = 1000
FLUSH_SECONDS = 0.25
CHECK_EVERY = 32
RUN_GEN0_THRESHOLD = 10_000
# The writer name under which a run stores its own event stream (see ``store_events``).
RUN_WRITER = "run"

# What runs a plan's steps: the executor's events, returning the failures of steps.
ExecutorFn = Callable[[RunContext, ResourceScope], StepEvents]


class Executor(Protocol):
    """What a built-in executor adds to ``execute_steps``."""

    def start_event(self, rc: RunContext) -> DagsterEvent:
        """The ENGINE_EVENT that opens the executor's events."""
        ...

    def open(
        self, rc: RunContext, resources: ResourceScope
    ) -> Generator[DagsterEvent, None, StepSubmitter]:
        """Make ready what runs the steps (yielding what it reports); return its submitter."""
        ...

    def running(self) -> list[str]:
        """The steps running outside this process (failed when the run is interrupted)."""
        ...

    def close(self, error: BaseException | None) -> Iterator[DagsterEvent]:
        """Release what ``open`` made, also when it failed half-way; ``error`` ended the
        steps early.  Its events are reported when the steps ended normally."""
        ...

    def end_event(self, rc: RunContext, ms: float) -> DagsterEvent:
        """The ENGINE_EVENT that closes the executor's events (``ms``: the time they took)."""
        ...


class execute_steps:
    """A built-in executor's whole event stream: its start, what it opens, the steps, what it
    closes, its end; then the failures of the steps (``failures``)."""

    __slots__ = ("executor", "failures", "rc", "resources")

    def __init__(self, executor: Executor, rc: RunContext, resources: ResourceScope) -> None:
        self.executor = executor
        self.rc = rc
        self.resources = resources
        self.failures: StepFailures = NO_FAILURES

    def __iter__(self) -> Iterator[DagsterEvent]:
        # The frame is written here, not in a generator this one delegates to: a generator
        # between the steps and the driver would cost a resumption for every event.
        executor, rc, resources = self.executor, self.rc, self.resources
        start = time.perf_counter()
        yield executor.start_event(rc)
        error: BaseException | None = None
        try:
            submitter = yield from executor.open(rc, resources)
            failures = yield from execute_plan(rc, submitter)
        except KeyboardInterrupt as interrupt:
            error = interrupt
            info = SerializableErrorInfo.from_exception(interrupt)
            for step_key in executor.running():
                yield failure_event(rc.pipeline.name, step_key, info, "the run was interrupted")
            raise
        except BaseException as failed:
            error = failed
            raise
        finally:
            closing = list(executor.close(error))
        yield from closing
        yield executor.end_event(rc, (time.perf_counter() - start) * 1000)
        self.failures = failures


class _collection_eased:
    """Garbage collection while steps run: objects alive before (earlier runs' events, the
    user's data) are set aside, or every collection would walk them again and a run would
    get slower the more the session has kept; and the youngest generation is collected after
    ``RUN_GEN0_THRESHOLD`` new objects rather than 700, since most objects a run makes (its
    events) stay alive to its end.  Both are undone when the steps end, unless the user's
    code changed the threshold meanwhile.

    Objects are set aside only when nothing is frozen yet: ``gc.unfreeze()`` releases every
    frozen object, so a host that froze its own (a pre-fork server), or a run inside a run,
    keeps what it froze and the run does without.  (A class rather than a generator: it
    frames every run.)"""

    __slots__ = ("before", "during", "freezing")

    def __enter__(self) -> None:
        before = self.before = gc.get_threshold()
        during = self.during = (max(before[0], RUN_GEN0_THRESHOLD), *before[1:])
        freezing = self.freezing = gc.get_freeze_count() == 0
        if freezing:
            gc.freeze()
        gc.set_threshold(*during)

    def __exit__(self, *exc_info: object) -> None:
        if gc.get_threshold() == self.during:
            gc.set_threshold(*self.before)
        if self.freezing:
            gc.unfreeze()


def _memoized_step_events(rc: RunContext) -> list[DagsterEvent]:
    """One ENGINE_EVENT per step a memoized run does not run (none for other runs)."""
    if not rc.memoized_steps:
        return []
    data = EngineEventData(marker_start=MEMOIZED_STEP_MARKER)
    return [
        DagsterEvent.engine_event(
            rc.pipeline.name,
            f'Step "{key}" is not run: its outputs are stored under their current versions '
            "(memoized run).",
            data,
            step_key=key,
        )
        for key in rc.memoized_steps
    ]


class RunDriver:
    """Drives one run and remembers how it ended (``error``: what raise_on_error raises)."""

    def __init__(
        self, rc: RunContext, executor: ExecutorFn, events: list[DagsterEvent] | None = None
    ) -> None:
        self.rc = rc
        self.executor = executor
        self.events: list[DagsterEvent] = events if events is not None else []
        self.error: BaseException | None = None
        self._flushed = 0
        self._logs_flushed = 0  # how many of the lines steps logged are stored
        self._last_flush = time.monotonic()
        # Checked once: the engine's events go to the log only when a logger wants DEBUG.
        self._log_events = rc.log.is_enabled_for(10)
        # The clock is read every CHECK_EVERY events, not for each one.
        self._next_check = CHECK_EVERY

    def _what(self) -> str:
        name = self.rc.pipeline.name
        return f'run for "{name}"' if self.rc.pipeline.is_job else f'pipeline "{name}"'

    def _record(self, event: DagsterEvent) -> DagsterEvent:
        self.events.append(event)
        self._after_append(event)
        return event

    def _after_append(self, event: DagsterEvent) -> None:
        """Log the event if a logger wants it; now and then, flush the events."""
        if self._log_events:
            level = 40 if event.event_type_value in _LOGGED_AS_ERRORS else 10
            self.rc.log.log(
                level,
                f"{event.event_type_value} - {event.message}",
                extra={"opbook_step_key": event.step_key},
            )
        events = self.events
        if len(events) >= self._next_check:
            self._next_check = len(events) + CHECK_EVERY
            if (
                len(events) - self._flushed >= FLUSH_EVERY
                or time.monotonic() - self._last_flush > FLUSH_SECONDS
            ):
                self.flush()

    def flush(self) -> None:
        logs = self.rc.state.log_entries
        if len(logs) > self._logs_flushed:
            self.rc.instance.store_log_entries(self.rc.run_id, logs[self._logs_flushed :])
            self._logs_flushed = len(logs)
        pending = self.events[self._flushed :]
        if pending:
            # Stored as the run's own stream from this position: if an interrupt comes after
            # the write but before _flushed moves, the next flush does not store them twice.
            self.rc.instance.store_events(self.rc.run_id, pending, RUN_WRITER, self._flushed)
            self._flushed = len(self.events)
        self._last_flush = time.monotonic()

    def _finish(self, status: PipelineRunStatus) -> None:
        try:
            self.flush()
        finally:
            # Even when the events cannot be stored (a full disk), the run must not stay
            # STARTED: its status is a smaller write, which may still go through.
            state = self.rc.state
            state.run = self.rc.instance.update_run_status(state.run, status)

    def run(self) -> Iterator[DagsterEvent]:
        rc = self.rc
        name = rc.pipeline.name
        rc.state.run = rc.instance.update_run_status(rc.state.run, PipelineRunStatus.STARTED)
        # SIGTERM and SIGHUP take the Ctrl-C path below (see executors.termination).
        with terminate_as_interrupt():
            try:
                # Inside the try: an interrupt while the first event is stored cancels the run too.
                yield self._record(
                    DagsterEvent.run_event(
                        ET.RUN_START, name, f"Started execution of {self._what()}."
                    )
                )
                for event in _memoized_step_events(rc):
                    yield self._record(event)
                with (
                    _collection_eased(),
                    managed_python_logs(rc.instance.get_settings("python_logs")),
                ):
                    events = self.events
                    stream = self.executor(rc, ResourceScope(rc))
                    for event in stream:
                        # What _record() does, written out: this loop sees every event of the run.
                        events.append(event)
                        if self._log_events or len(events) >= self._next_check:
                            self._after_append(event)
                        yield event
            except ResourceInitFailed as failed:
                self.error = failed.error
                yield self._record(
                    self._failure(SerializableErrorInfo.from_exception(failed.error))
                )
                self._finish(PipelineRunStatus.FAILURE)
                return
            except (KeyboardInterrupt, GeneratorExit) as stopped:
                if isinstance(stopped, RunTerminated):
                    self._record(
                        DagsterEvent.engine_event(
                            name, f"The process {stopped.args[0]}: the run stops as on Ctrl-C."
                        )
                    )
                self._record(
                    DagsterEvent.run_event(
                        ET.RUN_CANCELED, name, f"Execution of {self._what()} canceled."
                    )
                )
                self._finish(PipelineRunStatus.CANCELED)
                raise
            except BaseException as exc:
                # Appended, not recorded: recording may flush, and the failure may be the
                # storage's own; _finish flushes, then records the status whatever happens.
                self.events.append(self._failure(SerializableErrorInfo.from_exception(exc)))
                self._finish(PipelineRunStatus.FAILURE)
                raise
        failed_steps = [e.step_key for e in self.events if e.event_type_value == _STEP_FAILURE]
        failures = stream.failures
        if rc.raise_on_error and failures:
            self.error = next(iter(failures.values()))
            yield self._record(self._failure(None))
            self._finish(PipelineRunStatus.FAILURE)
        elif failed_steps:
            yield self._record(
                DagsterEvent.run_event(
                    ET.RUN_FAILURE,
                    name,
                    f"Execution of {self._what()} failed. Steps failed: {failed_steps}.",
                    PipelineFailureData(None),
                )
            )
            self._finish(PipelineRunStatus.FAILURE)
        else:
            yield self._record(
                DagsterEvent.run_event(
                    ET.RUN_SUCCESS, name, f"Finished execution of {self._what()}."
                )
            )
            self._finish(PipelineRunStatus.SUCCESS)

    def _failure(self, error: SerializableErrorInfo | None) -> DagsterEvent:
        return DagsterEvent.run_event(
            ET.RUN_FAILURE,
            self.rc.pipeline.name,
            f"Execution of {self._what()} failed. An exception was thrown during execution.",
            PipelineFailureData(error),
        )
