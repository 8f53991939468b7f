"""One run from start to end: RUN_START, the executor's events, then RUN_SUCCESS,
RUN_FAILURE or RUN_CANCELED; the run's status and events recorded in the instance.

Events reach the instance in batches (at most ``FLUSH_EVERY`` events or ``FLUSH_SECONDS``
apart, and always at the end), so a SQLite instance costs a transaction per batch rather than
per event.  A KeyboardInterrupt (the notebook's stop button) cancels the run: the run is
recorded as CANCELED with its events, then the interrupt goes on.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

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
from opbook.executors.termination import RunTerminated, terminate_as_interrupt
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

ExecutorFn = Callable[[RunContext, ResourceScope], Iterator[DagsterEvent]]


@contextmanager
def _collection_eased() -> Iterator[None]:
    """Garbage collection while steps run: objects alive before (earlier runs' events, the
    user's data) are set aside, or every collection would walk them again and a run would
    get slower the more the session has kept; and the youngest generation is collected after
    ``RUN_GEN0_THRESHOLD`` new objects rather than 700, since most objects a run makes (its
    events) stay alive to its end.  Both are undone when the steps end, unless the user's
    code changed the threshold meanwhile.

    Objects are set aside only when nothing is frozen yet: ``gc.unfreeze()`` releases every
    frozen object, so a host that froze its own (a pre-fork server), or a run inside a run,
    keeps what it froze and the run does without."""
    before = gc.get_threshold()
    during = (max(before[0], RUN_GEN0_THRESHOLD), *before[1:])
    freezing = gc.get_freeze_count() == 0
    if freezing:
        gc.freeze()
    gc.set_threshold(*during)
    try:
        yield
    finally:
        if gc.get_threshold() == during:
            gc.set_threshold(*before)
        if freezing:
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
        logs = self.rc.log_entries
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
            self.rc.run = self.rc.instance.update_run_status(self.rc.run, status)

    def run(self) -> Iterator[DagsterEvent]:
        rc = self.rc
        name = rc.pipeline.name
        rc.run = rc.instance.update_run_status(rc.run, PipelineRunStatus.STARTED)
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
                    for event in self.executor(rc, ResourceScope(rc)):
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
        if rc.raise_on_error and rc.step_errors:
            self.error = next(iter(rc.step_errors.values()))
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
