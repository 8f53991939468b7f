"""config_from_files / config_from_yaml_strings / config_from_pkg_resources: run config read
from YAML and deep-merged in order, with DagsterInvariantViolationError naming a bad source."""

from __future__ import annotations

import sys

import pytest

from opbook import (
    DagsterInvariantViolationError,
    config_from_files,
    config_from_pkg_resources,
    config_from_yaml_strings,
)
from opbook.errors import CheckError

BASE = "ops:\n  load:\n    config:\n      path: a.csv\n      rows: 10\n"
OVERRIDE = "ops:\n  load:\n    config:\n      rows: 20\nresources:\n  db: {config: x}\n"
MERGED = {
    "ops": {"load": {"config": {"path": "a.csv", "rows": 20}}},
    "resources": {"db": {"config": "x"}},
}


def test_yaml_strings_are_deep_merged_later_ones_winning() -> None:
    assert config_from_yaml_strings([BASE, OVERRIDE]) == MERGED


def test_no_yaml_strings_give_an_empty_config() -> None:
    assert config_from_yaml_strings([]) == {}


def test_a_yaml_string_that_does_not_parse_is_an_invariant_violation() -> None:
    with pytest.raises(
        DagsterInvariantViolationError, match="Encountered error attempting to parse yaml"
    ):
        config_from_yaml_strings(["--- `"])


def test_a_yaml_string_that_is_not_a_mapping_is_named() -> None:
    with pytest.raises(
        DagsterInvariantViolationError, match="YAML string 2 to parse to dictionary"
    ):
        config_from_yaml_strings([BASE, "- a list"])


def test_yaml_strings_must_be_a_list_of_strings() -> None:
    with pytest.raises(CheckError, match='"yaml_strings" must be a list of strings'):
        config_from_yaml_strings(BASE)  # type: ignore[arg-type]


def test_files_are_deep_merged_in_the_order_given(tmp_path) -> None:
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "override.yaml").write_text(OVERRIDE)
    files = [str(tmp_path / "base.yaml"), str(tmp_path / "override.yaml")]
    assert config_from_files(files) == MERGED


def test_a_glob_pattern_takes_its_matches_in_sorted_order(tmp_path) -> None:
    (tmp_path / "1-base.yaml").write_text(BASE)
    (tmp_path / "2-override.yaml").write_text(OVERRIDE)
    assert config_from_files([str(tmp_path / "*.yaml")]) == MERGED


def test_an_empty_file_counts_as_an_empty_config(tmp_path) -> None:
    (tmp_path / "empty.yaml").write_text("")
    assert config_from_files([str(tmp_path / "empty.yaml")]) == {}


def test_a_missing_file_is_an_invariant_violation_naming_it(tmp_path) -> None:
    missing = str(tmp_path / "not_a_file.yaml")
    with pytest.raises(
        DagsterInvariantViolationError, match=r"not_a_file\.yaml.*produced no results"
    ):
        config_from_files([missing])


def test_a_file_that_is_not_yaml_is_an_invariant_violation(tmp_path) -> None:
    (tmp_path / "code.py").write_text("def f():\n  return {'a': [1, 2\n")
    with pytest.raises(DagsterInvariantViolationError, match=r"code\.py"):
        config_from_files([str(tmp_path / "code.py")])


@pytest.fixture
def config_package(tmp_path, monkeypatch):
    package = tmp_path / "shipped_configs"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "base.yaml").write_text(BASE)
    (package / "override.yaml").write_text(OVERRIDE)
    (package / "binary.yaml").write_bytes(b"\xff\xfe\x00\x81")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "shipped_configs"
    sys.modules.pop("shipped_configs", None)


def test_package_resources_are_deep_merged_in_order(config_package) -> None:
    defs = [(config_package, "base.yaml"), (config_package, "override.yaml")]
    assert config_from_pkg_resources(defs) == MERGED


@pytest.mark.parametrize(
    "resource",
    [
        ("shipped_configs", "does_not_exist.yaml"),
        ("shipped_configs", "binary.yaml"),
        ("no_such_package", "a.yaml"),
    ],
)
def test_a_bad_package_resource_is_an_invariant_violation(config_package, resource) -> None:
    with pytest.raises(
        DagsterInvariantViolationError, match="Encountered error attempting to parse yaml"
    ):
        config_from_pkg_resources([resource])


def test_yaml_strings_with_an_alias_bomb_are_refused():
    from tests.config.test_yaml_text import ALIAS_BOMB

    with pytest.raises(DagsterInvariantViolationError, match="aliases expand to more than"):
        config_from_yaml_strings([ALIAS_BOMB])
