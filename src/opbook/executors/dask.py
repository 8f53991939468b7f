"""The dask executor: steps run as tasks on a Dask cluster (``distributed``).

This module is imported only when a run uses the executor (``executors.executor_for``), so
``import opbook`` never imports dask.

Policy: a run either starts a ``distributed.LocalCluster`` (``cluster: {local: {...}}``, the
default) or connects a new client to a running scheduler (``cluster: {existing: {address,
security}}``); both are opened in a ``with``, so the client is always closed and a cluster the
run started is always shut down, also on an error or a KeyboardInterrupt.  Steps go through the
shared scheduling loop: a step is submitted as a Dask task as soon as its inputs are ready, at
most ``max_concurrent`` at once (0, the default: every ready step, and the cluster queues what
its threads cannot run yet).  The ``dagster/priority`` tag becomes the task's Dask priority.

What a worker does, and how its events come back, is in ``dask_task``: events are sent as they
happen (``Worker.log_event`` on this client's topic) and relayed here in order for each step, so
``execute_pipeline_iterator`` and the notebook's live graph see a long step start while it
runs; the task's result repeats them, in case a message was lost.

Outputs travel through storage: steps on different workers cannot share memory, so a run
configured with in-memory storage is switched to filesystem storage under the instance's
storage directory, with an ENGINE_EVENT saying so (as the multiprocess executor does).  On a
cluster beyond this machine that directory must be shared by the workers, or the run configured
with storage they can all reach.

Failure handling, so that a run always ends:

- A worker that dies while running a step (killed, out of memory, a segfault) fails that step
  with a STEP_FAILURE naming the worker, or puts it up for retry when the step's retry policy
  allows; steps downstream are abandoned.  A cluster opbook starts lets Dask re-run no task
  (``allowed_failures=0``); on another cluster a re-run refuses to start (``dask_task``).
- Waits are bounded: when nothing is heard for ``HEARTBEAT_SECONDS`` the driver asks the
  scheduler for its workers.  A scheduler that does not answer for ``SCHEDULER_LOST_SECONDS``,
  or a cluster without workers for ``NO_WORKERS_SECONDS``, fails the running steps and every
  step submitted after them.
- KeyboardInterrupt reports the started steps as interrupted and cancels the run.  Steps
  already running on an existing cluster finish there (Dask cannot stop a running task), but
  their results are dropped.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import distributed

from opbook.definitions.metadata import EventMetadataEntry
from opbook.errors import DagsterSubprocessError, DagsterUnmetExecutorRequirementsError
from opbook.events import (
    DagsterEvent,
    DagsterEventType,
    EngineEventData,
    ErrorSource,
    SerializableErrorInfo,
    StepRetryData,
)
from opbook.execution.resources import ResourceScope
from opbook.execution.run_context import RunContext
from opbook.execution.step import Relayed, StepEvents, StepFailures, format_duration
from opbook.executors.base import StepSubmitter
from opbook.executors.dask_cluster import Connection, is_on_this_machine, open_cluster
from opbook.executors.dask_task import RunOnWorkers, run_step_task
from opbook.executors.run import execute_steps
from opbook.executors.worker import (
    RunPayload,
    SharedParts,
    failure_event,
    keep_log_lines,
    loads_exception,
    share_storage,
    sources_outside_plan,
)
from opbook.plan.plan import ExecutionStep

ET = DagsterEventType
HEARTBEAT_SECONDS = 1.0
SCHEDULER_LOST_SECONDS = 20.0
NO_WORKERS_SECONDS = 60.0
RPC_TIMEOUT_SECONDS = 30.0
HEALTH_TIMEOUT_SECONDS = 5.0
_INSTALLED = " Every worker needs opbook, and the libraries the job uses, installed."
_FINAL = frozenset({ET.STEP_SUCCESS, ET.STEP_FAILURE, ET.STEP_UP_FOR_RETRY})


# -- the submitter -----------------------------------------------------------------------------


@dataclass(eq=False)
class Submission:
    """One attempt of a step sent to the cluster, and what has been heard of it."""

    step: ExecutionStep
    attempt: int
    future: Any = None
    incarnation: str | None = None  # the run of the task whose events count (the first heard)
    worker: str | None = None
    relayed: int = 0  # events relayed so far: the number of the next one expected
    gap: bool = False  # a message went missing: the rest comes from the task's result
    final: bool = False  # its STEP_SUCCESS / STEP_FAILURE / STEP_UP_FOR_RETRY was relayed
    failure: SerializableErrorInfo | None = None
    finished: bool = False


class DaskSubmitter:
    """Submits ready steps as Dask tasks and relays what the workers report.

    Messages reach ``inbox`` from two threads of the client (its event loop, for the events
    workers send; its callback thread, when a task ends) and are handled here, in order.
    """

    def __init__(self, rc: RunContext, connection: Connection, payload: bytes) -> None:
        self.rc = rc
        self.client = connection.client
        self.connection = connection
        self.topic = str(self.client.id)  # the scheduler drops this topic's log after we leave
        self.inbox: queue.SimpleQueue[tuple[str, str, Any]] = queue.SimpleQueue()
        self.subs: dict[str, Submission] = {}
        self.queued: list[str] = []  # tokens of steps submitted but not yet sent
        self.shared = SharedParts()
        self.limit = int(rc.resolved.executor_config.get("max_concurrent") or 0)
        self.broken: str | None = None
        # The failures of steps whose end came in since ``events()`` last returned.
        self._failures: dict[str, BaseException] = {}
        self._down_since: float | None = None
        self._no_workers_since: float | None = None
        self.plugin = f"opbook-run-{rc.run_id}"
        try:
            self.client.register_plugin(RunOnWorkers(rc.run_id, payload), name=self.plugin)
        except Exception as exc:
            hint = "" if isinstance(exc, OSError) else _INSTALLED
            raise DagsterUnmetExecutorRequirementsError(
                f"The dask executor could not give the run to the workers of the Dask cluster "
                f"at {connection.address}: {exc!r}.{hint}"
            ) from exc
        self.client.subscribe_topic(self.topic, self._on_message)

    def _on_message(self, event: tuple[float, Any]) -> None:
        message = event[1]
        if isinstance(message, dict) and "opbook" in message:  # the scheduler logs here too
            self.inbox.put(("event", message["opbook"], message))

    # -- StepSubmitter ---------------------------------------------------------------------

    def free_slots(self) -> int:
        if self.limit > 0:
            return self.limit - len(self.subs)
        return len(self.rc.plan.steps)

    def submit(self, step: ExecutionStep, attempt: int) -> None:
        """Queue the step: the steps made ready together go to the scheduler together."""
        token = f"{step.key}-{attempt}-{self.rc.run_id}"
        self.subs[token] = Submission(step, attempt)
        self.queued.append(token)

    def _send_queued(self) -> None:
        """Submit the queued steps, one ``client.map`` per priority: one message to the
        scheduler for a whole fan-out instead of one per step."""
        queued, self.queued = self.queued, []
        by_priority: dict[int, list[str]] = {}
        for token in queued:
            by_priority.setdefault(self.subs[token].step.priority, []).append(token)
        for priority, tokens in by_priority.items():
            if self.broken is None:
                try:
                    futures = self._submit_tasks(tokens, priority)
                except Exception as exc:
                    self.broken = f"the Dask client could not submit it ({exc!r})"
                else:
                    for token, future in zip(tokens, futures, strict=True):
                        self.subs[token].future = future
                        future.add_done_callback(partial(self._on_done, token))
                    continue
            for token in tokens:
                self.inbox.put(("broken", token, None))

    def _on_done(self, token: str, _: Any) -> None:
        self.inbox.put(("done", token, None))

    def _submit_tasks(self, tokens: list[str], priority: int) -> list[Any]:
        rc = self.rc
        subs = [self.subs[token] for token in tokens]
        n = len(tokens)
        futures: list[Any] = self.client.map(
            run_step_task,
            [rc.run_id] * n,
            [self.topic] * n,
            tokens,
            [rc.pipeline.name] * n,
            [sub.step.key for sub in subs],
            [sub.attempt for sub in subs],
            [self.connection.claims] * n,
            [sub.step.resolution for sub in subs],
            key=tokens,
            priority=priority,
            pure=False,
        )
        return futures

    def events(self) -> StepEvents:
        return Relayed(self._relayed())

    def _relayed(self) -> Generator[DagsterEvent, None, StepFailures]:
        yield from self._events()
        failures, self._failures = self._failures, {}
        return failures

    def _events(self) -> Iterator[DagsterEvent]:
        if self.queued:
            self._send_queued()
        while self.subs:
            try:
                kind, token, message = self.inbox.get(timeout=HEARTBEAT_SECONDS)
            except queue.Empty:
                yield from self._check_cluster()
            else:
                sub = self.subs.get(token)
                if sub is not None:
                    yield from self._handle(kind, sub, message)
            finished = [token for token, sub in self.subs.items() if sub.finished]
            for token in finished:
                del self.subs[token]  # and with it the future: Dask may forget the task
            if finished:
                return

    def busy(self) -> bool:
        return bool(self.subs)

    def started(self) -> list[str]:
        return [sub.step.key for sub in self.subs.values() if sub.incarnation is not None]

    # -- messages --------------------------------------------------------------------------

    def _handle(self, kind: str, sub: Submission, message: Any) -> Iterator[DagsterEvent]:
        if kind == "event":
            yield from self._relay(sub, message)
        elif kind == "done":
            yield from self._settle(sub)
        else:
            yield from self._lost(sub, self.broken or "the Dask cluster is unusable")

    def _relay(self, sub: Submission, message: dict[str, Any]) -> Iterator[DagsterEvent]:
        if sub.incarnation is None:
            sub.incarnation, sub.worker = message["incarnation"], message["worker"]
        elif message["incarnation"] != sub.incarnation:
            return  # Dask ran the task again; only its first run counts
        if message["seq"] != sub.relayed:
            sub.gap = True
        if not sub.gap and message["events"] is not None:
            sub.relayed += message["count"]
            yield from self._unpack(sub, pickle.loads(message["events"]))
        if message.get("done") and not sub.gap:
            self._outcome(sub, message["error"], message["info"])

    def _unpack(self, sub: Submission, reports: list[Any]) -> Iterator[DagsterEvent]:
        for event in keep_log_lines(self.rc, reports, self.shared):
            kind = event.event_type_value
            if kind in _FINAL:
                sub.final = True
                if kind == ET.STEP_FAILURE:
                    sub.failure = event.event_specific_data.error
            yield event

    def _outcome(self, sub: Submission, error: bytes | None, info: bytes | None) -> None:
        sub.finished = True
        if error is not None or info is not None:
            described = pickle.loads(info) if info is not None else None
            self._failures[sub.step.key] = loads_exception(error, described, sub.step.key)

    def _settle(self, sub: Submission) -> Iterator[DagsterEvent]:
        """The task has ended (its events, if all arrived, were relayed before)."""
        future = sub.future
        if future.status == "finished":
            try:
                result = future.result(timeout=RPC_TIMEOUT_SECONDS)
            except Exception as exc:
                yield from self._lost(sub, f"its result could not be fetched ({exc!r})")
                return
            yield from self._from_result(sub, result)
        elif future.status == "error":
            try:
                error = future.exception(timeout=RPC_TIMEOUT_SECONDS)
            except Exception as exc:
                error = exc
            if isinstance(error, distributed.KilledWorker):
                worker = sub.worker or error.last_worker.address
                yield from self._lost(sub, f"its Dask worker {worker} died while running it", True)
            else:
                yield from self._lost(sub, _why_task_failed(error))
        else:
            yield from self._lost(sub, f"the Dask cluster dropped its task ({future.status})")

    def _from_result(self, sub: Submission, result: dict[str, Any]) -> Iterator[DagsterEvent]:
        rerun = sub.incarnation is not None and result["incarnation"] != sub.incarnation
        if result["refused"] or rerun:  # the worker running the first run was lost
            if sub.final:
                self._keep_failure(sub)  # it had finished: only its result was lost
                return
            where = f" {sub.worker}" if sub.worker else ""
            yield from self._lost(sub, f"its Dask worker{where} was lost while running it", True)
            return
        sub.incarnation = result["incarnation"]
        skip = sub.relayed  # the events relayed before the gap
        for data in result["events"]:
            reports = pickle.loads(data)
            yield from self._unpack(sub, reports[skip:])
            skip = max(0, skip - len(reports))
        self._outcome(sub, result["error"], result["info"])

    def _keep_failure(self, sub: Submission) -> None:
        sub.finished = True
        if sub.failure is not None and self.rc.raise_on_error:
            self._failures[sub.step.key] = loads_exception(None, sub.failure, sub.step.key)

    def _lost(self, sub: Submission, why: str, retryable: bool = False) -> Iterator[DagsterEvent]:
        """The step did not finish: a STEP_FAILURE made here, or a retry when its policy allows."""
        sub.finished = True
        key = sub.step.key
        error = DagsterSubprocessError(f'Step "{key}" did not finish: {why}.')
        policy = sub.step.retry_policy
        if retryable and policy and self.rc.retries_enabled and sub.attempt < policy.max_retries:
            wait = f" in {policy.delay} seconds" if policy.delay else ""
            yield DagsterEvent.step(
                ET.STEP_UP_FOR_RETRY,
                self.rc.pipeline.name,
                key,
                sub.step.handle,
                f'Execution of step "{key}" did not finish ({why}); it will be retried{wait}.',
                StepRetryData(SerializableErrorInfo.from_exception(error), policy.delay),
            )
            return
        self._failures[key] = error
        event = failure_event(self.rc.pipeline.name, key, error, why)
        data = event.event_specific_data
        event.event_specific_data = data._replace(error_source=ErrorSource.UNEXPECTED_ERROR)
        yield event

    # -- the cluster's health ---------------------------------------------------------------

    def _check_cluster(self) -> Iterator[DagsterEvent]:
        """Nothing heard for a while: fail every step when the cluster cannot run them."""
        now = time.monotonic()
        workers = self._workers()
        if workers is None:
            self._down_since = self._down_since or now
            if now - self._down_since > SCHEDULER_LOST_SECONDS:
                self.broken = (
                    f"the Dask scheduler at {self.connection.address} has not answered for "
                    f"more than {SCHEDULER_LOST_SECONDS:g} s"
                )
        elif not workers:
            self._down_since = None
            self._no_workers_since = self._no_workers_since or now
            if now - self._no_workers_since > NO_WORKERS_SECONDS:
                self.broken = (
                    f"the Dask cluster at {self.connection.address} has had no workers "
                    f"for more than {NO_WORKERS_SECONDS:g} s"
                )
        else:
            self._down_since = self._no_workers_since = None
        if self.broken is not None:
            for sub in list(self.subs.values()):
                yield from self._lost(sub, self.broken)

    def _workers(self) -> dict[str, int] | None:
        """The cluster's workers and their threads; None when the scheduler does not answer."""
        if self.client.status != "running":
            return None
        try:
            workers: dict[str, int] = self.client.nthreads(callback_timeout=HEALTH_TIMEOUT_SECONDS)
            return workers
        except Exception:
            return None

    def close(self) -> None:
        """Tell the workers to forget the run.  Tasks still queued are dropped by the scheduler
        when the run's client closes, right after this; nothing is asked of a scheduler that has
        stopped answering, so that leaving never waits on it."""
        if self.broken is not None or self.client.status != "running":
            return
        with contextlib.suppress(Exception):
            self.client.unsubscribe_topic(self.topic)
        if not self.connection.started:  # (a cluster started for the run is closed anyway)
            with contextlib.suppress(Exception):
                self.client.unregister_worker_plugin(self.plugin)


