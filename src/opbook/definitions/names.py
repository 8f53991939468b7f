"""Dagster's rule for the names of nodes, inputs and outputs.

A name is letters, digits and underscores (``^[A-Za-z0-9_]+$``), and none of the words Dagster
reserves: Python's keywords and names its own machinery uses (``context``, ``config``,
``input``, ``output``, ``type``, ...).
"""

from __future__ import annotations

import keyword
import re

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


def check_reserved(name: str, what: str) -> str:
    """``name``, unless it is a word Dagster reserves."""
    if name in RESERVED_NAMES:
        raise DagsterInvalidDefinitionError(
            f'{what} "{name}" is not a valid name in Dagster. It conflicts with a Dagster or '
            "python reserved keyword."
        )
    return name


def check_valid_name(name: str, what: str) -> str:
    """``name``, checked against Dagster's rule; ``what`` says what it names (``Input``)."""
    if not isinstance(name, str) or not re.match(NAME_PATTERN, name):
        raise DagsterInvalidDefinitionError(
            f'{what} "{name}" is not a valid name in Dagster. Names must be in regex '
            f"{NAME_PATTERN}."
        )
    return check_reserved(name, what)
