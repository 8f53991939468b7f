"""The timeline picture: one bar per step, from its start to its end, coloured by status."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET

import pytest

from opbook import job, op
from opbook.notebook import timeline


@op
def slow() -> int:
    time.sleep(0.05)
    return 1


@op
def quick(x: int) -> int:
    return x


@op
def broken(x: int) -> int:
    raise ValueError("no")


@job
def timed():
    quick(slow())
    broken(slow.alias("slow_again")())


def _bars(svg: str) -> dict[str, dict[str, str]]:
    root = ET.fromstring(svg)
    bars = {}
    for rect in root.iter("{http://www.w3.org/2000/svg}rect"):
        title = rect.find("{http://www.w3.org/2000/svg}title")
        assert title is not None
        bars[title.text.split(":")[0]] = rect.attrib
    return bars


def test_one_bar_per_step_in_start_order_with_status_colours() -> None:
    result = timed.execute_in_process(raise_on_error=False)
    picture = timeline(result)
    bars = _bars(picture.svg)
    assert list(bars) == ["slow", "slow_again", "quick", "broken"]
    assert bars["slow"]["fill"] == "#c8e6c9" and bars["broken"]["fill"] == "#ffcdd2"
    assert picture._repr_svg_() == picture.svg


def test_bars_are_placed_on_one_time_scale() -> None:
    result = timed.execute_in_process(raise_on_error=False)
    bars = _bars(timeline(result).svg)
    slow, quick = bars["slow"], bars["quick"]
    assert float(slow["width"]) > 5 * float(quick["width"])  # 50 ms against almost nothing
    assert float(quick["x"]) >= float(slow["x"]) + float(slow["width"]) - 1  # quick starts after


def test_title_and_text_form() -> None:
    result = timed.execute_in_process(raise_on_error=False)
    picture = timeline(result)
    assert re.match(rf"Timeline of run {result.run_id[:8]}: 4 steps in \d", picture.title)
    lines = picture.to_text().splitlines()
    assert lines[0] == picture.title
    assert [line.split()[0] for line in lines[1:]] == ["slow", "slow_again", "quick", "broken"]
    assert "#" in lines[1]


def test_a_definition_with_its_run_events_has_a_timeline_too() -> None:
    result = timed.execute_in_process(raise_on_error=False)
    assert list(_bars(timeline(timed, result.event_list).svg)) == list(_bars(timeline(result).svg))


def test_a_definition_alone_has_no_timeline() -> None:
    with pytest.raises(TypeError, match="timeline\\(\\) needs a result"):
        timeline(timed)


# -- light and dark themes ------------------------------------------------------------------------


def test_the_timelines_text_and_lines_take_the_colour_around_it() -> None:
    svg = timeline(timed.execute_in_process(raise_on_error=False)).svg
    root = ET.fromstring(svg)
    assert root.get("fill") == "currentColor"
    assert "#5f6b7a" not in svg and "#eceff1" not in svg  # no fixed grey for text or grid
    texts = root.findall("{http://www.w3.org/2000/svg}text")
    assert texts and all(t.get("fill") in (None, "currentColor") for t in texts)


def test_the_timeline_alone_shows_dark_on_white() -> None:
    svg = timeline(timed.execute_in_process(raise_on_error=False)).svg
    assert "svg.opbook-timeline-svg:root{color:#1f2328;background:#fff}" in svg


def test_in_a_notebook_the_timeline_is_inlined_in_html() -> None:
    picture = timeline(timed.execute_in_process(raise_on_error=False))
    assert picture._repr_html_() == f'<div class="opbook-timeline">{picture.svg}</div>'
