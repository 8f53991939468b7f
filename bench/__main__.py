"""Run the benchmark suite: ``python -m bench [--compare dagster] [--only NAME ...] [--record]``.

Every measurement runs in a fresh process (``bench.workloads``), after a warm-up, several
times; a round goes over every workload, and the rounds follow each other.  With
``--compare dagster`` each workload of a round runs opbook then Dagster (A B A B ...), so both
see the same machine load, and the ratio is taken round by round.  Results are printed as a
table, appended as JSON lines to ``bench/results.jsonl``, and with ``--record`` written to
``bench/RESULTS.md``.  Dagster is installed on first use into ``bench/.venv-dagster``; it is
never a dependency of opbook.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DAGSTER_VENV = ROOT / "bench" / ".venv-dagster"
DAGSTER_SPEC = "dagster==1.13.*"

# workload -> (target, unit, Dagster 1.13's figure when the targets were set); unit "s"
# figures are shown in ms.  The machine's speed drifts, so a target is also checked as a
# ratio: opbook's time over Dagster's in the same run must stay under target / Dagster's
# reference figure (the "ratio target").
TARGETS: dict[str, tuple[float | None, str, float | None]] = {
    "import_time": (0.080, "s", 0.9),
    "import_and_first_use": (None, "s", None),
    "chain_10": (None, "s", None),
    "chain_100": (None, "s", None),
    "chain_1000": (0.060, "s", 10.0),
    "chain_10000": (0.8, "s", None),
    "fan_500": (0.040, "s", 5.6),
    "one_op_job_per_run": (0.0005, "s", 0.114),
    "execute_solid_per_call": (0.001, "s", 0.027),
    "chain_1000_peak_mb": (10.0, "MB", 58.0),
    "multiprocess_chain_8": (2.0, "s", 22.0),
    "multiprocess_fan_16": (2.5, "s", 30.0),
    "dask_fan_64_naps": (4.0, "s", None),
    "sqlite_100k_events": (2.0, "s", None),
    "dataframe_100k_events": (1.0, "s", None),
    "config_form_200_fields": (0.3, "s", None),
    "graph_500_ops_svg": (3.0, "s", None),
    "validate_200_fields_per_call": (0.002, "s", None),
    "dask_overhead_per_trivial_task": (None, "s", None),
    # 5% of the memoized full run of the same chain (2 s of sleeps): the rerun after editing
    # its last op (bench/bench_memoized.py prints the ratio itself)
    "memoized_full_20": (None, "s", None),
    "memoized_rerun_20": (0.1, "s", None),
    # Where the data is real (bench/bench_data.py): each is judged against its reference in
    # REFERENCES, measured in the same run, rather than against an absolute figure.
    "dask_bare_per_trivial_task": (None, "s", None),
    # the same two, alternating on one cluster in one process: the ratio itself (target 1.5)
    "dask_per_task_over_bare_paired": (1.5, "x", None),
    "frame_pickle5_reference": (None, "s", None),
    "frame_multiprocess": (None, "s", None),
    "frame_dask": (None, "s", None),
    "frame_fs_io_manager": (None, "s", None),
    "frame_pickle5_peak_x": (None, "x", None),
    "frame_multiprocess_peak_x": (2.5, "x", None),
    "frame_dask_peak_x": (2.5, "x", None),
    "frame_fs_io_manager_peak_x": (2.5, "x", None),
    "events_kb_per_event_in_process": (None, "KB", None),
    "events_kb_per_event_multiprocess": (0.7, "KB", None),
    "display_none_per_step": (None, "s", None),
    "display_static_per_step": (None, "s", None),
    "display_widget_per_step": (None, "s", None),
    "display_none_first_steps": (None, "s", None),
    "display_static_first_steps": (None, "s", None),
    "display_widget_first_steps": (None, "s", None),
}

# workload -> (its reference, measured right after it in each round; the most the workload may
# exceed the reference by, None: shown only; whether the target is on the difference, as for
# the cost a display adds to a run, rather than on the ratio).
REFERENCES: dict[str, tuple[str, float | None, bool]] = {
    "dask_overhead_per_trivial_task": ("dask_bare_per_trivial_task", 1.5, False),
    "frame_multiprocess": ("frame_pickle5_reference", 1.5, False),
    "frame_dask": ("frame_pickle5_reference", 1.5, False),
    "frame_fs_io_manager": ("frame_pickle5_reference", 1.5, False),
    "frame_multiprocess_peak_x": ("frame_pickle5_peak_x", None, False),
    "frame_dask_peak_x": ("frame_pickle5_peak_x", None, False),
    "frame_fs_io_manager_peak_x": ("frame_pickle5_peak_x", None, False),
    "events_kb_per_event_multiprocess": ("events_kb_per_event_in_process", None, False),
    # the display's cost per step: under 1 ms more than the same run without it
    "display_static_per_step": ("display_none_per_step", 0.001, True),
    "display_widget_per_step": ("display_none_per_step", 0.001, True),
    "display_static_first_steps": ("display_none_first_steps", 0.001, True),
    "display_widget_first_steps": ("display_none_first_steps", 0.001, True),
}


@dataclass
class Measured:
    workload: str
    figures: dict[str, list[float]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    ratios: list[float] = field(default_factory=list)

    def median(self, engine: str) -> float | None:
        values = self.figures.get(engine)
        return statistics.median(values) if values else None


def dagster_python(given: str | None = None) -> Path:
    if given:
        return Path(given)
    python = DAGSTER_VENV / "bin" / "python"
    if not python.exists():
        print(f"Installing {DAGSTER_SPEC} into {DAGSTER_VENV} (once) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(DAGSTER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", DAGSTER_SPEC], check=True)
    return python


def _env(engine: str) -> dict[str, str]:
    # opbook from this tree (a worktree's src, not whichever copy the interpreter installed)
    path = [str(ROOT), str(ROOT / "src")] if engine == "opbook" else [str(ROOT)]
    env = dict(os.environ, BENCH_ENGINE=engine, PYTHONPATH=os.pathsep.join(path))
    env.pop("OPBOOK_HOME", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users' imports read cached bytecode
    env.setdefault("DAGSTER_HOME", "")
    if not env["DAGSTER_HOME"]:
        env.pop("DAGSTER_HOME")
    return env


def import_time(python: Path, engine: str, repeat: int, code: str) -> list[float]:
    """Whole-process seconds of ``python -c code``."""
    figures = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        subprocess.run(
            [str(python), "-c", code.format(engine=engine)], env=_env(engine), check=True
        )
        figures.append(time.perf_counter() - start)
    return figures[1:]  # the first run warms the file cache and writes bytecode


def run_workload(python: Path, engine: str, workload: str, repeat: int) -> dict[str, object]:
    if workload == "import_time":
        return {"figures": import_time(python, engine, repeat, "import {engine}")}
    if workload == "import_and_first_use":
        # opbook loads its engine on first use of a name: measure that too, to be fair.
        code = "import {engine}; {engine}.job; {engine}.op"
        return {"figures": import_time(python, engine, repeat, code)}
    completed = subprocess.run(
        [str(python), "-m", "bench.workloads", workload, "--repeat", str(repeat)],
        env=_env(engine),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        return {
            "skipped": f"failed (exit {completed.returncode}): {completed.stderr.strip()[-300:]}"
        }
    return json.loads(lines[-1])  # type: ignore[no-any-return]


def measure_round(measured: Measured, engines: dict[str, Path], repeat: int) -> None:
    """One round of a workload: a fresh process per engine, one after the other."""
    round_medians: dict[str, float] = {}
    for engine, python in engines.items():
        result = run_workload(python, engine, measured.workload, repeat)
        if "skipped" in result:
            measured.skipped[engine] = str(result["skipped"])
            continue
        figures = list(result["figures"])  # type: ignore[call-overload]
        measured.figures.setdefault(engine, []).extend(figures)
        round_medians[engine] = statistics.median(figures)
    if len(round_medians) == 2:
        measured.ratios.append(round_medians["opbook"] / round_medians["dagster"])


def _show(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.3g} ms"
    return f"{value:.2f} {unit}" if unit != "x" else f"{value:.2f}x"


def reference_table(results: list[Measured]) -> str:
    """Each workload beside its reference, measured in the same rounds (see REFERENCES)."""
    found = {m.workload: m for m in results}
    rows = [
        "| workload | opbook (median) | reference | reference (median) | opbook / reference "
        "| opbook - reference | target | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in results:
        if m.workload not in REFERENCES or REFERENCES[m.workload][0] not in found:
            continue
        name, bound, on_difference = REFERENCES[m.workload]
        unit = TARGETS[m.workload][1]
        mine, theirs = m.median("opbook"), found[name].median("opbook")
        if mine is None or theirs is None:
            continue
        ratio, difference = mine / theirs, mine - theirs
        if bound is None:
            target, met = "-", "-"
        elif on_difference:
            target, met = f"+{_show(bound, unit)}", "yes" if difference < bound else "NO"
        else:
            target, met = f"{bound:g}x", "yes" if ratio < bound else "NO"
        rows.append(
            f"| {m.workload} | {_show(mine, unit)} | {name} | {_show(theirs, unit)} "
            f"| {ratio:.2f}x | {_show(difference, unit)} | {target} | {met} |"
        )
    return "\n".join(rows)


def table(results: list[Measured], compare: bool) -> str:
    header = "| workload | opbook (median) | target | met |" + (
        " Dagster 1.13 | opbook / Dagster | ratio target | ratio met |" if compare else ""
    )
    rule = "|---|---|---|---|" + ("---|---|---|---|" if compare else "")
    rows = [header, rule]
    for m in results:
        target, unit, reference = TARGETS[m.workload]
        mine = m.median("opbook")
        met = "-" if target is None or mine is None else ("yes" if mine < target else "NO")
        row = f"| {m.workload} | {_show(mine, unit) if mine is not None else m.skipped.get('opbook', '-')} | {_show(target, unit)} | {met} |"
        if compare:
            theirs = m.median("dagster")
            ratio = statistics.median(m.ratios) if m.ratios else None
            ratio_target = target / reference if target and reference else None
            ratio_met = (
                "-"
                if ratio is None or ratio_target is None
                else ("yes" if ratio < ratio_target else "NO")
            )
            row += (
                f" {_show(theirs, unit) if theirs is not None else 'n/a'}"
                f" | {'-' if ratio is None else f'{ratio:.4f}'}"
                f" | {'-' if ratio_target is None else f'{ratio_target:.4f}'} | {ratio_met} |"
            )
        rows.append(row)
    return "\n".join(rows)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--compare", choices=["dagster"], help="also run the workloads on Dagster 1.13"
    )
    parser.add_argument(
        "--only", nargs="*", choices=sorted(TARGETS), help="run only these workloads"
    )
    parser.add_argument("--rounds", type=int, default=3, help="processes per engine and workload")
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed repetitions inside each process"
    )
    parser.add_argument("--record", action="store_true", help="write the table to bench/RESULTS.md")
    parser.add_argument(
        "--dagster-python", help="the python of a virtual environment with Dagster 1.13 already"
    )
    parser.add_argument(
        "--frame-mb", type=int, default=100, help="size of the large-frame workloads' DataFrame"
    )
    parser.add_argument(
        "--events", type=int, default=100_000, help="events of the one-run events workloads"
    )
    args = parser.parse_args()
    os.environ["BENCH_FRAME_MB"] = str(args.frame_mb)
    os.environ["BENCH_EVENTS"] = str(args.events)
    engines = {"opbook": Path(sys.executable)}
    if args.compare:
        engines["dagster"] = dagster_python(args.dagster_python)
    # Round after round over every workload, rather than every round of one workload at
    # once: the machine's speed drifts over minutes, and this way each workload's rounds
    # sample the whole run instead of one stretch of it.
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
    chosen = list(args.only or TARGETS)
    for workload in list(chosen):  # a workload's reference is measured beside it
        reference = REFERENCES.get(workload, ("",))[0]
        if reference and reference not in chosen:
            chosen.insert(chosen.index(workload) + 1, reference)
    results = [Measured(workload) for workload in chosen]
    for number in range(1, args.rounds + 1):
        for measured in results:
            print(f"... round {number}: {measured.workload}", file=sys.stderr, flush=True)
            measure_round(measured, engines, args.repeat)
            print(
                table([measured], bool(args.compare)).splitlines()[-1], file=sys.stderr, flush=True
            )
    text = table(results, bool(args.compare))
    against = reference_table(results)
    if against.count("\n") > 1:
        text += "\n\nAgainst references measured in the same run:\n\n" + against
    print(text)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    with open(ROOT / "bench" / "results.jsonl", "a", encoding="utf-8") as out:
        for m in results:
            out.write(
                json.dumps(
                    {
                        "date": stamp,
                        "machine": machine(),
                        "workload": m.workload,
                        "figures": m.figures,
                        "skipped": m.skipped,
                        "ratios": m.ratios,
                    }
                )
                + "\n"
            )
    if args.record:
        body = (
            "# Benchmark results\n\n"
            f"Measured from {started} to {stamp} on {machine()} with "
            f"`python -m bench {' '.join(sys.argv[1:])}`.\n"
            f"Each figure is the median over {args.rounds} fresh processes x {args.repeat} timed repetitions "
            "(after a warm-up), one process per round, the rounds one after the other over the whole run; "
            "the ratio is the median of per-round ratios, opbook and Dagster alternating. "
            "The ratio target is the target divided by Dagster's figure when the targets were set: "
            "how far ahead of Dagster opbook must be, whatever the machine's speed in this run.\n\n"
            + text
            + "\n"
        )
        (ROOT / "bench" / "RESULTS.md").write_text(body, encoding="utf-8")


if __name__ == "__main__":
    main()
