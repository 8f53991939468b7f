"""Cell numbers of magic cells, as ipykernel's compiler records them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from opbook.notebook.cells import cell_number

compiler = pytest.importorskip("ipykernel.compiler")


def test_a_cell_run_again_with_the_same_text_has_its_new_number() -> None:
    # ipykernel names a cell's file after its text: the third run updates the first entry
    shell = SimpleNamespace(compile=compiler.XCachingCompiler(), execution_count=0)
    shell.compile.cache("%%op\ndef convert(): ...", 3)
    shell.compile.cache("%%op\ndef convert(): return 1", 7)
    shell.compile.cache("%%op\ndef convert(): ...", 8)
    assert cell_number(shell) == 8
