"""The run config of a command: YAML files merged, the executor chosen, shown safely.

* ``read_files``: each ``-c FILE`` is a YAML mapping; several are deep-merged in order (a later
  file's dicts merge into an earlier one's, anything else replaces).  ``{env: NAME}`` stays as
  written: the engine reads the variable when the run starts, and stores the reference only.
* ``with_executor``: ``--executor NAME`` written in the form the definition takes: a pipeline's
  ``execution: {NAME: {config: ...}}``, a job's ``execution: {config: {NAME: ...}}`` (a job on
  the default executors) or the job's own executor's ``execution: {config: ...}``.  A standard
  executor (in_process, multiprocess, dask) the job does not offer is added for that run.
* ``with_default_storage``: output values on disk under the instance (filesystem storage) unless
  the config chooses, so that a later ``opbook reexecute`` finds them.
* ``masked``: a copy safe to print or store, every secret field's value as ``***``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from opbook.cli.errors import CommandLineError, describe_exception
from opbook.config import mask_secrets
from opbook.config.values import MASK
from opbook.config.yaml_text import UnsafeYamlError, load_yaml
from opbook.definitions.executor import (
    ExecutorDefinition,
    dask_executor,
    in_process_executor,
    multiprocess_executor,
)
from opbook.definitions.frozen import replace
from opbook.definitions.job import PipelineDefinition
from opbook.definitions.mode import ModeDefinition, deep_merge
from opbook.definitions.run_config import MANAGED_BY_ENGINE, NODE_SECTION_NAMES, run_config_schema


def read_file(path: str) -> dict[str, Any]:
    """The run config in one YAML file (an empty file is ``{}``)."""
    try:
        with open(os.path.expanduser(path), "rb") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise CommandLineError(f"no such config file: {path}") from None
    except OSError as exc:
        raise CommandLineError(f"{path}: could not read it: {describe_exception(exc)}") from None
    try:
        value = load_yaml(text)
    except yaml.MarkedYAMLError as exc:
        # Only the position and the problem: the YAML error's snippet of the line could show a
        # secret written there.
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise CommandLineError(
            f"{path}: invalid YAML{where}: {exc.problem or exc.context}"
        ) from None
    except UnsafeYamlError as exc:
        raise CommandLineError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise CommandLineError(f"{path}: invalid YAML: {type(exc).__name__}") from None
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise CommandLineError(
            f"{path}: a run config is a mapping (ops:, resources: ...), got a {type(value).__name__}"
        )
    return dict(value)


def read_files(paths: Sequence[str]) -> dict[str, Any]:
    """The run configs in ``paths``, deep-merged in order."""
    merged: dict[str, Any] = {}
    for path in paths:
        merged = deep_merge(merged, read_file(path))
    return merged


STANDARD_EXECUTORS: dict[str, ExecutorDefinition] = {
    executor.name: executor
    for executor in (in_process_executor, multiprocess_executor, dask_executor)
}


def _configured(execution: Any, name: str) -> Any:
    """The config ``execution`` gives executor ``name``, in either form (None: none)."""
    if not isinstance(execution, Mapping):
        return None
    entry = execution.get(name)
    if isinstance(entry, Mapping):
        return entry.get("config")
    inner = execution.get("config")
    if isinstance(inner, Mapping) and isinstance(inner.get(name), Mapping):
        return inner[name]
    return None


def _offering(
    pipeline: PipelineDefinition, mode: ModeDefinition, executor: ExecutorDefinition
) -> tuple[PipelineDefinition, ModeDefinition]:
    """A copy of ``pipeline`` whose mode ``mode`` also offers ``executor`` (for this run only;
    the definition the target holds is left as it is)."""
    widened = replace(mode, executor_defs=[*mode.executor_defs, executor])
    modes = [widened if m is mode else m for m in pipeline.mode_definitions]
    variant = replace(pipeline, mode_definitions=modes)
    return variant, widened


def with_executor(
    pipeline: PipelineDefinition, mode: ModeDefinition, config: dict[str, Any], name: str
) -> tuple[PipelineDefinition, ModeDefinition, dict[str, Any]]:
    """The job, its mode and ``config``, choosing executor ``name`` (and keeping the config
    ``config`` gave that executor).  ``name`` is one of the executors the job or mode offers,
    or a standard one (in_process, multiprocess, dask), which the run then offers too.

    Raises:
        CommandLineError: ``name`` is neither.
    """
    names = [e.name for e in mode.executor_defs]
    if name not in names:
        if name not in STANDARD_EXECUTORS:
            raise CommandLineError(
                f"--executor {name}: no such executor; choose one of "
                f"{', '.join(dict.fromkeys([*names, *STANDARD_EXECUTORS]))}"
            )
        pipeline, mode = _offering(pipeline, mode, STANDARD_EXECUTORS[name])
        names.append(name)
    kept = _configured(config.get("execution"), name)
    if not mode.job_style_execution:
        choice: dict[str, Any] = {name: {"config": kept} if kept is not None else {}}
    elif len(names) > 1:
        choice = {"config": {name: kept if kept is not None else {}}}
    else:  # the job's own executor: Dagster 0.13's `execution: {config: ...}`
        own = config.get("execution")
        if kept is None and isinstance(own, Mapping) and set(own) == {"config"}:
            kept = own["config"]
        choice = {"config": kept if kept is not None else {}}
    return pipeline, mode, {**config, "execution": choice}


def added_executor(mode: ModeDefinition, config: Mapping[str, Any]) -> str | None:
    """The standard executor ``config`` chooses that ``mode`` does not offer (a run made with
    ``--executor``, run again), or None."""
    execution = config.get("execution")
    if not isinstance(execution, Mapping):
        return None
    inner = execution.get("config")
    named = [*execution, *(inner if isinstance(inner, Mapping) else ())]
    offered = {e.name for e in mode.executor_defs}
    return next((n for n in named if n in STANDARD_EXECUTORS and n not in offered), None)


def with_default_storage(mode: ModeDefinition, config: dict[str, Any]) -> dict[str, Any]:
    """``config`` keeping output values on disk, unless it chooses a storage itself."""
    if "storage" in config or "intermediate_storage" in config:
        return config
    if "filesystem" not in [s.name for s in mode.intermediate_storage_defs]:
        return config
    return {**config, "intermediate_storage": {"filesystem": {}}}


def masked(pipeline: PipelineDefinition, mode: ModeDefinition, config: Mapping[str, Any]) -> Any:
    """A copy of ``config`` with the value of every secret field as ``***``."""
    section = next((name for name in NODE_SECTION_NAMES if name in config), None)
    schema = run_config_schema(pipeline, mode, section)
    mapping = getattr(pipeline, "config_mapping", None)
    if mapping is None:
        return mask_secrets(schema, dict(config))
    # A job with a config mapping takes the mapping's config beside the engine's sections.
    managed = {k: v for k, v in config.items() if k in MANAGED_BY_ENGINE}
    outer = {k: v for k, v in config.items() if k not in MANAGED_BY_ENGINE}
    outer_schema = mapping.config_schema
    safe_outer = mask_secrets(outer_schema, outer) if outer_schema is not None else outer
    return {**safe_outer, **mask_secrets(schema, managed)}


def has_mask(value: Any) -> bool:
    """Whether a stored config lost a secret value to masking (so it cannot be run again)."""
    if isinstance(value, Mapping):
        return any(has_mask(item) for item in value.values())
    if isinstance(value, list):
        return any(has_mask(item) for item in value)
    return bool(value == MASK)


def to_yaml(value: Any) -> str:
    """``value`` as block-style YAML, keys in the order given."""
    return yaml.safe_dump(value, sort_keys=False, default_flow_style=False, allow_unicode=True)
