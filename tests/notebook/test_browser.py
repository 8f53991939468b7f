"""The run panel in a real browser: JupyterLab in headless Chromium, driven by Playwright.

Run alone with ``pytest -m browser``.  Needs Debian's chromium (``OPBOOK_BROWSER=1 bash
scripts/setup.sh``); the page's last state is kept as a screenshot in ``test-artifacts/``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright")
pytest.importorskip("jupyterlab")
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the helper lives beside this file

from lab_browser import (
    cell_errors,
    chromium_path,
    lab,  # noqa: F401  (pytest fixture)
    lab_page,  # noqa: F401  (pytest fixture)
    open_notebook,
    run_all_cells,
    write_notebook,
)

from opbook.notebook.status import FILL

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

PANEL_CELLS = [
    """from opbook import Field, job, op
from opbook.notebook.panels import RunPanel


@op(config_schema={
    "rows": Field(int, description="How many numbers to make."),
    "start": Field(int, default_value=1),
})
def make(context) -> list:
    start = context.op_config["start"]
    return list(range(start, start + context.op_config["rows"]))


@op
def total(context, numbers: list) -> int:
    return sum(numbers)


@job
def numbers():
    total(make())""",
    "panel = RunPanel(numbers)\npanel",
]


@pytest.fixture(autouse=True)
def _chromium() -> Iterator[None]:
    try:
        chromium_path()
    except RuntimeError as exc:
        pytest.fail(f"{exc} (OPBOOK_BROWSER=1 bash scripts/setup.sh installs it)")
    yield


def _node(page: Any, name: str) -> Any:
    """The box of op ``name`` in the panel's graph (graphviz gives each node a <title>)."""
    return page.locator("svg g.node").filter(has=page.locator("title", has_text=name)).first


def test_run_panel_in_jupyterlab(lab: Any, lab_page: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page = lab_page
    write_notebook(lab.root_dir / "panel.ipynb", PANEL_CELLS)
    open_notebook(page, lab, "panel.ipynb")
    run_all_cells(page)
    assert cell_errors(page) == []
    run = page.locator("button.widget-button", has_text="Run").first
    expect(run).to_be_disabled()  # the required "rows" is missing

    rows = page.get_by_role("textbox", name="rows *")
    rows.fill("many")
    rows.press("Enter")
    # beside the field: the status cell of the field's row, on the same line, to its right
    error = page.locator(".widget-gridbox .widget-html", has_text='Value "many" of type')
    expect(error).to_be_visible(timeout=30_000)
    field_box, error_box = rows.bounding_box(), error.bounding_box()
    assert error_box["x"] > field_box["x"] + field_box["width"]
    assert abs(error_box["y"] - field_box["y"]) < field_box["height"] * 2
    expect(run).to_be_disabled()
    expect(page.get_by_text("Fix the config first")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "run_panel_problem.png"))
    summary = page.locator(".widget-html li", has_text="ops.make.config.rows")
    expect(summary).to_be_visible()  # the summary under the form

    rows.fill("4")
    rows.press("Enter")
    expect(error).to_have_count(0, timeout=30_000)
    expect(page.get_by_text("The config is valid.")).to_be_visible()
    expect(run).to_be_enabled()
    make_box = _node(page, "make")
    expect(make_box.locator(f'[fill="{FILL["definition"]}"]')).not_to_have_count(0)

    run.click()
    # the run is shown in the interactive graph, which takes the static picture's place
    for key in ("make", "total"):
        box = page.locator(f'.opbook-gw g.opbook-node[data-key="{key}"]')
        expect(box).to_have_attribute("data-status", "succeeded", timeout=60_000)
        expect(box.locator("rect")).to_have_attribute("fill", FILL["succeeded"])
    expect(page.get_by_text("succeeded: 2 of 2 steps done")).to_be_visible()
    events = page.locator(".opbook-events table.dataframe")
    expect(events).to_be_visible()
    expect(events).to_contain_text("STEP_SUCCESS")
    expect(page.locator(".opbook-steps table.dataframe")).to_contain_text("succeeded")

    page.locator(".opbook-steps").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "run_panel.png"))
