"""The event vocabulary: everything a run does is a stream of ``DagsterEvent`` objects.

Both Dagster generations are served by one enum.  The job generation's run-level names
(``RUN_START`` ...) are the canonical members; the pipeline generation's names
(``PIPELINE_START`` ...) are enum aliases of them, with the pipeline-era *values*, exactly as in
Dagster 0.13, so stored values and ``==`` comparisons agree across generations.
``STEP_MATERIALIZATION`` is an alias of ``ASSET_MATERIALIZATION``.

Events are plain, picklable values: payloads are named tuples of strings and numbers, and a
failure carries a ``SerializableErrorInfo`` rather than a live exception, so that events can
cross process boundaries and be written to SQLite unchanged.  Steps are identified by their
string key (``"add_one"``, ``"comp.inner"``).
"""

from __future__ import annotations

import os
import time
import traceback
from enum import Enum
from typing import Any, NamedTuple

from opbook.errors import CheckError

_PID = os.getpid()


def _reset_pid() -> None:
    global _PID
    _PID = os.getpid()


# A forked worker process reports its own pid on the events it makes.
os.register_at_fork(after_in_child=_reset_pid)


class DagsterEventType(str, Enum):
    """The kind of a ``DagsterEvent``.

    Members are strings equal to their value (``DagsterEventType.STEP_START == "STEP_START"``,
    with the same hash), so sets and dicts of the stored values and of members mix freely.
    ``str()``, ``format()`` and ``repr()`` are those of a plain ``Enum``, as in Dagster:
    ``"DagsterEventType.STEP_START"``; ``.value`` is the stored string.
    """

    STEP_OUTPUT = "STEP_OUTPUT"
    STEP_INPUT = "STEP_INPUT"
    STEP_FAILURE = "STEP_FAILURE"
    STEP_START = "STEP_START"
    STEP_SUCCESS = "STEP_SUCCESS"
    STEP_SKIPPED = "STEP_SKIPPED"
    STEP_UP_FOR_RETRY = "STEP_UP_FOR_RETRY"
    STEP_RESTARTED = "STEP_RESTARTED"
    ASSET_MATERIALIZATION = "ASSET_MATERIALIZATION"
    ASSET_OBSERVATION = "ASSET_OBSERVATION"
    STEP_EXPECTATION_RESULT = "STEP_EXPECTATION_RESULT"
    RUN_ENQUEUED = "PIPELINE_ENQUEUED"
    RUN_DEQUEUED = "PIPELINE_DEQUEUED"
    RUN_STARTING = "PIPELINE_STARTING"
    RUN_START = "PIPELINE_START"
    RUN_SUCCESS = "PIPELINE_SUCCESS"
    RUN_FAILURE = "PIPELINE_FAILURE"
    RUN_CANCELING = "PIPELINE_CANCELING"
    RUN_CANCELED = "PIPELINE_CANCELED"
    PIPELINE_INIT_FAILURE = "PIPELINE_INIT_FAILURE"
    OBJECT_STORE_OPERATION = "OBJECT_STORE_OPERATION"
    ASSET_STORE_OPERATION = "ASSET_STORE_OPERATION"
    LOADED_INPUT = "LOADED_INPUT"
    HANDLED_OUTPUT = "HANDLED_OUTPUT"
    ENGINE_EVENT = "ENGINE_EVENT"
    HOOK_COMPLETED = "HOOK_COMPLETED"
    HOOK_ERRORED = "HOOK_ERRORED"
    HOOK_SKIPPED = "HOOK_SKIPPED"
    ALERT_START = "ALERT_START"
    ALERT_SUCCESS = "ALERT_SUCCESS"
    LOGS_CAPTURED = "LOGS_CAPTURED"

    # Aliases: the pipeline generation's names for the same members.
    PIPELINE_ENQUEUED = "PIPELINE_ENQUEUED"
    PIPELINE_DEQUEUED = "PIPELINE_DEQUEUED"
    PIPELINE_STARTING = "PIPELINE_STARTING"
    PIPELINE_START = "PIPELINE_START"
    PIPELINE_SUCCESS = "PIPELINE_SUCCESS"
    PIPELINE_FAILURE = "PIPELINE_FAILURE"
    PIPELINE_CANCELING = "PIPELINE_CANCELING"
    PIPELINE_CANCELED = "PIPELINE_CANCELED"
    STEP_MATERIALIZATION = "ASSET_MATERIALIZATION"

    # Spelled out, so that every Python version (3.10 formats a str mixin by its value) shows
    # members as Dagster's plain Enum does.
    def __str__(self) -> str:
        return f"{type(self).__name__}.{self._name_}"

    def __format__(self, format_spec: str) -> str:
        return format(str(self), format_spec)


