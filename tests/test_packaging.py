"""The wheel a user installs: built with ``python -m build``, installed in a fresh venv.

The wheel carries the widgets' JavaScript bundle (built from ``js/``: ``cd js && npm ci && node
build.mjs``, which ``scripts/setup.sh`` does) and the LICENSE; installed with pip in a new
virtual environment (its dependencies come from the package index, through pip's cache), it runs
the README's first Python example and loads as an IPython extension.  Slow: under a minute
once the dependencies are in the wheelhouse (see ``venv``), 1-2 minutes the first time.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from opbook.notebook.widgets import BUNDLE

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "src" / "opbook" / "notebook" / "static"


def _run(command: list[str | Path], cwd: Path, *, fresh: bool = True) -> str:
    """Run ``command`` in ``cwd``: its output, or a failure showing it.  ``fresh``: outside
    this checkout's environment (no PYTHONPATH pointing at its sources)."""
    env = dict(os.environ)
    if fresh:
        env = {k: v for k, v in env.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["IPYTHONDIR"] = str(cwd / ".ipython")
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        pytest.fail(f"{command} exited with {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("build", reason="python -m build needs the build package (dev extra)")
    missing = [name for name in BUNDLE if not (STATIC / name).is_file()]
    if missing:
        pytest.fail(
            f"the widgets' bundle is not built ({', '.join(missing)}): "
            "cd js && npm ci --no-audit --no-fund && node build.mjs"
        )
    # Build from a copy of what the wheel is made of, so the checkout gets no build/ or egg-info.
    source = tmp_path_factory.mktemp("source")
    for name in ["pyproject.toml", "README.md", "LICENSE"]:
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    out = tmp_path_factory.mktemp("dist")
    _run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", out, source], cwd=source, fresh=False
    )
    (built,) = out.glob("opbook-*.whl")
    return built


WHEELHOUSE = Path(
    os.environ.get("OPBOOK_WHEELHOUSE", Path.home() / ".cache" / "opbook" / "wheelhouse")
)


def _pip(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", *map(str, args)],
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the wheel installed; its directory.

    The dependencies come from the package index, downloaded once into a wheelhouse
    (``$OPBOOK_WHEELHOUSE``, default ``~/.cache/opbook/wheelhouse``) and installed from it
    afterwards; whatever it lacks (a new dependency, a new bound) is downloaded again.
    """
    home = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", "--without-pip", home / "env"], cwd=home)
    python = home / "env" / "bin" / "python"
    offline = ["--python", python, "install", "--no-index", "--find-links", WHEELHOUSE, wheel]
    if _pip(*offline).returncode != 0:
        fetched = _pip("download", "--quiet", "--dest", WHEELHOUSE, wheel)
        if fetched.returncode != 0:
            pytest.fail(f"pip download of the wheel's dependencies failed:\n{fetched.stderr}")
        installed = _pip(*offline)
        if installed.returncode != 0:
            pytest.fail(f"pip install of the wheel failed:\n{installed.stdout}{installed.stderr}")
    return home


def _names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_the_wheel_carries_the_widgets_bundle(wheel: Path) -> None:
    names = _names(wheel)
    for name in BUNDLE:
        assert f"opbook/notebook/static/{name}" in names


def test_the_wheel_carries_the_license_and_the_typed_marker(wheel: Path) -> None:
    names = _names(wheel)
    assert any(re.fullmatch(r"opbook-[^/]+\.dist-info/licenses/LICENSE", n) for n in names)
    assert "opbook/py.typed" in names


def test_the_wheel_metadata_has_the_spdx_license_and_classifiers(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (path,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(path).decode())
    assert metadata["License-Expression"] == "Apache-2.0"
    classifiers = metadata.get_all("Classifier") or []
    assert "Framework :: Jupyter" in classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers


def test_the_installed_wheel_runs_the_readme_example(venv: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"```python\n(.*?)```", readme, re.S)
    assert found is not None, "README.md has no python example"
    script = venv / "readme_example.py"
    script.write_text(
        found.group(1)
        + textwrap.dedent(
            """
            import opbook, sys
            print("from", opbook.__file__.startswith(sys.prefix))
            """
        )
    )
    assert _run([venv / "env" / "bin" / "python", script], cwd=venv).endswith("from True\n")


def test_the_installed_wheel_loads_as_an_ipython_extension(venv: Path) -> None:
    cell = textwrap.dedent(
        """\
        %load_ext opbook
        get_ipython().run_cell_magic("op", "", "def double(n: int) -> int:\\n    return 2 * n")
        from opbook import execute_solid
        from opbook.notebook import widgets
        print(execute_solid(double, input_values={"n": 21}).output_value())
        print(widgets.unavailable_reason())
        """
    )
    shown = _run(
        [venv / "env" / "bin" / "python", "-m", "IPython", "--quick", "-c", cell], cwd=venv
    )
    assert shown.splitlines()[-2:] == ["42", "None"]  # the op ran; the widgets can be shown


def test_the_installed_wheel_has_the_command_line(venv: Path) -> None:
    shown = _run([venv / "env" / "bin" / "opbook", "--version"], cwd=venv)
    assert shown.startswith("opbook ")
