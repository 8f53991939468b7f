"""The ``opbook`` command's arguments and help.

One sub-command per task: ``run``, ``reexecute``, ``runs``, ``config-scaffold``, ``export``,
``ticks``.
Each parsed namespace carries ``handler``, the function in ``commands`` that carries it out.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

DESCRIPTION = """\
Run opbook jobs and pipelines from a terminal: from a Python file, a module or a notebook.

TARGET is a Python file (jobs.py), an importable module (pkg.jobs) or a notebook
(analysis.ipynb). Loading a TARGET runs its code, as `python jobs.py` would: a file or module
is imported, and a notebook's code cells run in order, with no kernel (cells tagged `skip` are
left out, `%%op --run` does not run, nothing is displayed). Only give targets you trust.

Runs are recorded in an instance directory: --instance PATH, else $OPBOOK_HOME, else
$DAGSTER_HOME, else ~/.opbook. The next command finds them there (`opbook runs`,
`opbook reexecute`).

Exit status: 0 when the run succeeded, 1 when it failed, 2 for bad input (no such file, job or
run, invalid YAML or run config, a notebook cell that failed), 130 when interrupted."""

RUN_DESCRIPTION = """\
Run a job (or pipeline) defined in TARGET, showing its progress and then one line per step.

Running a notebook or a Python file executes its code, like `python file.py` would: the file
is imported and a notebook's code cells run, top to bottom, before the job does. Tag a
notebook cell `skip` to leave it out.

Run config comes from YAML files (-c, several are merged in order, later ones winning) or a
--preset; with neither, the job's own default config is used. `{env: NAME}` reads an
environment variable when the run starts and is recorded as written; the values of secret
fields are recorded and shown as ***. Output values are kept on disk under the instance
(filesystem storage) unless the config chooses a storage, so that `opbook reexecute` can use
them later; a failed run prints the `opbook reexecute` command that picks up from the failure.

