"""``%opbook COMMAND ...``: show, run and re-execute jobs, list runs, preview schedules, sensors
and partitions, export, help.

A command's arguments name notebook objects (``%opbook run numbers``) or hold expressions
(``--config {"ops": ...}``); a config may also be a YAML or JSON file.  Bad usage (an unknown
command or option, a name that is not a job, a run id that is not known, an invalid run
config) is a ``UsageError`` with one message, never a traceback.  A step that fails is not bad
usage: the run's result shows the failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import yaml
from IPython.core.error import StdinNotImplementedError, UsageError
from IPython.display import display

from opbook import (
    DagsterError,
    DagsterInstance,
    DagsterInvariantViolationError,
    DagsterUnknownPartitionError,
    GraphDefinition,
    PipelineDefinition,
    PipelineRun,
    RepositoryDefinition,
    ScheduleDefinition,
    SensorDefinition,
    build_sensor_context,
)
from opbook.config.yaml_text import load_yaml
from opbook.notebook import (
    autorun,
    cards,
    cells,
    debugging,
    export,
    instigators,
    panels,
    runs,
    session,
    tables,
    widgets,
)
from opbook.notebook.engine_seam import unknown_partition_message
from opbook.notebook.options import Parsed, Spec, parse, unquote

HELP = """\
opbook magics (load them with %load_ext opbook)

%%op [--name NAME] [--config EXPR] [--resources a,b] [--out TYPE] [--description TEXT]
     [--solid] [--run [INPUTS]] [--run-config EXPR]
    The cell is one function definition; it becomes an op bound under the function's name,
    and the notebook's graphs and jobs that use an op of that name are updated.
    --run executes it at once (execute_solid) with input values from a dict expression.
%%graph NAME[(INPUT, ...)] [--description TEXT]
    The cell is the body of a graph; a last expression is what it returns.
%%job NAME [--resources NAME=EXPR, ...] [--executor in_process|multiprocess|dask|EXPR]
     [--config EXPR] [--description TEXT]
    The cell is the body of a job.
%opbook show JOB          the graph of a job, graph or op (in a kernel: pan, zoom, search)
%opbook run JOB [--config FILE_OR_EXPR] [--select QUERY] [--no-progress] [--memoized]
                          run a job (on its executor), showing its progress; --memoized
                          runs only the ops changed since the last memoized run and what
                          depends on them, reusing the stored outputs of the others
%opbook autorun JOB [--config FILE_OR_EXPR] | off
                          re-run JOB memoized after each %%op that redefines one of its ops
%opbook reexecute [RUN_ID] (--from-failure | --select QUERY) [--config FILE_OR_EXPR]
                          run again from a run (default: the last one) of this session
%opbook form JOB          the run-config form of a job, pipeline, graph or op
%opbook panel JOB         a run panel (config form, Run button, live graph, results);
                          for an op, inputs and config and a Run button (execute_solid)
%opbook runs              this session's runs, newest first
%opbook ticks SCHEDULE [--from DATE] [-n 10]
                          a schedule's next ticks and the run each requests (a DataFrame)
%opbook sensor SENSOR [--cursor C]
                          evaluate a sensor once: its run requests (a DataFrame) or why it skips
%opbook partitions JOB    a partitioned job's partitions and the run config of each
%opbook run JOB --partition KEY
                          run one partition of a partitioned job
%opbook inputs [RUN_ID] STEP
                          the inputs STEP received in a run of this session (default: the
                          last one), bound to `inputs`: call the op by hand with op(**inputs)
%opbook debug [RUN_ID] [STEP] [--commands "p x;; up;; q"]
                          run a failed step (default: the first of the last failed run)
                          again in this process under the debugger, stopped where it raised;
                          --commands: debugger commands to run first, separated by ;;