ET = DagsterEventType
_TYPE_BY_VALUE: dict[str, DagsterEventType] = {member.value: member for member in DagsterEventType}


def _plain(event_type: str) -> str:
    """The plain string of a member (or of any other ``str`` subclass).  Read from the member,
    not looked up by it: hashing a member runs ``Enum.__hash__`` in Python, on every event."""
    value = getattr(event_type, "_value_", None)
    return value if value.__class__ is str else str.__str__(event_type)


STEP_EVENTS = frozenset(
    {
        ET.STEP_INPUT,
        ET.STEP_START,
        ET.STEP_OUTPUT,
        ET.STEP_FAILURE,
        ET.STEP_SUCCESS,
        ET.STEP_SKIPPED,
        ET.ASSET_MATERIALIZATION,
        ET.ASSET_OBSERVATION,
        ET.STEP_EXPECTATION_RESULT,
        ET.OBJECT_STORE_OPERATION,
        ET.STEP_RESTARTED,
        ET.STEP_UP_FOR_RETRY,
        ET.LOADED_INPUT,
        ET.HANDLED_OUTPUT,
    }
)
FAILURE_EVENTS = frozenset(
    {ET.RUN_FAILURE, ET.STEP_FAILURE, ET.RUN_CANCELED, ET.PIPELINE_INIT_FAILURE}
)
PIPELINE_EVENTS = frozenset(
    {
        ET.RUN_ENQUEUED,
        ET.RUN_DEQUEUED,
        ET.RUN_STARTING,
        ET.RUN_START,
        ET.RUN_SUCCESS,
        ET.RUN_FAILURE,
        ET.RUN_CANCELING,
        ET.RUN_CANCELED,
        ET.PIPELINE_INIT_FAILURE,
    }
)
HOOK_EVENTS = frozenset({ET.HOOK_COMPLETED, ET.HOOK_ERRORED, ET.HOOK_SKIPPED})
ALERT_EVENTS = frozenset({ET.ALERT_START, ET.ALERT_SUCCESS})

EVENT_TYPE_VALUE_TO_DISPLAY_STRING = {
    member.value: name
    for name, member in DagsterEventType.__members__.items()
    if name.startswith("RUN_")
}


# ---------------------------------------------------------------------------------------------
# Handles and payloads


