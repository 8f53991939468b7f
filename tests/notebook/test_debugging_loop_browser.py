"""The debugging loop in a real browser, as a user works: JupyterLab in headless Chromium.

Define ops with ``%%op`` (one raises a KeyError), build a job, run it from its ``RunPanel``,
read the failure, look at the failed step's inputs with ``%opbook inputs``, fix the op with
``%%op`` and press the panel's "Re-execute from failure" (the same panel, not a new one); then
the same loop with the magics alone.  Each cell is run as a user runs it: click into it, press
Shift+Enter.  Screenshots of each state go to ``test-artifacts/``.

Run alone with ``pytest -m browser``.  Needs Debian's chromium (``OPBOOK_BROWSER=1 bash
scripts/setup.sh``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright")
pytest.importorskip("jupyterlab")
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the helper lives beside this file

from lab_browser import (
    _MAX_PROMPT_JS,
    _RUN_DONE_JS,
    _RUN_STARTED_JS,
    cell_errors,
    chromium_or_fail,
    lab,  # noqa: F401  (pytest fixture)
    lab_page,  # noqa: F401  (pytest fixture)
    open_notebook,
    save_screenshot,
    write_notebook,
)

pytestmark = pytest.mark.browser


BROKEN = (
    "%%op\n"
    "def convert(numbers: list) -> int:\n"
    '    rates = {"EUR": 1}\n'
    '    return rates["CHF"] * sum(numbers)'
)
FIXED = "%%op\ndef convert(numbers: list) -> int:\n    return 10 * sum(numbers)"

CELLS = [
    "%load_ext opbook",
    "%%op\ndef load() -> list:\n    return [1, 2]",
    BROKEN,
    "%%job etl\nconvert(load())",
    "from opbook.notebook.panels import RunPanel\npanel = RunPanel(etl)\npanel",
    "%opbook inputs convert",
    FIXED,
    # the same loop with the magics alone
    BROKEN,
    "failed = %opbook run etl\nfailed",
    "%opbook inputs convert",
    FIXED,
    "fixed = %opbook reexecute --from-failure\nfixed",
]
PANEL_CELL = 4


@pytest.fixture(autouse=True)
def _chromium() -> Iterator[None]:
    chromium_or_fail()
    yield


def _cells(page: Any) -> Any:
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell")


def _run_cell(page: Any, index: int) -> Any:
    """Click into code cell ``index``, press Shift+Enter, wait until it has run; return it."""
    cell = _cells(page).nth(index)
    before = page.evaluate(_MAX_PROMPT_JS)
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(_RUN_STARTED_JS, arg=before, timeout=15_000, polling=100)
    page.wait_for_function(_RUN_DONE_JS, arg=before, timeout=120_000, polling=250)
    assert cell_errors(page) == [], cell.inner_text()
    return cell


def test_the_debugging_loop_from_the_panel_and_from_the_magics(
    lab: Any,  # noqa: F811
    lab_page: Any,  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    page = lab_page
    write_notebook(lab.root_dir / "loop.ipynb", CELLS)
    open_notebook(page, lab, "loop.ipynb")
    for index in range(PANEL_CELL + 1):
        _run_cell(page, index)
    panel_cell = _cells(page).nth(PANEL_CELL)
    panel = panel_cell.locator(".jp-OutputArea-output").first
    run = panel.locator("button.widget-button", has_text="Run").first
    again = panel.get_by_role("button", name="Re-execute from failure")
    expect(run).to_be_enabled()
    expect(again).to_be_disabled()  # nothing has failed yet

    # Run: the panel shows the failure, headed by the user's exception
    run.click()
    expect(panel.locator("b", has_text=re.compile(r"^Run \w+ failed$"))).to_be_visible(
        timeout=60_000
    )
    expect(panel).to_contain_text("convert failed: KeyError: 'CHF'")
    expect(panel).not_to_contain_text("DagsterExecutionStepExecutionError")
    expect(panel.locator('.opbook-gw g.opbook-node[data-key="convert"]')).to_have_attribute(
        "data-status", "failed"
    )
    expect(again).to_be_enabled()
    panel.locator(".opbook-steps").scroll_into_view_if_needed()
    save_screenshot(page, "debugging_loop_panel_failed.png")

    # %opbook inputs: what the failed step received
    inputs = _run_cell(page, PANEL_CELL + 1)
    expect(inputs.locator(".jp-Cell-outputArea")).to_contain_text("{'numbers': [1, 2]}")
    save_screenshot(page, "debugging_loop_inputs.png")

    # fix the op, then re-execute from failure in the same panel
    _run_cell(page, PANEL_CELL + 2)
    outputs_before = panel_cell.locator(".jp-OutputArea-output").count()
    panel.scroll_into_view_if_needed()
    again.click()
    expect(panel.locator("b", has_text=re.compile(r"^Run \w+ succeeded$"))).to_be_visible(
        timeout=60_000
    )
    expect(panel.locator('.opbook-gw g.opbook-node[data-key="convert"]')).to_have_attribute(
        "data-status", "succeeded", timeout=60_000
    )
    expect(panel).to_contain_text("Uses the new definition of convert")
    steps = panel.locator(".opbook-steps table.dataframe")
    expect(steps.locator("tr", has_text="load")).to_contain_text("reused")
    expect(steps.locator("tr", has_text="convert")).to_contain_text("succeeded")
    expect(again).to_be_disabled()  # the last run succeeded
    assert panel_cell.locator(".jp-OutputArea-output").count() == outputs_before  # same panel
    panel.locator(".opbook-steps").scroll_into_view_if_needed()
    save_screenshot(page, "debugging_loop_panel_reexecuted.png")

    # the same with the magics
    broken = _run_cell(page, PANEL_CELL + 3)  # break it again
    number = re.sub(r"\D", "", broken.locator(".jp-InputPrompt").inner_text())
    failed = _run_cell(page, PANEL_CELL + 4).locator(".jp-Cell-outputArea")
    expect(failed).to_contain_text("of job etl: failed")
    expect(failed).to_contain_text("convert: KeyError: 'CHF'")
    expect(failed).to_contain_text(f"Cell In[{number}], line 3, in convert")  # the new cell
    expect(failed).not_to_contain_text("DagsterExecutionStepExecutionError")
    failed.get_by_text("Traceback of convert").click()  # open it, as a user reading it would
    expect(failed.get_by_text('return rates["CHF"] * sum(numbers)')).to_be_visible()
    save_screenshot(page, "debugging_loop_magic_failed.png")
    inputs = _run_cell(page, PANEL_CELL + 5)
    expect(inputs.locator(".jp-Cell-outputArea")).to_contain_text("{'numbers': [1, 2]}")
    _run_cell(page, PANEL_CELL + 6)  # fixed again
    fixed = _run_cell(page, PANEL_CELL + 7).locator(".jp-Cell-outputArea")
    expect(fixed).to_contain_text("succeeded")
    expect(fixed).to_contain_text("1 reused")
    expect(fixed).to_contain_text("of job etl: succeeded")
    expect(fixed).not_to_contain_text("KeyError")
    for key, status in [("load", "reused"), ("convert", "succeeded")]:
        node = fixed.locator(f'.opbook-gw g.opbook-node[data-key="{key}"]')
        expect(node).to_have_attribute("data-status", status)
    save_screenshot(page, "debugging_loop_magic_reexecuted.png")
