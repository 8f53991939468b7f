"""Private parameters (``_nodes``, ``_wiring``, ...) stay out of the API reference.

Some constructors take keyword arguments that only opbook's own code passes; their names start
with an underscore. Autodoc would show them in the signature and, with the type hints written
into the description, in the parameter list; this handler removes them from both.
"""

from __future__ import annotations

import inspect
from typing import Any

from sphinx.util.inspect import stringify_signature


def public_signature(obj: Any) -> str | None:
    """``obj``'s call signature without its private parameters, or None when it has none
    (or has no signature to read)."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    parameters = list(signature.parameters.values())
    public = [parameter for parameter in parameters if not parameter.name.startswith("_")]
    if len(public) == len(parameters):
        return None
    return stringify_signature(signature.replace(parameters=public), show_annotation=False)


def drop_private_parameters(
    app: Any,
    what: str,
    name: str,
    obj: Any,
    options: Any,
    signature: str | None,
    return_annotation: str | None,
) -> tuple[str | None, str | None] | None:
    """Autodoc's ``autodoc-process-signature`` handler; runs after the type hints are recorded."""
    if what not in {"class", "function", "method", "exception"}:
        return None
    public = public_signature(obj)
    if public is None:
        return None
    recorded = app.env.temp_data.get("annotations", {}).get(name, {})
    for parameter in [key for key in recorded if key.startswith("_")]:
        del recorded[parameter]
    return public, return_annotation
