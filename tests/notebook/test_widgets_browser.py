"""The interactive graph and timeline widgets in a real browser (JupyterLab, headless Chromium).

Run alone with ``pytest -m browser``.  Needs Debian's chromium (``OPBOOK_BROWSER=1 bash
scripts/setup.sh``), anywidget, and the widgets' bundle built from ``js/`` (setup.sh builds
it); screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright")
pytest.importorskip("jupyterlab")
pytest.importorskip("anywidget")
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the helper lives beside this file

from lab_browser import (
    _MAX_PROMPT_JS,
    _RUN_STARTED_JS,
    cell_errors,
    chromium_path,
    lab,  # noqa: F401  (pytest fixture)
    lab_page,  # noqa: F401  (pytest fixture)
    open_notebook,
    run_all_cells,
    write_notebook,
)

from opbook.notebook import widgets

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# 20 layers of 10 ops: each op adds two ops of the layer above.
BIG_JOB = """import time
from opbook import job, op

SLEEP = {sleep}


@op
def source() -> int:
    return 1


@op
def add(a: int, b: int) -> int:
    time.sleep(SLEEP)
    return a + b


@job
def big():
    outs = [source.alias(f"src_{{j}}")() for j in range({width})]
    for layer in range(1, {layers}):
        outs = [
            add.alias(f"step_{{layer}}_{{j}}")(outs[j], outs[(j + 1) % {width}])
            for j in range({width})
        ]"""


@pytest.fixture(autouse=True)
def _ready() -> Iterator[None]:
    try:
        chromium_path()
    except RuntimeError as exc:
        pytest.fail(f"{exc} (OPBOOK_BROWSER=1 bash scripts/setup.sh installs it)")
    reason = widgets.unavailable_reason()
    if reason is not None:
        pytest.fail(f"the widgets cannot be shown: {reason}")
    yield


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def _record(**timings: float) -> None:
    """Keep the browser's timings beside the screenshots (bench/RESULTS.md quotes them)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "widget_timings.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps(known | timings, indent=2) + "\n")


def _node(page: Any, key: str) -> Any:
    return page.locator(f'.opbook-gw g.opbook-node[data-key="{key}"]')


def _zoom(page: Any) -> float:
    return float(page.locator(".opbook-gw").first.get_attribute("data-zoom"))


