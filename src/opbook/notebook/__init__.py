"""opbook in Jupyter: magics, job graphs, live progress, DataFrames and timelines of runs.

``%load_ext opbook`` registers the ``%%op``, ``%%graph``, ``%%job`` and ``%opbook`` magics
and shows jobs, ops and results richly.  The functions here work without the extension too:

* ``draw(target)``: the ``graphviz.Digraph`` of a job, graph, op, plan or (coloured) result;
* ``timeline(result)``: when each step ran, as SVG;
* ``events_to_dataframe(events)``: a DataFrame of ``execute_pipeline_iterator``'s events;
* ``run(job)`` / ``reexecute(job, run_id, from_failure=True)``: runs with live progress;
* ``ConfigForm(job)``: a form for a job's run config, validated as you type;
* ``RunPanel(job)`` / ``SolidPanel(op)``: a launchpad for a job, or for one op.

Importing this package also makes ``progress=True`` (``execute_in_process``,
``execute_pipeline``, ``reexecute_pipeline``) show a live graph in a notebook.  Everything
here reaches the engine through its public API; the engine never imports this package.
"""

from __future__ import annotations

from opbook.notebook.diagrams import JobGraph, draw
from opbook.notebook.engine_seam import register_progress_factory
from opbook.notebook.extension import load_ipython_extension, unload_ipython_extension
from opbook.notebook.forms.form import ConfigForm
from opbook.notebook.forms.target import schema_for
from opbook.notebook.frames import events_to_dataframe
from opbook.notebook.panels import RunPanel, SolidPanel
from opbook.notebook.progress import LiveRun
from opbook.notebook.runs import reexecute, run
from opbook.notebook.timeline import Timeline, timeline

register_progress_factory(LiveRun.for_notebook)

__all__ = [
    "ConfigForm",
    "JobGraph",
    "LiveRun",
    "RunPanel",
    "SolidPanel",
    "Timeline",
    "draw",
    "events_to_dataframe",
    "load_ipython_extension",
    "reexecute",
    "run",
    "schema_for",
    "timeline",
    "unload_ipython_extension",
]
