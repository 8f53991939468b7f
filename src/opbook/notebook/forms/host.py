"""What the nodes of one form share: the builder of child nodes, the theme, change batching,
and the budget of fields shown open when the form is first drawn."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from opbook.notebook.forms.theme import Theme
from opbook.notebook.forms.values import FieldInfo, PathKey

if TYPE_CHECKING:
    from opbook.notebook.forms.nodes import Node


class Builder(Protocol):
    def __call__(
        self,
        host: Host,
        desc: dict[str, Any],
        info: FieldInfo | None,
        parent: Node | None,
        key: PathKey | None,
        secret: bool,
    ) -> Node: ...


class Host:
    """What the nodes of one form share: the builder of child nodes, the theme, and the
    callback run after each change (batched while a whole value is being set)."""

    def __init__(
        self, builder: Builder, on_change: Callable[[], None], open_fields: int = 80
    ) -> None:
        self.theme = Theme()
        self.builder = builder
        self._on_change = on_change
        self._batch = 0
        self._dirty = False
        self._open_budget = open_fields

    def take(self, fields: int) -> bool:
        """Whether a group of ``fields`` fields may open at once (while the budget lasts)."""
        if fields > self._open_budget:
            self._open_budget = 0
            return False
        self._open_budget -= fields
        return True

    def changed(self) -> None:
        if self._batch:
            self._dirty = True
        else:
            self._on_change()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Changes inside are reported once, at the end."""
        self._batch += 1
        try:
            yield
        finally:
            self._batch -= 1
            if not self._batch and self._dirty:
                self._dirty = False
                self._on_change()
