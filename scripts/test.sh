#!/usr/bin/env bash
# Set up (with the real-browser extras), then run every gate in order, stopping at the first
# failure: ruff, ruff format, mypy, import-linter, the docs (sphinx -W), the conformance floor
# (Dagster's own tests against opbook), pytest. Extra arguments go to pytest, e.g.
#   bash scripts/test.sh -x -k config        bash scripts/test.sh -m browser
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OPBOOK_BROWSER=1 bash scripts/setup.sh
export PATH="$ROOT/.venv/bin:$PATH"

gate() {
    echo "==> $*"
    "$@" || { echo "FAILED: $*" >&2; exit 1; }
}

gate ruff check src tests bench conformance
gate ruff format --check src tests bench conformance
gate mypy
gate lint-imports
# The docs build with warnings as errors (into a throw-away directory; about 15 s).
tmpdir="$(mktemp -d)"
trap 'rm -rf "$tmpdir"' EXIT
gate .venv/bin/sphinx-build -W -q -b html docs "$tmpdir"

# Dagster 0.13.19's public-API tests, downloaded (once, into conformance/.cache) and run against
# opbook; fails when fewer pass than conformance/floor.txt. See docs/dev/conformance.md. Before
# pytest, so that pytest's summary stays the last count printed.
gate python -m conformance --floor

# pytest-timeout (pyproject) stops one hung test; this stops a hung run, with SIGINT so that
# fixtures (JupyterLab servers, kernels, clusters) are torn down. --foreground keeps Ctrl-C working.
limit="${OPBOOK_PYTEST_TIMEOUT:-1500}"
echo "==> pytest $*"
rc=0
timeout --foreground -s INT -k 60 "$limit" pytest "$@" || rc=$?
case "$rc" in
    0) ;;
    5) echo "FAILED: pytest collected no tests" >&2; exit 1 ;;
    124) echo "FAILED: pytest did not finish within ${limit}s" >&2; exit 1 ;;
    *) echo "FAILED: pytest (exit code $rc)" >&2; exit 1 ;;
esac

echo "All gates passed."
