#!/usr/bin/env bash
# Set up opbook for development on a Debian machine that has only Python (>= 3.10):
#   - .venv with opbook installed in editable mode, with its "dev", "dask" and "lab" extras;
#   - the `dot` binary (Debian's graphviz package) that draws job graphs;
#   - the notebook widgets' front-end: js/ bundled with esbuild into src/opbook/notebook/static/
#     (npm ci from js/package-lock.json; Debian's nodejs and npm are installed when missing);
#   - with OPBOOK_BROWSER=1 (or --browser): Debian's chromium and the "browser" extra
#     (playwright, jupyterlab) for the real-browser tests.
# What Python needs is listed once, in pyproject.toml's extras. Safe to run again: when
# pyproject.toml has not changed since the last install, pip is not run at all.
#
# Usage: bash scripts/setup.sh [--browser]
# Environment: OPBOOK_BROWSER=1 (same as --browser), PYTHON=/path/to/python3 (which Python to use).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
BROWSER="${OPBOOK_BROWSER:-0}"
for arg in "$@"; do
    case "$arg" in
        --browser) BROWSER=1 ;;
        *) echo "setup.sh: unknown argument: $arg (usage: setup.sh [--browser])" >&2; exit 2 ;;
    esac
done
[ "$BROWSER" = 0 ] || BROWSER=1

export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1
cd "$ROOT"

say() { echo "setup: $*"; }
is_root() { [ "$(id -u)" -eq 0 ]; }
have_apt() { command -v apt-get >/dev/null 2>&1; }

quietly() {  # quietly CMD...: run CMD, showing its output only if it fails
    local out
    if ! out="$("$@" 2>&1)"; then
        echo "$out" >&2
        echo "setup: failed: $*" >&2
        exit 1
    fi
}

APT_UPDATED=0
apt_install() {  # apt_install PKG...: install Debian packages, running `apt-get update` at most once
    if [ "$APT_UPDATED" = 0 ]; then
        quietly apt-get update
        APT_UPDATED=1
    fi
    say "apt-get install --no-install-recommends $*"
    quietly apt-get install -y --no-install-recommends "$@"
}

# --- Python -----------------------------------------------------------------------------------
python_ok() {  # python_ok CMD: CMD runs and is Python >= 3.10
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 10))' >/dev/null 2>&1
}

find_python() {
    local candidate
    for candidate in ${PYTHON:-} python3.11 python3 python3.12 python3.13 python3.10; do
        if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

create_venv() {
    local python
    if ! python="$(find_python)"; then
        echo "setup: no Python >= 3.10 found; install one (Debian: apt-get install python3)" >&2
        exit 1
    fi
    say "creating .venv with $python ($("$python" -c 'import sys; print(sys.version.split()[0])'))"
    if "$python" -m venv "$VENV" >/dev/null 2>&1; then
        return 0
    fi
    rm -rf "$VENV"  # a failed `venv` leaves a venv without pip behind
    local cmd="apt-get update && apt-get install -y python3-venv"
    if ! is_root || ! have_apt; then
        echo "setup: '$python -m venv' failed: the venv module (or ensurepip) is missing." >&2
        echo "setup: install it, then run this script again:  sudo sh -c '$cmd'" >&2
        exit 1
    fi
    say "the venv module is missing; installing Debian's python3-venv"
    apt_install python3-venv
    if ! "$python" -m venv "$VENV"; then
        echo "setup: '$python -m venv' still fails with python3-venv installed" >&2
        exit 1
    fi
}

if ! { [ -x "$VENV/bin/python" ] && python_ok "$VENV/bin/python"; }; then
    rm -rf "$VENV"  # missing, or broken (its Python was removed or upgraded)
    create_venv
fi

# --- Debian packages --------------------------------------------------------------------------
missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ "$BROWSER" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
    missing+=(chromium)
fi
if [ "${#missing[@]}" -gt 0 ]; then
    if is_root && have_apt; then
        apt_install "${missing[@]}"
    else
        say "not installed: ${missing[*]}. Install with:"
        say "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
        say "(without graphviz's 'dot', job graphs are shown as text; without nodejs and npm, the"
        say " notebook's interactive widgets are not built and static pictures are shown instead;"
        say " without chromium, the real-browser tests fail)"
    fi
fi

# --- the widgets' front-end --------------------------------------------------------------------
# The JavaScript in js/ is bundled into src/opbook/notebook/static/ (git-ignored, shipped in the
# wheel): npm ci installs the exact versions of js/package-lock.json, then esbuild bundles. Built
# again only when js/ or Node changed. A failed build is not fatal: the notebook then shows
# static pictures (and the real-browser tests of the widgets fail, saying why).
js_key() { { cat js/package-lock.json js/build.mjs js/src/*; node --version; } | sha256sum | cut -d' ' -f1; }
JS_STAMP="$ROOT/js/node_modules/.opbook-build.stamp"
js_built() {
    [ -f "$JS_STAMP" ] && [ "$(cat "$JS_STAMP")" = "$(js_key)" ] &&
        [ -f src/opbook/notebook/static/graph.js ] && [ -f src/opbook/notebook/static/timeline.js ] &&
        [ -f src/opbook/notebook/static/yaml_editor.js ] &&
        [ -f src/opbook/notebook/static/widgets.css ]
}
if ! command -v npm >/dev/null 2>&1; then
    say "npm not found: the notebook's interactive widgets are not built (static pictures instead)"
elif ! js_built; then
    say "building the notebook widgets' front-end (npm ci and esbuild, in js/)"
    js_log="$ROOT/js/build.log"
    if (cd js && npm ci --no-audit --no-fund && node build.mjs) >"$js_log" 2>&1; then
        js_key >"$JS_STAMP"
    else
        cat "$js_log" >&2
        say "WARNING: building js/ failed (log: $js_log); the notebook shows static pictures instead"
    fi
fi

# --- Python packages --------------------------------------------------------------------------
# One stamp per extras set, keyed on pyproject.toml and the venv's Python: pip only runs when
# either changed, so the second run of this script takes about a second.
base_extras="dev,dask,lab"
extras="$base_extras"
[ "$BROWSER" = 1 ] && extras="$extras,browser"
stamp_file() { echo "$VENV/.opbook-setup-${1//,/-}.stamp"; }
stamp_key() { { cat pyproject.toml; echo "$1"; "$VENV/bin/python" -VV; } | sha256sum | cut -d' ' -f1; }

installed() {  # the stamp matches and the editable install is still registered
    local stamp
    stamp="$(stamp_file "$extras")"
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(stamp_key "$extras")" ] &&
        "$VENV/bin/python" -c 'import importlib.metadata as m; m.distribution("opbook")' 2>/dev/null
}

if ! installed; then
    say "installing opbook[$extras] into .venv (the first time takes a few minutes)"
    log="$VENV/pip-install.log"
    if ! "$VENV/bin/python" -m pip install -q -e ".[$extras]" >"$log" 2>&1; then
        grep -v "^WARNING: Location '.*' is ignored" "$log" >&2 || true
        echo "setup: pip install failed (full log: $log)" >&2
        exit 1
    fi
    stamp_key "$extras" >"$(stamp_file "$extras")"
    # The browser set includes the base set, so a later run without --browser has nothing to do.
    stamp_key "$base_extras" >"$(stamp_file "$base_extras")"
fi
say "ready: .venv ($("$VENV/bin/python" -c 'import sys; print(sys.version.split()[0])'))"