class SolidHandle:
    """The path of a node inside its job: ``SolidHandle("inner", SolidHandle("comp", None))``.

    ``str(handle)`` is the dotted path (``"comp.inner"``), which is also the node's step key.
    """

    __slots__ = ("_str", "name", "parent")

    def __init__(self, name: str, parent: SolidHandle | None = None) -> None:
        self.name = name
        self.parent = parent
        self._str: str = name if parent is None else f"{parent._str}.{name}"

    def __str__(self) -> str:
        return self._str

    def __repr__(self) -> str:
        return f"SolidHandle({self._str!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SolidHandle) and other._str == self._str

    def __hash__(self) -> int:
        return hash(self._str)

    def __reduce__(self) -> tuple[Any, ...]:
        return (SolidHandle, (self.name, self.parent))

    def to_string(self) -> str:
        return self._str

    @property
    def path(self) -> list[str]:
        return self._str.split(".")

    def is_or_descends_from(self, handle: SolidHandle | str) -> bool:
        prefix = str(handle)
        return self._str == prefix or self._str.startswith(prefix + ".")

    def pop(self, ancestor: SolidHandle) -> SolidHandle:
        """This handle with ``ancestor``'s path removed from its front."""
        if not self.is_or_descends_from(ancestor):
            raise CheckError(
                f"Invariant failed. Description: Handle {self} does not descend from {ancestor}"
            )
        return SolidHandle.from_path(self.path[len(ancestor.path) :])

    def with_ancestor(self, ancestor: SolidHandle | None) -> SolidHandle:
        """This handle grafted under ``ancestor`` (unchanged when ``ancestor`` is None)."""
        return SolidHandle.from_path((ancestor.path if ancestor else []) + self.path)

    def _as_tuple(self) -> tuple[str, Any]:
        return (self.name, self.parent._as_tuple() if self.parent else None)

    def _asdict(self) -> dict[str, Any]:
        """``{"name": ..., "parent": ...}`` with the parent as nested ``(name, parent)`` pairs."""
        return {"name": self.name, "parent": self.parent._as_tuple() if self.parent else None}

    @staticmethod
    def from_path(path: list[str]) -> SolidHandle:
        handle: SolidHandle | None = None
        for part in path:
            handle = SolidHandle(part, handle)
        if handle is None:
            raise CheckError(f"Failure condition: Invalid handle path {path}")
        return handle

    @staticmethod
    def from_string(handle_str: str) -> SolidHandle:
        return SolidHandle.from_path(handle_str.split("."))

    @classmethod
    def from_dict(cls, dict_repr: dict[str, Any]) -> SolidHandle:
        """Rebuild a handle from :meth:`_asdict` output, also after a JSON round trip."""
        if "name" not in dict_repr or "parent" not in dict_repr:
            raise CheckError(
                "Invariant failed. Description: Dict representation of SolidHandle must have "
                "a 'name' and a 'parent' key"
            )
        parent = dict_repr["parent"]
        if isinstance(parent, (list, tuple)):
            parent = cls.from_dict({"name": parent[0], "parent": parent[1]})
        return SolidHandle(dict_repr["name"], parent)


NodeHandle = SolidHandle


class StepKind(str, Enum):
    """The kind of a step.  Every step opbook plans computes an op (``COMPUTE``)."""

    COMPUTE = "COMPUTE"
    UNRESOLVED_MAPPED = "UNRESOLVED_MAPPED"
    UNRESOLVED_COLLECT = "UNRESOLVED_COLLECT"


class StepHandle(NamedTuple):
    """A step named by the handle of its op (and, for mapped steps, a key)."""

    solid_handle: SolidHandle
    key: str | None = None

    def to_key(self) -> str:
        return self.key or str(self.solid_handle)


class StepOutputHandle(NamedTuple):
    step_key: str
    output_name: str = "result"
    mapping_key: str | None = None


class SerializableErrorInfo(NamedTuple):
    """An exception as data: message, formatted stack, class name and the cause's info."""

    message: str
    stack: list[str]
    cls_name: str | None
    cause: SerializableErrorInfo | None = None

    def to_string(self) -> str:
        text = f"{self.message.rstrip()}\n\nStack Trace:\n{''.join(self.stack)}"
        if self.cause is not None:
            text += (
                "\nThe above exception was the direct cause of the following exception:\n"
                + self.cause.to_string()
            )
        return text

    def __str__(self) -> str:
        return self.to_string()

    @staticmethod
    def from_exception(exc: BaseException) -> SerializableErrorInfo:
        cause = exc.__cause__
        remote = getattr(exc, "remote_traceback", None)
        stack = [remote] if remote else traceback.format_tb(exc.__traceback__)
        return SerializableErrorInfo(
            message="".join(traceback.format_exception_only(type(exc), exc)),
            stack=stack,
            cls_name=type(exc).__name__,
            cause=SerializableErrorInfo.from_exception(cause) if cause is not None else None,
        )


class TypeCheckData(NamedTuple):
    success: bool
    label: str
    description: str | None = None
    metadata_entries: list[Any] = []


class StepInputData(NamedTuple):
    input_name: str
    type_check_data: TypeCheckData | None


