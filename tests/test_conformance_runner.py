"""The conformance runner's own parts: import rewriting, placeholders, scoring, the last line.

No network: the Dagster sdist is never downloaded here; a tiny test package stands in for it.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import opbook
from conformance import clusters, outcomes, selection
from conformance.pytest_run import PytestRun, run
from conformance.rewrite import rewrite_source
from conformance.shim import ConformanceGap

SOURCE = '''\
"""A Dagster test module."""
from __future__ import annotations

import dagster
from dagster import solid, NotInOpbook
from dagster.core.test_utils import instance_for_test, poll_for_event

broken = NotInOpbook(1)


@solid
def one(_):
    return 1


def test_uses_solid():
    return one


def test_uses_missing():
    return NotInOpbook()


def test_uses_broken():
    return broken.anything
'''


def load(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "rewritten"}
    exec(compile(rewrite_source(source), "rewritten.py", "exec"), namespace)
    return namespace


def test_a_present_name_is_opbooks_own() -> None:
    namespace = load(SOURCE)
    assert namespace["solid"] is opbook.solid
    assert namespace["test_uses_solid"]().name == "one"


def test_a_missing_name_fails_only_when_used() -> None:
    namespace = load(SOURCE)
    with pytest.raises(ConformanceGap, match="NotInOpbook"):
        namespace["test_uses_missing"]()


def test_a_broken_top_level_definition_fails_the_tests_that_use_it() -> None:
    namespace = load(SOURCE)
    with pytest.raises(ConformanceGap, match="module-level definition 'broken' failed"):
        namespace["test_uses_broken"]()


def test_pytest_raises_exception_does_not_swallow_a_gap() -> None:
    namespace = load(SOURCE)
    with pytest.raises(ConformanceGap), pytest.raises(Exception):  # noqa: B017 (the point)
        namespace["poll_for_event"]()


def test_a_name_opbook_mirrors_at_dagsters_module_path_is_opbooks() -> None:
    from opbook.core import test_utils

    assert load(SOURCE)["instance_for_test"] is test_utils.instance_for_test


def test_a_mirrored_module_imported_as_a_name_is_opbooks() -> None:
    from opbook.core import test_utils

    assert load("import dagster.core.test_utils as tu\n")["tu"] is test_utils


def test_an_internal_missing_from_a_mirrored_module_is_still_a_gap() -> None:
    namespace = load(SOURCE)
    with pytest.raises(ConformanceGap, match=r"Dagster internal: dagster\.core\.test_utils\.poll"):
        namespace["poll_for_event"]()


def test_import_dagster_gives_opbook_names_and_dotted_placeholders() -> None:
    dagster = load(SOURCE)["dagster"]
    assert dagster.pipeline is opbook.pipeline
    with pytest.raises(ConformanceGap, match=r"dagster\.check\.inst_param"):
        dagster.check.inst_param(1, "x", int)


def test_a_class_derived_from_a_missing_base_fails_when_instantiated() -> None:
    namespace = load(SOURCE + "\n\nclass Derived(NotInOpbook):\n    pass\n")
    with pytest.raises(ConformanceGap):
        namespace["Derived"]()


def test_mock_comes_from_unittest() -> None:
    namespace = load("import mock\nfrom mock import patch\n")
    assert namespace["patch"] is namespace["mock"].patch


def test_the_last_line_counts_passes_and_failures() -> None:
    scored = {"a": outcomes.Outcome("passed"), "b": outcomes.Outcome("failed", "x")}
    assert outcomes.summary_line(scored) == "conformance: 1 passed, 1 failed"


def test_a_counted_test_without_an_outcome_fails_with_its_files_reason() -> None:
    recorded = {"f.py": outcomes.Outcome("failed", "ImportError: no")}
    scored = outcomes.score(["f.py::test_a[1]"], recorded)
    assert scored["f.py::test_a[1]"] == outcomes.Outcome("failed", "ImportError: no")


def test_out_of_scope_lines_name_files_or_tests() -> None:
    listed = selection.parse_out_of_scope(
        "# comment\na.py  # data files\nb.py::test_x  # internal\n"
    )
    assert listed.reason("a.py::test_y") == "data files"
    assert listed.reason("b.py::test_x") == "internal"
    assert listed.reason("b.py::test_z") is None


def test_causes_cluster_by_the_root_gap() -> None:
    reason = "conformance.shim.ConformanceGap: module-level definition 'p' failed: missing public name: dagster.X"
    assert clusters.cause(reason) == "missing public name: dagster.X"


def test_one_missing_name_fails_one_test_in_a_real_pytest_run(tmp_path: Path) -> None:
    package = tmp_path / "dagster_tests"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "test_example.py").write_text(rewrite_source(textwrap.dedent(SOURCE)))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    record = tmp_path / "events.jsonl"
    run(PytestRun(sys.executable, tmp_path, ["dagster_tests"], record), timeout=120)
    folded = outcomes.fold(outcomes.read_events(record))
    prefix = "dagster_tests/test_example.py::"
    assert folded[prefix + "test_uses_solid"].outcome == "passed"
    assert folded[prefix + "test_uses_missing"].outcome == "failed"
    assert "NotInOpbook" in (folded[prefix + "test_uses_missing"].reason or "")


def test_a_test_collected_under_another_parameter_id_says_so() -> None:
    recorded = {"f.py::test_a[make0]": outcomes.Outcome("deselected")}
    scored = outcomes.score(["f.py::test_a[success_hook]"], recorded)
    assert "other parameter IDs" in (scored["f.py::test_a[success_hook]"].reason or "")
