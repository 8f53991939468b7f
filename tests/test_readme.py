"""The README's promises: its two commands exist, and a notebook-defined job runs from the
command line on the multiprocess executor exactly as the README shows."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from opbook.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_demo_and_test_commands() -> None:
    first_block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["bash scripts/demo.sh", "bash scripts/test.sh"]
    assert (ROOT / "scripts" / "demo.sh").exists() and (ROOT / "scripts" / "test.sh").exists()


@pytest.mark.slow
def test_the_readme_command_line_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = ".venv/bin/opbook run notebooks/"
    line = next(line for line in README.splitlines() if line.startswith(prefix))
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("OPBOOK_HOME", str(tmp_path / "home"))
    code = main(shlex.split(line)[1:])
    out = capsys.readouterr().out
    assert code == 0
    assert "of job numbers: SUCCESS, 3 succeeded" in out
