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
    ARTIFACTS,
    cell_errors,
    chromium_or_fail,
    lab,  # noqa: F401  (pytest fixture)
    lab_page,  # noqa: F401  (pytest fixture)
    open_notebook,
    run_all_cells,
    save_screenshot,
    write_notebook,
)

from opbook.notebook import widgets

pytestmark = pytest.mark.browser


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
    chromium_or_fail()
    reason = widgets.unavailable_reason()
    if reason is not None:
        pytest.fail(f"the widgets cannot be shown: {reason}")
    yield


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
    save_screenshot(page, "graph_widget_open.png")

    canvas = page.locator(".opbook-canvas")
    canvas.hover()
    page.mouse.wheel(0, 600)  # zoom out
    expect(gw).not_to_have_attribute("data-zoom", f"{first:.3f}")
    assert _zoom(page) < first
    page.get_by_role("button", name="Fit").click()
    fitted = _zoom(page)
    assert fitted < first
    save_screenshot(page, "graph_widget_fit.png")

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
    save_screenshot(page, "graph_widget_search.png")

    target.click()
    side = page.locator(".opbook-side")
    expect(side).to_be_visible()
    expect(side).to_contain_text("step_17_3")
    expect(side).to_contain_text("op add")  # the alias's definition
    expect(side.locator(".opbook-ports").first).to_contain_text("a")
    expect(side.locator(".opbook-ports").first).to_contain_text("Int")
    expect(target).to_have_class(re.compile(r"opbook-selected"))
    save_screenshot(page, "graph_widget_op_panel.png")
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
    save_screenshot(page, "graph_widget_live_running.png")

    for key in ["src_0", "step_1_0", "step_3_1"]:
        expect(_node(page, key)).to_have_attribute("data-status", "succeeded", timeout=60_000)
    expect(page.locator(".opbook-run")).to_contain_text("succeeded: 8 of 8 steps done")
    fill = _node(page, "step_3_1").locator("rect").get_attribute("fill")
    from opbook.notebook.status import FILL

    assert fill == FILL["succeeded"]
    save_screenshot(page, "graph_widget_live_done.png")

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
    save_screenshot(page, "timeline_widget.png")


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
    save_screenshot(page, "graph_widget_dark.png")


def _rgb(colour: str) -> str:
    """``#111111`` or ``#111`` as the browser's computed ``rgb(17, 17, 17)``."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({r}, {g}, {b})"


PANEL_JOB = """import pandas as pd
from opbook import graph, job, op


@op
def chatty(context) -> list:
    context.log.info("making numbers")
    context.log.warning("only three of them")
    return [1, 2, 3]


@op
def frame(numbers: list):
    return pd.DataFrame({"n": numbers, "square": [n * n for n in numbers]})


@op
def size(df) -> int:
    return len(df)


@graph
def shaped(numbers: list) -> int:
    return size(frame(numbers))


@job
def talking():
    shaped(chatty())


result = talking.execute_in_process()"""


def test_op_panel_events_logs_preview_and_collapsing_a_graph(lab: Any, lab_page: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page = lab_page
    write_notebook(
        lab.root_dir / "panel.ipynb",
        [
            PANEL_JOB,
            "from opbook.notebook.widgets.graph import GraphWidget\nGraphWidget(result)",
            "from opbook.notebook import timeline\ntimeline(result)",
        ],
    )
    open_notebook(page, lab, "panel.ipynb")
    run_all_cells(page)
    # the log lines also go to the cell's stderr, as Dagster's console logger writes them
    assert [e for e in cell_errors(page) if "opbook.console.dagster" not in e] == []
    gw = page.locator(".opbook-gw")
    expect(gw).to_have_attribute("data-nodes", "3")

    _node(page, "chatty").click()
    side = page.locator(".opbook-side")
    events = side.locator(".opbook-evlist")
    expect(events).to_contain_text("making numbers")
    expect(side.locator(".opbook-ev-warning")).to_contain_text("only three of them")
    expect(side.locator(".opbook-ev-info")).to_contain_text("making numbers")
    expect(events).to_contain_text("STEP_SUCCESS")
    expect(side.locator("pre.opbook-preview")).to_have_text("[1, 2, 3]")
    events.scroll_into_view_if_needed()
    save_screenshot(page, "graph_widget_panel_events.png")

    _node(page, "shaped.frame").click()
    table = side.locator("table.opbook-ptable")
    expect(table).to_contain_text("square")
    expect(table.locator("tr")).to_have_count(4)  # the header and three rows
    expect(side).to_contain_text("3 \N{MULTIPLICATION SIGN} 2")
    table.scroll_into_view_if_needed()
    save_screenshot(page, "graph_widget_panel_dataframe.png")
    side.get_by_role("button", name="Close").click()

    gw.locator('g.opbook-cluster[data-key="shaped"] .opbook-cluster-title').click()
    box = _node(page, "shaped")
    expect(box).to_have_class(re.compile(r"opbook-collapsed"))
    expect(box).to_have_attribute("data-status", "succeeded")  # the worst of its steps
    expect(box).to_contain_text("graph of 2 ops")
    expect(_node(page, "shaped.frame")).to_have_count(0)
    expect(gw).to_have_attribute("data-nodes", "2")
    gw.scroll_into_view_if_needed()
    save_screenshot(page, "graph_widget_collapsed.png")
    box.click()  # expands it again
    expect(_node(page, "shaped.frame")).to_have_count(1)
    expect(gw).to_have_attribute("data-nodes", "3")

    # the static timeline, inlined, takes the dark theme's text colour
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Settings$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^JupyterLab Dark$")).click()
    expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "false")
    title = page.locator(".opbook-timeline svg > text").first
    title.scroll_into_view_if_needed()
    fill = title.evaluate("el => getComputedStyle(el).fill")
    assert _luminance(fill) > 0.5, fill  # light text on the dark page
    save_screenshot(page, "timeline_static_dark.png")


def _luminance(rgb: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", rgb)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


SAVED_JOB = """from opbook import job, op


