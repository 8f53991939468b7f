"""opbook: Dagster-style pipelines, built, run and debugged from a notebook.

``import opbook as dagster`` runs code written against Dagster's execution API, of either
generation (solids and pipelines, or ops, graphs and jobs).  In Jupyter, ``%load_ext opbook``
adds the ``%%op`` / ``%%graph`` / ``%%job`` magics, job graphs, config forms and run panels.

``import opbook`` is instant: the engine is loaded the first time a public name is used
(``opbook.op``, ``from opbook import job``), and never loads IPython, widgets, graphviz or
pandas.  The public names live in ``opbook/_public.py``.
"""

from __future__ import annotations

import importlib
import os
import typing

__version__ = "0.1.0"

if typing.TYPE_CHECKING:
    from opbook._public import *  # noqa: F403


def __getattr__(name: str) -> typing.Any:
    if (name.startswith("__") and name != "__all__") or _is_submodule(name):
        # `from opbook import config` asks for the attribute first, then imports the module.
        raise AttributeError(name)
    public = _load()
    if name != "__all__" and name not in public.__all__:
        raise AttributeError(f"module 'opbook' has no attribute {name!r}")
    globals().update({key: getattr(public, key) for key in public.__all__})
    globals()["__all__"] = sorted([*public.__all__, "__version__"])
    return globals()[name]


def __dir__() -> list[str]:
    return sorted([*_load().__all__, "__version__"])


def _is_submodule(name: str) -> bool:
    here = os.path.dirname(__file__)
    return os.path.isdir(os.path.join(here, name)) or os.path.isfile(
        os.path.join(here, f"{name}.py")
    )


def _load() -> typing.Any:
    """The whole engine, imported once, on first use of a public name."""
    return importlib.import_module("opbook._public")
