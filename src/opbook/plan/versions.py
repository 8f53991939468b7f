"""The versions of step outputs in a memoized run, computed as Dagster 0.13 does.

A step's version hashes together the versions of its inputs and its op's version; the op's
version hashes the op definition's version (its ``version=``, else the job's
``VersionStrategy``), the version of its config and the versions of the resources it requires.
An output's version hashes its name with its step's version.  Each hash is the SHA-1 of the
sorted parts joined (``join_and_hash``), so the order of the parts does not matter, and a
change anywhere upstream changes every version downstream of it.

Input versions: an upstream output's version; for a fan-in, the hash of its sources'; for an
input from run config, the hash of the input's type name and config (opbook's own: type loaders
carry no versions here); for a default value, the hash of its ``repr``; for a root input
manager, the manager's version with its config and the input's config.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from opbook.definitions.input_output import NO_VALUE
from opbook.definitions.job import PipelineDefinition
from opbook.definitions.mode import ModeDefinition
from opbook.definitions.run_config import ResolvedRunConfig
from opbook.definitions.version_strategy import OpVersionContext, ResourceVersionContext
from opbook.errors import DagsterInvariantViolationError
from opbook.events import StepKind, StepOutputHandle
from opbook.plan.plan import ExecutionPlan, ExecutionStep, StepInput

VALID_VERSION_REGEX_STR = r"^[A-Za-z0-9_]+$"
_VALID_VERSION = re.compile(VALID_VERSION_REGEX_STR)


def join_and_hash(*args: str | None) -> str | None:
    """The SHA-1 (hex) of the parts, sorted and joined; None if any part is None."""
    if any(arg is None for arg in args):
        return None
    joined = "".join(sorted(arg for arg in args if arg is not None))
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()


def resolve_config_version(config_value: Any) -> str:
    """The version of a config value: each entry of a dict hashed with its key, recursively;
    any other value hashed as its ``str``; None as the hash of nothing."""
    if config_value is None:
        return _hash()
    if not isinstance(config_value, dict):
        return _hash(str(config_value))
    return _hash(*[key + resolve_config_version(value) for key, value in config_value.items()])


def _hash(*args: str) -> str:
    joined = join_and_hash(*args)
    assert joined is not None  # no part is None
    return joined


def check_valid_version(version: str) -> None:
    """Raise Dagster's error for a version that is not made of letters, digits and ``_``."""
    if not isinstance(version, str) or not _VALID_VERSION.match(version):
        raise DagsterInvariantViolationError(
            f"'{version}' is not a valid version string. Version must be in regex "
            f"{VALID_VERSION_REGEX_STR}."
        )


def check_memoizable(plan: ExecutionPlan) -> None:
    """Raise Dagster's error when the plan maps over or collects a dynamic output."""
    if any(s.dynamic_source is not None or s.kind is not StepKind.COMPUTE for s in plan.steps):
        raise DagsterInvariantViolationError(
            "Attempted to use memoization with dynamic orchestration, which is not yet supported."
        )


