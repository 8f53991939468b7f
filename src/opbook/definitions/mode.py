"""Modes and presets (pipeline generation).

A mode names a set of resources, loggers, executors and storages a pipeline can run with; a
preset names a ready-made run config (plus mode, solid selection and tags).
"""

from __future__ import annotations

import glob
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from opbook.definitions.config_files import deep_merge
from opbook.definitions.executor import ExecutorDefinition, default_executors
from opbook.definitions.frozen import Frozen
from opbook.definitions.logger import LoggerDefinition, default_loggers
from opbook.definitions.resource import ResourceDefinition, as_resource_definition
from opbook.definitions.storage import (
    IntermediateStorageDefinition,
    default_intermediate_storage_defs,
)
from opbook.errors import CheckError, DagsterInvalidDefinitionError, DagsterInvariantViolationError

DEFAULT_MODE_NAME = "default"


class ModeDefinition(Frozen):
    """Resources, loggers, executors and storages a pipeline runs with (a frozen value)."""

    def __init__(
        self,
        name: str | None = None,
        resource_defs: Mapping[str, Any] | None = None,
        logger_defs: Mapping[str, LoggerDefinition] | None = None,
        executor_defs: Sequence[ExecutorDefinition] | None = None,
        description: str | None = None,
        intermediate_storage_defs: Sequence[IntermediateStorageDefinition] | None = None,
        system_storage_defs: Sequence[IntermediateStorageDefinition] | None = None,
        _job_style_execution: bool = False,
    ) -> None:
        self.name = name or DEFAULT_MODE_NAME
        self.resource_defs: dict[str, ResourceDefinition] = {
            key: as_resource_definition(value) for key, value in (resource_defs or {}).items()
        }
        for key in self.resource_defs:
            if not isinstance(key, str) or not key.isidentifier():
                raise CheckError(
                    f"Failure condition: Resource key '{key}' must be a valid Python identifier."
                )
        self.loggers: dict[str, LoggerDefinition] = dict(logger_defs or default_loggers)
        self.executor_defs = list(executor_defs or default_executors)
        storages = (
            intermediate_storage_defs or system_storage_defs or default_intermediate_storage_defs
        )
        self.intermediate_storage_defs = list(storages)
        self.description = description
        # Jobs take `execution: {config: ...}` for their (single or default) executor.
        self.job_style_execution = _job_style_execution
        names = [e.name for e in self.executor_defs]
        if len(set(names)) != len(names):
            raise DagsterInvalidDefinitionError(
                f"Mode {self.name!r} has two executors with the same name: {names}."
            )

    @property
    def logger_defs(self) -> dict[str, LoggerDefinition]:
        return self.loggers

    @property
    def system_storage_defs(self) -> list[IntermediateStorageDefinition]:
        return self.intermediate_storage_defs

    def __repr__(self) -> str:
        return f"<ModeDefinition {self.name!r}>"


@dataclass(frozen=True)
class PresetDefinition:
    """A named run config, with the mode, solid selection and tags to run it with."""

    name: str
    run_config: Mapping[str, Any] | None = None
    solid_selection: Sequence[str] | None = None
    mode: str | None = None
    tags: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", self.mode or DEFAULT_MODE_NAME)
        object.__setattr__(self, "run_config", dict(self.run_config or {}))
        object.__setattr__(self, "tags", dict(self.tags or {}))

    @property
    def environment_dict(self) -> Mapping[str, Any] | None:
        return self.run_config

    @staticmethod
    def from_files(
        name: str,
        config_files: Sequence[str] | None = None,
        solid_selection: Sequence[str] | None = None,
        mode: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> PresetDefinition:
        """A preset whose run config is the deep merge of YAML files (later files win).

        Each entry of ``config_files`` is a path or a glob pattern; a pattern that matches no
        file raises ``DagsterInvalidDefinitionError``.
        """
        texts = []
        for pattern in config_files or []:
            paths = sorted(glob.glob(pattern))
            if not paths:
                raise DagsterInvalidDefinitionError(
                    f'File or glob pattern "{pattern}" for "config_files" in preset "{name}" '
                    "produced no results."
                )
            for path in paths:
                with open(path, encoding="utf-8") as handle:
                    texts.append((path, handle.read()))
        return PresetDefinition(
            name, _merge_yaml(name, texts), solid_selection, mode, dict(tags or {})
        )

    @staticmethod
    def from_yaml_strings(
        name: str,
        yaml_strings: Sequence[str] | None = None,
        solid_selection: Sequence[str] | None = None,
        mode: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> PresetDefinition:
        texts = [(f"yaml string {i + 1}", text) for i, text in enumerate(yaml_strings or [])]
        return PresetDefinition(
            name, _merge_yaml(name, texts), solid_selection, mode, dict(tags or {})
        )

    def get_environment_yaml(self) -> str:
        """The preset's run config as YAML text."""
        import yaml  # PyYAML stays out of `import opbook`

        return str(yaml.safe_dump(dict(self.run_config or {}), default_flow_style=False))

    def with_additional_config(self, run_config: Mapping[str, Any] | None) -> PresetDefinition:
        return PresetDefinition(
            self.name,
            deep_merge(self.run_config or {}, run_config or {}),
            self.solid_selection,
            self.mode,
            self.tags,
        )


def _merge_yaml(preset_name: str, texts: Sequence[tuple[str, str]]) -> dict[str, Any]:
    import yaml  # PyYAML stays out of `import opbook`

    from opbook.config.yaml_text import load_yaml

    merged: dict[str, Any] = {}
    for where, text in texts:
        try:
            value = load_yaml(text) or {}
        except yaml.YAMLError as exc:
            raise DagsterInvariantViolationError(
                f'Encountered error attempting to parse yaml for preset "{preset_name}" ({where}): {exc}'
            ) from exc
        if not isinstance(value, dict):
            raise DagsterInvariantViolationError(
                f'The YAML for preset "{preset_name}" ({where}) must be a mapping, got {type(value).__name__}.'
            )
        merged = deep_merge(merged, value)
    return merged
