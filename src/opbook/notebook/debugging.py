"""Debug a step of a notebook run where it ran: its inputs, config and resources again.

A run started from the notebook is kept in the session with its result.  From it:

* ``step_call(result, step)`` gathers what the step ran with: the op, the inputs it received
  (``result.inputs_for``), its config in the run's config, and the run's resources;
* ``reraise_in_process(call)`` runs that op again in this process with ``execute_solid`` and
  gives back the exception the op raised;
* ``post_mortem(exc)`` opens the debugger on that exception, its traceback starting at the
  user's frame (the engine's frames that called the op are left out).

``SolidPanel(op, from_run=...)`` and ``%opbook debug`` are built on these.
"""

from __future__ import annotations

import os
import pdb
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from opbook import DagsterInstance, DagsterInvariantViolationError, ModeDefinition, execute_solid
from opbook.notebook import session
from opbook.notebook.engine_seam import NodeDefinition, node_at, node_section

_ENGINE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


@dataclass(frozen=True)
class StepCall:
    """What step ``step_key`` of run ``run_id`` ran with."""

    run_id: str
    step_key: str
    definition: NodeDefinition
    inputs: dict[str, Any]
    config: Any  # None when the run config gave the node none
    mode_def: ModeDefinition
    resources_config: dict[str, Any]

    def run_config(self) -> dict[str, Any]:
        """The run config of running the op alone: its config and the run's resources."""
        config: dict[str, Any] = {}
        if self.config is not None:
            config["solids"] = {self.definition.name: {"config": self.config}}
        if self.resources_config:
            config["resources"] = self.resources_config
        return config


def session_result(run_id: str | None) -> Any:
    """The result of a run of this session by id or id prefix (default: the last one).

    Raises:
        DagsterInvariantViolationError: no such run, or several match the prefix.
    """
    known = session.current().results
    if run_id is None:
        if not known:
            raise DagsterInvariantViolationError(
                "no run started from this notebook yet; run one first"
            )
        return list(known.values())[-1]
    matches = [result for key, result in known.items() if key.startswith(run_id)]
    if len(matches) != 1:
        found = "no run" if not matches else f"{len(matches)} runs"
        raise DagsterInvariantViolationError(
            f"{found} of this session with id {run_id!r} (see %opbook runs)"
        )
    return matches[0]


def failed_steps(result: Any) -> list[str]:
    """The keys of the steps that failed in a run, in the order they failed."""
    return [e.step_key for e in result.event_list if e.is_step_failure and e.step_key]


def last_failure() -> tuple[Any, str]:
    """The last run of this session with a failed step, and its first failed step.

    Raises:
        DagsterInvariantViolationError: no run of this session had a failed step.
    """
    for result in reversed(list(session.current().results.values())):
        failed = failed_steps(result)
        if failed:
            return result, failed[0]
    raise DagsterInvariantViolationError("no run of this notebook session has a failed step")


def steps_of(result: Any, definition: NodeDefinition) -> list[str]:
    """The keys of the steps of a run that started and ran ``definition`` (by its name)."""
    graph = result.job_def.graph
    started = [e.step_key for e in result.event_list if e.is_step_start and e.step_key]
    return [key for key in started if node_at(graph, key).definition.name == definition.name]


def _mode_def(result: Any) -> ModeDefinition:
    """The run's mode, with its resources only (the op runs in this process)."""
    run = DagsterInstance.get().get_run_by_id(result.run_id)
    job = result.job_def
    mode = job.get_mode_definition(run.mode if run is not None else None)
    return ModeDefinition(name=mode.name, resource_defs=dict(mode.resource_defs))


def step_call(result: Any, step_key: str) -> StepCall:
    """What ``step_key`` ran with in the run of ``result``.

    Raises:
        DagsterInvariantViolationError: the run has no such step, or it did not start.
    """
    inputs = result.inputs_for(step_key)
    node = node_at(result.job_def.graph, step_key)
    run_config = session.current().run_configs.get(result.run_id) or result.run_config
    section = node_section(run_config, step_key)
    return StepCall(
        run_id=result.run_id,
        step_key=step_key,
        definition=node.definition,
        inputs=inputs,
        config=section.get("config"),
        mode_def=_mode_def(result),
        resources_config=dict(run_config.get("resources") or {}),
    )


def reraise_in_process(call: StepCall) -> BaseException | None:
    """Run the step's op again in this process; the exception it raised (None if it passed)."""
    try:
        execute_solid(
            call.definition,
            mode_def=call.mode_def,
            input_values=call.inputs,
            run_config=call.run_config(),
            raise_on_error=True,
        )
    except Exception as exc:  # the op's own exception, whatever it is
        return exc
    return None


def user_frames(tb: TracebackType | None) -> TracebackType | None:
    """``tb`` from the first frame outside opbook (the user's), or all of it if none is."""
    first = tb
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_ENGINE_DIR):
        tb = tb.tb_next
    return tb if tb is not None else first


def debugger() -> pdb.Pdb:
    """IPython's debugger in a notebook (what ``%debug`` uses), else the Python debugger."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return pdb.Pdb()
    shell = get_ipython()
    cls = getattr(shell, "debugger_cls", None)
    return cls() if cls is not None else pdb.Pdb()


def split_commands(text: str) -> list[str]:
    """Debugger commands written on one line, separated by ``;;`` as at the debugger's prompt."""
    return [command.strip() for command in text.split(";;") if command.strip()]


def post_mortem(exc: BaseException, commands: Sequence[str] = ()) -> None:
    """Open the debugger at the frame that raised ``exc``; ``up`` stops at the user's frame.

    ``commands`` run first, each shown after the prompt as if typed there (ending them with
    ``q`` leaves the debugger without waiting for input, which a front end with no input box
    needs).
    """
    tb = user_frames(exc.__traceback__)
    if tb is None:
        raise DagsterInvariantViolationError(f"{exc!r} has no traceback to debug")
    session_debugger = debugger()
    session_debugger.reset()
    if commands:
        _type_in(session_debugger, commands)
    session_debugger.interaction(None, tb)


def _type_in(session_debugger: pdb.Pdb, commands: Sequence[str]) -> None:
    """Queue ``commands`` at the debugger's prompt, echoing each as it runs."""
    session_debugger.cmdqueue.extend(commands)
    precmd = session_debugger.precmd
    echoes = [len(commands)]

    def echoed(line: str) -> str:
        if echoes[0] > 0:
            echoes[0] -= 1
            print(f"{session_debugger.prompt}{line}", file=session_debugger.stdout)
        return precmd(line)

    session_debugger.precmd = echoed  # type: ignore[method-assign]
