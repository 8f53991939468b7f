"""What Dagster code imports from ``dagster.utils``: ``file_relative_path`` and ``merge_dicts``
here, the email failure sensors, ``ExperimentalWarning`` from ``opbook.utils.backcompat`` and
the partition helpers from ``opbook.utils.partitions``.

``from opbook.utils import file_relative_path`` works as ``from dagster.utils import ...`` does;
these names are also published from ``opbook`` itself.  The package sits above the engine
(beside ``cli``): it only gathers names that live elsewhere, under Dagster's module paths.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from opbook.errors import CheckError
from opbook.execution.alerts import (
    make_email_on_pipeline_failure_sensor,
    make_email_on_run_failure_sensor,
)

__all__ = [
    "file_relative_path",
    "make_email_on_pipeline_failure_sensor",
    "make_email_on_run_failure_sensor",
    "merge_dicts",
]


def file_relative_path(dunderfile: str, relative_path: str) -> str:
    """A path relative to the directory of the file calling it, so that a job finds its
    files (config YAML, data) from any working directory.

    Args:
        dunderfile: always ``__file__``.
        relative_path: the path from that file's directory.

    Returns:
        ``os.path.join(os.path.dirname(dunderfile), relative_path)``.
    """
    for name, value in (("dunderfile", dunderfile), ("relative_path", relative_path)):
        if not isinstance(value, str):
            raise CheckError(
                f'Param "{name}" is not a str. Got {value!r} which is type {type(value)}.'
            )
    return os.path.join(os.path.dirname(dunderfile), relative_path)


def merge_dicts(*dicts: Mapping[Any, Any]) -> dict[Any, Any]:
    """One dict with the keys of all of ``dicts``; a key in several takes its value from the
    last one (a shallow merge, as Dagster's ``dagster.utils.merge_dicts``).

    Raises:
        CheckError: fewer than two dicts, or one that is not a dict.
    """
    if len(dicts) < 2:
        raise CheckError(f"Expected 2 or more args to merge_dicts, found {len(dicts)}")
    merged: dict[Any, Any] = {}
    for position, value in enumerate(dicts):
        if not isinstance(value, Mapping):
            raise CheckError(
                f"Argument {position} of merge_dicts is not a dict. Got {value!r} which is "
                f"type {type(value)}."
            )
        merged.update(value)
    return merged
