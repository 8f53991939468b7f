"""What a Dask worker does for the dask executor: run one step of a run, and report its events.

A step is one Dask task, ``run_step_task``, with small arguments: the run's id, the step's key
and attempt, and where to report.  The run itself (the bytes of ``RunPayload.dumps()``) reaches
every worker once, in a worker plugin (``RunOnWorkers``) that the scheduler also hands to
workers that join later; a task that depended on a payload held by one worker would make Dask
run every step on that worker.  Each worker process loads a run once (``WorkerRun``), on its
first step, and keeps the last few runs it loaded; the plugin's teardown forgets the run.

**Reporting.**  A step's events are sent to the driving client as they happen, with
``Worker.log_event`` on the client's own topic: the events of the last ``FLUSH_SECONDS``
together in one message, numbered from 0 by their first event, then a last message carrying
the rest and what ``raise_on_error`` should re-raise.  Log events travel on the same
ordered stream as the task's completion, so the driving process sees all of a step's events
before it sees the task finish.  The task also returns every event it sent, so that a run can
still be completed if a message were lost.  Messages are plain dicts of bytes, strings and
numbers (what ``log_event`` accepts); events are pickled with ``dumps_events``, which also
handles payloads of classes defined in a notebook.

**Re-runs.**  Dask runs a task again when the worker running it dies, up to the scheduler's
``distributed.scheduler.allowed-failures``.  A step must not silently run twice, so on a
cluster that allows it each task claims its key first (a ``distributed.Event`` named after
it) and a second run of the same task refuses to start: it returns ``refused`` and the driving
process reports the lost worker.  A cluster opbook starts itself allows no re-runs, so it needs
no claims.
"""

from __future__ import annotations

import pickle
import threading
import uuid
from collections import OrderedDict
from typing import Any

import distributed

from opbook.errors import DagsterSubprocessError
from opbook.executors.worker import Report, StepOutcome, WorkerRun, failure_event
from opbook.plan.dynamic import StepResolution
from opbook.storage.sqlite import dumps_events

KEEP_RUNS = 4  # runs each worker keeps loaded
FLUSH_SECONDS = 0.05  # the longest a step's event waits to be sent with the ones after it

_payloads: dict[str, bytes] = {}
_runs: OrderedDict[str, WorkerRun] = OrderedDict()
_runs_lock = threading.Lock()


class RunOnWorkers(distributed.WorkerPlugin):
    """Gives one run's payload to every worker of the cluster, present and future."""

    def __init__(self, run_id: str, payload: bytes) -> None:
        self.run_id = run_id
        self.payload = payload

    def setup(self, worker: Any) -> None:
        with _runs_lock:
            _payloads[self.run_id] = self.payload

    def teardown(self, worker: Any) -> None:
        with _runs_lock:
            _payloads.pop(self.run_id, None)
            _runs.pop(self.run_id, None)


def _loaded_run(run_id: str) -> WorkerRun:
    """The run, loaded from its payload once per worker process (steps run in threads)."""
    with _runs_lock:
        run = _runs.get(run_id)
        if run is None:
            payload = _payloads.get(run_id)
            if payload is None:
                raise DagsterSubprocessError(
                    f"this Dask worker was not given run {run_id} (its plugin is missing)"
                )
            run = _runs[run_id] = WorkerRun.loads(payload)
            while len(_runs) > KEEP_RUNS:
                _runs.popitem(last=False)
        else:
            _runs.move_to_end(run_id)
        return run


