"""The contexts an IO manager is handed: ``OutputContext`` (to ``handle_output``) and
``InputContext`` (to ``load_input``), with Dagster 0.13's members; and
``build_output_context`` / ``build_input_context`` to test a manager directly.

During a run the step runner builds them from what it knows (``output_storage.py``); built
for a test, a member that was not given raises ``DagsterInvariantViolationError`` naming it,
as in Dagster.  Resources given as a dict are built for the context's lifetime (use it as a
``with`` block when one of them yields).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, TypeVar

from opbook.definitions.user_events import AssetKey
from opbook.errors import DagsterInvariantViolationError
from opbook.execution.build_resources import build_resources
from opbook.execution.context import Resources
from opbook.execution.direct_context import console_log

_Self = TypeVar("_Self", bound="_IOContext")


def _missing(member: str, kind: str) -> DagsterInvariantViolationError:
    return DagsterInvariantViolationError(
        f"Attempting to access {member}, but it was not provided when constructing the {kind}"
    )


class _ManagedResources:
    """Resources given as a dict: built now, torn down when the context is left."""

    def __init__(self, resources: Any) -> None:
        self._cm: AbstractContextManager[Resources] | None = None
        if resources is None or isinstance(resources, Resources):
            self.resources = resources
        else:
            self._cm = build_resources(dict(resources))
            self.resources = self._cm.__enter__()

    def close(self) -> None:
        if self._cm is not None:
            cm, self._cm = self._cm, None
            cm.__exit__(None, None, None)


class _IOContext:
    """What both contexts know: the input's or output's name, its op, config, metadata, type,
    the run's log, and the manager's config and resources.  A member that was not given raises
    ``DagsterInvariantViolationError`` naming it."""

    def __init__(
        self,
        name: str | None,
        pipeline_name: str | None,
        solid_def: Any,
        op_def: Any,
        config: Any,
        metadata: dict[str, Any] | None,
        dagster_type: Any,
        log_manager: Any,
        resource_config: Any,
        resources: Any,
        step_context: Any,
    ) -> None:
        if solid_def is not None and op_def is not None:
            raise DagsterInvariantViolationError("Can't provide both a solid_def and an op_def arg")
        self._name = name
        self._pipeline_name = pipeline_name
        self._solid_def = solid_def if solid_def is not None else op_def
        self._config = config
        self._metadata = metadata
        self._dagster_type = dagster_type
        self._log = log_manager
        self._resource_config = resource_config
        self._managed = _ManagedResources(resources)
        self._step_context = step_context

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._managed.close()

    def _need(self, value: Any, member: str) -> Any:
        if value is None:
            raise _missing(member, type(self).__name__)
        return value

    @property
    def name(self) -> str:
        return self._need(self._name, "name")

    @property
    def pipeline_name(self) -> str:
        return self._need(self._pipeline_name, "pipeline_name")

    @property
    def solid_def(self) -> Any:
        return self._need(self._solid_def, "solid_def")

    @property
    def op_def(self) -> Any:
        return self._need(self._solid_def, "op_def")

    @property
    def config(self) -> Any:
        return self._config

    @property
    def metadata(self) -> dict[str, Any] | None:
        return self._metadata

    @property
    def dagster_type(self) -> Any:
        return self._need(self._dagster_type, "dagster_type")

    @property
    def log(self) -> Any:
        return self._need(self._log, "log")

    @property
    def resource_config(self) -> Any:
        return self._resource_config

    @property
    def resources(self) -> Any:
        return self._need(self._managed.resources, "resources")

    @property
    def step_context(self) -> Any:
        return self._need(self._step_context, "step_context")

    @property
    def has_partition_key(self) -> bool:
        return False


class OutputContext(_IOContext):
    """What ``IOManager.handle_output`` knows about the output it stores.

    Members: ``step_key``, ``name``, ``pipeline_name``, ``run_id``, ``metadata``,
    ``mapping_key``, ``config``, ``solid_def`` / ``op_def``, ``dagster_type``, ``log``,
    ``version``, ``resource_config``, ``resources``, ``asset_key``; and
    ``get_output_identifier()`` (``[run_id, step_key, name]``).
    """

    def __init__(
        self,
        step_key: str | None = None,
        name: str | None = None,
        pipeline_name: str | None = None,
        run_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        mapping_key: str | None = None,
        config: Any = None,
        solid_def: Any = None,
        dagster_type: Any = None,
        log_manager: Any = None,
        version: str | None = None,
        resource_config: Any = None,
        resources: Any = None,
        step_context: Any = None,
        op_def: Any = None,
    ) -> None:
        super().__init__(
            name,
            pipeline_name,
            solid_def,
            op_def,
            config,
            metadata,
            dagster_type,
            log_manager,
            resource_config,
            resources,
            step_context,
        )
        self._step_key = step_key
        self._run_id = run_id
        self._mapping_key = mapping_key
        self._version = version

    @property
    def step_key(self) -> str:
        return self._need(self._step_key, "step_key")

    @property
    def run_id(self) -> str:
        return self._need(self._run_id, "run_id")

    @property
    def mapping_key(self) -> str | None:
        return self._mapping_key

    @property
    def version(self) -> str | None:
        return self._version

    @property
    def asset_key(self) -> AssetKey | None:
        """The asset key of this output's definition (None if it has none)."""
        output_def = self.solid_def.output_def_named(self.name)
        return output_def.get_asset_key(self)

    @property
    def has_asset_key(self) -> bool:
        return self._solid_def is not None and self.asset_key is not None

    def get_run_scoped_output_identifier(self) -> list[str]:
        """``[run_id, step_key, name]`` (and the mapping key of a mapped output): unique to
        this output of this run.  During a re-execution, an output that was not computed again
        names the run that computed it."""
        return self._identifier(self.run_id)

    def get_output_identifier(self) -> list[str]:
        """Like ``get_run_scoped_output_identifier``; with a version, the path is
        ``["versioned_outputs", version, step_key, name]``."""
        if self._version is not None:
            return ["versioned_outputs", self._version, self.step_key, self.name]
        return self._identifier(self.run_id)

    def _identifier(self, run_id: str) -> list[str]:
        identifier = [run_id, self.step_key, self.name]
        if self._mapping_key:
            identifier.append(self._mapping_key)
        return identifier

    def __repr__(self) -> str:
        return f"<OutputContext {self._step_key}.{self._name}>"