def _why_task_failed(error: BaseException | None) -> str:
    if isinstance(error, ImportError):
        return (
            f"a Dask worker could not load opbook's task ({error!r}); every worker needs "
            "opbook, and the libraries the job uses, installed"
        )
    return f"the Dask cluster could not run its task ({error!r})"


# -- the executor ------------------------------------------------------------------------------


def _payload(rc: RunContext) -> bytes:
    try:
        return RunPayload.from_run_context(rc, sources_outside_plan(rc)).dumps()
    except Exception as exc:
        raise DagsterSubprocessError(
            f'The dask executor could not send "{rc.pipeline.name}" to its workers: {exc!r}. '
            "Define the job and what it uses at module level in an importable module, or use "
            "the in_process executor."
        ) from exc


def _connected_event(rc: RunContext, connection: Connection) -> DagsterEvent:
    try:
        nthreads = connection.client.nthreads(callback_timeout=RPC_TIMEOUT_SECONDS)
    except Exception:
        nthreads = {}
    address = connection.address
    sizes = f"{len(nthreads)} workers, {sum(nthreads.values())} threads"
    if connection.started:
        text = f"Started a Dask LocalCluster for this run ({sizes}), scheduler at {address}."
    else:
        text = f"Connected to the Dask scheduler at {address} ({sizes})."
        if address.startswith("tcp://") and not is_on_this_machine(address):
            text += " The connection is not encrypted: use TLS for a cluster beyond this machine."
    entries = [
        EventMetadataEntry.text(address, "scheduler"),
        EventMetadataEntry.text(str(len(nthreads)), "workers"),
    ]
    return DagsterEvent.engine_event(rc.pipeline.name, text, EngineEventData(entries))


