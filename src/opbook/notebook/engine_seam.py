"""The one place where the notebook layer reaches past the public API into the engine.

The notebook builds on what a user can use too: the names ``opbook`` publishes (definitions,
results, ``execute_pipeline``, ``DagsterInstance``...) and ``config``'s schema description.  A
form, a graph and a DataFrame are then made from the same data a user sees.  What the public
API cannot give is imported here, and only here (an import-linter contract in pyproject.toml
forbids other notebook modules from importing ``opbook.api``, ``testing``, ``definitions``,
``execution``, ``executors``, ``plan`` or ``storage``), each with the reason it is needed:

- ``NodeDefinition``: the base of ops and graphs (Dagster keeps it out of its top-level names),
  for annotations and for telling a node from a job.
- ``GraphExecutionResult``: the result of ``GraphDefinition.execute_in_process``, which cards
  show like a job's result.
- ``node_at``, ``node_section``: the node that a step key names in a nested graph, and its
  section of a run config, for debugging one step with what it had in a run.
- ``StepStatus``, ``StepStates``, ``step_statuses``, ``error_text``: the engine's one fold of
  events into step statuses (and a failure's one-line error), which the live graph, cards and
  tables colour, so that the notebook does not fold events a second way.
- ``events_frame``, ``steps_frame``, ``frame_of``, ``run_id_of``: the DataFrames that results'
  ``to_dataframe()`` build, for event lists that are not (yet) a result, such as a live run's.
- ``register_progress_factory``: how ``execute_pipeline(progress=True)`` finds the notebook's
  live picture without the engine importing the notebook.
- ``set_default_console_level``: the console logger's default level, lowered to warnings while
  the extension is loaded (a notebook keeps INFO lines in the run's record, not under the cell).
- ``node_selection``, ``run_config_schema``, ``resolve_run_config``, ``MANAGED_BY_ENGINE``:
  the run-config schema of a job, mode and op selection (what the config form edits) and its
  validation, exactly as a run resolves it.
- ``compile_job``, ``flatten_graph``, ``graph_edges``, ``FlatGraph``, ``GraphEdges``: the
  compile stage, the nested graph flattened once as the planner sees it (ops and graphs by
  handle, graph outputs resolved, the resources a job's run needs), so that a picture shows
  the ops and wires a run has, and redefinition finds the ops a job uses, without walking
  the graph a second way.
- ``ScheduleTick``, ``SCHEDULE_NAME_TAG``: a schedule's evaluated ticks, and the tag every one
  of its run requests carries (left out of ``%opbook ticks``'s table).
- ``replace``, ``wraps``: definitions are frozen values, so putting a redefined op into a job
  builds a new job around the rebuilt graph (``replace``), and a rebuilt graph keeps the
  identity (``__name__``, ``__module__``) of the function it was decorated from (``wraps``).
- ``unknown_partition_message``: what ``%opbook run --partition`` says of a key the job lacks,
  worded as ``opbook run --partition`` words it.
"""

from __future__ import annotations

from opbook.api import node_selection, register_progress_factory
from opbook.definitions.frozen import replace, wraps
from opbook.definitions.logger import set_default_console_level
from opbook.definitions.node import NodeDefinition
from opbook.definitions.partition import unknown_partition_message
from opbook.definitions.run_config import (
    MANAGED_BY_ENGINE,
    resolve_run_config,
    run_config_schema,
)
from opbook.definitions.run_request import SCHEDULE_NAME_TAG
from opbook.definitions.schedule import ScheduleTick
from opbook.execution.frames import events_frame, frame_of, run_id_of, steps_frame
from opbook.execution.results import GraphExecutionResult
from opbook.execution.step_inputs import node_at, node_section
from opbook.execution.step_status import StepStates, StepStatus, error_text, step_statuses
from opbook.plan.compile import compile_job, flatten_graph, graph_edges
from opbook.plan.compiled import FlatGraph, GraphEdges

__all__ = [
    "MANAGED_BY_ENGINE",
    "SCHEDULE_NAME_TAG",
    "FlatGraph",
    "GraphEdges",
    "GraphExecutionResult",
    "NodeDefinition",
    "ScheduleTick",
    "StepStates",
    "StepStatus",
    "compile_job",
    "error_text",
    "events_frame",
    "flatten_graph",
    "frame_of",
    "graph_edges",
    "node_at",
    "node_section",
    "node_selection",
    "register_progress_factory",
    "replace",
    "resolve_run_config",
    "run_config_schema",
    "run_id_of",
    "set_default_console_level",
    "step_statuses",
    "steps_frame",
    "unknown_partition_message",
    "wraps",
]
