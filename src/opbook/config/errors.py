"""Config problems as data: what went wrong (``reason``), where (``stack``), and a message.

Validation never raises for a bad value; it returns a :class:`ConfigResult` holding every
problem.  Callers that must fail turn the problems into one
:class:`opbook.errors.DagsterInvalidConfigError`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

PathPart = str | int
Path = tuple[PathPart, ...]


class DagsterEvaluationErrorReason(enum.Enum):
    """Why a config value is invalid (Dagster's names)."""

    RUNTIME_TYPE_MISMATCH = "RUNTIME_TYPE_MISMATCH"
    MISSING_REQUIRED_FIELD = "MISSING_REQUIRED_FIELD"
    MISSING_REQUIRED_FIELDS = "MISSING_REQUIRED_FIELDS"
    FIELD_NOT_DEFINED = "FIELD_NOT_DEFINED"
    FIELDS_NOT_DEFINED = "FIELDS_NOT_DEFINED"
    SELECTOR_FIELD_ERROR = "SELECTOR_FIELD_ERROR"
    FAILED_POST_PROCESSING = "FAILED_POST_PROCESSING"


def format_path(stack: Path) -> str:
    """A path as text: ``ops.load.config.retries``, ``items[2]``; ``""`` for the root."""
    text = ""
    for part in stack:
        if type(part) is int:
            text += f"[{part}]"
        elif text:
            text += f".{part}"
        else:
            text = str(part)
    return text


def where(stack: Path) -> str:
    """The place named in messages, in Dagster's words: ``the root``, or
    ``path root:ops:load:config:retries`` (``root:items[2]`` for an array item).  Problems keep
    their dotted ``path`` as data for forms."""
    if not stack:
        return "the root"
    text = "root"
    for part in stack:
        text += f"[{part}]" if type(part) is int else f":{part}"
    return f"path {text}"


@dataclass(frozen=True)
class EvaluationError:
    """One problem found in a config value.

    Attributes:
        stack: the path to the problem, one part per field name, array index or map key.
        reason: what kind of problem it is.
        message: a sentence saying what was expected, what was received, and where.
        error_data: structured details (field names, the expected type); never a secret value.
    """

    stack: Path
    reason: DagsterEvaluationErrorReason
    message: str
    error_data: object = field(default=None, hash=False)

    @property
    def path(self) -> str:
        """The dotted path of the problem (``ops.load.config.retries``; ``""`` for the root)."""
        return format_path(self.stack)


@dataclass(frozen=True)
class ConfigResult:
    """The outcome of validating a config value.

    Attributes:
        success: True when the value is valid.
        value: the value with every default filled in and post-processed (env variables read,
            floats coerced, enum names turned into their values); None on failure.
        errors: every problem found (empty on success).
    """

    success: bool
    value: object
    errors: tuple[EvaluationError, ...] = ()
