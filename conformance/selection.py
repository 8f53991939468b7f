"""Which of Dagster's tests count: the public-API folders, minus what is listed out of scope.

The selection is the folders and files in :data:`SELECTED` (paths inside the sdist). Of the tests
collected there, a test counts when it passed on Dagster 0.13.19 itself (``baseline.json``) and
is not listed in ``out_of_scope.txt``, whose lines read ``<file or test id>  # <reason>``; a
listed file takes all its tests with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline.json"
OUT_OF_SCOPE = HERE / "out_of_scope.txt"

#: Test folders and files that exercise Dagster's public execution API. Left out on purpose:
#: scheduler, daemon, gRPC, CLI, API-snapshot, host-representation, instance, launcher, storage
#: back-end, serdes, snapshot and general utility tests (see docs/dev/conformance.md).
SELECTED = (
    "dagster_tests/core_tests/test_compute_only_pipeline.py",
    "dagster_tests/core_tests/test_configured.py",
    "dagster_tests/core_tests/test_decorator_utils.py",
    "dagster_tests/core_tests/test_errors.py",
    "dagster_tests/core_tests/test_event_logging.py",
    "dagster_tests/core_tests/test_input_injection.py",
    "dagster_tests/core_tests/test_log_manager.py",
    "dagster_tests/core_tests/test_logging.py",
    "dagster_tests/core_tests/test_metadata.py",
    "dagster_tests/core_tests/test_misc.py",
    "dagster_tests/core_tests/test_mode_definitions.py",
    "dagster_tests/core_tests/test_multi_dependency.py",
    "dagster_tests/core_tests/test_multiple_outputs.py",
    "dagster_tests/core_tests/test_naming_collisions.py",
    "dagster_tests/core_tests/test_nothing_dependencies.py",
    "dagster_tests/core_tests/test_output_definition.py",
    "dagster_tests/core_tests/test_output_materialization.py",
    "dagster_tests/core_tests/test_pipeline_errors.py",
    "dagster_tests/core_tests/test_pipeline_execution.py",
    "dagster_tests/core_tests/test_pipeline_init.py",
    "dagster_tests/core_tests/test_presets.py",
    "dagster_tests/core_tests/test_python_logging.py",
    "dagster_tests/core_tests/test_solid_aliases.py",
    "dagster_tests/core_tests/test_solid_arguments.py",
    "dagster_tests/core_tests/test_solid_invocation.py",
    "dagster_tests/core_tests/test_solid_with_config.py",
    "dagster_tests/core_tests/test_user_code_boundary.py",
    "dagster_tests/core_tests/test_validate_run_config.py",
    "dagster_tests/core_tests/config_types_tests",
    "dagster_tests/core_tests/definitions_tests",
    "dagster_tests/core_tests/graph_tests",
    "dagster_tests/core_tests/hook_tests",
    "dagster_tests/core_tests/resource_tests",
    "dagster_tests/core_tests/runtime_types_tests",
    "dagster_tests/core_tests/system_config_tests",
    "dagster_tests/execution_tests",
)


@dataclass(frozen=True)
class OutOfScope:
    """Files and single tests left out of the count, each with its reason."""

    files: dict[str, str]
    tests: dict[str, str]

    def reason(self, test_id: str) -> str | None:
        """Why ``test_id`` does not count, or None when it counts."""
        if test_id in self.tests:
            return self.tests[test_id]
        return self.files.get(test_id.partition("::")[0])


def parse_out_of_scope(text: str) -> OutOfScope:
    """Read ``<file or test id>  # <reason>`` lines; blank lines and ``#`` lines are skipped."""
    files: dict[str, str] = {}
    tests: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, _, reason = line.partition("  # ")
        key = key.strip()
        (tests if "::" in key else files)[key] = reason.strip() or "no reason given"
    return OutOfScope(files, tests)


def load_out_of_scope(path: Path = OUT_OF_SCOPE) -> OutOfScope:
    """The out-of-scope list kept in the repository."""
    return parse_out_of_scope(path.read_text(encoding="utf-8") if path.exists() else "")


def load_baseline(path: Path = BASELINE) -> list[str]:
    """IDs of the selected tests that pass on Dagster 0.13.19 itself."""
    return list(json.loads(path.read_text(encoding="utf-8"))["passed"])


def counted(baseline: list[str], out_of_scope: OutOfScope) -> list[str]:
    """The tests that count: passing on Dagster and not out of scope."""
    return [test for test in baseline if out_of_scope.reason(test) is None]


def paths_to_run(out_of_scope: OutOfScope) -> list[str]:
    """The selected paths, without files that are wholly out of scope."""
    return [path for path in SELECTED if path not in out_of_scope.files]
