"""Run config read from YAML: files (or glob patterns), strings, or package resources.

Each source parses to a mapping; the mappings are deep-merged in order, so a later source
overrides an earlier one key by key (nested mappings merge, anything else is replaced).  A
source that cannot be read or parsed raises ``DagsterInvariantViolationError`` naming it.
Presets (:class:`~opbook.definitions.mode.PresetDefinition`) merge their YAML the same way.
"""

from __future__ import annotations

import glob
import importlib
import importlib.resources
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from opbook.errors import CheckError, DagsterInvariantViolationError


def deep_merge(left: Mapping[str, Any], right: Mapping[str, Any]) -> dict[str, Any]:
    """``right`` merged into ``left``: dicts merge recursively, anything else is replaced."""
    result = dict(left)
    for key, value in right.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = value
    return result


def _check_list(value: Any, param: str, item_type: type, item_name: str) -> list[Any]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, item_type) for v in value):
        raise CheckError(f'Param "{param}" must be a list of {item_name}. Got {value!r}.')
    return list(value)


def _merged(documents: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """Deep-merge parsed documents, each labelled with where it came from."""
    merged: dict[str, Any] = {}
    for where, document in documents:
        if not isinstance(document, dict):
            raise DagsterInvariantViolationError(
                f"Expected YAML from {where} to parse to dictionary, instead got: {document!r}"
            )
        merged = deep_merge(merged, document)
    return merged


def config_from_files(config_files: Sequence[str]) -> dict[str, Any]:
    """Run config from YAML files, merged in order (a later file overrides an earlier one).

    Args:
        config_files: paths or glob patterns; a pattern's matches are taken in sorted order.

    Returns:
        The merged run config (an empty file counts as ``{}``).

    Raises:
        DagsterInvariantViolationError: a pattern matches no file, or a file is not YAML
            or not a mapping.
    """
    import yaml  # PyYAML stays out of `import opbook`

    from opbook.config.yaml_text import load_yaml

    patterns = _check_list(config_files, "config_files", str, "paths or glob patterns")
    paths: list[str] = []
    for pattern in patterns:
        found = sorted(glob.glob(pattern))
        if not found:
            raise DagsterInvariantViolationError(
                f'File or glob pattern "{pattern}" for "config_files" produced no results.'
            )
        paths += [os.path.realpath(path) for path in found]
    documents = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                documents.append((f"file {path}", load_yaml(handle) or {}))
        except yaml.YAMLError as err:
            raise DagsterInvariantViolationError(
                f"Encountered error attempting to parse yaml. Parsing file {path} loaded by "
                f"file/patterns {patterns}: {err}"
            ) from err
    return _merged(documents)


def config_from_yaml_strings(yaml_strings: Sequence[str]) -> dict[str, Any]:
    """Run config from YAML texts, merged in order (a later text overrides an earlier one).

    Raises:
        DagsterInvariantViolationError: a text is not YAML, or not a mapping.
    """
    import yaml  # PyYAML stays out of `import opbook`

    from opbook.config.yaml_text import load_yaml

    texts = _check_list(yaml_strings, "yaml_strings", str, "strings")
    documents = []
    for number, text in enumerate(texts, 1):
        try:
            documents.append((f"YAML string {number}", load_yaml(text)))
        except yaml.YAMLError as err:
            raise DagsterInvariantViolationError(
                f"Encountered error attempting to parse yaml. Parsing YAML string {number} of "
                f"{texts}: {err}"
            ) from err
    return _merged(documents)


def _read_package_resource(package: str, name: str) -> str:
    module = importlib.import_module(package)
    if hasattr(module, "__path__"):
        path: Any = importlib.resources.files(module).joinpath(name)
    else:  # a plain module: its resources sit beside its file, as pkg_resources had it
        path = Path(module.__file__ or "").parent / name
    return str(path.read_bytes().decode("utf-8"))


def config_from_pkg_resources(pkg_resource_defs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Run config from YAML files shipped inside Python packages, merged in order.

    Args:
        pkg_resource_defs: ``(package, resource name)`` pairs, e.g.
            ``[("my_project.configs", "base.yaml"), ("my_project.configs", "prod.yaml")]``.

    Raises:
        DagsterInvariantViolationError: a package or resource is missing, is not UTF-8
            text, or is not a YAML mapping.
    """
    defs = _check_list(pkg_resource_defs, "pkg_resource_defs", tuple, "(package, name) tuples")
    texts = []
    for package, name in defs:
        try:
            texts.append(_read_package_resource(package, name))
        except (
            ModuleNotFoundError,
            FileNotFoundError,
            IsADirectoryError,
            UnicodeDecodeError,
        ) as err:
            raise DagsterInvariantViolationError(
                "Encountered error attempting to parse yaml. Loading YAMLs from package "
                f"resources {defs}: resource {name!r} of package {package!r}: {err}"
            ) from err
    return config_from_yaml_strings(texts)
