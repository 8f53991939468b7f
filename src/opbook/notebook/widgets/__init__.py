"""Interactive views for the notebook: anywidget widgets whose front-end lives in ``js/``.

The JavaScript is bundled at set-up time (``scripts/setup.sh`` runs ``npm ci`` and esbuild in
``js/``) into ``static/`` beside this package, and shipped in the wheel; nothing is fetched
from a CDN when a widget is shown.  :func:`available` says whether the widgets can be used
here (anywidget installed and the bundle built); where they cannot, the notebook shows its
static pictures (Graphviz SVG) instead, as it always did.

- :class:`~opbook.notebook.widgets.graph.GraphWidget`: the job graph with pan, zoom, fit,
  search, a side panel per op, and status colours updated live from a run's events.
- :class:`~opbook.notebook.widgets.timeline.TimelineWidget`: a live Gantt of a run's steps,
  one lane per process.

Both also carry a static picture of their last state in their output (``text/html``), so a
saved notebook shows it without a kernel.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

STATIC = Path(__file__).resolve().parent.parent / "static"
BUNDLE = ("graph.js", "timeline.js", "yaml_editor.js", "widgets.css")


# What a widget shows when its bundle was not built (the model still works from Python).
_NOT_BUILT = (
    "export default { render({ el }) { el.textContent = "
    "'The widget\\'s JavaScript is not built: run bash scripts/setup.sh (it needs Node.js).'; } };"
)


def bundle_file(name: str) -> Path | str:
    """The bundled file ``name`` for an anywidget class (``_esm``, ``_css``); when it was not
    built, a stand-in that says so (a module that writes the message, or no style)."""
    path = STATIC / name
    if path.is_file():
        return path
    return _NOT_BUILT if name.endswith(".js") else ""


def unavailable_reason() -> str | None:
    """Why the widgets cannot be shown here, or None when they can."""
    if importlib.util.find_spec("anywidget") is None:
        return "the anywidget package is not installed (pip install anywidget)"
    missing = [name for name in BUNDLE if not (STATIC / name).is_file()]
    if missing:
        return (
            f"the widgets' JavaScript is not built ({', '.join(missing)} missing in {STATIC}); "
            "run: bash scripts/setup.sh (it needs Node.js and npm)"
        )
    return None


def available() -> bool:
    """True when the interactive widgets can be shown (anywidget and the built bundle)."""
    return unavailable_reason() is None


def interactive() -> bool:
    """True in a notebook kernel where the interactive widgets can be shown."""
    from IPython import get_ipython

    return hasattr(get_ipython(), "kernel") and available()


def with_fallback(bundle: Any, html: str) -> Any:
    """A widget's output bundle (``data``, or ``(data, metadata)``) plus ``text/html``: what a
    notebook shows where the widget cannot be drawn (no kernel, no widget state)."""
    if bundle is None:
        return {"text/html": html}
    if isinstance(bundle, tuple):
        data, metadata = bundle
        return {**data, "text/html": html}, metadata
    return {**bundle, "text/html": html}
