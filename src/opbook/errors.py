"""Every exception opbook raises, in one tree.

The names are Dagster's, because code written against Dagster catches them::

    Exception
    ├── DagsterError
    │   ├── DagsterInvalidDefinitionError
    │   │   └── DagsterInvalidConfigDefinitionError
    │   ├── DagsterInvalidConfigError            (.errors: every config problem, with its path)
    │   ├── DagsterInvariantViolationError
    │   ├── DagsterInvalidInvocationError
    │   ├── DagsterInvalidSubsetError
    │   ├── DagsterExecutionStepNotFoundError    (.step_keys)
    │   ├── DagsterRunNotFoundError              (.run_id)
    │   ├── DagsterStepOutputNotFoundError       (.step_key, .output_name)
    │   ├── DagsterTypeCheckDidNotPass           (.description, .metadata_entries, .dagster_type)
    │   ├── DagsterUnmetExecutorRequirementsError
    │   ├── DagsterUnknownResourceError          (also an AttributeError)
    │   ├── DagsterInvalidPropertyError
    │   ├── DagsterSubprocessError
    │   ├── DagsterObjectStoreError
    │   ├── DagsterUnknownPartitionError         (a partition key its partitions lack)
    │   └── DagsterUserCodeExecutionError        (.user_exception, .original_exc_info)
    │       ├── DagsterExecutionStepExecutionError   (.step_key, .op_name, .op_def_name)
    │       ├── DagsterResourceFunctionError
    │       ├── DagsterTypeCheckError
    │       ├── DagsterTypeLoadingError
    │       ├── DagsterTypeMaterializationError
    │       ├── DagsterConfigMappingFunctionError
    │       ├── DagsterExecutionLoadInputError
    │       ├── DagsterExecutionHandleOutputError
    │       ├── HookExecutionError
    │       └── ScheduleExecutionError           (a schedule's user function raised)
    ├── CheckError                                (API misuse: wrong argument types or combinations)
    │   └── ParameterCheckError
    ├── ChildProcessCrashException                (a step's worker process died: .pid, .exit_code)
    ├── PostProcessingError                       (config post-processing, e.g. a missing env var)
    ├── Failure                                   (raised by user code to fail a step on purpose)
    └── RetryRequested                            (raised by user code to ask for another attempt)
    BaseException
    └── DagsterExecutionInterruptedError          (a run stopped from outside)
    Warning
    └── ExperimentalWarning                       (an API that may change between releases)

``CheckError`` is not a ``DagsterError``, as in Dagster, where it signals a caller's mistake
rather than a problem of the pipeline.  ``Failure`` and ``RetryRequested`` are control flow for
user code and live in :mod:`opbook.definitions.user_events`, beside the other values user code
yields;
they are listed here so that the whole tree is in one picture.

Every call into user code (an op's function, a resource, a hook, an IO manager, a type check or
loader, a config mapping, a schedule's functions) runs inside ``user_code_boundary``, the one
place that turns a user's exception into the ``DagsterUserCodeExecutionError`` subclass of its
site.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


class DagsterError(Exception):
    """Root of opbook's (and Dagster's) own errors."""

    @property
    def is_user_code_error(self) -> bool:
        return False


class DagsterInvalidDefinitionError(DagsterError):
    """A definition (op, graph, job, resource, config schema, ...) is malformed."""


class DagsterInvalidConfigDefinitionError(DagsterInvalidDefinitionError):
    """A config schema cannot be resolved into a config type.

    Attributes (set when the schema is known):
        original_root: the schema as given.
        current_value: the part of it that cannot be resolved.
        stack: the field names leading from the schema to that part.
    """

    original_root: object = None
    current_value: object = None
    stack: list[str] | None = None
    path: tuple[str | int, ...] = ()
    reason: str = ""


class DagsterInvalidConfigError(DagsterError):
    """Run config (or a resource's, logger's, executor's config) failed validation.

    Attributes:
        errors: every problem found, each an ``EvaluationError`` with ``path``, ``reason`` and
            ``message``.
        config_value: the value that was validated (secrets masked).
    """

    def __init__(self, preamble: str, errors: Sequence[Any], config_value: Any = None) -> None:
        self.preamble = preamble
        self.errors = list(errors)
        self.config_value = config_value
        self.error_messages = [e.message for e in self.errors]
        lines = [preamble] + [
            f"    Error {i}: {message}" for i, message in enumerate(self.error_messages, 1)
        ]
        self.message = "\n".join(lines)
        super().__init__(self.message)


class DagsterInvariantViolationError(DagsterError):
    """The user asked for something the current state does not allow."""


class DagsterInvalidInvocationError(DagsterError):
    """An op, solid or resource was called directly with arguments it cannot take."""


class DagsterInvalidSubsetError(DagsterError):
    """A selection (ops, solids or steps) selected nothing or could not be parsed."""


class DagsterExecutionStepNotFoundError(DagsterError):
    """A step key named in a step selection does not exist in the plan."""

    def __init__(self, message: str, step_keys: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.step_keys = list(step_keys)


class DagsterRunNotFoundError(DagsterError):
    """A run id is unknown to the instance."""

    def __init__(self, message: str, run_id: str | None = None) -> None:
        super().__init__(message)
        self.run_id = run_id


class DagsterStepOutputNotFoundError(DagsterError):
    """A required output was never produced by its op."""

    def __init__(self, message: str, step_key: str = "", output_name: str = "") -> None:
        super().__init__(message)
        self.step_key = step_key
        self.output_name = output_name


class DagsterTypeCheckDidNotPass(DagsterError):
    """A value failed the type check of the input or output it was given to."""

    def __init__(
        self,
        description: str | None = None,
        metadata_entries: Sequence[Any] = (),
        dagster_type: Any = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.metadata_entries = list(metadata_entries)
        self.dagster_type = dagster_type


class DagsterUnmetExecutorRequirementsError(DagsterError):
    """The chosen executor cannot run this job with this instance or storage."""


class DagsterUnknownResourceError(DagsterError, AttributeError):
    """User code touched a resource its op did not require."""

    def __init__(self, resource_name: str) -> None:
        self.resource_name = resource_name
        super().__init__(
            f"Unknown resource `{resource_name}`. Specify `{resource_name}` as a required "
            "resource on the compute / config function that accessed it."
        )


class DagsterInvalidPropertyError(DagsterError):
    """A context property that no longer exists was accessed."""


class DagsterSubprocessError(DagsterError):
    """A worker process failed outside user code."""

    def __init__(self, message: str, subprocess_error_infos: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.subprocess_error_infos = list(subprocess_error_infos)


class DagsterObjectStoreError(DagsterError):
    """Storing or loading an intermediate value failed."""


class DagsterUnknownPartitionError(DagsterError):
    """Run config was asked for a partition key that the partitions do not have."""


class DagsterUserCodeExecutionError(DagsterError):
    """User code raised inside one of opbook's error boundaries.

    The user's exception is kept as ``user_exception`` (and as ``__cause__``), with its
    traceback in ``original_exc_info``.
    """

    def __init__(
        self,
        message: str,
        user_exception: BaseException | None = None,
        original_exc_info: ExcInfo | None = None,
        **context: Any,
    ) -> None:
        super().__init__(message)
        self.user_exception = user_exception
        if original_exc_info is None and user_exception is not None:
            original_exc_info = (type(user_exception), user_exception, user_exception.__traceback__)
        self.original_exc_info = original_exc_info
        for key, value in context.items():
            setattr(self, key, value)

    @property
    def is_user_code_error(self) -> bool:
        return True


class DagsterExecutionStepExecutionError(DagsterUserCodeExecutionError):
    """User compute code of a step raised.  Carries ``step_key``, ``op_name``, ``op_def_name``."""

    step_key: str
    op_name: str
    op_def_name: str

    @property
    def solid_name(self) -> str:
        return self.op_name

    @property
    def solid_def_name(self) -> str:
        return self.op_def_name


class DagsterResourceFunctionError(DagsterUserCodeExecutionError):
    """A resource's initialisation function raised."""


class DagsterTypeCheckError(DagsterUserCodeExecutionError):
    """A Dagster type's type-check function raised (rather than returning a failed check)."""


class DagsterTypeLoadingError(DagsterUserCodeExecutionError):
    """A type loader failed to build an input value from run config."""


class DagsterTypeMaterializationError(DagsterUserCodeExecutionError):
    """A type materializer failed to write an output named in run config."""


class DagsterConfigMappingFunctionError(DagsterUserCodeExecutionError):
    """A config mapping function (``configured``, graph config) raised."""


class DagsterExecutionLoadInputError(DagsterUserCodeExecutionError):
    """Custom storage raised while loading an input."""


class DagsterExecutionHandleOutputError(DagsterUserCodeExecutionError):
    """Custom storage raised while storing an output."""


class HookExecutionError(DagsterUserCodeExecutionError):
    """A hook raised.  Reported as a HOOK_ERRORED event; never fails the step or the run."""


class ScheduleExecutionError(DagsterUserCodeExecutionError):
    """A schedule's function (run config, tags, should_execute, partition selector) raised."""


class DagsterExecutionInterruptedError(BaseException):
    """A run was interrupted from outside (KeyboardInterrupt, a termination request)."""


class CheckError(Exception):
    """An API was called with arguments it cannot take (Dagster's ``check.CheckError``)."""


class ParameterCheckError(CheckError):
    """One argument has the wrong type or value."""


class ChildProcessCrashException(Exception):
    """The worker process running a step died (``os._exit``, a signal): the error of that step's
    failure (``failure_data.error.cls_name``); the run as a whole raises ``DagsterSubprocessError``.
    """

    def __init__(self, message: str = "", pid: int | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.pid = pid
        self.exit_code = exit_code


class PostProcessingError(Exception):
    """Config post-processing failed (for example an environment variable is not set)."""


class ExperimentalWarning(Warning):
    """Warns that an API is experimental and may change between releases (Dagster's
    ``ExperimentalWarning``, which code silences with ``warnings.filterwarnings``)."""


def current_exc_info() -> ExcInfo:
    """``sys.exc_info()`` typed for the case where an exception is being handled."""
    exc_type, exc, tb = sys.exc_info()
    assert exc_type is not None and exc is not None
    return exc_type, exc, tb


def user_exception_of(error: BaseException) -> BaseException:
    """The user's exception that a boundary wrapped into ``error``; else ``error`` itself
    (what ``raise_on_error`` re-raises)."""
    user_exception = getattr(error, "user_exception", None)
    return user_exception if user_exception is not None else error


class user_code_boundary:
    r"""Runs user code: a plain exception raised inside becomes ``error_cls``.

    The user's exception is kept as ``user_exception``, ``__cause__`` and (with its traceback)
    ``original_exc_info``.  opbook's own errors (``DagsterError``, so a wrapped error is never
    wrapped again) and the types in ``passthrough`` (a user's ``Failure``, ``RetryRequested``)
    go through as themselves; so do ``BaseException``\ s that are not ``Exception``\ s
    (``KeyboardInterrupt``).

    A boundary keeps no state between uses: a site on the hot path makes one and reuses it.

    Args:
        error_cls: the ``DagsterUserCodeExecutionError`` subclass of this site.
        message: the error's message, or a function of the user's exception giving it.
        passthrough: more exception types that are not wrapped.
        **context: attributes of the error (``step_key``, ``resource_name``, ...).
    """

    __slots__ = ("context", "error_cls", "message", "passthrough")

    def __init__(
        self,
        error_cls: type[DagsterUserCodeExecutionError],
        message: str | Callable[[Exception], str],
        passthrough: tuple[type[BaseException], ...] = (),
        **context: Any,
    ) -> None:
        self.error_cls = error_cls
        self.message = message
        self.passthrough: tuple[type[BaseException], ...] = (DagsterError, *passthrough)
        self.context = context

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None or not isinstance(exc, Exception) or isinstance(exc, self.passthrough):
            return
        raise self.wrapped(exc) from exc

    def wrapped(self, exc: Exception) -> DagsterUserCodeExecutionError:
        """The error a plain exception ``exc`` becomes (raise it ``from exc``): for a hot path
        that writes the boundary as ``try``/``except Exception`` and raises the exceptions of
        ``passthrough`` (``isinstance(exc, boundary.passthrough)``) as themselves."""
        message = self.message if isinstance(self.message, str) else self.message(exc)
        return self.error_cls(
            message,
            user_exception=exc,
            original_exc_info=(type(exc), exc, exc.__traceback__),
            **self.context,
        )
