"""Run-time stand-ins that the rewritten Dagster tests import (see ``rewrite.py``).

A rewritten test file resolves every ``dagster`` import through :func:`take` or :func:`module`, and
runs each top-level statement inside a guard that hands a failure to :func:`broken`. Whatever
opbook lacks becomes a :class:`Missing` placeholder instead of an import error, so a missing name
fails only the tests that touch it, with a message that says what is missing:

- ``missing public name: dagster.X``: a name in Dagster 0.13.19's ``__all__`` (or in a module its
  API docs list, such as ``dagster.loggers``) that opbook lacks;
- ``Dagster internal: dagster.core.x.y``: a helper outside Dagster's public API (out of scope);
- ``module-level definition 'f' failed: ...``: a top-level statement raised while importing.

:class:`ConformanceGap` derives from ``BaseException`` so that a test's
``pytest.raises(Exception)`` cannot swallow it and pass by accident.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable, MutableMapping
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

#: Environment variable naming a file with Dagster's public names, one a line.
PUBLIC_NAMES_ENV = "CONFORMANCE_PUBLIC_NAMES"


class ConformanceGap(BaseException):
    """Raised when a rewritten test uses something that opbook does not provide."""


def _load_public_names() -> frozenset[str]:
    path = os.environ.get(PUBLIC_NAMES_ENV)
    if not path:
        return frozenset()
    return frozenset(Path(path).read_text(encoding="utf-8").split())


PUBLIC_NAMES = _load_public_names()


#: Dagster modules whose names its API docs list, besides the top level.
PUBLIC_MODULES = ("dagster.loggers",)


def describe(dotted: str) -> str:
    """Say what kind of gap the Dagster name ``dotted`` is (public, internal)."""
    module_name, _, leaf = dotted.rpartition(".")
    if leaf in PUBLIC_NAMES:
        return f"missing public name: dagster.{leaf}"
    if module_name in PUBLIC_MODULES:
        return f"missing public name: {dotted}"
    return f"Dagster internal: {dotted}"


class Missing:
    """A placeholder for something opbook lacks: any use raises :class:`ConformanceGap`.

    Reading a plain attribute gives a deeper placeholder (``dagster.core`` -> ``dagster.core.x``),
    so the message names the whole dotted path, or keeps naming the missing public name it
    started from; private and dunder lookups raise ``AttributeError`` as usual, which keeps
    pytest's collection (it probes module globals) working. Comparing with ``==`` is a use too.
    """

    __conformance_gap__ = True

    def __init__(self, message: str, dotted: str | None = None) -> None:
        self._message = message
        self._dotted = dotted

    def __repr__(self) -> str:
        return f"<missing: {self._message}>"

    def _gap(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ConformanceGap(self._message)

    def __getattr__(self, name: str) -> Missing:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._dotted is None:
            self._gap()
        dotted = f"{self._dotted}.{name}"
        if self._message.startswith("missing public name"):
            return Missing(self._message, dotted)  # the root cause is the public name
        return Missing(f"Dagster internal: {dotted}", dotted)

    def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[type, ...]:
        # ``class C(MissingBase)`` defines C; making an instance of it raises the gap.
        return (type("MissingBase", (), {"__init__": self._gap}),)

    __call__ = __getitem__ = __setitem__ = __iter__ = __len__ = __bool__ = _gap
    __enter__ = __exit__ = __contains__ = __lt__ = __gt__ = __le__ = __ge__ = _gap
    __eq__ = __ne__ = _gap  # comparing to a missing name is a use
    __hash__ = object.__hash__


class _DagsterModule(ModuleType):
    """``import dagster`` in a rewritten test: opbook's names, placeholders for the rest."""

    def __init__(self, opbook: ModuleType) -> None:
        super().__init__("dagster")
        self._opbook = opbook

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return getattr(self._opbook, name)
        except AttributeError:
            dotted = f"dagster.{name}"
            return Missing(describe(dotted), dotted)


def _opbook() -> ModuleType:
    return importlib.import_module("opbook")


def is_dagster(module_name: str) -> bool:
    """Whether ``module_name`` is Dagster's package or one of its modules."""
    return module_name == "dagster" or module_name.startswith("dagster.")


def module(name: str) -> Any:
    """What ``import name`` (or ``import name as x``) binds, for a Dagster module."""
    if name == "dagster":
        return _DagsterModule(_opbook())
    same_path = mirrored(name)
    if same_path is not None:
        return same_path
    return Missing(f"Dagster internal: {name}", name)


#: Dagster module paths that opbook mirrors where users import from them
#: (``dagster.core.test_utils`` -> ``opbook.core.test_utils``).
MIRRORED_PREFIXES = ("dagster.core.", "dagster.utils")


def mirrored(module_name: str) -> ModuleType | None:
    """opbook's module at the path of Dagster's ``module_name``, if opbook mirrors it."""
    if not module_name.startswith(MIRRORED_PREFIXES):
        return None
    try:
        return importlib.import_module("opbook" + module_name[len("dagster") :])
    except ImportError:
        return None


def take(module_name: str, names: Iterable[str]) -> tuple[Any, ...]:
    """What ``from module_name import a, b`` binds, in order, for a Dagster module.

    A name comes from opbook's top level when opbook has it, whichever Dagster module the test
    named (Dagster's tests often import public names from their defining module), else from
    opbook's module at the same path when opbook mirrors it (``opbook.core.test_utils``), and
    is a :class:`Missing` placeholder otherwise.
    """
    opbook = _opbook()
    same_path = mirrored(module_name)
    values: list[Any] = []
    for name in names:
        dotted = f"{module_name}.{name}"
        if hasattr(opbook, name):
            values.append(getattr(opbook, name))
        elif same_path is not None and name in getattr(same_path, "__all__", ()):
            values.append(getattr(same_path, name))
        else:
            values.append(Missing(describe(dotted), dotted))
    return tuple(values)


def broken(namespace: MutableMapping[str, Any], names: Iterable[str], error: BaseException) -> None:
    """Bind ``names`` to placeholders after the top-level statement defining them raised."""
    if isinstance(error, ConformanceGap):
        reason = str(error)
    else:
        first_line = (str(error).strip().splitlines() or [""])[0]
        reason = f"{type(error).__name__}: {first_line}"
    for name in names:
        namespace[name] = Missing(f"module-level definition {name!r} failed: {reason}")
    if not names:
        print(f"conformance: a top-level statement failed: {reason}", file=sys.stderr)
