"""Executor definitions: a name and a config schema, chosen by run config or by the job.

The definitions of the built-in executors are pure data here; the engine's ``executors``
package holds the code that runs a plan for each of them (looked up by name).  A user-defined
``@executor`` brings its own creation function, which the engine calls with an
``InitExecutorContext`` to get an executor object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from opbook import config as cfg
from opbook.definitions.configured import Configurable, ConfiguredSchema, split_config_schema
from opbook.definitions.frozen import Frozen

RETRIES_SCHEMA = cfg.Field(
    cfg.Selector({"enabled": cfg.Field({}), "disabled": cfg.Field({})}),
    default_value={"enabled": {}},
    description="Whether steps may be retried (RetryRequested, retry policies).",
)


class ExecutorDefinition(Configurable, Frozen):
    """An executor: ``name``, ``config_schema`` and, for custom executors, a creation function
    (a frozen value).  A configured copy keeps the name it is not given another."""

    def __init__(
        self,
        name: str,
        config_schema: Any = None,
        executor_creation_fn: Callable[..., Any] | None = None,
        required_resource_keys: Iterable[str] | None = None,
        description: str | None = None,
        requirements: Any = None,
    ) -> None:
        config_schema, self.configured_from = split_config_schema(config_schema)
        self.name = name
        self.config_field: cfg.Field | None = (
            None if config_schema is None else cfg.convert_to_field(config_schema)
        )
        self.executor_creation_fn = executor_creation_fn
        self.required_resource_keys = frozenset(required_resource_keys or ())
        self.description = description
        self.requirements = requirements
        # Which built-in implementation (by its original name) a renamed configured copy runs.
        self.base_name: str = (
            self.configured_from.parent.base_name if self.configured_from is not None else name
        )

    @property
    def config_schema(self) -> cfg.Field | None:
        return self.config_field

    def copy_for_configured(
        self, name: str, description: str | None, config_schema: ConfiguredSchema
    ) -> ExecutorDefinition:
        return ExecutorDefinition(
            name,
            config_schema,
            self.executor_creation_fn,
            self.required_resource_keys,
            description,
            self.requirements,
        )

    def __repr__(self) -> str:
        return f"<ExecutorDefinition {self.name!r}>"


def executor(
    name: Any = None, config_schema: Any = None, required_resource_keys: Iterable[str] | None = None
) -> Any:
    """Define an executor from ``fn(init_context) -> Executor``."""
    if callable(name) and not isinstance(name, str):
        return executor()(name)

    def wrap(fn: Callable[..., Any]) -> ExecutorDefinition:
        return ExecutorDefinition(
            name or fn.__name__, config_schema, fn, required_resource_keys, fn.__doc__
        )

    return wrap


in_process_executor = ExecutorDefinition(
    "in_process",
    {"retries": RETRIES_SCHEMA, "marker_to_close": cfg.Field(cfg.String, is_required=False)},
    description="Runs every step in the calling process, one after another.",
)
multiprocess_executor = ExecutorDefinition(
    "multiprocess",
    {
        "max_concurrent": cfg.Field(
            cfg.Int, default_value=0, description="Steps at once (0: one per CPU)."
        ),
        "retries": RETRIES_SCHEMA,
        "start_method": cfg.Field(
            cfg.Selector(
                {"spawn": cfg.Field({}), "forkserver": cfg.Field({}), "fork": cfg.Field({})}
            ),
            is_required=False,
            description="How worker processes start (default: spawn; forkserver where available).",
        ),
    },
    description="Runs steps in parallel in a pool of worker processes.",
)


def _optional(config_type: Any, description: str, is_secret: bool = False) -> cfg.Field:
    return cfg.Field(config_type, is_required=False, description=description, is_secret=is_secret)


_DASK_LOCAL = {
    "n_workers": _optional(
        cfg.Int, "Worker processes (default: as Dask chooses for this machine)."
    ),
    "threads_per_worker": _optional(cfg.Int, "Threads in each worker (default: as Dask chooses)."),
    "processes": cfg.Field(
        cfg.Bool, default_value=True, description="Workers in processes (True) or in threads."
    ),
}
_DASK_SECURITY = {
    "tls_ca_file": _optional(cfg.StringSource, "The CA certificate (a PEM file, or its text)."),
    "tls_client_cert": _optional(cfg.StringSource, "This client's certificate (PEM)."),
    "tls_client_key": _optional(cfg.StringSource, "This client's private key (PEM).", True),
    "tls_ciphers": _optional(cfg.StringSource, "Allowed ciphers (an OpenSSL cipher string)."),
    "require_encryption": cfg.Field(
        cfg.Bool,
        is_required=False,
        description="Refuse connections that are not encrypted (with certificates given, the "
        "default is true).",
    ),
}
_DASK_EXISTING = {
    "address": cfg.Field(
        cfg.StringSource, description="The scheduler's address: tcp://host:8786 or tls://host:8786."
    ),
    "security": _optional(_DASK_SECURITY, "TLS certificates, as distributed.Security takes them."),
    "timeout": cfg.Field(
        cfg.Float, default_value=30.0, description="Seconds to wait for the scheduler to answer."
    ),
}
dask_executor = ExecutorDefinition(
    "dask",
    {
        "cluster": cfg.Field(
            cfg.Selector({"local": cfg.Field(_DASK_LOCAL), "existing": cfg.Field(_DASK_EXISTING)}),
            default_value={"local": {}},
            description="A LocalCluster started for the run, or a running cluster's scheduler.",
        ),
        "max_concurrent": cfg.Field(
            cfg.Int,
            default_value=0,
            description="Steps submitted at once (0: every ready step; the cluster queues them).",
        ),
        "retries": RETRIES_SCHEMA,
    },
    description="Runs steps as tasks on a Dask cluster (needs the dask extra: opbook[dask]).",
)
default_executors: list[ExecutorDefinition] = [in_process_executor, multiprocess_executor]