%opbook export PATH       write the notebook's ops, graphs and jobs to a Python module
%opbook help              this text"""

COMMAND_NAMES = [
    "show",
    "run",
    "autorun",
    "reexecute",
    "form",
    "panel",
    "runs",
    "ticks",
    "sensor",
    "partitions",
    "inputs",
    "debug",
    "export",
    "help",
]
SHOW = Spec("%opbook show", max_positional=1)
FORM = Spec("%opbook form", max_positional=1)
PANEL = Spec("%opbook panel", max_positional=1)
RUN = Spec(
    "%opbook run",
    flags=frozenset({"no-progress", "memoized"}),
    values=frozenset({"config", "select", "mode", "preset", "partition"}),
    max_positional=1,
)
AUTORUN = Spec("%opbook autorun", values=frozenset({"config"}), max_positional=1)
REEXECUTE = Spec(
    "%opbook reexecute",
    flags=frozenset({"from-failure", "no-progress"}),
    values=frozenset({"select", "config"}),
    max_positional=1,
)
TICKS = Spec("%opbook ticks", values=frozenset({"from", "n"}), max_positional=1)
SENSOR = Spec("%opbook sensor", values=frozenset({"cursor"}), max_positional=1)
PARTITIONS = Spec("%opbook partitions", max_positional=1)
BARE = {name: Spec(f"%opbook {name}") for name in ("runs", "help")}
EXPORT = Spec("%opbook export", max_positional=1)
INPUTS = Spec("%opbook inputs", max_positional=2)
DEBUG = Spec("%opbook debug", values=frozenset({"commands"}), max_positional=2)


def dispatch(shell: Any, line: str) -> Any:
    """Run ``%opbook LINE``."""
    name, _, rest = line.strip().partition(" ")
    if not name:
        raise UsageError(
            f"%opbook: which command? One of {', '.join(COMMAND_NAMES)} (%opbook help)"
        )
    command = COMMANDS.get(name)
    if command is None:
        raise UsageError(f"%opbook: unknown command {name!r}; commands: {', '.join(COMMAND_NAMES)}")
    return command(shell, rest)


def _lookup(shell: Any, text: str, what: str, magic: str) -> Any:
    if text.isidentifier() and text not in shell.user_ns:
        known = sorted(
            k
            for k, v in shell.user_ns.items()
            if not k.startswith("_") and isinstance(v, PipelineDefinition | GraphDefinition)
        )
        raise UsageError(
            f"{magic}: no {what} named {text!r} in the notebook; defined: {', '.join(known) or 'none'}"
        )
    return cells.evaluate(shell, text, magic)


def _job(shell: Any, parsed: Parsed, magic: str) -> PipelineDefinition:
    if not parsed.positional:
        raise UsageError(f"{magic}: which job? e.g. `{magic} my_job`")
    text = parsed.positional[0]
    value = _lookup(shell, text, "job", magic)
    if isinstance(value, GraphDefinition) and value.node_kind == "graph":
        job: PipelineDefinition = value.to_job()
        return job
    if not isinstance(value, PipelineDefinition):
        raise UsageError(
            f"{magic}: {text} is a {type(value).__name__}, not a job, pipeline or graph"
        )
    return value


def _run_config(shell: Any, text: str | None, magic: str) -> dict[str, Any] | None:
    if text is None:
        return None
    path = os.path.expanduser(unquote(text))
    if os.path.isfile(path):
        try:
            with open(path, "rb") as handle:
                value = load_yaml(handle)
        except (OSError, yaml.YAMLError) as exc:
            raise UsageError(
                f"{magic} --config: could not read {path}: {cells.one_line(exc)}"
            ) from None
    else:
        value = cells.evaluate(shell, text, f"{magic} --config")
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise UsageError(f"{magic} --config: a run config is a dict, got {type(value).__name__}")
    return dict(value)


def _engine(call: Callable[[], Any], magic: str) -> Any:
    """``call()``, with engine errors about what was asked for (config, selection) as UsageError."""
    try:
        return call()
    except DagsterError as exc:
        raise UsageError(f"{magic}: {cells.one_line(exc)}") from None


def _from_session(call: Callable[[], Any], magic: str) -> Any:
    """``call()``, with a run or step of this session that is not known as a UsageError."""
    try:
        return call()
    except DagsterInvariantViolationError as exc:
        raise UsageError(f"{magic}: {exc}") from None


def show(shell: Any, rest: str) -> None:
    parsed = parse(rest, SHOW)
    if not parsed.positional:
        raise UsageError("%opbook show: show what? e.g. `%opbook show my_job`")
    value = _lookup(shell, parsed.positional[0], "job", "%opbook show")
    if not cards.can_show(value):
        raise UsageError(
            f"%opbook show: cannot show a {type(value).__name__}; give a job, graph, op or result"
        )
    if isinstance(value, PipelineDefinition | GraphDefinition) and widgets.interactive():
        from opbook.notebook.widgets.graph import GraphWidget

        display(GraphWidget(value))  # pan, zoom, search, click an op
        return
    display(cards.card_for(value))


def _partitioned(job: PipelineDefinition, magic: str) -> PipelineDefinition:
    if job.partitioned_config is None:
        raise UsageError(f"{magic}: job {job.name!r} has no partitions")
    return job


def _partition(
    job: PipelineDefinition, parsed: Parsed, config: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, str] | None]:
    """``--partition KEY``: that partition's run config and tags (none without it)."""
    key = parsed.get("partition")
    if key is None:
        return config, None
    if config is not None or parsed.get("preset") is not None:
        raise UsageError("%opbook run: give --partition or --config/--preset, not both")
    _partitioned(job, "%opbook run --partition")
    key = unquote(key)
    try:
        partition_config, tags = job.partition_run(key)
    except DagsterUnknownPartitionError:
        set_def = job.get_partition_set_def()
        keys = set_def.get_partition_names() if set_def is not None else []
        raise UsageError(f"%opbook run: {unknown_partition_message(job.name, key, keys)}") from None
    return partition_config, tags


