"""``%opbook autorun JOB``: a reactive notebook for a pipeline.

Once turned on, every ``%%op`` cell that redefines one of JOB's ops re-runs JOB memoized
(``runs.run(job, memoized=True)``): only the redefined op and what depends on it run, the other
steps' outputs are loaded from the last memoized run, the live graph shows which steps ran and
which were reused, and the result becomes ``_``.  ``%opbook autorun off`` stops it.  One job is
watched at a time; turning it on runs the job once, so its outputs are stored for the next edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from IPython.display import display

from opbook import DagsterError, GraphDefinition, PipelineDefinition
from opbook.notebook import cells, runs, session
from opbook.notebook.engine_seam import NodeDefinition


@dataclass(frozen=True)
class AutoRun:
    """What to re-run: the notebook name of a job, with the run config given to autorun."""

    name: str
    run_config: dict[str, Any] | None = None


def start(name: str, run_config: dict[str, Any] | None = None) -> None:
    """Watch the job bound to ``name`` (replacing any job watched before)."""
    session.current().autorun = AutoRun(name, run_config)


def stop() -> AutoRun | None:
    """Stop watching; returns what was watched (None if nothing was)."""
    current = session.current()
    was, current.autorun = current.autorun, None
    return was


def _job_of(value: Any) -> PipelineDefinition | None:
    if isinstance(value, PipelineDefinition):
        return value
    if isinstance(value, GraphDefinition) and value.node_kind == "graph":
        return value.to_job()
    return None


def uses(job: PipelineDefinition, definition: NodeDefinition) -> bool:
    """Whether ``definition`` is one of the ops of ``job`` (at any depth of nesting)."""
    whole = job.parent_pipeline_def or job
    return any(d is definition for d in whole.graph.iterate_node_defs())


def run_watched(shell: Any) -> Any:
    """Run the watched job memoized; its result becomes ``_`` (None when nothing is watched)."""
    watched = session.current().autorun
    job = _job_of(shell.user_ns.get(watched.name)) if watched is not None else None
    if watched is None or job is None:
        return None
    result = runs.run(job, watched.run_config, memoized=True)
    shell.user_ns["_"] = result
    display(result)
    return result


def after_redefine(shell: Any, definition: NodeDefinition) -> Any:
    """After ``%%op`` bound ``definition``: re-run the watched job if it uses it."""
    watched = session.current().autorun
    if watched is None:
        return None
    job = _job_of(shell.user_ns.get(watched.name))
    if job is None or not uses(job, definition):
        return None
    try:
        return run_watched(shell)
    except DagsterError as exc:
        # The op was defined; the run could not start (bad config, an op without a version
        # and a strategy...): say why, without failing the cell that defined the op.
        print(f"autorun {watched.name}: not run: {cells.one_line(exc)}")
        return None