class DaskExecutor:
    """Steps run as tasks of a Dask cluster (started for the run, or an existing one), whose
    workers build the resources a step uses."""

    def __init__(self) -> None:
        self.cluster: contextlib.AbstractContextManager[Connection] | None = None
        self.submitter: DaskSubmitter | None = None

    def start_event(self, rc: RunContext) -> DagsterEvent:
        pid = os.getpid()
        return DagsterEvent.engine_event(
            rc.pipeline.name,
            f"Executing steps using dask executor: parent process (pid: {pid})",
            EngineEventData([EventMetadataEntry.text(str(pid), "pid")]),
        )

    def open(
        self, rc: RunContext, resources: ResourceScope
    ) -> Generator[DagsterEvent, None, StepSubmitter]:
        cluster_config = rc.resolved.executor_config.get("cluster") or {"local": {}}
        remote = (
            " Workers on other machines must see that directory at the same path; or configure "
            "intermediate_storage: {filesystem: {config: {base_dir: ...}}} on a shared filesystem."
            if "existing" in cluster_config
            else ""
        )
        yield from share_storage(rc, "dask", "its workers", remote)
        payload = _payload(rc)
        cluster = open_cluster(cluster_config)
        connection = cluster.__enter__()
        self.cluster = cluster
        yield _connected_event(rc, connection)
        self.submitter = DaskSubmitter(rc, connection, payload)
        return self.submitter

    def running(self) -> list[str]:
        return self.submitter.started() if self.submitter is not None else []

    def close(self, error: BaseException | None) -> Iterator[DagsterEvent]:
        try:
            if self.submitter is not None:
                self.submitter.close()
        finally:
            if self.cluster is not None:
                # Whatever ended the steps, closing is the same (``open_cluster``'s finally).
                self.cluster.__exit__(None, None, None)
        return iter(())

    def end_event(self, rc: RunContext, ms: float) -> DagsterEvent:
        pid = os.getpid()
        return DagsterEvent.engine_event(
            rc.pipeline.name,
            f"Dask executor: parent process exiting after {format_duration(ms)} (pid: {pid})",
            EngineEventData([EventMetadataEntry.text(str(pid), "pid")]),
        )


def execute_dask(rc: RunContext, resources: ResourceScope) -> StepEvents:
    """The executor's whole event stream: start, storage, the cluster, steps, finish.

    Resources are initialised on the workers, per step, for the steps that use them;
    ``resources`` (the driving process's scope) stays unused.
    """
    return execute_steps(DaskExecutor(), rc, resources)
