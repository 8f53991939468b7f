"""``python -m opbook.demo``: the quickstart executed headless, written out as HTML."""

from __future__ import annotations

import json
import sys

import pytest

from opbook import demo


@pytest.mark.slow
def test_demo_runs_the_quickstart_and_writes_html(tmp_path, capsys) -> None:
    output = tmp_path / "out" / "quickstart.html"
    assert demo.main(["--output", str(output)]) == 0
    printed = capsys.readouterr().out.splitlines()
    notebook = json.loads(demo.QUICKSTART.read_text(encoding="utf-8"))
    cells = sum(cell["cell_type"] == "code" for cell in notebook["cells"])
    assert printed[0].startswith(f"Ran 01_quickstart.ipynb ({cells} code cells) in ")
    assert printed[1] == f"HTML copy of the executed notebook: {output.resolve()}"
    html = output.read_text(encoding="utf-8")
    assert "<svg" in html and 'class="dataframe"' in html and "opbook quickstart" in html


@pytest.mark.slow
def test_demo_reports_a_failing_notebook_on_one_line(tmp_path, capsys) -> None:
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("raise ValueError('broken on purpose')")],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    path = tmp_path / "broken.ipynb"
    nbformat.write(notebook, path)
    assert demo.main(["--notebook", str(path), "--output", str(tmp_path / "b.html")]) == 1
    out = capsys.readouterr().out
    assert out == f"The notebook {path} failed: ValueError: broken on purpose\n"
    assert not (tmp_path / "b.html").exists()


def test_demo_says_how_to_install_what_is_missing(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setitem(sys.modules, "nbclient", None)  # makes `import nbclient` fail
    assert demo.main(["--output", str(tmp_path / "x.html")]) == 1
    out = capsys.readouterr().out
    assert out.startswith("The demo needs nbclient and nbconvert (nbclient is missing).")
    assert "pip install nbclient nbconvert" in out
    assert not (tmp_path / "x.html").exists()


def test_demo_without_a_notebook_says_so(tmp_path, capsys) -> None:
    missing = tmp_path / "nowhere.ipynb"
    assert demo.main(["--notebook", str(missing)]) == 1
    assert capsys.readouterr().out.startswith(f"No notebook at {missing}")


def test_demo_rejects_unknown_arguments(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        demo.main(["--bogus"])
    assert exited.value.code == 2