class StepOutputData(NamedTuple):
    step_output_handle: StepOutputHandle
    type_check_data: TypeCheckData | None = None
    version: str | None = None
    metadata_entries: list[Any] = []

    @property
    def output_name(self) -> str:
        return self.step_output_handle.output_name

    @property
    def mapping_key(self) -> str | None:
        return self.step_output_handle.mapping_key


class StepSuccessData(NamedTuple):
    duration_ms: float


class UserFailureData(NamedTuple):
    label: str
    description: str | None = None
    metadata_entries: list[Any] = []


class ErrorSource(Enum):
    FRAMEWORK_ERROR = "FRAMEWORK_ERROR"
    USER_CODE_ERROR = "USER_CODE_ERROR"
    UNEXPECTED_ERROR = "UNEXPECTED_ERROR"
    INTERRUPT = "INTERRUPT"


class StepFailureData(NamedTuple):
    error: SerializableErrorInfo | None
    user_failure_data: UserFailureData | None = None
    error_source: ErrorSource | None = None


class StepRetryData(NamedTuple):
    error: SerializableErrorInfo | None
    seconds_to_wait: float | None = None


class StepMaterializationData(NamedTuple):
    materialization: Any
    asset_lineage: list[Any] = []


class StepExpectationResultData(NamedTuple):
    expectation_result: Any


# The marker of the ENGINE_EVENT a memoized run reports for each step it does not run
# because its outputs are stored under their versions (one per step, after RUN_START).
MEMOIZED_STEP_MARKER = "memoized_step"


class EngineEventData(NamedTuple):
    metadata_entries: list[Any] = []
    error: SerializableErrorInfo | None = None
    marker_start: str | None = None
    marker_end: str | None = None


class PipelineFailureData(NamedTuple):
    error: SerializableErrorInfo | None


PipelineInitFailureData = PipelineFailureData


class HandledOutputData(NamedTuple):
    output_name: str
    manager_key: str
    metadata_entries: list[Any] = []


class LoadedInputData(NamedTuple):
    input_name: str
    manager_key: str
    upstream_output_name: str | None = None
    upstream_step_key: str | None = None


class HookErroredData(NamedTuple):
    error: SerializableErrorInfo


class ObjectStoreOperationResultData(NamedTuple):
    op: str
    value_name: str | None = None
    metadata_entries: list[Any] = []
    address: str | None = None
    version: str | None = None


# ---------------------------------------------------------------------------------------------
# The event