--executor chooses the job's own executor or one of in_process, multiprocess and dask (the
dask one needs `pip install "opbook[dask]"`). A notebook's job runs in the notebook's folder,
as in Jupyter, so relative paths in its cells and ops mean the same as there."""

REEXECUTE_DESCRIPTION = """\
Run a recorded run again, from its failure (--from-failure), or only the steps --select picks
(the other steps' outputs are loaded from the earlier run), or all of it (neither).

The definitions are loaded again from the TARGET the run was started from: `opbook run`
records it on the run (tag opbook/target), so usually RUN_ID is enough. For a run started some
other way, or to load the definitions from elsewhere (a fixed copy), give TARGET (and -j JOB
when the target defines several jobs). Loading TARGET runs its code.

The run config is the earlier run's, as recorded, unless -c files are given. A recorded config
whose secret values were masked cannot be used again: give it with -c."""

EXAMPLES: dict[str, tuple[str, ...]] = {
    "run": (
        "opbook run jobs.py                          # the one job jobs.py defines",
        "opbook run -f jobs.py -j numbers -c prod.yaml -c secrets.yaml",
        "opbook run -m pkg.jobs -j numbers --select 'scale+' --executor multiprocess",
        "opbook run analysis.ipynb -j numbers --show-config   # check the config, run nothing",
        "opbook run jobs.py -j daily --partition 2021-05-01",
    ),
    "reexecute": (
        "opbook reexecute 3f2a1b --from-failure      # the run id, or the start of it",
        "opbook reexecute 3f2a1b --select 'total+' -c fixed.yaml",
        "opbook reexecute 3f2a1b fixed_jobs.py --from-failure --executor in_process",
    ),
    "runs": (
        "opbook runs",
        "opbook runs -j numbers --limit 5",
        "opbook runs --mark-failed 3f2a1b --instance /shared/opbook",
    ),
    "config-scaffold": (
        "opbook config-scaffold jobs.py -j numbers > numbers.yaml",
        "opbook config-scaffold analysis.ipynb -j numbers --all",
    ),
    "export": ("opbook export analysis.ipynb -o pipeline.py && opbook run pipeline.py",),
    "ticks": (
        "opbook ticks repo.py every_morning",
        "opbook ticks repo.py every_morning --from 2021-05-01 -n 3",
    ),
}

INSTANCE_HELP = "the instance directory (default: $OPBOOK_HOME, $DAGSTER_HOME or ~/.opbook)"
TARGET_HELP = "a Python file, a module (pkg.mod) or a notebook (.ipynb); its code is run"
JOB_HELP = "the job or pipeline to use, by name (needed when TARGET defines several)"

Handler = Callable[[argparse.Namespace], int]


def _non_negative(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of 0 or more, got {text!r}")
    return number


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def _add_run(commands: Any, handler: Handler) -> None:
    run = commands.add_parser(
        "run",
        help="run a job from a Python file, a module or a notebook (runs its code)",
        description=RUN_DESCRIPTION,
        formatter_class=_formatter,
    )
    run.add_argument("target", metavar="TARGET", nargs="?", help=TARGET_HELP)
    given = run.add_mutually_exclusive_group()
    given.add_argument(
        "-f", "--python-file", metavar="FILE", help="TARGET as a Python file (as in Dagster)"
    )
    given.add_argument(
        "-m", "--module-name", metavar="MODULE", help="TARGET as a module (as in Dagster)"
    )
    run.add_argument("-j", "--job", metavar="JOB", help=JOB_HELP)
    run.add_argument(
        "-c",
        "--config",
        metavar="CONFIG.yaml",
        action="append",
        default=[],
        help="a YAML file of run config; repeat to merge several, in order",
    )
    run.add_argument("--preset", metavar="P", help="run with a preset's config, mode and selection")
    run.add_argument(
        "--partition",
        metavar="KEY",
        help="run one partition of a partitioned job, with that partition's config and tags",
    )
    run.add_argument("--mode", metavar="M", help="the mode to run in (pipelines with several)")
    run.add_argument(
        "--select",
        metavar="QUERY",
        help="run only these ops: 'a', '*c' (and upstream), 'a+', 'a,b'",
    )
    run.add_argument(
        "--executor",
        metavar="NAME",
        help="one the job or mode offers, or in_process, multiprocess or dask",
    )
    run.add_argument(
        "--memoized",
        action="store_true",
        help="run only the ops whose outputs are not stored under their versions (source-hash "
        "versions unless the job has a version strategy); reuse the others' stored outputs",
    )
    run.add_argument("--instance", metavar="PATH", help=INSTANCE_HELP)
    run.add_argument(
        "--show-config",
        action="store_true",
        help="print the run config the files and options amount to (secrets masked) and check "
        "it; do not run",
    )
    run.set_defaults(handler=handler)


def _add_reexecute(commands: Any, handler: Handler) -> None:
    again = commands.add_parser(
        "reexecute",
        help="run a recorded run again: from its failure, or a selection of its steps",
        description=REEXECUTE_DESCRIPTION,
        formatter_class=_formatter,
    )
    again.add_argument("run_id", metavar="RUN_ID", help="the run (its id, or the start of it)")
    again.add_argument(
        "target",
        metavar="TARGET",
        nargs="?",
        help="where the definitions are (default: the target the run was started from)",
    )
    again.add_argument("-j", "--job", metavar="JOB", help="the job (default: the run's job)")
    which = again.add_mutually_exclusive_group()
    which.add_argument(
        "--from-failure", action="store_true", help="run the steps the run did not finish"
    )
    which.add_argument("--select", metavar="QUERY", help="run these steps: 'b', 'b+', '*c'")
    again.add_argument(
        "-c",
        "--config",
        metavar="CONFIG.yaml",
        action="append",
        default=[],
        help="run config (default: the run's own); repeat to merge several",
    )
    again.add_argument(
        "--executor",
        metavar="NAME",
        help="one the job offers, or in_process, multiprocess or dask (default: the run's)",
    )
    again.add_argument("--instance", metavar="PATH", help=INSTANCE_HELP)
    again.set_defaults(handler=handler)


def _add_runs(commands: Any, handler: Handler) -> None:
    runs = commands.add_parser(
        "runs",
        help="list recorded runs, newest first",
        description="List the runs recorded in the instance, newest first: id, job, status, "
        "start, duration and the run it re-executed (parent). An unfinished run whose process "
        "is gone from this machine is marked failed.",
        formatter_class=_formatter,
    )
    runs.add_argument("-j", "--job", metavar="JOB", help="only the runs of this job")
    runs.add_argument(
        "--limit", metavar="N", type=_non_negative, default=20, help="at most N runs (20)"
    )
    runs.add_argument("--instance", metavar="PATH", help=INSTANCE_HELP)
    runs.add_argument(
        "--mark-failed",
        metavar="RUN",
        help="mark an unfinished run as failed (its process is gone where opbook cannot see, "
        "such as on another machine); runs whose process is gone from this machine are "
        "marked by themselves",
    )
    runs.set_defaults(handler=handler)


def _add_scaffold(commands: Any, handler: Handler) -> None:
    scaffold = commands.add_parser(
        "config-scaffold",
        help="print a YAML skeleton of a job's run config",
        description="Print a YAML skeleton of a job's run config, to fill in and pass with -c. "
        "Loading TARGET runs its code.",
        formatter_class=_formatter,
    )
    scaffold.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    scaffold.add_argument("-j", "--job", metavar="JOB", help=JOB_HELP)
    scaffold.add_argument("--mode", metavar="M", help="the mode (pipelines with several)")
    scaffold.add_argument(
        "--all",
        action="store_true",
        help="every entry, optional ones and the engine's (execution, loggers, storage) too",
    )
    scaffold.set_defaults(handler=handler)


def _add_export(commands: Any, handler: Handler) -> None:
    export = commands.add_parser(
        "export",
        help="write a notebook's ops, graphs and jobs to a Python module",
        description="Write the ops, graphs and jobs a notebook defines to a plain Python module, "
        "importable and reconstructable (`opbook run module.py`). The notebook's code cells are "
        "run to find them.",
        formatter_class=_formatter,
    )
    export.add_argument("notebook", metavar="NOTEBOOK.ipynb", help="the notebook")
    export.add_argument(
        "-o", "--output", metavar="MODULE.py", required=True, help="the module to write"
    )
    export.set_defaults(handler=handler)


def _add_ticks(commands: Any, handler: Handler) -> None:
    ticks = commands.add_parser(
        "ticks",
        help="the next ticks of a schedule and the run each would request (runs nothing)",
        description="Evaluate a schedule's next ticks, as a scheduler would, and show the run "
        "each would request (its run key, tags and run config) or why it skips. Nothing runs. "
        "Loading TARGET runs its code.",
        formatter_class=_formatter,
    )
    ticks.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    ticks.add_argument("schedule", metavar="SCHEDULE", help="the schedule, by name")
    ticks.add_argument(
        "--from",
        dest="start",
        metavar="DATE",
        help="start at this date or time (ISO, e.g. 2021-05-01 or 2021-05-01T06:00; default: now)",
    )
    ticks.add_argument(
        "-n", metavar="N", type=_non_negative, default=10, help="how many ticks (10)"
    )
    ticks.set_defaults(handler=handler)


def build_parser(handlers: Mapping[str, Handler], version: str) -> argparse.ArgumentParser:
    """The ``opbook`` parser; ``handlers`` maps each sub-command to its function."""
    parser = argparse.ArgumentParser(
        prog="opbook", description=DESCRIPTION, formatter_class=_formatter
    )
    parser.add_argument("--version", action="version", version=f"opbook {version}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_run(commands, handlers["run"])
    _add_reexecute(commands, handlers["reexecute"])
    _add_runs(commands, handlers["runs"])
    _add_scaffold(commands, handlers["config-scaffold"])
    _add_export(commands, handlers["export"])
    _add_ticks(commands, handlers["ticks"])
    for name, subparser in commands.choices.items():
        if subparser.description and "\n" not in subparser.description:
            subparser.description = textwrap.fill(subparser.description, 95)
        subparser.epilog = "examples:\n" + "\n".join(f"  {line}" for line in EXAMPLES[name])
    return parser
