"""Running one step: load inputs, call the user's code inside one error boundary, check and
store outputs, run hooks.  Yields the step's events in Dagster 0.13's order::

    STEP_START | STEP_RESTARTED
    LOADED_INPUT (one per stored input), then STEP_INPUT (one per input)
    per output: STEP_OUTPUT, HANDLED_OUTPUT, ASSET_MATERIALIZATION (from ``outputs:`` config)
    ASSET_MATERIALIZATION / STEP_EXPECTATION_RESULT as user code yields them
    STEP_SUCCESS | STEP_FAILURE | STEP_UP_FOR_RETRY
    HOOK_COMPLETED / HOOK_SKIPPED / HOOK_ERRORED (after a final outcome)

The error boundary: a plain exception from user code is wrapped in
``DagsterExecutionStepExecutionError`` (the user's exception kept as ``__cause__`` and
``user_exception``) and reported in STEP_FAILURE; ``Failure``, ``RetryRequested`` and
``DagsterError`` pass through as themselves.  A value the storage cannot keep or give back
fails the step with ``DagsterObjectStoreError``.  ``KeyboardInterrupt``, and any error raised
outside these boundaries (an engine bug), is reported in STEP_FAILURE and always re-raised.
This is the hot path of the engine: per step it builds a handful of events and little else.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Protocol

from opbook.definitions.hook import ALWAYS
from opbook.definitions.metadata import normalize_metadata
from opbook.definitions.user_events import (
    AssetMaterialization,
    DynamicOutput,
    ExpectationResult,
    Failure,
    Output,
    RetryRequested,
)
from opbook.errors import (
    DagsterError,
    DagsterExecutionStepExecutionError,
    DagsterInvariantViolationError,
    DagsterStepOutputNotFoundError,
    DagsterTypeCheckDidNotPass,
    DagsterTypeCheckError,
    DagsterTypeLoadingError,
    DagsterTypeMaterializationError,
    user_code_boundary,
    user_exception_of,
)
from opbook.events import (
    DagsterEvent,
    DagsterEventType,
    ErrorSource,
    SerializableErrorInfo,
    StepExpectationResultData,
    StepFailureData,
    StepInputData,
    StepMaterializationData,
    StepOutputData,
    StepOutputHandle,
    StepRetryData,
    StepSuccessData,
    TypeCheckData,
    UserFailureData,
)
from opbook.execution.compute import iterate_compute
from opbook.execution.context import SolidExecutionContext, TypeCheckContext
from opbook.execution.hooks import run_hooks
from opbook.execution.output_storage import MISSING, StorageFailed
from opbook.execution.python_logs import register_step_frame
from opbook.execution.run_context import RunContext
from opbook.plan.plan import ExecutionStep, StepInput


class ET:
    """The event types a step emits, as their plain string values: on the hot path a plain
    class's attribute is much cheaper than ``DagsterEventType.X`` (an enum class lookup), and
    ``DagsterEvent`` keeps the plain string anyway."""

    STEP_START = DagsterEventType.STEP_START.value
    STEP_RESTARTED = DagsterEventType.STEP_RESTARTED.value
    LOADED_INPUT = DagsterEventType.LOADED_INPUT.value
    STEP_INPUT = DagsterEventType.STEP_INPUT.value
    STEP_OUTPUT = DagsterEventType.STEP_OUTPUT.value
    HANDLED_OUTPUT = DagsterEventType.HANDLED_OUTPUT.value
    ASSET_MATERIALIZATION = DagsterEventType.ASSET_MATERIALIZATION.value
    STEP_EXPECTATION_RESULT = DagsterEventType.STEP_EXPECTATION_RESULT.value
    STEP_SUCCESS = DagsterEventType.STEP_SUCCESS.value
    STEP_FAILURE = DagsterEventType.STEP_FAILURE.value
    STEP_UP_FOR_RETRY = DagsterEventType.STEP_UP_FOR_RETRY.value


# Shared by the events that have no metadata: never changed.
_NONE: list[Any] = []
# Passed checks carry nothing but their label: one shared value per label.
_PASSED: dict[str, TypeCheckData] = {}


def passes_trivially(dagster_type: Any, value: Any) -> bool:
    """Whether ``value`` passes ``dagster_type`` with no check to run: the type is Any, or a
    builtin Python type of which the value is an instance."""
    builtin = dagster_type.builtin_python_type
    return dagster_type.is_any or (builtin is not None and isinstance(value, builtin))


def passed_check(label: str) -> TypeCheckData:
    passed = _PASSED.get(label)
    if passed is None:
        passed = _PASSED[label] = TypeCheckData(True, label, None, _NONE)
    return passed


def format_duration(ms: float) -> str:
    if ms < 1:
        # What f"{ms * 1000:.0f}" gives (both round half to even), without formatting a float.
        return f"{round(ms * 1000)}µs"
    if ms < 1000:
        return f"{ms:.1f}ms"
    if ms < 60_000:
        return f"{ms / 1000:.2f}s"
    minutes, seconds = divmod(ms / 1000, 60)
    return f"{int(minutes)}m{seconds:.0f}s"


class _StepFailed(Exception):
    """Internal: the step has failed; carries what STEP_FAILURE reports."""

    def __init__(self, error: BaseException, raise_as: BaseException | None = None) -> None:
        self.error = error
        self.raise_as = raise_as if raise_as is not None else error


# The exceptions that ``raise_on_error`` re-raises, by step key, of the steps that ended in a
# stream of events.
StepFailures = Mapping[str, BaseException]
NO_FAILURES: StepFailures = MappingProxyType({})


class StepEvents(Protocol):
    """A stream of events that ends with the failures of the steps that ended in it: iterate
    it, then read ``failures``.  (An attribute rather than a generator's return value, so that
    the loops over every event of a run stay plain ``for`` loops.)"""

    failures: StepFailures

    def __iter__(self) -> Iterator[DagsterEvent]: ...


class Relayed:
    """The ``StepEvents`` of a generator that returns its failures."""

    __slots__ = ("_events", "failures")

    def __init__(self, events: Generator[DagsterEvent, None, StepFailures | None]) -> None:
        self._events = events
        self.failures: StepFailures = NO_FAILURES

    def __iter__(self) -> Iterator[DagsterEvent]:
        self.failures = (yield from self._events) or NO_FAILURES


def run_step(rc: RunContext, step: ExecutionStep, attempt: int = 0) -> StepEvents:
    """Run one attempt of ``step``: its events, then its failure (the exception
    ``raise_on_error`` re-raises) in ``failures`` if it failed."""
    return _StepRun(rc, step, attempt)


class _StepRun:
    """One attempt of one step.

    The helpers append events to ``emitted``; ``events()`` hands them on at the points where a
    user watching the run should see them: at the start, before the user's code runs, after
    each output the code yields, and at the end.  Events emitted before a failure are handed on
    ahead of the failure.
    """

    __slots__ = (
        "_context",
        "_pending_failure",
        "attempt",
        "emitted",
        "failures",
        "history",
        "key",
        "memo",
        "outputs",
        "pipeline_name",
        "rc",
        "step",
        "tags",
        "values",
    )

    def __init__(self, rc: RunContext, step: ExecutionStep, attempt: int) -> None:
        self.rc = rc
        self.step = step
        self.attempt = attempt
        self.key = step.key
        # Texts and event data that are the same on every run of this step: made once.
        self.memo = step.memo
        self.pipeline_name = rc.pipeline.name
        self.tags = rc.step_logging_tags(step)
        self.values: dict[str, Any] = {}
        self.outputs: dict[str, Any] = {}  # the outputs handled so far
        self.emitted: list[DagsterEvent] = []
        self.failures: StepFailures = NO_FAILURES
        self._context: SolidExecutionContext | None = None
        # An input failed its type check: the step fails before user code runs.
        self._pending_failure: BaseException | None = None
        # An "always" hook is handed every event of the step: keep them as they pass.
        self.history: list[DagsterEvent] | None = (
            [] if step.hook_defs and any(h.trigger == ALWAYS for h in step.hook_defs) else None
        )

    @property
    def context(self) -> SolidExecutionContext:
        """The user's context, made on first use: most ops never take one."""
        if self._context is None:
            self._context = SolidExecutionContext(self.rc, self.step, self.attempt)
        return self._context

    def _log_of(self) -> Any:
        return self.context.log

    def event(self, event_type: str, message: str, data: Any = None) -> DagsterEvent:
        return DagsterEvent(
            event_type,
            self.pipeline_name,
            self.key,
            self.step.handle,
            "COMPUTE",
            self.tags,
            data,
            message,
        )

    def emit(self, event_type: str, message: str, data: Any = None) -> None:
        # The event built here rather than by ``event()``: one call less per event.
        self.emitted.append(
            DagsterEvent(
                event_type,
                self.pipeline_name,
                self.key,
                self.step.handle,
                "COMPUTE",
                self.tags,
                data,
                message,
            )
        )

    def _take_emitted(self) -> list[DagsterEvent]:
        taken = self.emitted
        self.emitted = []
        if self.history is not None:
            self.history.extend(taken)
        return taken

    def events(self) -> Iterator[DagsterEvent]:
        if self.attempt:
            self.emit(
                ET.STEP_RESTARTED,
                f'Started re-execution (attempt # {self.attempt + 1}) of step "{self.key}".',
            )
        else:
            text = self.memo.get("start")
            if text is None:
                text = self.memo["start"] = f'Started execution of step "{self.key}".'
            self.emit(ET.STEP_START, text)
        yield from self._take_emitted()
        # Timed from here: what the consumer does with the start event (a notebook drawing its
        # live graph) is not the step's time.
        start = time.perf_counter()
        failure: BaseException | None = None  # what the step raised, for hooks
        to_raise: BaseException | None = None  # what raise_on_error re-raises
        try:
            self._load_inputs()
            yield from self._take_emitted()
            items = self._compute()
            if type(items) is list:
                # The function has returned: its outputs go out with the step's outcome.
                for output in items:
                    self._handle_output(output)
            else:
                for item in items:
                    self._handle_item(item)
                    yield from self._take_emitted()
            if self._context is not None:
                for item in self._context.consume_events():
                    self._handle_item(item)
            if len(self.outputs) < len(self.step.definition.output_defs):
                self._finish_outputs()
            ms = (time.perf_counter() - start) * 1000
            self.emit(
                ET.STEP_SUCCESS,
                f'Finished execution of step "{self.key}" in {format_duration(ms)}.',
                StepSuccessData(ms),
            )
        except _StepFailed as failed:
            self.emitted.append(self._failure_event(failed.error))
            failure = failed.raise_as
            # Exhausted or disabled retries give a failed result, never a raise.
            to_raise = None if isinstance(failed.error, RetryRequested) else failed.raise_as
        except KeyboardInterrupt as interrupt:
            yield from self._take_emitted()
            yield self._unexpected_failure(interrupt, ErrorSource.INTERRUPT)
            raise
        except Exception as bug:
            # Outside every user-code boundary: an engine bug.  Reported, then always raised.
            yield from self._take_emitted()
            yield self._unexpected_failure(bug, ErrorSource.UNEXPECTED_ERROR)
            raise
        outcome = self.emitted[-1]
        yield from self._take_emitted()
        if outcome.event_type_value != ET.STEP_UP_FOR_RETRY and self.step.hook_defs:
            # By now the history holds every event of the step, its outcome included.
            step_events = self.history if self.history is not None else [outcome]
            yield from run_hooks(self.rc, self.step, outcome, failure, self.outputs, step_events)
        if to_raise is not None and outcome.event_type_value == ET.STEP_FAILURE:
            self.failures = {self.key: to_raise}

    __iter__ = events

    # -- inputs ----------------------------------------------------------------------------

    def _load_inputs(self) -> None:
        values = self.values
        loaded = []
        for step_input in self.step.inputs:
            if step_input.definition.is_nothing:
                continue
            if step_input.sources or step_input.is_fan_in:
                # A fan-in of nothing (``use([])``), or a collect that gathered no item, loads [].
                values[step_input.name] = self._load_stored(step_input)
            elif step_input.definition.root_manager_key is not None:
                values[step_input.name] = self._load_from_root_manager(step_input)
            elif step_input.config_source is not None:
                values[step_input.name] = self._load_from_config(step_input)
            else:
                values[step_input.name] = step_input.definition.default_value
            loaded.append(step_input)
        for step_input in loaded:
            self._check_input(step_input, values[step_input.name])

    def _load_stored(self, step_input: StepInput) -> Any:
        values = []
        # The run's storage once made (every step after the first), without the property.
        storage = self.rc.state.storage or self.rc.storage
        for source in step_input.sources:
            try:
                value, fixed = storage.load_input(self.step, step_input, source)
            except StorageFailed as failed:
                raise _StepFailed(failed.error, failed.raise_as) from failed
            if value is MISSING:
                continue  # an optional upstream output that was not produced
            values.append(value)
            self.emit(ET.LOADED_INPUT, *fixed)
        return values if step_input.is_fan_in else values[0]

    def _load_from_root_manager(self, step_input: StepInput) -> Any:
        try:
            value, fixed = self.rc.storage.load_root_input(self.step, step_input)
        except StorageFailed as failed:
            raise _StepFailed(failed.error, failed.raise_as) from failed
        self.emit(ET.LOADED_INPUT, *fixed)
        return value

    def _load_from_config(self, step_input: StepInput) -> Any:
        assert step_input.config_source is not None
        handle, name = step_input.config_source
        if handle:
            config_value = self.rc.resolved.nodes[handle].inputs[name]
        else:
            config_value = self.rc.resolved.graph_inputs[name]
        loader = step_input.definition.dagster_type.loader
        assert loader is not None
        key = self.key
        try:
            with user_code_boundary(
                DagsterTypeLoadingError,
                lambda exc: (
                    f'Error occurred while loading input "{name}" of step "{key}" from run config: {exc}'
                ),
                (Failure,),
            ):
                return loader.loader_fn(self.context, config_value)
        except (DagsterError, Failure) as exc:
            raise _StepFailed(exc, user_exception_of(exc)) from exc

    def _type_check(self, dagster_type: Any, label: str, value: Any) -> TypeCheckData:
        """The outcome of the type's check; the caller knows the trivial passes already."""
        try:
            with user_code_boundary(
                DagsterTypeCheckError,
                f'Error occurred while type-checking "{label}" of step "{self.key}" with type "{dagster_type.display_name}"',
                (Failure,),
            ):
                result = dagster_type.type_check(TypeCheckContext(self.rc, dagster_type), value)
        except Failure as failure:
            return TypeCheckData(False, label, failure.description, failure.metadata_entries)
        except DagsterError as error:
            raise _StepFailed(error, user_exception_of(error)) from error
        return TypeCheckData(result.success, label, result.description, result.metadata_entries)

    def _check_input(self, step_input: StepInput, value: Any) -> None:
        name = step_input.name
        dagster_type = step_input.definition.dagster_type
        if passes_trivially(dagster_type, value):
            fixed = self.memo.get(("input", name))
            if fixed is None:
                fixed = self.memo[("input", name)] = (
                    f'Got input "{name}" of type "{dagster_type.display_name}". (Type check passed).',
                    StepInputData(name, passed_check(name)),
                )
            self.emit(ET.STEP_INPUT, *fixed)
            return
        check = self._type_check(dagster_type, name, value)
        verdict = "(Type check passed)." if check.success else "Warning! Type check failed."
        self.emit(
            ET.STEP_INPUT,
            f'Got input "{name}" of type "{dagster_type.display_name}". {verdict}',
            StepInputData(name, check),
        )
        if not check.success:
            self._pending_failure = DagsterTypeCheckDidNotPass(
                f'Type check failed for step input "{name}" - expected type "{dagster_type.display_name}". '
                f"Description: {check.description}",
                check.metadata_entries,
                dagster_type,
            )

    # -- compute ---------------------------------------------------------------------------

    def _compute(self) -> Iterable[Any]:
        """What the user's function returned (a list) or yields (a generator, iterated as the
        function runs), with its errors as step failures."""
        if self._pending_failure is not None:
            raise _StepFailed(self._pending_failure)
        context = self.context if self.step.definition.compute.takes_context else None
        try:
            items = iterate_compute(context, self.step, self.values, self._log_of)
        except (RetryRequested, Failure, DagsterError) as error:
            raise self._user_code_failed(error) from error
        return items if type(items) is list else self._guarded(items)

    def _guarded(self, items: Iterable[Any]) -> Iterator[Any]:
        try:
            yield from items
        except (RetryRequested, Failure, DagsterError) as error:
            raise self._user_code_failed(error) from error

    def _user_code_failed(self, error: BaseException) -> _StepFailed:
        if isinstance(error, DagsterExecutionStepExecutionError):
            return _StepFailed(self._maybe_retry(error), error.user_exception)
        if isinstance(error, Failure):
            return _StepFailed(self._maybe_retry(error), error)
        return _StepFailed(error)

    def _maybe_retry(self, error: BaseException) -> BaseException:
        """With a retry policy, a user error (a ``Failure`` too, as in Dagster) asks for a
        retry, waiting what the policy says for this retry's number (1 for the first)."""
        policy = self.step.retry_policy
        if policy is None:
            return error
        retry = RetryRequested(
            max_retries=policy.max_retries,
            seconds_to_wait=policy.calculate_delay(self.attempt + 1),
        )
        retry.__cause__ = error
        return retry

    def _handle_item(self, item: Any) -> None:
        if isinstance(item, Output):
            self._handle_output(item)
        elif isinstance(item, DynamicOutput):
            self._handle_dynamic_output(item)
        elif isinstance(item, AssetMaterialization):
            self.emitted.append(self._materialization_event(item))
        elif isinstance(item, ExpectationResult):
            # The label is never empty: an expectation without one is labelled "result".
            outcome = "passed" if item.success else "failed"
            text = item.description or f"Expectation {item.label} {outcome}"
            self.emit(ET.STEP_EXPECTATION_RESULT, text, StepExpectationResultData(item))

    def _materialization_event(self, item: AssetMaterialization) -> DagsterEvent:
        text = item.description or f"Materialized value {item.label}."
        return self.event(ET.ASSET_MATERIALIZATION, text, StepMaterializationData(item))

    def _output_def(self, name: str) -> Any:
        definition = self.step.definition
        output_def = definition.output_dict.get(name)
        if output_def is None:
            raise _StepFailed(
                DagsterInvariantViolationError(
                    f'Core compute for {definition.node_kind} "{self.step.node.name}" returned an output "{name}" that '
                    f"does not exist. The available outputs are {list(definition.output_dict)}"
                )
            )
        return output_def

    def _handle_output(self, output: Output) -> None:
        name = output.output_name
        definition = self.step.definition
        output_def = definition.output_dict.get(name) or self._output_def(name)
        if output_def.is_dynamic:
            raise _StepFailed(
                DagsterInvariantViolationError(
                    f'Compute for {definition.node_kind} "{self.step.node.name}" for output "{name}" defined as '
                    "dynamic must yield DynamicOutput, got Output."
                )
            )
        if name in self.outputs:
            raise _StepFailed(
                DagsterInvariantViolationError(
                    f'Compute for {definition.node_kind} "{self.step.node.name}" returned an output "{name}" multiple times'
                )
            )
        dagster_type = output_def.dagster_type
        metadata = output.metadata_entries
        extra = self._context.get_output_metadata(name) if self._context is not None else None
        if extra:
            metadata = [*metadata, *normalize_metadata(None, extra)]
        if not metadata and passes_trivially(dagster_type, output.value):
            fixed = self.memo.get(("output", name))
            if fixed is None:
                fixed = self.memo[("output", name)] = (
                    f'Yielded output "{name}" of type "{dagster_type.display_name}". (Type check passed).',
                    StepOutputData(
                        StepOutputHandle(self.key, name), passed_check(name), None, _NONE
                    ),
                )
            self.emit(ET.STEP_OUTPUT, *fixed)
        else:
            self._check_output(name, dagster_type, output.value, metadata)
        try:
            fixed, assets = (self.rc.state.storage or self.rc.storage).handle_output(
                self.step, output_def, output.value
            )
        except StorageFailed as failed:
            raise _StepFailed(failed.error, failed.raise_as) from failed
        self.outputs[name] = output.value
        for asset in assets:
            self.emitted.append(self._materialization_event(asset))
        self.emit(ET.HANDLED_OUTPUT, *fixed)
        node_config = self.rc.resolved.nodes.get(
            self.key if self.step.mapping_key is None else str(self.step.handle)
        )
        if (
            node_config is not None
            and isinstance(node_config.outputs, list)
            and node_config.outputs
        ):
            self._materialize_from_config(name, dagster_type, output.value, node_config.outputs)

    def _handle_dynamic_output(self, output: DynamicOutput) -> None:
        """One item of a dynamic output: checked, reported with its mapping key, stored."""
        name = output.output_name
        definition = self.step.definition
        label = f'{definition.node_kind} "{self.step.node.name}"'
        output_def = self._output_def(name)
        if not output_def.is_dynamic:
            raise _StepFailed(
                DagsterInvariantViolationError(
                    f"Compute for {label} yielded a DynamicOutput, but did not use "
                    "DynamicOutputDefinition."
                )
            )
        items = self.outputs.setdefault(name, {})
        key = output.mapping_key
        if key in items:
            raise _StepFailed(
                DagsterInvariantViolationError(
                    f'Compute for {label} yielded a DynamicOutput with mapping_key "{key}" '
                    "multiple times."
                )
            )
        metadata = output.metadata_entries
        extra = self._context.get_output_metadata(name) if self._context is not None else None
        if extra:
            metadata = [*metadata, *normalize_metadata(None, extra)]
        self._check_output(name, output_def.dagster_type, output.value, metadata, key)
        try:
            fixed, assets = self.rc.storage.handle_output(self.step, output_def, output.value, key)
        except StorageFailed as failed:
            raise _StepFailed(failed.error, failed.raise_as) from failed
        # Hooks are handed the values; otherwise none is kept, so that items can be large.
        items[key] = output.value if self.step.hook_defs else None
        for asset in assets:
            self.emitted.append(self._materialization_event(asset))
        self.emit(ET.HANDLED_OUTPUT, *fixed)

    def _check_output(
        self,
        name: str,
        dagster_type: Any,
        value: Any,
        metadata: list[Any],
        mapping_key: str | None = None,
    ) -> None:
        check = self._type_check(dagster_type, name, value)
        verdict = "(Type check passed)." if check.success else "Warning! Type check failed."
        keyed = f' mapping key "{mapping_key}"' if mapping_key is not None else ""
        self.emit(
            ET.STEP_OUTPUT,
            f'Yielded output "{name}"{keyed} of type "{dagster_type.display_name}". {verdict}',
            StepOutputData(StepOutputHandle(self.key, name, mapping_key), check, None, metadata),
        )
        if not check.success:
            raise _StepFailed(
                DagsterTypeCheckDidNotPass(
                    f'Type check failed for step output "{name}" - expected type "{dagster_type.display_name}". '
                    f"Description: {check.description}",
                    check.metadata_entries,
                    dagster_type,
                )
            )

    def _materialize_from_config(
        self, name: str, dagster_type: Any, value: Any, entries: list[dict[str, Any]]
    ) -> None:
        """Write the output where ``outputs:`` config asks, reporting each materialization."""
        for entry in entries:
            spec = entry.get(name)
            if spec is None:
                continue
            try:
                with user_code_boundary(
                    DagsterTypeMaterializationError,
                    lambda exc: (
                        f'Error occurred while materializing output "{name}" of step "{self.key}": {exc}'
                    ),
                ):
                    made = dagster_type.materializer.materializer_fn(self.context, spec, value)
            except DagsterError as error:
                raise _StepFailed(error, user_exception_of(error)) from error
            for item in made if isinstance(made, (list, tuple)) else [made]:
                if isinstance(item, AssetMaterialization):
                    self.emitted.append(self._materialization_event(item))

    def _finish_outputs(self) -> None:
        for output_def in self.step.definition.output_defs:
            if output_def.name in self.outputs or not output_def.is_required:
                continue
            if output_def.is_dynamic:
                continue  # a dynamic output may yield no item
            if output_def.dagster_type.is_nothing:
                # A required Nothing output is produced implicitly; an optional one is not.
                self._handle_output(Output(None, output_def.name))
            else:
                definition = self.step.definition
                raise _StepFailed(
                    DagsterStepOutputNotFoundError(
                        f'Core compute for {definition.node_kind} "{self.step.node.name}" did not return an output '
                        f'for non-optional output "{output_def.name}"',
                        self.key,
                        output_def.name,
                    )
                )

    # -- failure ---------------------------------------------------------------------------

    def _failure_event(self, error: BaseException) -> DagsterEvent:
        if isinstance(error, RetryRequested):
            return self._retry_event(error)
        user_failure = None
        if isinstance(error, Failure):
            user_failure = UserFailureData(
                "intentional-failure", error.description, error.metadata_entries
            )
        source = (
            ErrorSource.USER_CODE_ERROR
            if getattr(error, "is_user_code_error", False) or isinstance(error, Failure)
            else ErrorSource.FRAMEWORK_ERROR
        )
        return self.event(
            ET.STEP_FAILURE,
            f'Execution of step "{self.key}" failed.',
            StepFailureData(SerializableErrorInfo.from_exception(error), user_failure, source),
        )

    def _unexpected_failure(self, error: BaseException, source: ErrorSource) -> DagsterEvent:
        return self.event(
            ET.STEP_FAILURE,
            f'Execution of step "{self.key}" failed.',
            StepFailureData(SerializableErrorInfo.from_exception(error), None, source),
        )

    def _retry_event(self, request: RetryRequested) -> DagsterEvent:
        cause = request.__cause__ if request.__cause__ is not None else request
        if not self.rc.retries_enabled:
            return self._plain_failure("RetryRequested but retries are disabled", cause)
        if self.attempt >= request.max_retries:
            return self._plain_failure(f"Exceeded max_retries of {request.max_retries}", cause)
        wait = f" in {request.seconds_to_wait} seconds" if request.seconds_to_wait else ""
        return self.event(
            ET.STEP_UP_FOR_RETRY,
            f'Execution of step "{self.key}" failed and has requested a retry{wait}.',
            StepRetryData(SerializableErrorInfo.from_exception(cause), request.seconds_to_wait),
        )

    def _plain_failure(self, message: str, cause: BaseException) -> DagsterEvent:
        info = SerializableErrorInfo(
            message, [], type(cause).__name__, SerializableErrorInfo.from_exception(cause)
        )
        return self.event(
            ET.STEP_FAILURE,
            f'Execution of step "{self.key}" failed.',
            StepFailureData(info, None, ErrorSource.USER_CODE_ERROR),
        )


def _step_log(frame: Any) -> Any:
    return frame.f_locals["self"].context.log


# Records of `get_dagster_logger()` loggers find their step by this loop's frame.
register_step_frame(_StepRun.events.__code__, _step_log)
