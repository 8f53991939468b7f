"""Lay out the rewritten copy of Dagster's tests that pytest runs against opbook.

The sdist's ``dagster_tests`` package is copied to ``<cache>/work/dagster_tests`` afresh on every
run, each ``.py`` file rewritten by :func:`conformance.rewrite.rewrite_source`. Beside it go a
minimal ``pytest.ini`` (so opbook's own pytest settings do not apply) and ``public_names.txt``,
Dagster's ``__all__`` read from the sdist, which the shim uses to tell a missing public name from
an internal helper.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from conformance.rewrite import rewrite_source

PYTEST_INI = "[pytest]\n"


def public_names(sdist_root: Path) -> list[str]:
    """The names in ``dagster/__init__.py``'s ``__all__``."""
    tree = ast.parse((sdist_root / "dagster" / "__init__.py").read_text(encoding="utf-8"))
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in statement.targets
        ):
            return sorted(ast.literal_eval(statement.value))
    return []


def prepare(sdist_root: Path, work: Path) -> Path:
    """Write the rewritten tests into ``work`` (emptied first); return ``work``."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(sdist_root / "dagster_tests", work / "dagster_tests")
    for path in sorted((work / "dagster_tests").rglob("*.py")):
        path.write_text(rewrite_source(path.read_text(encoding="utf-8")), encoding="utf-8")
    (work / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
    names = "\n".join(public_names(sdist_root)) + "\n"
    (work / "public_names.txt").write_text(names, encoding="utf-8")
    return work
