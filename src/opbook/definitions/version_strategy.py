"""Versions of ops and resources, for memoized runs (Dagster 0.13's ``VersionStrategy``).

A memoized run (a job with a ``version_strategy``, or a run tagged ``MEMOIZED_RUN_TAG``) gives
each step output a version made from its op's version, its config, its resources' versions and
the versions of its inputs (``plan.versions``); a step whose outputs its IO manager already
holds under those versions is not run.  An op's version is its ``version=`` argument, else what
the job's strategy says; a resource's likewise.  ``SourceHashVersionStrategy`` versions each
op and resource by a hash of its function's source, so editing an op changes its version (and
that of everything downstream) and nothing else.
"""

from __future__ import annotations

import hashlib
import inspect
import marshal
from typing import Any, NamedTuple

MEMOIZED_RUN_TAG = "dagster/is_memoized_run"


class OpVersionContext(NamedTuple):
    """What a strategy knows when it versions an op: its definition and its parsed config."""

    op_def: Any
    op_config: Any

    @property
    def solid_def(self) -> Any:
        return self.op_def

    @property
    def solid_config(self) -> Any:
        return self.op_config


SolidVersionContext = OpVersionContext


class ResourceVersionContext(NamedTuple):
    """What a strategy knows when it versions a resource: its definition and parsed config."""

    resource_def: Any
    resource_config: Any


class VersionStrategy:
    """How a job versions its ops and resources when they name no version of their own.

    Subclass it and implement ``get_solid_version`` (or ``get_op_version``); implement
    ``get_resource_version`` to version resources too (None by default: a resource with no
    version is versioned by its config alone).  Giving a strategy to a job
    (``@job(version_strategy=...)``) makes its runs memoized.
    """

    def get_solid_version(self, context: OpVersionContext) -> str | None:
        """The version of the op in ``context`` (an ``OpVersionContext``)."""
        return None

    def get_op_version(self, context: OpVersionContext) -> str | None:
        """The version of the op in ``context``; ``get_solid_version`` by default."""
        return self.get_solid_version(context)

    def get_resource_version(self, context: ResourceVersionContext) -> str | None:
        """The version of the resource in ``context`` (a ``ResourceVersionContext``)."""
        return None


class SourceHashVersionStrategy(VersionStrategy):
    """Versions each op and resource by the SHA-1 of its function's source text.

    A function whose source cannot be read (built by ``exec`` outside a notebook) is versioned
    by its compiled code instead, so it still gets a version that changes when it does.
    """

    def _get_source_hash(self, fn: Any) -> str:
        return source_hash(fn)

    def get_op_version(self, context: OpVersionContext) -> str:
        compute_fn = context.op_def.compute_fn
        return self._get_source_hash(getattr(compute_fn, "decorated_fn", compute_fn))

    def get_resource_version(self, context: ResourceVersionContext) -> str:
        return self._get_source_hash(context.resource_def.resource_fn)


# Hashes by (code object, file): reading source back is the slow part of versioning a job,
# and a function's code does not change (an edited function is a new code object).
_hashes: dict[tuple[Any, str], str] = {}


def source_hash(fn: Any) -> str:
    """The SHA-1 (hex) of ``fn``'s source, or of its code object when the source is unknown."""
    code = getattr(fn, "__code__", None)
    key = (code, code.co_filename) if code is not None else None
    known = _hashes.get(key) if key is not None else None
    if known is not None:
        return known
    try:
        text = inspect.getsource(fn).encode("utf-8")
    except (OSError, TypeError):
        text = marshal.dumps(code) if code is not None else repr(fn).encode("utf-8")
    digest = hashlib.sha1(text).hexdigest()
    if key is not None:
        if len(_hashes) > 4096:
            _hashes.clear()
        _hashes[key] = digest
    return digest
