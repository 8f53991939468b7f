"""Definitions are values: built once, never changed; a changed definition is a new one.

Most definition classes keep Dagster's constructors (positional order, argument names that
differ from the attributes they set, arguments that only feed derived values), which a
dataclass cannot express.  They derive from :class:`Frozen` instead: ``__init__`` assigns its
attributes as usual, and once the outermost ``__init__`` has returned, the instance is marked
frozen; from then on assigning or deleting an attribute raises
``dataclasses.FrozenInstanceError``, as for a frozen dataclass.  Reading attributes costs
nothing extra; only construction pays for the guard.

A changed copy is made by the definition's own method (``with_hooks``, ``configured``, a subset
of a job), through the class's constructor where it takes every field, else with
:func:`replace`.  Decorators copy the decorated function's identity (``__name__``,
``__module__``, ``__doc__``, ``__qualname__``) onto the value they build with :func:`wraps`,
as ``functools.update_wrapper`` does, before anyone else holds the value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import FrozenInstanceError
from typing import Any, TypeVar

T = TypeVar("T")

# functools.WRAPPER_ASSIGNMENTS: what update_wrapper copies from a wrapped function
IDENTITY_ATTRIBUTES = ("__module__", "__name__", "__qualname__", "__doc__", "__annotations__")


class Frozen:
    """Base of the definition classes: attributes are set in ``__init__`` and never after.

    Each subclass's ``__init__`` is wrapped so that the outermost one (the constructed class's)
    freezes the instance when it returns; a subclass's ``__init__`` may still set attributes
    after ``super().__init__()``.  (A metaclass could do the same, but would slow down every
    ``isinstance`` check against a definition class, and the engine makes many.)
    """

    __slots__ = ("_frozen",)
    _frozen: bool

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None:
            cls.__init__ = _freezing(init)  # type: ignore[method-assign]

    def __new__(cls, *_args: Any, **_kwargs: Any) -> Any:
        instance = object.__new__(cls)
        object.__setattr__(instance, "_frozen", False)  # being built
        return instance

    def __setattr__(self, name: str, value: Any) -> None:
        if self._frozen:
            raise FrozenInstanceError(_refusal(self, name, "assign to"))
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if self._frozen:
            raise FrozenInstanceError(_refusal(self, name, "delete"))
        object.__delattr__(self, name)

    def __setstate__(self, state: Any) -> None:
        # pickle and copy restore a value's attributes past the guard: it is being built
        dict_state, slot_state = state if isinstance(state, tuple) else (state, None)
        for values in (dict_state, slot_state):
            for name, value in (values or {}).items():
                object.__setattr__(self, name, value)


def _freezing(init: Callable[..., None]) -> Callable[..., None]:
    """``init``, freezing the instance when it returns unless a subclass's ``__init__`` called
    it (that one freezes, on return)."""

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if type(self).__init__ is __init__:
            object.__setattr__(self, "_frozen", True)

    return __init__


def _refusal(definition: Any, name: str, action: str) -> str:
    return (
        f"cannot {action} attribute {name!r} of {type(definition).__name__}: definitions are "
        "frozen values; make a changed copy instead (configured, with_hooks, a new definition)."
    )


def replace(definition: T, **changes: Any) -> T:
    """A new definition like ``definition`` with the attributes in ``changes`` replaced.

    For classes whose constructor (Dagster's) does not take every attribute, such as a job's
    selection of ops; ``definition`` itself is untouched.

    Raises:
        TypeError: a name in ``changes`` is not an attribute of the definition.
    """
    state = dict(vars(definition))
    unknown = sorted(set(changes) - set(state))
    if unknown:
        raise TypeError(f"{type(definition).__name__} has no attribute(s) {unknown} to replace.")
    state.update(changes)
    copy = object.__new__(type(definition))
    for name, value in state.items():
        object.__setattr__(copy, name, value)
    return copy


def wraps(
    definition: T,
    fn: Callable[..., Any] | None = None,
    attributes: tuple[str, ...] = IDENTITY_ATTRIBUTES,
    **identity: Any,
) -> T:
    """``definition`` with the ``attributes`` of ``fn`` (some of ``IDENTITY_ATTRIBUTES``), then
    those given as ``identity``, copied onto it.

    Only a decorator or factory calls this, on the value it has just built and not yet handed
    out: together they are its construction.
    """
    values = {a: getattr(fn, a) for a in attributes if fn is not None and hasattr(fn, a)}
    values.update(identity)
    for name, value in values.items():
        if name not in IDENTITY_ATTRIBUTES:
            raise TypeError(f"{name!r} is not an identity attribute {IDENTITY_ATTRIBUTES}.")
        object.__setattr__(definition, name, value)
    return definition


def update_wrapper(definition: T, fn: Callable[..., Any]) -> T:
    """``functools.update_wrapper`` for a definition a decorator has just built: ``fn``'s
    identity, its ``__dict__`` entries, and ``__wrapped__``."""
    wraps(definition, fn)
    for name, value in {**vars(fn), "__wrapped__": fn}.items():
        object.__setattr__(definition, name, value)
    return definition