def run(shell: Any, rest: str) -> Any:
    parsed = parse(rest, RUN)
    job = _job(shell, parsed, "%opbook run")
    config = _run_config(shell, parsed.get("config"), "%opbook run")
    config, tags = _partition(job, parsed, config)
    select = parsed.get("select")
    return _engine(
        lambda: runs.run(
            job,
            config,
            op_selection=unquote(select) if select else None,
            mode=unquote(parsed.get("mode") or "") or None,
            preset=unquote(parsed.get("preset") or "") or None,
            tags=tags,
            progress=not parsed.has("no-progress"),
            memoized=parsed.has("memoized"),
        ),
        "%opbook run",
    )


def autorun_command(shell: Any, rest: str) -> Any:
    """``%opbook autorun JOB`` / ``off``: re-run JOB memoized after each ``%%op`` that
    redefines one of its ops; turning it on runs JOB once."""
    parsed = parse(rest, AUTORUN)
    if parsed.positional and parsed.positional[0] == "off":
        stopped = autorun.stop()
        print(f"autorun off (was {stopped.name})" if stopped else "autorun was not on")
        return None
    _job(shell, parsed, "%opbook autorun")  # a job, pipeline or graph, or a UsageError
    name = parsed.positional[0]
    if not name.isidentifier():
        raise UsageError(
            f"%opbook autorun: give the notebook name of a job (e.g. `%opbook autorun my_job`), "
            f"not {name!r}"
        )
    config = _run_config(shell, parsed.get("config"), "%opbook autorun")
    autorun.start(name, config)
    try:
        _engine(lambda: autorun.run_watched(shell), "%opbook autorun")  # shown, bound to _
    except UsageError:
        autorun.stop()  # a job that cannot run now is not watched
        raise
    print(
        f"autorun on: {name} re-runs memoized after each %%op that redefines one of its ops "
        "(%opbook autorun off to stop)"
    )
    return None


def _instigator(shell: Any, parsed: Parsed, magic: str, kind: type, what: str) -> Any:
    """The schedule or sensor the command names: a notebook name, or one of a repository's."""
    if not parsed.positional:
        raise UsageError(f"{magic}: which {what}? e.g. `{magic} my_{what}`")
    text = unquote(parsed.positional[0])
    found: dict[str, Any] = {}
    for key, value in shell.user_ns.items():
        if key.startswith("_"):
            continue
        if isinstance(value, RepositoryDefinition):
            defs = value.schedule_defs if what == "schedule" else value.sensor_defs
            found.update({d.name: d for d in defs if d.name not in found})
        elif isinstance(value, kind):
            found.setdefault(key, value)
            found.setdefault(getattr(value, "name", key), value)
    if text not in found:
        known = ", ".join(sorted({d.name for d in found.values()})) or "none"
        raise UsageError(f"{magic}: no {what} named {text!r} in the notebook; defined: {known}")
    return found[text]