def test_graph_widget_zoom_search_and_op_panel(lab: Any, lab_page: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page = lab_page
    write_notebook(
        lab.root_dir / "graph.ipynb",
        [
            BIG_JOB.format(sleep=0, width=10, layers=20),
            "from opbook.notebook.widgets.graph import GraphWidget\nGraphWidget(big)",
        ],
    )
    open_notebook(page, lab, "graph.ipynb")
    run_all_cells(page)
    assert cell_errors(page) == []
    gw = page.locator(".opbook-gw")
    expect(gw).to_have_count(1)
    expect(gw).to_have_attribute("data-nodes", "200")
    expect(page.locator(".opbook-gw g.opbook-node")).to_have_count(200)
    expect(page.locator(".opbook-title")).to_have_text("job big (200 ops)")
    first = _zoom(page)
    assert first >= 0.6  # opened readable, not shrunk to fit 200 ops
    _shot(page, "graph_widget_open.png")

    canvas = page.locator(".opbook-canvas")
    canvas.hover()
    page.mouse.wheel(0, 600)  # zoom out
    expect(gw).not_to_have_attribute("data-zoom", f"{first:.3f}")
    assert _zoom(page) < first
    page.get_by_role("button", name="Fit").click()
    fitted = _zoom(page)
    assert fitted < first
    _shot(page, "graph_widget_fit.png")

    search = page.get_by_label("Find an op")
    search.fill("step_17_3")
    target = _node(page, "step_17_3")
    expect(target).to_have_class(re.compile(r"opbook-current"))
    expect(page.locator(".opbook-found")).to_have_text("1 of 1")
    assert _zoom(page) >= 1  # zoomed in on it
    box, view = target.bounding_box(), canvas.bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert abs(centre[0] - (view["x"] + view["width"] / 2)) < 5
    assert abs(centre[1] - (view["y"] + view["height"] / 2)) < 5
    _shot(page, "graph_widget_search.png")

    target.click()
    side = page.locator(".opbook-side")
    expect(side).to_be_visible()
    expect(side).to_contain_text("step_17_3")
    expect(side).to_contain_text("op add")  # the alias's definition
    expect(side.locator(".opbook-ports").first).to_contain_text("a")
    expect(side.locator(".opbook-ports").first).to_contain_text("Int")
    expect(target).to_have_class(re.compile(r"opbook-selected"))
    _shot(page, "graph_widget_op_panel.png")
    side.get_by_role("button", name="Close").click()
    expect(side).to_be_hidden()


def test_live_run_colours_the_graph_widget(lab: Any, lab_page: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page = lab_page
    write_notebook(
        lab.root_dir / "live.ipynb",
        [
            BIG_JOB.format(sleep=1.0, width=2, layers=4),
            "import opbook.notebook  # registers the live display of progress=True\n"
            "result = big.execute_in_process(progress=True)",
            "from opbook.notebook.widgets.timeline import TimelineWidget\nTimelineWidget(result)",
        ],
    )
    open_notebook(page, lab, "live.ipynb")
    before = page.evaluate(_MAX_PROMPT_JS)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()
    page.wait_for_function(_RUN_STARTED_JS, arg=before, timeout=15_000, polling=100)

    # while the run goes on: a step is running, later ones still pending
    running = page.locator('.opbook-gw g.opbook-node[data-status="running"]')
    expect(running.first).to_be_visible(timeout=60_000)
    expect(_node(page, "step_3_1")).to_have_attribute("data-status", "pending")  # the last to run
    expect(page.locator(".opbook-run")).to_contain_text("running:")
    # each event's patch recolours one box: the slowest so far (the view is replaced at the end)
    patch_ms = page.locator(".opbook-gw").get_attribute("data-patch-max-ms")
    # recorded, not asserted: speed is measured in bench/, never by a test's clock
    assert patch_ms is not None
    _record(graph_patch_max_ms=float(patch_ms))
    _shot(page, "graph_widget_live_running.png")

    for key in ["src_0", "step_1_0", "step_3_1"]:
        expect(_node(page, key)).to_have_attribute("data-status", "succeeded", timeout=60_000)
    expect(page.locator(".opbook-run")).to_contain_text("succeeded: 8 of 8 steps done")
    fill = _node(page, "step_3_1").locator("rect").get_attribute("fill")
    from opbook.notebook.status import FILL

    assert fill == FILL["succeeded"]
    _shot(page, "graph_widget_live_done.png")

    timeline = page.locator(".opbook-tl")
    expect(timeline).to_be_visible(timeout=60_000)
    assert cell_errors(page) == []
    expect(timeline).to_have_attribute("data-spans", "8")
    expect(timeline).to_have_attribute("data-lanes", "1")
    bar = timeline.locator('g.opbook-bar[data-key="step_2_1"] rect')
    bar.hover()
    tip = timeline.locator(".opbook-tip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("step_2_1")
    expect(tip).to_contain_text("succeeded")
    timeline.scroll_into_view_if_needed()
    _shot(page, "timeline_widget.png")


def test_a_500_op_graph_draws_and_follows_the_dark_theme(lab: Any, lab_page: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page = lab_page
    write_notebook(
        lab.root_dir / "big.ipynb",
        [
            BIG_JOB.format(sleep=0, width=20, layers=25),
            "from opbook.notebook.widgets.graph import GraphWidget\nGraphWidget(big)",
        ],
    )
    open_notebook(page, lab, "big.ipynb")
    run_all_cells(page)
    assert cell_errors(page) == []
    gw = page.locator(".opbook-gw")
    expect(gw).to_have_attribute("data-nodes", "500")
    expect(gw).to_have_attribute("data-first-render-ms", re.compile(r"\d"))
    first_render = float(gw.get_attribute("data-first-render-ms"))
    _record(
        graph_first_render_ms_500_ops=first_render,
        graph_draw_ms_500_ops=float(gw.get_attribute("data-render-ms")),
    )

    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Settings$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^JupyterLab Dark$")).click()
    expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "false")
    background = gw.evaluate("el => getComputedStyle(el).backgroundColor")
    dark = page.evaluate(
        "() => getComputedStyle(document.body).getPropertyValue('--jp-layout-color0').trim()"
    )
    assert background == _rgb(dark)
    name = gw.locator('g.opbook-node[data-key="src_0"] text').first
    assert (
        name.evaluate("el => getComputedStyle(el).fill") == "rgb(31, 35, 40)"
    )  # dark on light box
    page.get_by_label("Find an op").fill("step_24_19")
    expect(page.locator(".opbook-found")).to_have_text("1 of 1")
    _node(page, "step_24_19").click()
    expect(page.locator(".opbook-side")).to_contain_text("step_24_19")
    _shot(page, "graph_widget_dark.png")


def _rgb(colour: str) -> str:
    """``#111111`` or ``#111`` as the browser's computed ``rgb(17, 17, 17)``."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({r}, {g}, {b})"
