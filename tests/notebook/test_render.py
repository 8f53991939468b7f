"""Graphviz SVG inlined in HTML: it follows the page's light or dark theme."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from opbook.notebook import render

SOURCE = 'digraph G { label="title"; subgraph cluster_x { label="nested"; a } a -> b [label="x"] }'


def _inlined() -> str:
    rendered = render.render(SOURCE, "a -> b")
    if rendered.svg is None:
        pytest.skip("Graphviz's dot is not installed")
    return rendered.html()


def test_inlined_svg_takes_the_themes_text_and_background_colours() -> None:
    html = _inlined()
    assert '<svg class="opbook-themed"' in html
    assert "fill:var(--jp-content-font-color1,#000)" in html
    assert "fill:var(--jp-layout-color0,#fff)" in html


def test_inlined_svg_is_still_well_formed() -> None:
    root = ET.fromstring(_inlined())
    (svg,) = list(root)
    assert svg.get("class") == "opbook-themed"
    assert svg.find("{http://www.w3.org/2000/svg}style") is not None


def test_the_svg_alone_is_left_as_graphviz_drew_it() -> None:
    bundle = render.mimebundle(SOURCE, "a -> b")
    if "image/svg+xml" not in bundle:
        pytest.skip("Graphviz's dot is not installed")
    assert "opbook-themed" not in bundle["image/svg+xml"]


def test_theming_leaves_text_without_an_svg_alone() -> None:
    assert render.themed("no picture") == "no picture"