class InputContext(_IOContext):
    """What ``load_input`` knows about the input it loads.

    Members: ``name``, ``pipeline_name``, ``solid_def`` / ``op_def``, ``config``,
    ``metadata``, ``upstream_output`` (the ``OutputContext`` of the output that feeds it; None
    for a root input), ``dagster_type``, ``log``, ``resource_config``, ``resources``,
    ``asset_key``.
    """

    def __init__(
        self,
        name: str | None = None,
        pipeline_name: str | None = None,
        solid_def: Any = None,
        config: Any = None,
        metadata: dict[str, Any] | None = None,
        upstream_output: OutputContext | None = None,
        dagster_type: Any = None,
        log_manager: Any = None,
        resource_config: Any = None,
        resources: Any = None,
        step_context: Any = None,
        op_def: Any = None,
    ) -> None:
        super().__init__(
            name,
            pipeline_name,
            solid_def,
            op_def,
            config,
            metadata,
            dagster_type,
            log_manager,
            resource_config,
            resources,
            step_context,
        )
        self._upstream_output = upstream_output

    @property
    def has_input_name(self) -> bool:
        return self._name is not None

    @property
    def upstream_output(self) -> OutputContext | None:
        return self._upstream_output

    @property
    def asset_key(self) -> AssetKey | None:
        """The asset key of the upstream output (None for a root input or none set)."""
        upstream = self._upstream_output
        return upstream.asset_key if upstream is not None and upstream._solid_def else None

    def __repr__(self) -> str:
        return f"<InputContext {self._name}>"


def build_output_context(
    step_key: str | None = None,
    name: str | None = None,
    metadata: dict[str, Any] | None = None,
    run_id: str | None = None,
    mapping_key: str | None = None,
    config: Any = None,
    dagster_type: Any = None,
    version: str | None = None,
    resource_config: dict[str, Any] | None = None,
    resources: dict[str, Any] | None = None,
    solid_def: Any = None,
    op_def: Any = None,
) -> OutputContext:
    """An ``OutputContext`` for calling ``handle_output`` in a test; usable as a ``with``
    block (resources given as a dict are torn down on leaving it).

    Args:
        step_key: the step that produced the output.
        name: the output's name.
        metadata: the output definition's metadata.
        run_id: the run that produced it.
        mapping_key: the mapping key of a mapped output.
        config: the output's config.
        dagster_type: the output's type.
        version: the output's version.
        resource_config: the manager's own config.
        resources: resources (definitions or values) by key, built for the context.
        solid_def: the solid that produced the output.
        op_def: the op that produced the output (not with ``solid_def``).

    Returns:
        OutputContext
    """
    return OutputContext(
        step_key=step_key,
        name=name,
        pipeline_name=None,
        run_id=run_id,
        metadata=metadata,
        mapping_key=mapping_key,
        config=config,
        solid_def=solid_def,
        dagster_type=dagster_type,
        log_manager=console_log(run_id or ""),
        version=version,
        resource_config=resource_config,
        resources=resources,
        op_def=op_def,
    )


def build_input_context(
    name: str | None = None,
    config: Any = None,
    metadata: dict[str, Any] | None = None,
    upstream_output: OutputContext | None = None,
    dagster_type: Any = None,
    resource_config: dict[str, Any] | None = None,
    resources: dict[str, Any] | None = None,
    op_def: Any = None,
) -> InputContext:
    """An ``InputContext`` for calling ``load_input`` in a test; usable as a ``with`` block.

    Args:
        name: the input's name.
        config: the input's config.
        metadata: the input definition's metadata.
        upstream_output: the context of the output feeding the input (``build_output_context``).
        dagster_type: the input's type.
        resource_config: the manager's own config.
        resources: resources (definitions or values) by key, built for the context.
        op_def: the op that loads the input.

    Returns:
        InputContext
    """
    return InputContext(
        name=name,
        pipeline_name=None,
        config=config,
        metadata=metadata,
        upstream_output=upstream_output,
        dagster_type=dagster_type,
        log_manager=console_log(""),
        resource_config=resource_config,
        resources=resources,
        op_def=op_def,
    )