class _Versions:
    """Versions for one plan, with resources' versions worked out once each."""

    def __init__(
        self, pipeline: PipelineDefinition, mode: ModeDefinition, resolved: ResolvedRunConfig
    ) -> None:
        self.pipeline = pipeline
        self.mode = mode
        self.resolved = resolved
        self.strategy = pipeline.version_strategy
        self.steps: dict[str, str] = {}
        self._resources: dict[str, str | None] = {}

    def step(self, step: ExecutionStep) -> str:
        inputs = [self._input(step, step_input) for step_input in step.inputs]
        version = _hash(*[v for v in inputs if v is not None], self._op(step))
        self.steps[step.key] = version
        return version

    def _op(self, step: ExecutionStep) -> str:
        definition = step.definition
        node_config = self.resolved.nodes.get(step.key)
        config = node_config.config if node_config is not None else None
        version = definition.version
        if version is None and self.strategy is not None:
            version = self.strategy.get_op_version(OpVersionContext(definition, config))
        if version is None:
            raise DagsterInvariantViolationError(
                f"While using memoization, version for {definition.node_kind} "
                f"'{definition.name}' was None. Please either provide a versioning strategy for "
                "your job, or provide a version using the solid decorator."
            )
        check_valid_version(version)
        resources = [self._resource(key) for key in sorted(definition.required_resource_keys)]
        return _hash(
            version,
            resolve_config_version(config),
            _hash(*[v for v in resources if v is not None]),
        )

    def _resource(self, key: str) -> str | None:
        if key not in self._resources:
            definition = self.mode.resource_defs[key]
            config = self.resolved.resources.get(key)
            version = self._resource_def_version(definition, config)
            if version is not None:
                check_valid_version(version)
                self._resources[key] = _hash(resolve_config_version(config), version)
            else:  # versioned by its config alone
                self._resources[key] = None if config is None else resolve_config_version(config)
        return self._resources[key]

    def _resource_def_version(self, definition: Any, config: Any) -> str | None:
        version: str | None = definition.version
        if version is None and self.strategy is not None:
            version = self.strategy.get_resource_version(ResourceVersionContext(definition, config))
        return version

    def _input(self, step: ExecutionStep, step_input: StepInput) -> str | None:
        definition = step_input.definition
        if step_input.sources:
            parts = [self._upstream(source) for source in step_input.sources]
            fan_in = step_input.is_fan_in or len(parts) > 1
            version = join_and_hash(*parts) if fan_in else parts[0]
        elif step_input.config_source is not None:
            handle, name = step_input.config_source
            node = self.resolved.nodes.get(handle)
            value = node.inputs.get(name) if node is not None and handle else None
            if not handle:
                value = self.resolved.graph_inputs.get(name)
            loader = definition.dagster_type.loader
            loaded = loader.compute_loaded_input_version(value) if loader is not None else None
            version = loaded or _hash(
                definition.dagster_type.name or "", resolve_config_version(value)
            )
        elif definition.root_manager_key is not None:
            version = self._root_manager(step, step_input)
        elif definition.default_value is not NO_VALUE:
            version = _hash(repr(definition.default_value))
        else:
            return None  # a Nothing input with no upstream: nothing to version
        if version is None:
            raise DagsterInvariantViolationError(
                f"Received None version for input {step_input.name} to solid "
                f"{step.definition.name}."
            )
        return version

    def _upstream(self, source: StepOutputHandle) -> str | None:
        version = self.steps.get(source.step_key)
        return None if version is None else _hash(version, source.output_name)

    def _root_manager(self, step: ExecutionStep, step_input: StepInput) -> str:
        key = step_input.definition.root_manager_key
        assert key is not None
        config = self.resolved.resources.get(key)
        version = self._resource_def_version(self.mode.resource_defs[key], config)
        if version is None:
            raise DagsterInvariantViolationError(
                f"While using memoization, version for root input manager '{key}' was None. "
                "Please either provide a versioning strategy for your job, or provide a version "
                "using the root_input_manager decorator."
            )
        check_valid_version(version)
        node = self.resolved.nodes.get(step.key)
        input_config = node.inputs.get(step_input.name) if node is not None else None
        return _hash(resolve_config_version(input_config), resolve_config_version(config), version)


def resolve_step_versions(
    pipeline: PipelineDefinition,
    mode: ModeDefinition,
    resolved: ResolvedRunConfig,
    plan: ExecutionPlan,
) -> dict[str, str]:
    """The version of every step of ``plan``, by step key.

    Raises:
        DagsterInvariantViolationError: an op or root input manager has no version and the
            job's strategy gives none; a version is not a valid version string.
    """
    versions = _Versions(pipeline, mode, resolved)
    for step in plan.steps:
        versions.step(step)
    return versions.steps


def resolve_step_output_versions(
    pipeline: PipelineDefinition,
    mode: ModeDefinition,
    resolved: ResolvedRunConfig,
    plan: ExecutionPlan,
) -> dict[StepOutputHandle, str]:
    """The version of every output of every step of ``plan``."""
    steps = resolve_step_versions(pipeline, mode, resolved, plan)
    return {
        StepOutputHandle(step.key, output_def.name): _hash(output_def.name, steps[step.key])
        for step in plan.steps
        for output_def in step.output_defs
    }
