"""Instructions per op of the in-process chain: ``python -m bench.instructions [--ops N]``.

On a shared machine wall-clock time drifts by half from one minute to the next, too much to
tell a 5% change to the engine from noise.  The number of instructions the CPU retires for a
run hardly moves, so this counts them with Linux ``perf stat`` (user space only): one process
runs the chain ``2`` times, another ``2 + runs`` times, and the difference, divided by the extra
ops, is the cost of one op with its events, scheduling and bookkeeping.  Imports, set-up and the
warm-up runs cancel out; each process ends without tearing the interpreter down, so that the
final garbage collection of what the runs left behind is not counted either.

Compare two versions of the engine by running this in each (``PYTHONPATH=other/src``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_chain(ops: int, runs: int) -> None:
    """The measured process: build the chain, run it ``runs`` times, leave at once."""
    from bench import jobs

    job = jobs.make_chain(ops)
    for _ in range(runs):
        job.execute_in_process()
    sys.stdout.flush()
    os._exit(0)


def count(ops: int, runs: int) -> int:
    """User-space instructions retired by a process running the chain ``runs`` times."""
    command = [
        "perf",
        "stat",
        "-x,",
        "-e",
        "instructions:u",
        sys.executable,
        "-m",
        "bench.instructions",
        "--child",
        str(runs),
        "--ops",
        str(ops),
    ]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if completed.returncode != 0:
        # perf refused to count (kernel settings), or the measured run itself failed.
        sys.exit(f"perf stat exited with code {completed.returncode}:\n{completed.stderr}")
    return instruction_count(completed.stderr)


def instruction_count(perf_output: str) -> int:
    """The count in what ``perf stat -x,`` printed; a clear exit where perf could not count."""
    for line in perf_output.splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[2].startswith("instructions"):
            if not fields[0].isdigit():
                # Virtual machines often hide the CPU's counters from the guest.
                sys.exit(
                    f"perf cannot count instructions on this machine (it printed {fields[0]!r}); "
                    "try a machine whose CPU counters perf can read"
                )
            return int(fields[0])
    sys.exit(f"perf printed no instruction count:\n{perf_output}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    parser.add_argument("--ops", type=int, default=1000, help="ops in the chain")
    parser.add_argument("--runs", type=int, default=10, help="extra runs counted")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        run_chain(args.ops, args.child)
    if shutil.which("perf") is None:
        sys.exit("bench.instructions needs Linux perf (Debian: apt-get install linux-perf)")
    base = count(args.ops, 2)
    more = count(args.ops, 2 + args.runs)
    print(
        f"{(more - base) / (args.runs * args.ops):,.0f} instructions per op (chain of {args.ops})"
    )


if __name__ == "__main__":
    main()
