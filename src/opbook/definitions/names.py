"""Dagster's rule for the names of nodes, inputs and outputs.

A name is letters, digits and underscores (``^[A-Za-z0-9_]+$``), and none of the words Dagster
reserves: Python's keywords and names its own machinery uses (``context``, ``config``,
``input``, ``output``, ``type``, ...).
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from opbook.errors import DagsterInvalidDefinitionError

RESERVED_NAMES = frozenset(
    {
        "context",
        "conf",
        "config",
        "meta",
        "arg_dict",
        "dict",
        "input_arg_dict",
        "output_arg_dict",
        "int",
        "str",
        "float",
        "bool",
        "input",
        "output",
        "type",
        *keyword.kwlist,
    }
)
NAME_PATTERN = r"^[A-Za-z0-9_]+$"


def check_reserved(name: str) -> str:
    """``name``, unless it is a word Dagster reserves."""
    if name in RESERVED_NAMES:
        raise DagsterInvalidDefinitionError(
            f'"{name}" is not a valid name in Dagster. It conflicts with a Dagster or python '
            "reserved keyword."
        )
    return name


def check_valid_name(name: Any) -> str:
    """``name``, if Dagster accepts it as the name of an input, output, alias, job, schedule,
    sensor, repository or partition set."""
    if not isinstance(name, str) or not re.match(NAME_PATTERN, name):
        raise DagsterInvalidDefinitionError(
            f'"{name}" is not a valid name in Dagster. Names must be in regex {NAME_PATTERN}.'
        )
    return check_reserved(name)
