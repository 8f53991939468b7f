"""The notebook's one door past the public API: small, explained, and never for public names."""

from __future__ import annotations

import opbook
from opbook.notebook import engine_seam


def test_every_name_of_the_seam_says_why_it_is_needed() -> None:
    doc = engine_seam.__doc__ or ""
    assert [name for name in engine_seam.__all__ if f"``{name}``" not in doc] == []


def test_the_seam_holds_no_public_name() -> None:
    # A name the public API gives is imported from `opbook` instead.
    assert sorted(set(engine_seam.__all__) & set(opbook.__all__)) == []
