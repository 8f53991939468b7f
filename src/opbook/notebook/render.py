"""Turning a graph's Graphviz source into SVG, or into text when Graphviz cannot draw it.

Drawing needs Graphviz's ``dot`` program.  Without it (or when it fails), pictures fall back
to the graph's text rendering and a one-line note saying how to get the picture; nothing here
raises.  SVG is cached by source, so re-displaying a definition, or a live run whose picture
has not changed, does not run ``dot`` again.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import graphviz

from opbook.notebook.fmt import esc

INSTALL_HINT = (
    "Graphviz's `dot` program was not found, so this graph is shown as text; install Graphviz "
    "to see it drawn (Debian/Ubuntu: apt-get install graphviz, macOS: brew install graphviz, "
    "conda: conda install graphviz)."
)
_PROLOGUE = re.compile(r"^\s*(<\?xml[^>]*>\s*)?(<!DOCTYPE[^>]*>\s*)?(<!--.*?-->\s*)*", re.DOTALL)


# What makes an inlined Graphviz SVG follow JupyterLab's light or dark theme: the background,
# the title, cluster and wire labels and the wires take the theme's colours (with Graphviz's
# own as fallbacks where the variables are not defined); boxes keep their light status fills
# and dark text in both themes.  CSS outranks the SVG's presentation attributes.
THEME_STYLE = (
    "<style>"
    ".opbook-themed>g.graph>polygon:first-of-type{fill:var(--jp-layout-color0,#fff)}"
    ".opbook-themed>g.graph>text,.opbook-themed g.cluster>text,.opbook-themed g.edge>text,"
    ".opbook-themed g.node>ellipse~text{fill:var(--jp-content-font-color1,#000)}"
    ".opbook-themed g.cluster>path,.opbook-themed g.cluster>polygon,"
    ".opbook-themed g.edge>path,.opbook-themed g.node>ellipse"
    "{stroke:var(--jp-content-font-color2,#5f6b7a)}"
    ".opbook-themed g.edge>polygon{fill:var(--jp-content-font-color2,#5f6b7a);"
    "stroke:var(--jp-content-font-color2,#5f6b7a)}"
    "</style>"
)


def themed(svg: str) -> str:
    """A Graphviz SVG to inline in HTML, made to follow the page's light or dark theme."""
    start = svg.find("<svg")
    end = svg.find(">", start)
    if start < 0 or end < 0:
        return svg
    return f'{svg[:start]}<svg class="opbook-themed"{svg[start + 4 : end]}>{THEME_STYLE}{svg[end + 1 :]}'


@dataclass(frozen=True)
class Rendered:
    """A picture (``svg``), or the text to show instead and a note saying why."""

    svg: str | None
    text: str
    note: str | None = None

    def html(self) -> str:
        if self.svg is not None:
            return f'<div class="opbook-graph">{themed(self.svg)}</div>'
        return (
            f'<pre class="opbook-graph-text">{esc(self.text)}</pre>'
            f'<p class="opbook-note"><i>{esc(self.note or "")}</i></p>'
        )

    def plain(self) -> str:
        return self.text if self.note is None else f"{self.text}\n{self.note}"


@functools.lru_cache(maxsize=64)
def to_svg(source: str) -> str:
    """The SVG of a Graphviz source, ready to inline in HTML (no XML prologue).

    Raises:
        graphviz.ExecutableNotFound: ``dot`` is not installed.
        graphviz.CalledProcessError: ``dot`` failed on the source.
    """
    svg = graphviz.Source(source).pipe(format="svg", encoding="utf-8")
    return _PROLOGUE.sub("", str(svg), count=1)


def render(source: str, text: str) -> Rendered:
    """The SVG of ``source``, or ``text`` with a note when Graphviz cannot draw it."""
    try:
        return Rendered(to_svg(source), text)
    except graphviz.ExecutableNotFound:
        return Rendered(None, text, INSTALL_HINT)
    except (graphviz.CalledProcessError, OSError) as exc:
        reason = str(getattr(exc, "stderr", None) or exc).strip().splitlines()
        detail = reason[0] if reason else type(exc).__name__
        return Rendered(
            None, text, f"Graphviz could not draw this graph ({detail}); shown as text."
        )


def mimebundle(source: str, text: str) -> dict[str, str]:
    """What a notebook shows for a graph: SVG when it can be drawn, else text and the note."""
    rendered = render(source, text)
    if rendered.svg is not None:
        return {"image/svg+xml": rendered.svg, "text/plain": text}
    return {"text/html": rendered.html(), "text/plain": rendered.plain()}
