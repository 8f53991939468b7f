"""What Dagster code imports from ``dagster.utils``: ``file_relative_path`` here, and
``ExperimentalWarning`` from ``opbook.utils.backcompat``.

``from opbook.utils import file_relative_path`` works as ``from dagster.utils import ...`` does;
both names are also published from ``opbook`` itself.
"""

from __future__ import annotations

import os

from opbook.errors import CheckError


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