class DagsterEvent:
    """One thing that happened during a run.

    The fields are Dagster's (``event_type_value``, ``pipeline_name``, ``step_key``,
    ``solid_handle``, ``step_kind_value``, ``logging_tags``, ``event_specific_data``,
    ``message``, ``pid``) plus ``timestamp`` (seconds since the epoch), which Dagster keeps on a
    wrapper record and opbook keeps on the event itself.
    """

    __slots__ = (
        "event_specific_data",
        "event_type_value",
        "logging_tags",
        "message",
        "pid",
        "pipeline_name",
        "solid_handle",
        "step_key",
        "step_kind_value",
        "timestamp",
    )

    def __init__(
        self,
        event_type_value: DagsterEventType | str,
        pipeline_name: str,
        step_key: str | None = None,
        solid_handle: SolidHandle | None = None,
        step_kind_value: str | None = None,
        logging_tags: dict[str, str] | None = None,
        event_specific_data: Any = None,
        message: str | None = None,
        pid: int | None = None,
        timestamp: float | None = None,
    ) -> None:
        # Always the plain string, also when given a member (a ``str`` too, shown differently).
        self.event_type_value = (
            event_type_value if event_type_value.__class__ is str else _plain(event_type_value)
        )
        self.pipeline_name = pipeline_name
        self.step_key = step_key
        self.solid_handle = solid_handle
        self.step_kind_value = step_kind_value
        self.logging_tags = logging_tags if logging_tags is not None else {}
        self.event_specific_data = event_specific_data
        self.message = message
        self.pid = _PID if pid is None else pid
        self.timestamp = time.time() if timestamp is None else timestamp

    @classmethod
    def step(
        cls,
        event_type: DagsterEventType | str,
        pipeline_name: str,
        step_key: str,
        handle: SolidHandle,
        message: str,
        data: Any = None,
        logging_tags: dict[str, str] | None = None,
    ) -> DagsterEvent:
        """A step event (``event_type`` as the enum member or its value)."""
        return cls(
            event_type,
            pipeline_name,
            step_key,
            handle,
            "COMPUTE",
            logging_tags,
            data,
            message,
        )

    @classmethod
    def run_event(
        cls, event_type: DagsterEventType, pipeline_name: str, message: str, data: Any = None
    ) -> DagsterEvent:
        return cls(event_type, pipeline_name, None, None, None, None, data, message)

    @classmethod
    def engine_event(
        cls,
        pipeline_name: str,
        message: str,
        data: EngineEventData | None = None,
        step_key: str | None = None,
        handle: SolidHandle | None = None,
    ) -> DagsterEvent:
        return cls(
            ET.ENGINE_EVENT,
            pipeline_name,
            step_key,
            handle,
            None,
            None,
            data if data is not None else EngineEventData(),
            message,
        )

    # -- identity --------------------------------------------------------------------------

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            DagsterEvent,
            (
                self.event_type_value,
                self.pipeline_name,
                self.step_key,
                self.solid_handle,
                self.step_kind_value,
                self.logging_tags,
                self.event_specific_data,
                self.message,
                self.pid,
                self.timestamp,
            ),
        )

    def __repr__(self) -> str:
        step = f", step_key={self.step_key!r}" if self.step_key else ""
        return f"DagsterEvent({self.event_type_value}{step}, message={self.message!r})"

    @property
    def event_type(self) -> DagsterEventType:
        """The kind of event, a ``DagsterEventType`` member."""
        return _TYPE_BY_VALUE[self.event_type_value]

    @property
    def solid_name(self) -> str:
        """The name of the node of a step event. Also ``node_name``."""
        if self.solid_handle is None:
            raise CheckError("This event has no solid handle.")
        return self.solid_handle.name

    node_name = solid_name

    @property
    def step_handle(self) -> StepHandle | None:
        """The step's handle (its node handle and step key), or None for a run event."""
        if self.solid_handle is None:
            return None
        return StepHandle(self.solid_handle, self.step_key)

    @property
    def step_kind(self) -> StepKind | None:
        """``StepKind.COMPUTE`` for a step event, None for a run event."""
        return None if self.step_kind_value is None else StepKind(self.step_kind_value)

    # -- predicates ------------------------------------------------------------------------

    @property
    def is_step_event(self) -> bool:
        """Whether the event belongs to a step (it then has a ``step_key``)."""
        return self.event_type_value in STEP_EVENTS

    @property
    def is_hook_event(self) -> bool:
        """Whether this is a hook's ``HOOK_COMPLETED``, ``HOOK_ERRORED`` or ``HOOK_SKIPPED``."""
        return self.event_type_value in HOOK_EVENTS

    @property
    def is_alert_event(self) -> bool:
        """Whether this is an alert event (``ALERT_START``, ``ALERT_SUCCESS``)."""
        return self.event_type_value in ALERT_EVENTS

    @property
    def is_step_success(self) -> bool:
        """Whether this is a ``STEP_SUCCESS``."""
        return self.event_type_value == ET.STEP_SUCCESS

    @property
    def is_successful_output(self) -> bool:
        """Whether this is a ``STEP_OUTPUT`` (an output the step yielded)."""
        return self.event_type_value == ET.STEP_OUTPUT

    @property
    def is_step_start(self) -> bool:
        """Whether this is a ``STEP_START``."""
        return self.event_type_value == ET.STEP_START

    @property
    def is_step_failure(self) -> bool:
        """Whether this is a ``STEP_FAILURE``."""
        return self.event_type_value == ET.STEP_FAILURE

    @property
    def is_step_skipped(self) -> bool:
        """Whether this is a ``STEP_SKIPPED``."""
        return self.event_type_value == ET.STEP_SKIPPED

    @property
    def is_step_up_for_retry(self) -> bool:
        """Whether this is a ``STEP_UP_FOR_RETRY`` (the step will run again)."""
        return self.event_type_value == ET.STEP_UP_FOR_RETRY

    @property
    def is_step_restarted(self) -> bool:
        """Whether this is a ``STEP_RESTARTED`` (a retry of the step started)."""
        return self.event_type_value == ET.STEP_RESTARTED

    @property
    def is_pipeline_success(self) -> bool:
        """Whether this is the run's success (``RUN_SUCCESS``). Also ``is_run_success``."""
        return self.event_type_value == ET.RUN_SUCCESS

    is_run_success = is_pipeline_success

    @property
    def is_pipeline_failure(self) -> bool:
        """Whether this is the run's failure (``RUN_FAILURE``). Also ``is_run_failure``."""
        return self.event_type_value == ET.RUN_FAILURE

    is_run_failure = is_pipeline_failure

    @property
    def is_pipeline_init_failure(self) -> bool:
        """Whether this is a ``PIPELINE_INIT_FAILURE`` (resources or loggers failed to start)."""
        return self.event_type_value == ET.PIPELINE_INIT_FAILURE

    @property
    def is_failure(self) -> bool:
        """Whether this is a failure, of a step or of the run."""
        return self.event_type_value in FAILURE_EVENTS

    @property
    def is_pipeline_event(self) -> bool:
        """Whether this is a run event (start, success, failure, cancellation)."""
        return self.event_type_value in PIPELINE_EVENTS

    @property
    def is_engine_event(self) -> bool:
        """Whether this is an ``ENGINE_EVENT`` (executor start, resource initialisation)."""
        return self.event_type_value == ET.ENGINE_EVENT

    @property
    def is_asset_store_operation(self) -> bool:
        """Whether this is a 0.9 ``ASSET_STORE_OPERATION``."""
        return self.event_type_value == ET.ASSET_STORE_OPERATION

    @property
    def is_handled_output(self) -> bool:
        """Whether this is a ``HANDLED_OUTPUT`` (an IO manager stored an output)."""
        return self.event_type_value == ET.HANDLED_OUTPUT

    @property
    def is_loaded_input(self) -> bool:
        """Whether this is a ``LOADED_INPUT`` (an input was loaded by an IO manager)."""
        return self.event_type_value == ET.LOADED_INPUT

    @property
    def is_step_materialization(self) -> bool:
        """Whether this is an ``ASSET_MATERIALIZATION`` (alias ``STEP_MATERIALIZATION``)."""
        return self.event_type_value == ET.ASSET_MATERIALIZATION

    @property
    def is_expectation_result(self) -> bool:
        """Whether this is a ``STEP_EXPECTATION_RESULT``."""
        return self.event_type_value == ET.STEP_EXPECTATION_RESULT

    @property
    def is_asset_observation(self) -> bool:
        """Whether this is an ``ASSET_OBSERVATION``."""
        return self.event_type_value == ET.ASSET_OBSERVATION

    @property
    def asset_key(self) -> Any:
        """The ``AssetKey`` of an ``ASSET_MATERIALIZATION``; None for other events."""
        if self.event_type_value != ET.ASSET_MATERIALIZATION:
            return None
        return getattr(self.event_specific_data.materialization, "asset_key", None)

    @property
    def partition(self) -> Any:
        """The partition of an ``ASSET_MATERIALIZATION``, or None."""
        if self.event_type_value != ET.ASSET_MATERIALIZATION:
            return None
        return getattr(self.event_specific_data.materialization, "partition", None)

    # -- typed payload accessors -----------------------------------------------------------

    def _payload(self, accessor: str, *types: DagsterEventType) -> Any:
        if self.event_type_value not in types:
            raise CheckError(
                f"{accessor} only callable when event_type is "
                f"{' or '.join(t.name for t in types)}, called on {self.event_type.name}"
            )
        return self.event_specific_data

    @property
    def step_input_data(self) -> StepInputData:
        """The payload of a ``STEP_INPUT`` (``input_name``, ``type_check_data``)."""
        return self._payload("step_input_data", ET.STEP_INPUT)

    @property
    def step_output_data(self) -> StepOutputData:
        """The payload of a ``STEP_OUTPUT`` (``output_name``, ``type_check_data``)."""
        return self._payload("step_output_data", ET.STEP_OUTPUT)

    @property
    def step_success_data(self) -> StepSuccessData:
        """The payload of a ``STEP_SUCCESS`` (``duration_ms``)."""
        return self._payload("step_success_data", ET.STEP_SUCCESS)

    @property
    def step_failure_data(self) -> StepFailureData:
        """The payload of a ``STEP_FAILURE``, whose ``error.cause`` is the user's exception."""
        return self._payload("step_failure_data", ET.STEP_FAILURE)

    @property
    def step_retry_data(self) -> StepRetryData:
        """The payload of a ``STEP_UP_FOR_RETRY`` (the error, the wait in seconds)."""
        return self._payload("step_retry_data", ET.STEP_UP_FOR_RETRY)

    @property
    def step_materialization_data(self) -> StepMaterializationData:
        """The payload of an ``ASSET_MATERIALIZATION`` (its ``materialization``)."""
        return self._payload("step_materialization_data", ET.ASSET_MATERIALIZATION)

    @property
    def step_expectation_result_data(self) -> StepExpectationResultData:
        """The payload of a ``STEP_EXPECTATION_RESULT`` (its ``expectation_result``)."""
        return self._payload("step_expectation_result_data", ET.STEP_EXPECTATION_RESULT)

    @property
    def pipeline_failure_data(self) -> PipelineFailureData:
        """The payload of a ``RUN_FAILURE`` (its ``error``, None when steps failed)."""
        return self._payload("pipeline_failure_data", ET.RUN_FAILURE)

    @property
    def pipeline_init_failure_data(self) -> PipelineFailureData:
        """The payload of a ``PIPELINE_INIT_FAILURE`` (its ``error``)."""
        return self._payload("pipeline_init_failure_data", ET.PIPELINE_INIT_FAILURE)

    @property
    def engine_event_data(self) -> EngineEventData:
        """The payload of an ``ENGINE_EVENT`` (``metadata_entries``, ``error``, ``marker_start``, ``marker_end``)."""
        return self._payload("engine_event_data", ET.ENGINE_EVENT)

    @property
    def hook_errored_data(self) -> HookErroredData:
        """The payload of a ``HOOK_ERRORED`` (the hook's ``error``)."""
        return self._payload("hook_errored_data", ET.HOOK_ERRORED)

    @property
    def hook_completed_data(self) -> Any:
        """The payload of a ``HOOK_COMPLETED`` (None)."""
        return self._payload("hook_completed_data", ET.HOOK_COMPLETED)

    @property
    def hook_skipped_data(self) -> Any:
        """The payload of a ``HOOK_SKIPPED`` (None)."""
        return self._payload("hook_skipped_data", ET.HOOK_SKIPPED)

    @property
    def handled_output_data(self) -> HandledOutputData:
        """The payload of a ``HANDLED_OUTPUT`` (``output_name``, ``manager_key``)."""
        return self._payload("handled_output_data", ET.HANDLED_OUTPUT)

    @property
    def loaded_input_data(self) -> LoadedInputData:
        """The payload of a ``LOADED_INPUT`` (``input_name``, ``manager_key``, ``upstream_output_name``, ``upstream_step_key``)."""
        return self._payload("loaded_input_data", ET.LOADED_INPUT)

    @property
    def logs_captured_data(self) -> Any:
        """The payload of a ``LOGS_CAPTURED`` event."""
        return self._payload("logs_captured_data", ET.LOGS_CAPTURED)

    @property
    def asset_observation_data(self) -> Any:
        """The payload of an ``ASSET_OBSERVATION`` (its ``asset_observation``)."""
        return self._payload("asset_observation_data", ET.ASSET_OBSERVATION)
