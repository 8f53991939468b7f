"""A failed step's error as the notebook shows it: the user's exception, from the user's frame."""

from __future__ import annotations

from opbook.notebook.tracebacks import event_error, headline, user_traceback


def _failure(nb):
    nb.cell('%%op\ndef convert() -> int:\n    rates = {"EUR": 1}\n    return rates["CHF"]\n')
    number = nb.shell.execution_count - 1
    nb.cell("%%job etl\nconvert()\n")
    nb.cell("result = etl.execute_in_process(raise_on_error=False)")
    (event,) = [e for e in nb["result"].event_list if e.is_step_failure]
    return event_error(event), number


def test_headline_is_the_users_exception(nb) -> None:
    error, _number = _failure(nb)
    assert error.cls_name == "DagsterExecutionStepExecutionError"
    assert headline(error) == "KeyError: 'CHF'"


def test_traceback_starts_at_the_users_frame_in_its_cell(nb) -> None:
    error, number = _failure(nb)
    trace = user_traceback(error)
    assert trace.startswith(
        f"Traceback (most recent call last):\n  Cell In[{number}], line 3, in convert\n"
    )
    assert trace.endswith("KeyError: 'CHF'\n")
    assert "opbook" not in trace
