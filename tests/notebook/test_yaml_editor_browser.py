"""The config form's YAML editor in a real browser (JupyterLab, headless Chromium): completion
from the schema, a bad value underlined and listed, and the form and the text in sync.

Run alone with ``pytest -m browser``.  Needs Debian's chromium (``OPBOOK_BROWSER=1 bash
scripts/setup.sh``), anywidget, and the widgets' bundle built from ``js/``; screenshots go to
``test-artifacts/``.
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
pytest.importorskip("anywidget")
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the helper lives beside this file

from lab_browser import (
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


FORM = """from opbook import Enum, EnumValue, Field, job, op
from opbook.notebook.forms import ConfigForm

Mode = Enum("Mode", [EnumValue("FAST", description="skip checks"), EnumValue("SAFE")])


@op(config_schema={
    "path": Field(str, description="where to read from"),
    "retries": Field(int, default_value=3, description="how many times to try again"),
    "mode": Field(Mode, default_value="SAFE"),
})
def load(context) -> int:
    return 1


@job
def etl():
    load()


form = ConfigForm(etl)
form.expand_all()
form"""


@pytest.fixture(autouse=True)
def _ready() -> Iterator[None]:
    chromium_or_fail()
    reason = widgets.unavailable_reason()
    if reason is not None:
        pytest.fail(f"the widgets cannot be shown: {reason}")
    yield


def test_yaml_editor_completes_underlines_and_follows_the_form(lab: Any, lab_page: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page = lab_page
    write_notebook(lab.root_dir / "yaml.ipynb", [FORM])
    open_notebook(page, lab, "yaml.ipynb")
    run_all_cells(page)
    assert cell_errors(page) == []

    page.get_by_role("tab", name="YAML", exact=True).click()
    editor = page.locator(".opbook-ye")
    content = editor.locator(".cm-content")
    expect(content).to_be_visible()
    content.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text("ops:\n  load:\n    config:\n      path: a.csv\n      ")

    # completion: the keys of the op's config, from the schema
    page.keyboard.type("re")
    options = page.locator(".cm-tooltip-autocomplete li")
    expect(options.first).to_be_visible()
    expect(page.locator(".cm-tooltip-autocomplete")).to_contain_text("retries")
    expect(page.locator(".cm-tooltip-autocomplete")).not_to_contain_text("path")  # written
    save_screenshot(page, "yaml_editor_completion.png")
    page.keyboard.press("Enter")  # take it: "retries: "
    page.keyboard.type("2")

    # enum values complete after the key
    page.keyboard.insert_text("\n      mode: ")
    page.keyboard.type("F")
    expect(page.locator(".cm-tooltip-autocomplete")).to_contain_text("FAST")
    page.keyboard.press("Escape")
    page.keyboard.type("LOW")  # "FLOW" is not a Mode

    # the engine's validator finds it; the editor underlines it on its line and lists it
    problem = editor.locator(".opbook-ye-problem")
    expect(problem).to_have_count(1, timeout=30_000)
    expect(problem).to_contain_text("line 6")
    expect(problem).to_contain_text("ops.load.config.mode")
    expect(problem).to_contain_text("not in enum type Mode")
    underline = editor.locator(".cm-lintRange-error")
    expect(underline).to_have_text("FLOW")
    save_screenshot(page, "yaml_editor_problem.png")

    # hover on a key: its description, type and default
    editor.locator(".cm-line", has_text="retries").get_by_text("retries").hover()
    hover = page.locator(".opbook-ye-hover")
    expect(hover).to_be_visible()
    expect(hover).to_contain_text("how many times to try again")
    expect(hover).to_contain_text("Int")
    expect(hover).to_contain_text("default 3")
    save_screenshot(page, "yaml_editor_hover.png")

    # the form follows the text ...
    content.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text("ops:\n  load:\n    config:\n      path: a.csv\n      mode: FAST\n")
    expect(problem).to_have_count(0, timeout=30_000)
    page.get_by_role("tab", name="Form", exact=True).click()
    path = page.get_by_role("textbox", name=re.compile(r"^path"))
    expect(path).to_have_value("a.csv", timeout=30_000)

    # ... and the text follows the form
    path.fill("b.csv")
    path.press("Enter")
    page.get_by_role("tab", name="YAML", exact=True).click()
    expect(content).to_contain_text("path: b.csv", timeout=30_000)
    expect(content).to_contain_text("mode: FAST")
    save_screenshot(page, "yaml_editor_synced.png")

    # JupyterLab's dark theme: the editor takes its colours from the theme's variables
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Settings$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^JupyterLab Dark$")).click()
    expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "false")
    cm = editor.locator(".cm-editor")
    expected = cm.evaluate(
        "el => { const probe = document.createElement('div');"
        " probe.style.backgroundColor = 'var(--jp-cell-editor-background)';"
        " el.parentElement.appendChild(probe);"
        " const colour = getComputedStyle(probe).backgroundColor; probe.remove(); return colour; }"
    )
    assert cm.evaluate("el => getComputedStyle(el).backgroundColor") == expected
    text_colour = cm.locator(".cm-content").evaluate("el => getComputedStyle(el).color")
    assert _brightness(text_colour) > _brightness(expected) + 100  # light text on dark
    expect(page.locator("#jupyterlab-splash")).to_have_count(0, timeout=15_000)
    save_screenshot(page, "yaml_editor_dark.png")


def _brightness(rgb: str) -> float:
    """The mean of a computed ``rgb(r, g, b)`` colour's channels (0 dark, 255 light)."""
    r, g, b = (float(x) for x in re.findall(r"[\d.]+", rgb)[:3])
    return (r + g + b) / 3
