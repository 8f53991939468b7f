"""Running a step's hooks after its final outcome.

A success hook runs when the step succeeded, a failure hook when it failed; otherwise the hook
is skipped.  A hook that raises is reported as HOOK_ERRORED and never fails the step or run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from opbook.definitions.hook import FAILURE, SUCCESS, HookExecutionResult
from opbook.errors import (
    DagsterError,
    HookExecutionError,
    user_code_boundary,
    user_exception_of,
)
from opbook.events import DagsterEvent, DagsterEventType, HookErroredData, SerializableErrorInfo
from opbook.execution.context import HookContext

if TYPE_CHECKING:
    from opbook.execution.run_context import RunContext
    from opbook.plan.plan import ExecutionStep

ET = DagsterEventType


def _triggered(trigger: str, outcome: DagsterEvent) -> bool:
    if trigger == SUCCESS:
        return outcome.event_type_value == ET.STEP_SUCCESS
    if trigger == FAILURE:
        return outcome.event_type_value == ET.STEP_FAILURE
    return True


def run_hooks(
    rc: RunContext,
    step: ExecutionStep,
    outcome: DagsterEvent,
    step_exception: BaseException | None,
    outputs: Mapping[str, Any],
    step_events: Sequence[DagsterEvent] = (),
) -> Iterator[DagsterEvent]:
    """The hook events of one step, after its outcome; ``step_events`` are all its events."""
    name = step.node.name
    for hook in sorted(step.hook_defs, key=lambda h: h.name):

        def event(
            event_type: DagsterEventType, message: str, data: Any = None, hook_name: str = hook.name
        ) -> DagsterEvent:
            return DagsterEvent(
                event_type,
                rc.pipeline.name,
                step.key,
                step.handle,
                "COMPUTE",
                {"hook": hook_name},
                data,
                message,
            )

        if not _triggered(hook.trigger, outcome):
            yield event(ET.HOOK_SKIPPED, _skipped_message(hook.name, name))
            continue
        context = HookContext(rc, step, hook, step_exception, outputs)
        try:
            with user_code_boundary(
                HookExecutionError,
                f'Error occurred during the execution of hook_fn triggered for "{name}"',
            ):
                if hook.trigger in (SUCCESS, FAILURE):
                    returned = hook.hook_fn(context)
                else:
                    returned = hook.hook_fn(context, list(step_events or [outcome]))
        except DagsterError as error:
            exc = user_exception_of(error)
            rc.log.error(f'Hook "{hook.name}" on "{name}" raised: {exc!r}')
            yield event(
                ET.HOOK_ERRORED,
                str(error),
                HookErroredData(SerializableErrorInfo.from_exception(error)),
            )
            continue
        if isinstance(returned, HookExecutionResult) and returned.is_skipped:
            yield event(ET.HOOK_SKIPPED, _skipped_message(hook.name, name))
            continue
        yield event(
            ET.HOOK_COMPLETED,
            f'Finished the execution of hook "{hook.name}" triggered for "{name}".',
        )


def _skipped_message(hook_name: str, node_name: str) -> str:
    return (
        f'Skipped the execution of hook "{hook_name}". It did not meet its triggering '
        f'condition during the execution of "{node_name}".'
    )
