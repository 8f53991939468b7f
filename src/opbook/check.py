"""``dagster.check``: the exceptions Dagster raises when an API is called with arguments it cannot
take, under the path users catch them from (``from dagster.check import CheckError``).

Dagster's argument-checking helpers themselves (``check.str_param``, ...) are internal and not
provided; ``CheckError`` and ``ParameterCheckError`` are also importable from ``opbook.errors``.
"""

from __future__ import annotations

from opbook.errors import CheckError, ParameterCheckError

__all__ = ["CheckError", "ParameterCheckError"]
