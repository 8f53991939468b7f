"""The multiprocess executor: steps run in parallel in a pool of worker processes.

Policy: a pool is opened (in a ``with``) for each run and its workers are reused for the run's
steps, at most ``max_concurrent`` at once (0: one per CPU).  Each worker is a
``multiprocessing`` process (``start_method`` spawn by default; forkserver or fork on request)
connected by a pipe the driving process created: it receives the run once (``RunPayload``),
then one step at a time, and sends back that step's events as they happen, in order, then a
"done" message carrying what ``raise_on_error`` should re-raise.

Failure handling:

- A worker that dies while running a step (``os._exit``, a segfault, killed, out of memory)
  fails that step with a STEP_FAILURE naming its exit code; the loop abandons the steps
  downstream, and the run ends with RUN_FAILURE.  A step with a retry policy that allows
  another attempt is put up for retry instead (STEP_UP_FOR_RETRY) and runs again in a new
  worker, as the dask executor does for a lost worker.  Other workers are unaffected.
- KeyboardInterrupt (the notebook's stop button), SIGTERM and SIGHUP report the running steps
  as interrupted and cancel the run; workers ignore SIGINT and SIGHUP themselves and are
  stopped by the pool.  A worker whose driving process dies (SIGKILL, out of memory) ends too.  Closing
  the pool (``execute_steps`` does, whatever happens) stops and reaps every worker, so none
  outlives the run.
- With ``raise_on_error`` the user's exception is re-raised in the driving process when it can
  be unpickled there (with the worker's traceback as its ``__cause__``), else
  ``DagsterSubprocessError``.

Deviation from Dagster, on purpose: Dagster refuses to run the multiprocess executor with
in-memory storage (``DagsterUnmetExecutorRequirementsError``).  opbook switches such a run to
filesystem storage under the instance's storage directory, and says so in an ENGINE_EVENT, so
that a notebook's default configuration just works.  Likewise jobs that are not reconstructable
(defined in a notebook or in ``__main__``) are sent to the workers with cloudpickle, and an
in-memory instance is fine: workers send their events to the driving process, which records
them.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import threading
from collections.abc import Generator, Iterator
from typing import Any

from opbook.definitions.metadata import EventMetadataEntry
from opbook.errors import ChildProcessCrashException, DagsterSubprocessError
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
from opbook.executors.run import execute_steps
from opbook.executors.worker import (
    Report,
    RunPayload,
    SharedParts,
    WorkerRun,
    failure_event,
    keep_log_lines,
    loads_exception,
    share_storage,
    sources_outside_plan,
)
from opbook.plan.plan import ExecutionStep
from opbook.storage.sqlite import dumps_events

ET = DagsterEventType
STOP_TIMEOUT_SECONDS = 5.0
# How a worker exits when the process that drives the run has gone.
DRIVER_GONE_EXIT_CODE = 70


# -- the worker process ----------------------------------------------------------------------


def _send_event(conn: Any, event: Report) -> None:
    try:
        data = pickle.dumps(("event", event), pickle.HIGHEST_PROTOCOL)
    except Exception:  # a payload of a class defined in a notebook cell, or unpicklable
        data = pickle.dumps(("events", dumps_events([event])), pickle.HIGHEST_PROTOCOL)
    conn.send_bytes(data)


def _exit_when_the_driver_dies() -> None:
    """A worker busy with a step never reads its pipe: a thread waits for the driving process
    to end (killed, out of memory) and ends the worker with it, step and all."""
    driver = multiprocessing.parent_process()
    if driver is None:
        return

    def watch() -> None:
        driver.join()
        os._exit(DRIVER_GONE_EXIT_CODE)

    threading.Thread(target=watch, name="opbook-driver-watch", daemon=True).start()


def worker_main(conn: Any, payload: bytes) -> None:
    """A worker's life: load the run, then run the steps it is sent until told to stop."""
    # Ctrl-C and a closed terminal reach the whole process group; only the driving process
    # decides what they mean (it stops the workers).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    _exit_when_the_driver_dies()
    run: WorkerRun | None = None
    load_error: SerializableErrorInfo | None = None
    try:
        run = WorkerRun.loads(payload)
    except Exception as exc:
        load_error = SerializableErrorInfo.from_exception(exc)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the driving process has gone
        if message[0] != "step":
            return
        _, pipeline_name, step_key, attempt, resolution = message
        if run is None:
            assert load_error is not None
            why = f"the worker process could not load the job: {load_error.message.strip()}"
            _send_event(conn, failure_event(pipeline_name, step_key, load_error, why))
            conn.send(("done", step_key, None, load_error))
            continue
        events, outcome = run.execute_step(step_key, attempt, resolution)
        try:
            for event in events:
                _send_event(conn, event)
        except Exception as exc:  # opbook failed around the step: still the step's failure
            why = f"the worker process failed around it: {exc!r}"
            _send_event(conn, failure_event(pipeline_name, step_key, exc, why))
            outcome.record(exc)
        error, info = outcome.dumps() if run.payload.raise_on_error else (None, None)
        conn.send(("done", step_key, error, info))


