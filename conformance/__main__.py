"""Run Dagster 0.13.19's public-API tests against opbook: ``python -m conformance``.

Run from the repository root. Downloads the Dagster sdist into ``conformance/.cache`` (once),
rewrites its tests to import opbook, runs the counted ones in one pytest process, writes every
outcome to ``conformance/results.json`` and prints ``conformance: N passed, M failed`` as its last
line. ``--floor`` exits 1 when fewer than ``conformance/floor.txt`` tests pass.
``--baseline PYTHON`` instead runs the unmodified tests with PYTHON (an interpreter that has
Dagster 0.13.19 and pytest installed) and records the tests that pass in ``baseline.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from conformance import clusters, outcomes, selection
from conformance.fetch import DAGSTER_VERSION, FetchError, fetch
from conformance.prepare import prepare
from conformance.pytest_run import PytestRun, opbook_env, run

HERE = Path(__file__).resolve().parent
FLOOR = HERE / "floor.txt"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m conformance", description=__doc__)
    parser.add_argument("--cache", type=Path, default=HERE / ".cache")
    parser.add_argument("--results", type=Path, default=HERE / "results.json")
    parser.add_argument("--floor", action="store_true", help="fail below conformance/floor.txt")
    parser.add_argument("--baseline", metavar="PYTHON", help="measure the baseline on Dagster")
    parser.add_argument("--test-timeout", type=int, default=60, help="seconds per test")
    parser.add_argument("--run-timeout", type=int, default=900, help="seconds for the run")
    return parser.parse_args()


def measure_baseline(python: str, sdist_root: Path, cache: Path, run_timeout: int) -> str:
    """Run the unmodified selected tests on Dagster; write baseline.json; return a summary."""
    (sdist_root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    record = cache / "baseline-events.jsonl"
    spec = PytestRun(python, sdist_root, list(selection.SELECTED), record)
    run(spec, run_timeout)
    folded = outcomes.fold(outcomes.read_events(record))
    passed = sorted(key for key, value in folded.items() if value.outcome == "passed")
    document = {
        "about": f"selected tests that pass on Dagster {DAGSTER_VERSION} (IDs only)",
        "passed": passed,
    }
    selection.BASELINE.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    files = len({test.partition("::")[0] for test in passed})
    return f"baseline: {len(passed)} tests pass on Dagster {DAGSTER_VERSION}, in {files} files"


def run_on_opbook(args: argparse.Namespace, sdist_root: Path) -> dict[str, outcomes.Outcome]:
    """Rewrite, run the counted tests against opbook, write results.json; return the scores."""
    out_of_scope = selection.load_out_of_scope()
    counted = selection.counted(selection.load_baseline(), out_of_scope)
    work = prepare(sdist_root, args.cache / "work")
    record = args.cache / "events.jsonl"
    spec = PytestRun(
        sys.executable,
        work,
        selection.paths_to_run(out_of_scope),
        record,
        only=counted,
        extra_args=[f"--timeout={args.test_timeout}"],
        env=opbook_env(work),
    )
    code = run(spec, args.run_timeout)
    if code == -1:
        print(f"the pytest run did not finish within {args.run_timeout}s", file=sys.stderr)
    folded = outcomes.fold(outcomes.read_events(record))
    scored = outcomes.score(counted, folded)
    outcomes.write_results(args.results, scored, folded)
    return scored


def main() -> int:
    args = _arguments()
    try:
        sdist_root = fetch(args.cache)
    except FetchError as error:
        print(f"conformance: {error}", file=sys.stderr)
        return 2
    if args.baseline:
        print(measure_baseline(args.baseline, sdist_root, args.cache, args.run_timeout))
        return 0
    scored = run_on_opbook(args, sdist_root)
    print(f"results: {args.results}; largest causes of failure:")
    print(clusters.markdown(clusters.clusters(scored), 5))
    passed = sum(1 for outcome in scored.values() if outcome.outcome == "passed")
    status = 0
    if args.floor:
        floor = int(FLOOR.read_text(encoding="utf-8").split()[0])
        if passed < floor:
            print(
                f"FAILED: {passed} conformance tests pass, below the floor of {floor} in "
                f"{FLOOR.relative_to(HERE.parent)}; see {args.results} for what failed",
                flush=True,
            )
            status = 1
    print(outcomes.summary_line(scored))
    return status


if __name__ == "__main__":
    sys.exit(main())
