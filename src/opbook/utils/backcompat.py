"""``from dagster.utils.backcompat import ExperimentalWarning``, spelled ``opbook.utils.backcompat``."""

from __future__ import annotations

from opbook.errors import ExperimentalWarning

__all__ = ["ExperimentalWarning"]