# -- the pool ------------------------------------------------------------------------------------


class Worker:
    """One worker process and the driving process's end of its pipe."""

    def __init__(self, context: Any, payload: bytes) -> None:
        self.conn, child = multiprocessing.Pipe(duplex=True)
        self.process = context.Process(
            target=worker_main, args=(child, payload), name="opbook-worker", daemon=False
        )
        self.process.start()
        child.close()  # so that the driving process sees EOF when the worker dies
        self.step: tuple[str, Any] | None = None  # (step key, handle) while running a step

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def ask_to_stop(self) -> None:
        try:
            self.conn.send(("stop",))
        except (OSError, ValueError):
            pass  # it has gone already

    def stop(self, abort: bool) -> None:
        """Wait for the worker to leave (if asked to) or end it, and reap it."""
        if not abort:
            self.process.join(STOP_TIMEOUT_SECONDS)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(STOP_TIMEOUT_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()
        self.process.close()


class WorkerPool:
    """Worker processes for one run, started on demand up to ``size``; a context manager that
    stops every worker on the way out (abruptly when leaving on an exception)."""

    def __init__(self, size: int, start_method: str, payload: bytes) -> None:
        self.size = size
        self.context = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            self.context.set_forkserver_preload(["opbook.executors.multiprocess"])
        self.payload = payload
        self.workers: list[Worker] = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        self.close(abort=exc_type is not None)

    def close(self, abort: bool = False) -> None:
        """Stop and reap every worker: asked to leave, or at once when ``abort``."""
        workers, self.workers = self.workers, []
        if not abort:
            for worker in workers:  # all at once: they leave in parallel
                worker.ask_to_stop()
        for worker in workers:
            worker.stop(abort)

    def start(self, count: int) -> None:
        while len(self.workers) < min(count, self.size):
            self.workers.append(Worker(self.context, self.payload))

    def idle_worker(self) -> Worker | None:
        idle = next((w for w in self.workers if w.step is None), None)
        if idle is None and len(self.workers) < self.size:
            idle = Worker(self.context, self.payload)
            self.workers.append(idle)
        return idle

    @property
    def busy(self) -> list[Worker]:
        return [w for w in self.workers if w.step is not None]

    def remove(self, worker: Worker) -> None:
        self.workers.remove(worker)
        worker.stop(abort=True)


# -- the submitter -------------------------------------------------------------------------------


class MultiprocessSubmitter:
    """Submits ready steps to idle workers and relays what the workers report."""

    def __init__(self, rc: RunContext, pool: WorkerPool) -> None:
        self.rc = rc
        self.pool = pool
        self.shared = SharedParts()
        # The failures of steps whose end came in since ``events()`` last returned.
        self._failures: dict[str, BaseException] = {}
        self.attempts: dict[str, tuple[ExecutionStep, int]] = {}  # step key -> its attempt

    def free_slots(self) -> int:
        return self.pool.size - len(self.pool.busy)

    def submit(self, step: ExecutionStep, attempt: int) -> None:
        worker = self.pool.idle_worker()
        assert worker is not None, "the loop submits no more steps than there are free slots"
        worker.step = (step.key, step.handle)
        self.attempts[step.key] = (step, attempt)
        try:
            worker.conn.send(("step", self.rc.pipeline.name, step.key, attempt, step.resolution))
        except OSError:
            pass  # the worker has died: events() reports the step failed, with its exit code

    def running(self) -> list[str]:
        return [w.step[0] for w in self.pool.busy if w.step is not None]

    def busy(self) -> bool:
        return bool(self.pool.busy)

    def events(self) -> StepEvents:
        return Relayed(self._events())

    def _events(self) -> Generator[DagsterEvent, None, StepFailures]:
        finished = False
        while not finished and self.pool.busy:
            busy = self.pool.busy
            waitables = [w.conn for w in busy] + [w.process.sentinel for w in busy]
            ready = set(multiprocessing.connection.wait(waitables))
            for worker in busy:
                if worker.conn in ready or worker.process.sentinel in ready:
                    yield from self._relay(worker)
                    finished = finished or worker.step is None
        failures, self._failures = self._failures, {}
        return failures

    def _relay(self, worker: Worker) -> Iterator[DagsterEvent]:
        """What the worker has sent so far; and a STEP_FAILURE if it has died mid-step."""
        try:
            while worker.conn.poll():
                yield from self._handle(worker, pickle.loads(worker.conn.recv_bytes()))
                if worker.step is None:
                    return
        except (EOFError, OSError):
            pass
        if worker.process.is_alive() or worker.step is None:
            return
        worker.process.join(STOP_TIMEOUT_SECONDS)
        yield self._crash_event(worker)
        self.pool.remove(worker)  # a retried step goes to a new worker

    def _handle(self, worker: Worker, message: tuple[Any, ...]) -> Iterator[DagsterEvent]:
        kind = message[0]
        if kind == "event":
            yield from keep_log_lines(self.rc, message[1:], self.shared)
        elif kind == "events":
            yield from keep_log_lines(self.rc, pickle.loads(message[1]), self.shared)
        elif kind == "done":
            _, step_key, error, info = message
            worker.step = None
            if error is not None or info is not None:
                self._failures[step_key] = loads_exception(error, info, step_key)

    def _crash_event(self, worker: Worker) -> DagsterEvent:
        assert worker.step is not None
        step_key, _ = worker.step
        worker.step = None
        code = worker.process.exitcode
        how = f"exited unexpectedly with exit code {code}"
        if code is not None and code < 0:
            try:
                how = f"was killed by signal {signal.Signals(-code).name} (exit code {code})"
            except ValueError:
                pass
        why = f"its worker process (pid {worker.pid}) {how}"
        message = f'Step "{step_key}" did not finish: {why}. Its outputs were not stored.'
        crash = ChildProcessCrashException(message, worker.pid, code)
        step, attempt = self.attempts[step_key]
        policy = step.retry_policy
        if policy and self.rc.retries_enabled and attempt < policy.max_retries:
            # As the dask executor does for a lost worker: the step's retry policy covers it.
            wait = f" in {policy.delay} seconds" if policy.delay else ""
            return DagsterEvent.step(
                ET.STEP_UP_FOR_RETRY,
                self.rc.pipeline.name,
                step_key,
                step.handle,
                f'Execution of step "{step_key}" did not finish ({why}); it will be retried{wait}.',
                StepRetryData(SerializableErrorInfo.from_exception(crash), policy.delay),
            )
        error = DagsterSubprocessError(message)
        error.__cause__ = crash
        self._failures[step_key] = error
        event = failure_event(self.rc.pipeline.name, step_key, crash, why)
        data = event.event_specific_data
        event.event_specific_data = data._replace(error_source=ErrorSource.UNEXPECTED_ERROR)
        return event


# -- the executor ----------------------------------------------------------------------------


def _pool_size(rc: RunContext) -> int:
    wanted = int(rc.resolved.executor_config.get("max_concurrent") or 0)
    return max(1, wanted if wanted > 0 else (os.cpu_count() or 1))


def _start_method(rc: RunContext) -> str:
    chosen = rc.resolved.executor_config.get("start_method") or {"spawn": {}}
    (name,) = chosen
    return str(name)


def _engine_data(rc: RunContext, size: int) -> EngineEventData:
    entries = [
        EventMetadataEntry.text(str(os.getpid()), "pid"),
        EventMetadataEntry.text(str(size), "max_concurrent"),
    ]
    if rc.plan.step_keys_to_execute is not None or rc.pipeline.solids_to_execute is not None:
        entries.append(EventMetadataEntry.text(str(rc.plan.step_keys), "step_keys"))
    return EngineEventData(entries)


def _payload(rc: RunContext) -> bytes:
    payload = RunPayload.from_run_context(rc, sources_outside_plan(rc))
    try:
        return payload.dumps()
    except Exception as exc:
        raise DagsterSubprocessError(
            f'The multiprocess executor could not send "{rc.pipeline.name}" to its worker '
            f"processes: {exc!r}. Define the job and what it uses at module level in an "
            "importable module, or use the in_process executor."
        ) from exc


class MultiprocessExecutor:
    """Steps run in a pool of worker processes, which build the resources a step uses."""

    def __init__(self) -> None:
        self.pool: WorkerPool | None = None
        self.submitter: MultiprocessSubmitter | None = None

    def start_event(self, rc: RunContext) -> DagsterEvent:
        return DagsterEvent.engine_event(
            rc.pipeline.name,
            f"Executing steps using multiprocess executor: parent process (pid: {os.getpid()})",
            _engine_data(rc, _pool_size(rc)),
        )

    def open(
        self, rc: RunContext, resources: ResourceScope
    ) -> Generator[DagsterEvent, None, StepSubmitter]:
        yield from share_storage(rc, "multiprocess", "worker processes")
        widest = max((len(level) for level in rc.plan.topological_step_levels()), default=0)
        self.pool = WorkerPool(_pool_size(rc), _start_method(rc), _payload(rc))
        self.pool.start(widest)
        self.submitter = MultiprocessSubmitter(rc, self.pool)
        return self.submitter

    def running(self) -> list[str]:
        return self.submitter.running() if self.submitter is not None else []

    def close(self, error: BaseException | None) -> Iterator[DagsterEvent]:
        if self.pool is not None:
            self.pool.close(abort=error is not None)
        return iter(())

    def end_event(self, rc: RunContext, ms: float) -> DagsterEvent:
        pid = os.getpid()
        return DagsterEvent.engine_event(
            rc.pipeline.name,
            f"Multiprocess executor: parent process exiting after {format_duration(ms)} (pid: {pid})",
            EngineEventData([EventMetadataEntry.text(str(pid), "pid")]),
        )


def execute_multiprocess(rc: RunContext, resources: ResourceScope) -> StepEvents:
    """The executor's whole event stream: start, storage, steps in workers, finish.

    Resources are initialised in the workers, per step, for the steps that use them;
    ``resources`` (the driving process's scope) stays unused.
    """
    return execute_steps(MultiprocessExecutor(), rc, resources)
