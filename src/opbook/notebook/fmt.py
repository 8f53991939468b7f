"""Small formatting helpers shared by the notebook's pictures, tables and messages."""

from __future__ import annotations

import html
import math


def format_duration(ms: float | None) -> str:
    """``0.4 ms``, ``12 ms``, ``1.25 s``, ``2 min 5 s``; empty for an unknown duration."""
    if ms is None or (isinstance(ms, float) and math.isnan(ms)):
        return ""
    if ms < 10:
        return f"{ms:.1f} ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def esc(text: object) -> str:
    """``text`` escaped for HTML (and for Graphviz's HTML-like labels)."""
    return html.escape(str(text), quote=True)


def shorten(text: str, limit: int = 200) -> str:
    """``text`` on at most ``limit`` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
