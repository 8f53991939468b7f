"""``StringSource``, ``IntSource`` and ``BoolSource``: a scalar, or ``{"env": "NAME"}``.

The env form is read from ``os.environ`` when the value is post-processed (at validation, not
when the schema is defined).  What a variable holds is treated as secret: messages about it
never show it.
"""

from __future__ import annotations

import os

from opbook.config.schema import Field, Selector
from opbook.config.types import Bool, ConfigType, ConfigTypeKind, Int, ScalarType, String
from opbook.config.values import MASK
from opbook.errors import PostProcessingError


class SourceType(ConfigType):
    """A scalar given directly or read from an environment variable.

    Attributes:
        scalar_type: the type of a value given directly.
        non_scalar_type: ``Selector({"env": String})``, the form naming a variable.
    """

    __slots__ = ("non_scalar_type", "scalar_type")

    scalar_type: ScalarType
    non_scalar_type: Selector

    def __init__(self, name: str, scalar_type: ScalarType) -> None:
        super().__init__(ConfigTypeKind.SOURCE, (scalar_type,), given_name=name)
        env = Field(String, description="The name of the environment variable to read.")
        self._init_slot("scalar_type", scalar_type)
        self._init_slot("non_scalar_type", Selector({"env": env}))

    def read_env(self, name: str) -> object:
        """The value of the variable ``name``, converted to this source's scalar.

        Raises:
            PostProcessingError: the variable is not set, or its text does not convert.
        """
        text = os.environ.get(name)
        if text is None:
            raise PostProcessingError(
                f'You have attempted to fetch the environment variable "{name}" which is not '
                "set. In order for this execution to succeed it must be set in this environment."
            )
        return self.from_text(name, text)

    def from_text(self, name: str, text: str) -> object:
        """Convert the text of the variable ``name`` (a string source keeps it)."""
        return text


class IntSourceType(SourceType):
    """An int, or the int written in an environment variable."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__("IntSource", Int)

    def from_text(self, name: str, text: str) -> object:
        try:
            return int(text)
        except ValueError:
            raise PostProcessingError(
                f'Value "{MASK}" stored in env variable "{name}" cannot be coerced into an int.'
            ) from None


class BoolSourceType(SourceType):
    """A bool, or an environment variable: as in Dagster, any non-empty text is True."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__("BoolSource", Bool)

    def from_text(self, name: str, text: str) -> object:
        return bool(text)


StringSource = SourceType("StringSource", String)
IntSource = IntSourceType()
BoolSource = BoolSourceType()
