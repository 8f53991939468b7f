"""The binder files install what the tour notebooks import.

A mybinder launch installs ``binder/apt.txt`` (system packages), ``binder/requirements.txt``
and then runs ``binder/postBuild`` (which installs opbook with its extras).  Every top-level
module a notebook imports, or loads with ``%load_ext``, must come from the standard library,
from opbook, or from a distribution those installs bring in (with their dependencies, as the
installed metadata here declares them).
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata as metadata
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterable
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from opbook.notebook.widgets import BUNDLE

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PYTHON_CELL_MAGICS = ("op", "graph", "job", "time", "timeit", "capture")
LOAD_EXT = re.compile(r"^\s*%load_ext\s+([\w.]+)", re.MULTILINE)


def _cell_sources(path: Path) -> list[str]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    sources = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            source = cell["source"]
            sources.append("".join(source) if isinstance(source, list) else source)
    return sources


def _python_of(source: str) -> str | None:
    """The Python a cell holds: a plain cell with its line magics turned into calls, or the
    body of a cell magic whose body is Python (None for other cell magics)."""
    if source.lstrip().startswith("%%"):
        first, _, body = source.lstrip().partition("\n")
        if first[2:].split(" ")[0] not in PYTHON_CELL_MAGICS:
            return None
        # a graph or job body may end in an expression or `return`: parse it as a function's
        return "def _cell():\n" + textwrap.indent(body or "pass", "    ")
    return str(TransformerManager().transform_cell(source))


def imported_modules(sources: Iterable[str]) -> set[str]:
    """Top-level modules imported by the cells, or loaded as IPython extensions."""
    modules: set[str] = set()
    for source in sources:
        modules |= {name.split(".")[0] for name in LOAD_EXT.findall(source)}
        python = _python_of(source)
        if python is None:
            continue
        for node in ast.walk(ast.parse(python)):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules


def _requirements_file() -> list[Requirement]:
    lines = (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [Requirement(line.split("#")[0].strip()) for line in lines if line.split("#")[0].strip()]


def _postbuild_extras() -> set[str]:
    """The extras postBuild installs opbook with (``pip install -e ".[dask]"``)."""
    found = re.search(r"""["']?\.\[([\w,\-]+)\]["']?""", (BINDER / "postBuild").read_text())
    return set(found.group(1).split(",")) if found else set()


def _opbook_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [Requirement(text) for text in project["dependencies"]]
    for extra in _postbuild_extras():
        requirements += [Requirement(text) for text in project["optional-dependencies"][extra]]
    return requirements


def _wanted(requirement: Requirement, extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in extras | {""})


def installed_distributions(requirements: Iterable[Requirement]) -> set[str]:
    """The distributions these requirements install, with their dependencies (names canonical)."""
    found: set[str] = set()
    pending = [(r.name, set(r.extras)) for r in requirements]
    while pending:
        name, extras = pending.pop()
        key = canonicalize_name(name)
        if key in found and not extras:
            continue
        found.add(key)
        try:
            declared = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue  # not installed here: its own dependencies cannot be followed
        for text in declared:
            requirement = Requirement(text)
            if _wanted(requirement, extras):
                pending.append((requirement.name, set(requirement.extras)))
    return found


@functools.cache
def _providers() -> dict[str, list[str]]:
    """Top-level module -> the installed distributions providing it (slow: computed once)."""
    return dict(metadata.packages_distributions())


def missing_modules(modules: Iterable[str], distributions: set[str]) -> list[str]:
    """The modules neither the standard library, opbook nor those distributions provide."""
    providers = _providers()
    missing = []
    for module in sorted(modules):
        if module in sys.stdlib_module_names or module in ("opbook", "__future__"):
            continue
        if not {canonicalize_name(d) for d in providers.get(module, [])} & distributions:
            missing.append(module)
    return missing


@pytest.fixture(scope="module")
def binder_distributions() -> set[str]:
    return installed_distributions([*_requirements_file(), *_opbook_requirements()])


def test_apt_txt_installs_graphviz():
    packages = (BINDER / "apt.txt").read_text(encoding="utf-8").split()

    assert "graphviz" in packages


def test_postbuild_is_executable_and_installs_opbook_from_the_repository():
    script = BINDER / "postBuild"
    text = script.read_text(encoding="utf-8")

    assert os.access(script, os.X_OK)
    assert re.search(r"pip install .*(-e )?[\"']?\.(\[[\w,\-]+\])?[\"']?\s*$", text, re.MULTILINE)


def test_requirements_keep_in_step_with_opbooks_dependencies():
    listed = {canonicalize_name(r.name) for r in _requirements_file()}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    needed = {canonicalize_name(Requirement(text).name) for text in project["dependencies"]}

    assert needed - listed == set()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_binder_installs_every_module_a_notebook_imports(notebook, binder_distributions):
    modules = imported_modules(_cell_sources(notebook))

    assert "opbook" in modules
    assert missing_modules(modules, binder_distributions) == []


def test_the_check_finds_modules_nothing_installs(binder_distributions):
    sources = [
        "import pandas as pd\nimport os.path",
        "%load_ext no_such_extension_here",
        "%%op\ndef f():\n    import not_a_real_module_xyz\n    return 1",
        "%%job j\nfrom opbook import op\nf()",
        "%%bash\nimport nothing_here",
    ]

    modules = imported_modules(sources)

    assert modules == {"pandas", "os", "no_such_extension_here", "not_a_real_module_xyz", "opbook"}
    assert missing_modules(modules, binder_distributions) == [
        "no_such_extension_here",
        "not_a_real_module_xyz",
    ]
    assert missing_modules(["pandas"], set()) == ["pandas"]  # installed here, not by binder


def test_runtime_txt_pins_the_python_the_tests_use():
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")

    assert runtime == "python-3.11"
    assert "Programming Language :: Python :: 3.11" in project["classifiers"]
    # setup.sh (and so CI) takes python3.11 first when no $PYTHON is given
    assert re.search(r"for candidate in \$\{PYTHON:-\} python3\.11 ", setup)


@pytest.mark.slow
def test_postbuild_builds_the_widgets_bundle_then_installs_opbook(tmp_path):
    if shutil.which("npm") is None:
        pytest.fail("npm is needed to build the widgets' bundle (apt-get install nodejs npm)")
    repo = tmp_path / "repo"
    shutil.copytree(BINDER, repo / "binder")
    shutil.copytree(ROOT / "js", repo / "js", ignore=shutil.ignore_patterns("node_modules"))
    (repo / "src" / "opbook" / "notebook").mkdir(parents=True)
    # a stand-in for Binder's python: records the install instead of doing it
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python"
    fake.write_text(f'#!/bin/sh\necho "$PWD $*" >> {tmp_path / "pip.log"}\n')
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    done = subprocess.run(
        [repo / "binder" / "postBuild"], env=env, capture_output=True, text=True, timeout=600
    )

    assert done.returncode == 0, done.stderr
    static = repo / "src" / "opbook" / "notebook" / "static"
    assert sorted(p.name for p in static.iterdir()) == sorted(BUNDLE)
    assert (tmp_path / "pip.log").read_text() == (
        f"{repo} -m pip install --no-cache-dir -e .[dask]\n"
    )


def test_the_readme_says_how_to_launch_the_quickstart_on_binder():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"https://mybinder\.org/v2/gh/[^\s)]+", readme)

    assert links
    for link in links:
        assert link.endswith("?labpath=notebooks%2F01_quickstart.ipynb")
    assert (ROOT / "notebooks" / "01_quickstart.ipynb").is_file()
