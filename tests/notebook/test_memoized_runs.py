"""The notebook's fastest loop: ``%opbook run --memoized``, ``%opbook autorun`` and the run
panel's memoized checkbox rerun only what changed, reusing stored outputs."""

from __future__ import annotations

import uuid

from opbook.execution.step_status import StepStatus, step_statuses
from opbook.notebook.panels import RunPanel


def _define(nb, last_body: str = "return total + 1") -> None:
    # A token of this test's own: stored outputs are found by source hash, across tests.
    token = uuid.uuid4().hex
    nb.cell(f"%%op\ndef first() -> int:\n    return len({token!r})\n")
    nb.cell("%%op\ndef middle(n: int) -> int:\n    return n * 2\n")
    nb.cell(f"%%op\ndef last(total: int) -> int:\n    {last_body}\n")
    nb.cell("%%job chain\nlast(middle(first()))\n")


def _statuses(result) -> dict[str, StepStatus]:
    return step_statuses(result.all_events)


def test_memoized_rerun_runs_only_the_redefined_op(nb) -> None:
    _define(nb)
    nb.cell("first_run = %opbook run chain --memoized --no-progress")
    nb.cell("%%op\ndef last(total: int) -> int:\n    return total + 2\n")
    nb.cell("second = %opbook run chain --memoized --no-progress")
    assert _statuses(nb["second"]) == {
        "first": StepStatus.REUSED,
        "middle": StepStatus.REUSED,
        "last": StepStatus.SUCCEEDED,
    }
    assert nb["second"].output_for_node("last") == 66


def test_memoized_rerun_gives_the_reused_outputs(nb) -> None:
    _define(nb)
    nb.cell("%opbook run chain --memoized --no-progress")
    nb.cell("again = %opbook run chain --memoized --no-progress")
    assert nb["again"].output_for_node("middle") == 64


def test_memoized_progress_counts_reused_steps(nb) -> None:
    _define(nb)
    nb.cell("%opbook run chain --memoized --no-progress")
    nb.cell("%%op\ndef last(total: int) -> int:\n    return total + 3\n")
    ran = nb.cell("result = %opbook run chain --memoized")
    assert "succeeded: 3 of 3 steps done (1 succeeded, 2 reused)" in ran.text()[0]


def test_autorun_reruns_the_job_after_a_redefinition(nb) -> None:
    _define(nb)
    nb.cell("%opbook autorun chain")
    nb.cell("%%op\ndef last(total: int) -> int:\n    return total + 5\n")
    assert nb["_"].output_for_node("last") == 69
    assert _statuses(nb["_"])["middle"] is StepStatus.REUSED


def test_autorun_ignores_ops_the_job_does_not_use(nb) -> None:
    _define(nb)
    nb.cell("%opbook autorun chain")
    before = nb["_"]
    nb.cell("%%op\ndef unrelated() -> int:\n    return 1\n")
    assert nb["_"] is before


def test_autorun_off_stops_it(nb) -> None:
    _define(nb)
    nb.cell("%opbook autorun chain")
    ran = nb.cell("%opbook autorun off")
    before = nb["_"]
    nb.cell("%%op\ndef last(total: int) -> int:\n    return total + 7\n")
    assert "autorun off (was chain)" in ran.stdout
    assert nb["_"] is before


def test_autorun_needs_a_job(nb) -> None:
    ran = nb.run("%opbook autorun")
    assert "%opbook autorun: which job?" in str(ran.error)


def test_run_panel_memoized_checkbox(nb) -> None:
    _define(nb)
    panel = RunPanel(nb["chain"])
    panel.memoized.value = True
    panel.run()
    second = panel.run()
    assert set(_statuses(second).values()) == {StepStatus.REUSED}


def test_help_lists_memoized_and_autorun(nb) -> None:
    ran = nb.cell("%opbook help")
    assert "--memoized" in ran.stdout and "%opbook autorun JOB" in ran.stdout


def test_autorun_that_cannot_run_says_why_and_keeps_the_op(nb) -> None:
    _define(nb)
    nb.cell("%opbook autorun chain")
    ran = nb.cell('%%op --config {"n": int}\ndef last(total: int) -> int:\n    return total\n')
    assert "autorun chain: not run: DagsterInvalidConfigError" in ran.stdout
    assert nb["last"].config_schema is not None


def test_autorun_of_a_job_that_cannot_run_is_not_started(nb) -> None:
    _define(nb)
    ran = nb.run('%opbook autorun chain --config {"ops": {"nope": {}}}')
    assert "DagsterInvalidConfigError" in str(ran.error)
    assert "autorun was not on" in nb.cell("%opbook autorun off").stdout
