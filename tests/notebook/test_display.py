"""Rich display: SVG graphs and tables in a notebook, text elsewhere, and the fallback without
Graphviz's ``dot`` (a readable text graph and a one-line hint, never a traceback)."""

from __future__ import annotations

import pytest

import opbook
from opbook import graph, job, op
from opbook.notebook import draw, render
from opbook.notebook.render import INSTALL_HINT


@op
def first() -> int:
    return 1


@op
def second(x: int) -> int:
    return x + 1


@op
def broken(x: int) -> int:
    raise RuntimeError("disk full")


@graph
def pair():
    return second(first())


@job
def chain():
    broken(pair())


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """A PATH on which Graphviz's programs cannot be found."""
    monkeypatch.setenv("PATH", str(tmp_path))
    render.to_svg.cache_clear()
    yield
    render.to_svg.cache_clear()


def test_a_job_displays_as_its_svg_graph_and_as_text(ip) -> None:
    data, _ = ip.display_formatter.format(chain)
    assert "<svg" in data["text/html"] and "job chain: 2 nodes" in data["text/html"]
    assert data["text/plain"].splitlines()[0] == "job chain (3 ops)"


def test_a_result_displays_graph_steps_events_and_timeline(ip) -> None:
    result = chain.execute_in_process(raise_on_error=False)
    data, _ = ip.display_formatter.format(result)
    html = data["text/html"]
    assert f"run {result.run_id[:8]} of job chain: failed in" in html
    assert "(2 succeeded, 1 failed)" in html
    assert "broken</code>: RuntimeError: disk full" in html
    assert html.count('class="dataframe opbook-table"') == 2  # steps, events
    assert "<summary>Events (" in html and "<summary>Timeline</summary>" in html
    assert data["text/plain"].splitlines()[1] == "  broken failed: RuntimeError: disk full"


def test_a_pipeline_result_displays_too(ip) -> None:
    result = opbook.execute_pipeline(chain, raise_on_error=False)
    data, _ = ip.display_formatter.format(result)
    assert "<svg" in data["text/html"]


def test_an_op_displays_as_its_card(ip) -> None:
    data, _ = ip.display_formatter.format(second)
    assert "<code>second</code>" in data["text/html"]
    assert "inputs: x: Int" in data["text/plain"]


def test_a_digraph_shows_as_svg(ip) -> None:
    bundle = draw(chain)._repr_mimebundle_()
    assert bundle["image/svg+xml"].startswith("<svg")


def test_without_dot_a_digraph_shows_text_and_a_one_line_hint(no_dot) -> None:
    bundle = draw(chain)._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert bundle["text/plain"] == draw(chain).to_text() + "\n" + INSTALL_HINT
    assert "<pre" in bundle["text/html"] and "apt-get install graphviz" in bundle["text/html"]
    assert "\n" not in INSTALL_HINT


def test_without_dot_displays_never_raise(ip, no_dot) -> None:
    result = chain.execute_in_process(raise_on_error=False)
    for target in (chain, pair, result):
        data, _ = ip.display_formatter.format(target)
        assert 'class="opbook-graph"' not in data["text/html"]  # no Graphviz picture
        assert '<pre class="opbook-graph-text">' in data["text/html"]
        assert "`dot` program was not found" in data["text/html"]
        assert "second" in data["text/html"]


def test_without_dot_a_notebook_cell_shows_no_traceback(nb, no_dot) -> None:
    nb.cell("%%op\ndef only() -> int:\n    return 1\n")
    ran = nb.cell("%%job only_job\nonly()\n")
    assert "Traceback" not in ran.stderr
    assert "job only_job (1 op)" in ran.html()[0]


def test_dot_failing_on_a_source_falls_back_with_its_reason() -> None:
    rendered = render.render("digraph { a -> }", "a")
    assert rendered.svg is None and rendered.note is not None
    assert rendered.note.startswith("Graphviz could not draw this graph (")


def test_unloading_the_extension_removes_magics_and_displays(ip) -> None:
    ip.run_line_magic("unload_ext", "opbook")
    try:
        assert "op" not in ip.magics_manager.magics["cell"]
        assert "opbook" not in ip.magics_manager.magics["line"]
        data, _ = ip.display_formatter.format(chain)
        assert data["text/plain"] == repr(chain) and "text/html" not in data
    finally:
        ip.run_line_magic("load_ext", "opbook")
    assert "op" in ip.magics_manager.magics["cell"]


def test_loading_twice_is_harmless(ip) -> None:
    opbook.load_ipython_extension(ip)
    opbook.load_ipython_extension(ip)
    data, _ = ip.display_formatter.format(chain)
    assert "<svg" in data["text/html"]
    assert "op" in ip.magics_manager.magics["cell"]
