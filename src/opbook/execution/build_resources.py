"""``build_resources``: a run's resources, built outside any run (a script, a test, a notebook).

The resources given as definitions are initialised in dependency order with their config
(``resource_config`` is the ``resources:`` section of a run config: ``{key: {"config": ...}}``),
checked against their schemas first, all problems at once; plain values are used as they are.
The ``with`` block gets them as attributes; leaving it runs the teardowns of resources that
yield, in reverse order, also when the block raised.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, cast

from opbook import config as cfg
from opbook import dag
from opbook.definitions.configured import apply_config_mapping
from opbook.definitions.resource import ResourceDefinition, as_resource_definition
from opbook.errors import (
    CheckError,
    DagsterError,
    DagsterInvalidConfigError,
    DagsterInvalidInvocationError,
    user_exception_of,
)
from opbook.execution.context import InitResourceContext, Resources
from opbook.execution.direct_context import console_log
from opbook.execution.log_manager import DagsterLogManager
from opbook.execution.resources import call_resource_fn, teardown_boundary
from opbook.storage.instance import DagsterInstance


def _resource_configs(
    definitions: Mapping[str, ResourceDefinition], resource_config: Mapping[str, Any]
) -> dict[str, Any]:
    """Each resource's config: validated (defaults filled), then mapped by ``configured``."""
    fields = {
        key: cfg.Field({"config": definition.config_field})
        for key, definition in definitions.items()
        if definition.config_field is not None
    }
    result = cfg.validate(cfg.Field(cfg.Shape(fields)), dict(resource_config))
    if not result.success:
        raise DagsterInvalidConfigError(
            "Error in config for resources", result.errors, resource_config
        )
    given = cast("dict[str, Any]", result.value or {})
    configs = {key: (entry or {}).get("config") for key, entry in given.items()}
    for key, definition in definitions.items():
        mapped = apply_config_mapping(definition, configs.get(key))
        if not mapped.success:
            raise DagsterInvalidConfigError(
                f"Error in config mapping for resource {key}", mapped.errors, resource_config
            )
        configs[key] = mapped.value
    return configs


def _order(definitions: Mapping[str, ResourceDefinition]) -> list[str]:
    upstream = {}
    for key, definition in definitions.items():
        missing = sorted(definition.required_resource_keys - definitions.keys())
        if missing:
            raise DagsterInvalidInvocationError(
                f'Resource "{key}" requires resources {missing}, which were not given to '
                f"build_resources (it was given {sorted(definitions)})."
            )
        upstream[key] = sorted(definition.required_resource_keys)
    order = dag.toposort(upstream)
    if order is None:
        cycle = dag.find_cycle(upstream) or []
        raise DagsterInvalidInvocationError(
            f"The resources given to build_resources require each other in a cycle: "
            f"{' -> '.join(cycle)}."
        )
    return order


def _teardown(generators: list[tuple[str, Iterator[Any]]], log: DagsterLogManager) -> None:
    """Resume each yielding resource past its ``yield``, last built first; a failing teardown
    is logged, and the others still run."""
    while generators:
        key, generator = generators.pop()
        try:
            with teardown_boundary(key):
                next(generator, None)
        except DagsterError as error:
            log.error(str(error), exc_info=user_exception_of(error))


@contextmanager
def build_resources(
    resources: Mapping[str, Any],
    instance: DagsterInstance | None = None,
    resource_config: Mapping[str, Any] | None = None,
    pipeline_run: Any = None,
    log_manager: DagsterLogManager | None = None,
) -> Iterator[Resources]:
    """Build resources outside a run, for the length of a ``with`` block.

    Args:
        resources: resource definitions or plain values, by key; a resource's required
            resources must be among them.
        instance: given to the resources' init context (default: a new in-memory instance).
        resource_config: config by key, as in a run config: ``{key: {"config": ...}}``.
        pipeline_run: the run the resources' init context names (``run_id`` comes from it).
        log_manager: ``init_context.log`` (default: the console logger).

    Yields:
        The resources, one attribute per key.

    Raises:
        DagsterInvalidConfigError: the config does not fit the resources' schemas.
        DagsterResourceFunctionError: a resource function raised.
    """
    if not isinstance(resources, Mapping):
        raise CheckError(
            f'Param "resources" must be a dict of resource definitions or values by key. '
            f"Got {resources!r}."
        )
    definitions = {key: as_resource_definition(value) for key, value in resources.items()}
    configs = _resource_configs(definitions, resource_config or {})
    order = _order(definitions)
    instance = instance if instance is not None else DagsterInstance.ephemeral()
    run_id = getattr(pipeline_run, "run_id", None)
    log = log_manager if log_manager is not None else console_log(run_id or "")
    values: dict[str, Any] = {}
    generators: list[tuple[str, Iterator[Any]]] = []
    try:
        for key in order:
            definition = definitions[key]
            deps = Resources({k: values[k] for k in definition.required_resource_keys})
            context = InitResourceContext(
                configs.get(key), definition, deps, run_id, log, instance, pipeline_run
            )
            values[key], generator = call_resource_fn(key, definition, context)
            if generator is not None:
                generators.append((key, generator))
        yield Resources({key: values[key] for key in resources})
    finally:
        _teardown(generators, log)