def _start(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(unquote(text))
    except ValueError:
        raise UsageError(
            f"%opbook ticks --from: {text} is not a date or time (e.g. 2021-05-01T06:00)"
        ) from None


def _count(text: str | None) -> int:
    if text is None:
        return 10
    if not text.strip().isdigit():
        raise UsageError(f"%opbook ticks -n: expected a whole number of 0 or more, got {text!r}")
    return int(text)


def ticks(shell: Any, rest: str) -> Any:
    """``%opbook ticks SCHEDULE``: the next ticks and their run requests, as a DataFrame."""
    parsed = parse(re.sub(r"(^|\s)-n(?=[\s=])", r"\1--n", rest), TICKS)
    schedule = _instigator(shell, parsed, "%opbook ticks", ScheduleDefinition, "schedule")
    start, n = _start(parsed.get("from")), _count(parsed.get("n"))
    found = _engine(lambda: schedule.preview_ticks(start, n), "%opbook ticks")
    return instigators.ticks_frame(found)


def sensor(shell: Any, rest: str) -> Any:
    """``%opbook sensor SENSOR``: evaluate it once; its run requests, or why it skipped."""
    parsed = parse(rest, SENSOR)
    definition = _instigator(shell, parsed, "%opbook sensor", SensorDefinition, "sensor")
    given = parsed.get("cursor")
    cursor = unquote(given) if given is not None else None
    context = build_sensor_context(DagsterInstance.get(), cursor)
    data = _engine(lambda: definition.evaluate_tick(context), "%opbook sensor")
    if data.cursor != cursor:
        print(f"cursor for the next evaluation: {data.cursor}")
    if not data.run_requests:
        print(f"{definition.name} skipped: {data.skip_message or 'no run requested'}")
        return None
    return instigators.requests_frame(data.run_requests)


def partitions(shell: Any, rest: str) -> Any:
    """``%opbook partitions JOB``: each partition's key, run config and tags."""
    parsed = parse(rest, PARTITIONS)
    job = _partitioned(_job(shell, parsed, "%opbook partitions"), "%opbook partitions")
    return _engine(lambda: instigators.partitions_frame(job), "%opbook partitions")


def _session_runs() -> list[PipelineRun]:
    return tables.session_runs(None, session.current().started)


def _job_named(shell: Any, name: str) -> PipelineDefinition | None:
    for key, value in shell.user_ns.items():
        if not key.startswith("_") and isinstance(value, PipelineDefinition) and value.name == name:
            return value
    return None


def _parent(shell: Any, run_id: str | None) -> tuple[PipelineRun, PipelineDefinition]:
    """The run to re-execute (by id or id prefix; default: the session's last run of a
    notebook job) and the notebook's job it is a run of."""
    if run_id is None:
        for run in _session_runs():
            job = _job_named(shell, run.pipeline_name)
            if job is not None:
                return run, job
        raise UsageError(
            "%opbook reexecute: no run of a notebook job in this session yet; run one first"
        )
    matches = [r for r in DagsterInstance.get().get_runs() if r.run_id.startswith(run_id)]
    if len(matches) != 1:
        found = "no run" if not matches else f"{len(matches)} runs"
        raise UsageError(f"%opbook reexecute: {found} with id {run_id!r} (see %opbook runs)")
    job = _job_named(shell, matches[0].pipeline_name)
    if job is None:
        raise UsageError(
            f"%opbook reexecute: run {run_id} is of {matches[0].pipeline_name!r}, which is not "
            "defined in the notebook"
        )
    return matches[0], job


def reexecute(shell: Any, rest: str) -> Any:
    parsed = parse(rest, REEXECUTE)
    from_failure, select = parsed.has("from-failure"), parsed.get("select")
    if from_failure == (select is not None):
        raise UsageError("%opbook reexecute: give either --from-failure or --select QUERY")
    parent, job = _parent(shell, unquote(parsed.positional[0]) if parsed.positional else None)
    config = _run_config(shell, parsed.get("config"), "%opbook reexecute")
    return _engine(
        lambda: runs.reexecute(
            job,
            parent.run_id,
            from_failure=from_failure,
            step_selection=[unquote(select)] if select else None,
            run_config=config,
            progress=not parsed.has("no-progress"),
        ),
        "%opbook reexecute",
    )


def list_runs(shell: Any, rest: str) -> Any:
    parse(rest, BARE["runs"])
    return tables.runs_frame(_session_runs())


def step_inputs(shell: Any, rest: str) -> Any:
    """``%opbook inputs [RUN_ID] STEP``: bind ``inputs`` to what STEP received in that run."""
    parsed = parse(rest, INPUTS)
    if not parsed.positional:
        raise UsageError("%opbook inputs: which step? e.g. `%opbook inputs convert`")
    *run_text, step = [unquote(text) for text in parsed.positional]
    result = _from_session(
        lambda: debugging.session_result(run_text[0] if run_text else None), "%opbook inputs"
    )
    values = _engine(lambda: result.inputs_for(step), "%opbook inputs")
    shell.user_ns["inputs"] = values
    return values


def debug_step(shell: Any, rest: str) -> None:
    """``%opbook debug [RUN_ID] [STEP]``: run a failed step again under the debugger."""
    parsed = parse(rest, DEBUG)
    texts = [unquote(text) for text in parsed.positional]
    if texts:
        result = _from_session(lambda: debugging.session_result(texts[0]), "%opbook debug")
        failed = debugging.failed_steps(result)
        step = texts[1] if len(texts) > 1 else (failed[0] if failed else None)
        if step is None:
            raise UsageError(f"%opbook debug: run {texts[0]} has no failed step; name one")
    else:
        result, step = _from_session(debugging.last_failure, "%opbook debug")
    call = _engine(lambda: debugging.step_call(result, step), "%opbook debug")
    error = debugging.reraise_in_process(call)
    if error is None:
        print(f"%opbook debug: step {step} ran again without an error; nothing to debug")
        return
    print(f"{type(error).__name__}: {error} (step {step} of run {result.run_id[:8]})")
    commands = debugging.split_commands(unquote(parsed.get("commands") or ""))
    try:
        debugging.post_mortem(error, commands)
    except StdinNotImplementedError:
        raise UsageError(
            "%opbook debug: this front end cannot send what you type to the debugger; give "
            'its commands instead, e.g. %opbook debug --commands "p numbers;; q"'
        ) from None


def export_module(shell: Any, rest: str) -> None:
    parsed = parse(rest, EXPORT)
    if not parsed.positional:
        raise UsageError("%opbook export: where to? e.g. `%opbook export pipeline.py`")
    path = os.path.expanduser(unquote(parsed.positional[0]))
    try:
        written = export.write_module(shell, path)
    except OSError as exc:
        raise UsageError(f"%opbook export: could not write {path}: {cells.one_line(exc)}") from None
    if written.error is not None:
        raise UsageError(f"%opbook export: wrote {path}, but it does not import: {written.error}")
    print(written.summary())


def _widget_command(
    shell: Any, rest: str, spec: Spec, make: Callable[[Any], Any], what: str
) -> Any:
    parsed = parse(rest, spec)
    if not parsed.positional:
        raise UsageError(f"{spec.magic}: {what} of what? e.g. `{spec.magic} my_job`")
    target = _lookup(shell, parsed.positional[0], "job", spec.magic)
    return _engine(lambda: make(target), spec.magic)


def show_form(shell: Any, rest: str) -> Any:
    return _widget_command(shell, rest, FORM, panels.show_form, "the form")


def show_panel(shell: Any, rest: str) -> Any:
    return _widget_command(shell, rest, PANEL, panels.show_panel, "a panel")


def show_help(shell: Any, rest: str) -> None:
    parse(rest, BARE["help"])
    print(HELP)


COMMANDS: dict[str, Callable[[Any, str], Any]] = {
    "show": show,
    "run": run,
    "autorun": autorun_command,
    "reexecute": reexecute,
    "form": show_form,
    "panel": show_panel,
    "runs": list_runs,
    "ticks": ticks,
    "sensor": sensor,
    "partitions": partitions,
    "inputs": step_inputs,
    "debug": debug_step,
    "export": export_module,
    "help": show_help,
}