@op
def load() -> list:
    return [1, 2, 3]


@op
def total(numbers: list) -> int:
    return sum(numbers)


@job
def numbers():
    total(load())


result = numbers.execute_in_process()"""


def _saved_notebook(path: Path, *, widget_state: bool) -> Path:
    """A notebook executed in a kernel that is gone now, saved with its outputs."""
    import nbclient
    import nbformat

    write_notebook(
        path,
        [
            SAVED_JOB,
            "from opbook.notebook.widgets.graph import GraphWidget\nGraphWidget(result)",
            "from opbook.notebook.widgets.timeline import TimelineWidget\nTimelineWidget(result)",
        ],
    )
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        store_widget_state=widget_state,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    if not widget_state:
        notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)
    return path


def _sign(lab: Any, path: Path) -> None:  # noqa: F811
    """Trust ``path`` as JupyterLab does when a user saves a notebook they ran themselves."""
    import nbformat
    from nbformat.sign import NotebookNotary

    notebook = nbformat.read(path, as_version=4)
    NotebookNotary(data_dir=str(lab.log_path.parent / "data")).sign(notebook)


def test_a_saved_notebook_reopened_without_its_kernel_shows_its_pictures(
    lab: Any,  # noqa: F811
    lab_page: Any,  # noqa: F811
) -> None:
    """Saved with its widget state (as nbclient and the tour notebooks save it), a trusted
    notebook draws its widgets again with no kernel behind them.  (Saved without the state, a
    trusted notebook in JupyterLab says "model not found": JupyterLab's widget manager never
    falls back to the other outputs; nbviewer, GitHub and nbconvert show the static picture,
    see the next tests.)"""
    from playwright.sync_api import expect

    page = lab_page
    name = "saved_with_state.ipynb"
    _sign(lab, _saved_notebook(lab.root_dir / name, widget_state=True))
    open_notebook(page, lab, name)
    lab.shutdown_kernels()  # nothing is run: what shows comes from the saved file alone
    outputs = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output")
    expect(outputs).to_have_count(2)
    # the widget drawn from its saved state, or else its static picture
    graph = outputs.nth(0).locator(".opbook-gw, .opbook-graph svg")
    timeline = outputs.nth(1).locator(".opbook-tl, .opbook-timeline svg")
    # the widget manager loads the saved modules before drawing ("Loading widget..."): slow
    # under load, so the wait is generous; what is checked is what ends up drawn
    expect(graph.first).to_be_visible(timeout=60_000)
    expect(timeline.first).to_be_visible(timeout=60_000)
    expect(outputs.nth(0)).not_to_contain_text("model not found")
    expect(outputs.nth(0)).to_contain_text("total")
    save_screenshot(page, "saved_notebook_with_state.png")


def test_an_untrusted_saved_notebook_still_says_what_ran(lab: Any, lab_page: Any) -> None:  # noqa: F811
    """A notebook from elsewhere is not trusted: JupyterLab strips its SVG, but the text of the
    pictures (the run's summary, the ops' names) still shows, never a widget error."""
    from playwright.sync_api import expect

    page = lab_page
    _saved_notebook(lab.root_dir / "untrusted.ipynb", widget_state=True)
    open_notebook(page, lab, "untrusted.ipynb")
    lab.shutdown_kernels()
    outputs = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output")
    expect(outputs).to_have_count(2)
    expect(outputs.nth(0)).to_contain_text("succeeded: 2 of 2 steps done")
    expect(outputs.nth(1)).to_contain_text("Timeline of run")
    expect(outputs.nth(0)).not_to_contain_text("model not found")
    save_screenshot(page, "saved_notebook_untrusted.png")


def test_a_saved_notebook_rendered_as_html_shows_its_pictures(lab: Any, lab_page: Any) -> None:  # noqa: F811
    import nbconvert
    import nbformat
    from playwright.sync_api import expect

    path = _saved_notebook(lab.root_dir / "rendered.ipynb", widget_state=False)
    page_html, _ = nbconvert.HTMLExporter().from_notebook_node(nbformat.read(path, as_version=4))
    html_path = lab.root_dir / "rendered.html"
    html_path.write_text(page_html)
    page = lab_page
    page.goto(html_path.as_uri())
    graph = page.locator(".opbook-graph svg").first
    expect(graph).to_be_visible()
    expect(page.locator(".opbook-summary").first).to_contain_text("succeeded: 2 of 2 steps done")
    expect(page.locator(".opbook-timeline svg").first).to_be_visible()
    assert graph.bounding_box()["width"] > 100
    save_screenshot(page, "saved_notebook_as_html.png")
