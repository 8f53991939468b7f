"""Run pytest on the selected test paths in a separate process, recording each outcome.

The child process gets the repository root (for ``conformance.shim`` and ``conformance.record``),
``src`` (this checkout's opbook) and the test folder on ``PYTHONPATH``, so that processes it
starts in turn (multiprocess executors) import the same code.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from conformance.shim import PUBLIC_NAMES_ENV

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PytestRun:
    """One pytest process: which interpreter, where, on which paths, recording where."""

    python: str
    rootdir: Path
    paths: list[str]
    record: Path
    only: list[str] | None = None
    extra_args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)


def run(spec: PytestRun, timeout: float) -> int:
    """Run pytest as ``spec`` says; return its exit code (pytest's output goes to a log file)."""
    rootdir, record = spec.rootdir.resolve(), spec.record.resolve()
    record.unlink(missing_ok=True)
    env = {**os.environ, **spec.env, "CONFORMANCE_RECORD": str(record)}
    python_path = [str(REPO), str(REPO / "src"), str(rootdir)]
    env["PYTHONPATH"] = os.pathsep.join([*python_path, env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep
    )
    if spec.only is not None:
        only_file = record.with_suffix(".only.json")
        only_file.write_text(json.dumps(spec.only), encoding="utf-8")
        env["CONFORMANCE_ONLY"] = str(only_file)
    command = [
        spec.python,
        "-m",
        "pytest",
        "-p",
        "conformance.record",
        "-p",
        "no:cacheprovider",
        "-c",
        str(rootdir / "pytest.ini"),
        "--rootdir",
        str(rootdir),
        "-q",
        "--continue-on-collection-errors",
        *spec.extra_args,
        *spec.paths,
    ]
    log = record.with_suffix(".log")
    with log.open("w", encoding="utf-8") as output:
        try:
            completed = subprocess.run(
                command, cwd=rootdir, env=env, stdout=output, stderr=subprocess.STDOUT,
                timeout=timeout, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return -1
    return completed.returncode


def opbook_env(work: Path) -> dict[str, str]:
    """Environment for a run against opbook: where the shim finds Dagster's public names."""
    return {PUBLIC_NAMES_ENV: str(work / "public_names.txt")}