class Reporter:
    """Sends one step's events to the driving client, numbered, and keeps them.

    Events are gathered for at most ``FLUSH_SECONDS`` before they are sent, in one message: a
    trivial step's events all travel with its last message, and a long step's first events
    reach the driving process while it runs (one message per event made every message pass
    through the scheduler, which cost more than running the step).
    """

    def __init__(self, topic: str, token: str) -> None:
        self.worker = distributed.get_worker()
        self.topic = topic
        self.header = {
            "opbook": token,
            "incarnation": uuid.uuid4().hex,
            "worker": self.worker.address,
        }
        self.sent: list[bytes] = []  # the batches sent so far, each events pickled together
        self.count = 0  # events sent so far: the number of the next one
        self.pending: list[Report] = []
        self.timer = False  # a flush is due on the worker's event loop
        self.finished = False
        self.lock = threading.Lock()

    def send(self, event: Report) -> None:
        with self.lock:
            self.pending.append(event)
            if self.timer:
                return
            self.timer = True
        self.worker.loop.add_callback(self._arm)

    def _arm(self) -> None:  # on the worker's event loop
        self.worker.loop.call_later(FLUSH_SECONDS, self._flush_due)

    def _flush_due(self) -> None:  # on the worker's event loop: log_event sends at once
        with self.lock:
            self.timer = False
            if not self.finished and self.pending:
                self.worker.log_event(self.topic, self._batch())

    def _batch(self) -> dict[str, Any]:
        """The pending events as one message (called with the lock held)."""
        pending, self.pending = self.pending, []
        data = dumps_events(pending) if pending else None
        message = {**self.header, "seq": self.count, "count": len(pending), "events": data}
        if data is not None:
            self.sent.append(data)
        self.count += len(pending)
        return message

    def finish(self, error: bytes | None, info: bytes | None) -> dict[str, Any]:
        """Send the last message, with the events not sent yet; return the task's result."""
        with self.lock:
            self.finished = True
            message = self._batch()
        message.update(done=True, error=error, info=info)
        self.worker.log_event(self.topic, message)
        return {**self.header, "events": self.sent, "error": error, "info": info, "refused": False}


def run_step_task(
    run_id: str,
    topic: str,
    token: str,
    pipeline_name: str,
    step_key: str,
    attempt: int,
    claim: bool,
    resolution: StepResolution | None = None,
) -> dict[str, Any]:
    """One attempt of one step on a Dask worker (see the module docstring)."""
    reporter = Reporter(topic, token)
    if claim and not _claim(token):
        return {**reporter.header, "events": [], "error": None, "info": None, "refused": True}
    try:
        error, info = _run(reporter, run_id, pipeline_name, step_key, attempt, resolution)
        return reporter.finish(error, pickle.dumps(info) if info is not None else None)
    finally:
        if claim:
            _release(token)


def _run(
    reporter: Reporter,
    run_id: str,
    pipeline_name: str,
    step_key: str,
    attempt: int,
    resolution: StepResolution | None,
) -> tuple[bytes | None, Any]:
    try:
        run = _loaded_run(run_id)
    except Exception as exc:
        why = f"the Dask worker could not load the job: {str(exc).strip() or repr(exc)}"
        reporter.send(failure_event(pipeline_name, step_key, exc, why))
        outcome = StepOutcome()
        outcome.record(exc)
        return outcome.dumps()
    events, outcome = run.execute_step(step_key, attempt, resolution)
    try:
        for event in events:
            reporter.send(event)
    except Exception as exc:  # opbook failed around the step: still the step's failure
        why = f"the Dask worker failed around it: {exc!r}"
        reporter.send(failure_event(pipeline_name, step_key, exc, why))
        outcome.record(exc)
    return outcome.dumps() if run.payload.raise_on_error else (None, None)


def _claim_event(token: str) -> Any:
    return distributed.Event(f"opbook-claim-{token}")


def _claim(token: str) -> bool:
    """Whether this is the first run of the task ``token`` (see "Re-runs" above)."""
    claim = _claim_event(token)
    if claim.is_set():
        claim.clear()  # this run ends here, and no other will follow it
        return False
    claim.set()
    return True


def _release(token: str) -> None:
    """Clear the claim without waiting for the scheduler (the task's result need not wait)."""
    claim = _claim_event(token)
    claim.client.loop.add_callback(claim.client.scheduler.event_clear, name=claim.name)
