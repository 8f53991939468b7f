#!/usr/bin/env bash
# Mutation testing of the core modules with mutmut, one module at a time, outside CI.
#
#   bash scripts/mutation.sh                 every module below, one after the other
#   bash scripts/mutation.sh plan storage    only these
#   bash scripts/mutation.sh --list          the modules, their files and their tests
#
# Each module is mutated in a scratch copy of the project (build/mutation/MODULE: src, tests and
# pyproject.toml with a [tool.mutmut] section for that module), so its run sees only its own
# source files and the test files that mirror them; mutmut then runs, for each mutant, only the
# tests among those that reach the mutated function (scripts/mutation_fresh_caches.py empties the
# jobs' plan and schema caches before each test, so that every test reaching the planner is
# counted as one).  The copy is made afresh on every run, so a score always counts every mutant
# against the tests as they are now.  Afterwards the survivors can be looked at there: `cd build/mutation/plan && ../../../.venv-mut/bin/mutmut show
# NAME` (or `mutmut browse`).  The score per module is recorded in docs/dev/mutation-testing.md.
#
# mutmut runs in its own environment, .venv-mut (made here on first use, with the project's
# `dev`, `dask` and `mutation` extras), nice'd, with MUTATION_JOBS workers (default 2), for at
# most MUTATION_MINUTES minutes per module (default 20).  A run stopped by that limit still
# prints its score, over the mutants it tried, and how many it did not try; mutmut tries the
# mutants whose tests are quickest first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv-mut"
JOBS="${MUTATION_JOBS:-2}"
MINUTES="${MUTATION_MINUTES:-20}"

# module | files to mutate (globs mutmut matches) | test files (pytest arguments).  Left out on
# purpose: the config property tests (hypothesis: seconds for every mutant that survives) and
# the Dask executor tests (a cluster per test).
MODULES="
config|src/opbook/config/validate.py src/opbook/config/check.py|tests/config/test_config_validate.py tests/config/test_config_types.py tests/test_validate_run_config.py
plan|src/opbook/plan/plan.py|tests/plan
executors|src/opbook/executors/base.py|tests/executors/test_in_process.py tests/executors/test_multiprocess.py
step|src/opbook/execution/step.py|tests/execution
storage|src/opbook/storage/sqlite.py src/opbook/storage/memory.py|tests/storage
redefine|src/opbook/notebook/redefine.py|tests/notebook/test_redefine.py
"

field() { # field MODULE N: the Nth field of MODULE's line
    awk -F'|' -v m="$1" -v n="$2" '$1 == m { print $n }' <<<"$MODULES"
}

toml_list() { # toml_list WORD...: a TOML array of strings
    local out="" word
    for word in "$@"; do out+="${out:+, }\"$word\""; done
    echo "[$out]"
}

if [[ "${1:-}" == "--list" ]]; then
    awk -F'|' 'NF { printf "%-10s %s\n%-10s   tests: %s\n", $1, $2, "", $3 }' <<<"$MODULES"
    exit 0
fi

if [[ ! -x "$VENV/bin/mutmut" ]]; then
    echo "==> making $VENV (first use)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -e ".[dev,dask,mutation]"
fi

modules=("$@")
if [[ ${#modules[@]} -eq 0 ]]; then
    mapfile -t modules < <(awk -F'|' 'NF { print $1 }' <<<"$MODULES")
fi

run_module() {
    local module="$1" files tests scratch
    files="$(field "$module" 2)"
    tests="$(field "$module" 3)"
    if [[ -z "$files" ]]; then
        echo "unknown module '$module'; see: bash scripts/mutation.sh --list" >&2
        return 2
    fi
    scratch="$ROOT/build/mutation/$module"
    rm -rf "$scratch"
    mkdir -p "$scratch"
    cp -r src tests scripts/mutation_fresh_caches.py "$scratch/"
    find "$scratch" -name __pycache__ -prune -exec rm -rf {} +
    # shellcheck disable=SC2086  # word splitting of the file and test lists is meant
    {
        cat pyproject.toml
        echo
        echo "[tool.mutmut]"
        echo "source_paths = [\"src\"]"
        # Workers fork from a server that has only collected the tests: forked from mutmut's
        # own process, they would inherit what the clean run left behind (plans cached on
        # module-level jobs, a notebook session), and a mutant could go unexercised.
        echo "process_isolation = \"forkserver\""
        echo "only_mutate = $(toml_list $files)"
        echo "also_copy = [\"mutation_fresh_caches.py\"]"
        echo "pytest_add_cli_args = [\"-p\", \"no:cacheprovider\", \"-p\", \"mutation_fresh_caches\"]"
        echo "pytest_add_cli_args_test_selection = $(toml_list $tests)"
    } >"$scratch/pyproject.toml"

    echo "==> $module: mutating $files; tests: $tests"
    local started=$SECONDS
    local rc=0
    (cd "$scratch" && timeout -s INT -k 30 "${MINUTES}m" \
        nice -n 10 "$VENV/bin/mutmut" run --max-children "$JOBS" >mutmut.log 2>&1) || rc=$?
    if [[ $rc -ne 0 && $rc -ne 124 ]]; then
        tail -40 "$scratch/mutmut.log" >&2
        echo "mutmut failed on $module (log: $scratch/mutmut.log)" >&2
        return 1
    fi
    (cd "$scratch" && "$VENV/bin/mutmut" results --all true >results.txt)
    "$VENV/bin/python" - "$module" "$scratch/results.txt" "$((SECONDS - started))" <<'EOF'
import collections
import sys

module, path, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3])
counts = collections.Counter()
survivors = []
for line in open(path, encoding="utf-8"):
    name, _, status = line.strip().rpartition(": ")
    if not name:
        continue
    counts[status] += 1
    if status not in ("killed", "caught by type check", "not checked"):
        survivors.append(f"{status:>10}  {name}")
untried = counts.pop("not checked", 0)
total = sum(counts.values())
killed = counts["killed"] + counts["timeout"]
score = 100.0 * killed / total if total else 0.0
print("\n".join(survivors))
detail = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
stopped = f"; stopped by the time limit, {untried} not tried" if untried else ""
print(f"{module}: {killed}/{total} mutants killed ({score:.1f}%): {detail}; {seconds} s{stopped}")
EOF
}

status=0
for module in "${modules[@]}"; do
    run_module "$module" || status=1
done
exit "$status"
