"""``draw``: Graphviz graphs of jobs, graphs, plans and results, compared through their source."""

from __future__ import annotations

import re

import graphviz
import pytest

from opbook import (
    DependencyDefinition,
    In,
    NodeInvocation,
    Out,
    Output,
    PipelineDefinition,
    graph,
    job,
    lambda_solid,
    op,
)
from opbook.notebook import draw
from opbook.notebook.graphmodel import from_plan


@op
def load() -> list[int]:
    return [1, 2, 3]


@op
def scale(numbers: list[int]) -> list[int]:
    return [10 * n for n in numbers]


@op(out={"low": Out(int), "high": Out(int)})
def split(numbers: list[int]):
    yield Output(min(numbers), "low")
    yield Output(max(numbers), "high")


@op(ins={"a": In(int), "b": In(int)})
def add(a, b) -> int:
    return a + b


@op
def boom(x: int) -> int:
    raise ValueError("boom")


@op
def after(x: int) -> int:
    return x


@graph
def inner(numbers):
    return scale(numbers)


@job
def numbers():
    low, high = split(inner(load()))
    total = add.alias("total")(low, high)
    after(boom(total))


def _nodes(source: str) -> dict[str, str]:
    """node id -> its attribute text, for the plain node statements of a Digraph source."""
    found = {}
    for line in source.splitlines():
        match = re.match(r'\s*("[^"]+"|\w+) \[(.*)\]$', line)
        if match and match.group(1) not in ("graph", "node", "edge"):
            found[match.group(1).strip('"')] = match.group(2)
    return found


def _edges(source: str) -> list[str]:
    return [line.strip() for line in source.splitlines() if "->" in line]


def test_draw_returns_a_digraph_with_ops_as_boxes_of_inputs_and_outputs() -> None:
    picture = draw(numbers)
    assert isinstance(picture, graphviz.Digraph)
    nodes = _nodes(picture.source)
    assert set(nodes) == {"load", "inner.scale", "split", "total", "boom", "after"}
    assert 'PORT="o_low"' in nodes["split"] and 'PORT="o_high"' in nodes["split"]
    assert 'PORT="i_a"' in nodes["total"] and 'PORT="i_b"' in nodes["total"]
    assert 'TOOLTIP="a: Int"' in nodes["total"]


def test_edges_run_from_output_to_input_and_are_labelled_with_the_input() -> None:
    assert _edges(draw(numbers).source) == [
        'load:o_result:s -> "inner.scale":i_numbers:n [label=numbers]',
        '"inner.scale":o_result:s -> split:i_numbers:n [label=numbers]',
        "split:o_low:s -> total:i_a:n [label=a]",
        "split:o_high:s -> total:i_b:n [label=b]",
        "total:o_result:s -> boom:i_x:n [label=x]",
        "boom:o_result:s -> after:i_x:n [label=x]",
    ]


def test_nested_graphs_are_clusters_and_aliases_show_the_definition() -> None:
    source = draw(numbers).source
    assert "subgraph cluster_inner {" in source
    cluster = source[source.index("subgraph cluster_inner") :]
    assert cluster.index('"inner.scale" [') < cluster.index("}")
    assert '<B>total</B><BR/><FONT POINT-SIZE="8">add</FONT>' in _nodes(source)["total"]


def test_a_definition_has_no_legend_and_the_definition_colour() -> None:
    source = draw(numbers).source
    assert "legend" not in source
    assert 'BGCOLOR="#e8f0fe"' in _nodes(source)["load"]
    assert 'label="job numbers (6 ops)"' in source


def test_a_result_colours_boxes_by_status_with_durations_and_a_legend() -> None:
    result = numbers.execute_in_process(raise_on_error=False)
    nodes = _nodes(draw(result).source)
    assert 'BGCOLOR="#c8e6c9"' in nodes["load"] and "succeeded · " in nodes["load"]
    assert 'BGCOLOR="#ffcdd2"' in nodes["boom"] and "failed · " in nodes["boom"]
    assert 'BGCOLOR="#ffffff"' in nodes["after"] and 'STYLE="DASHED"' in nodes["after"]
    legend = nodes["legend"]
    for label in ("pending", "running", "succeeded", "failed", "retried", "skipped / not run"):
        assert f">{label}</TD>" in legend
    assert f"run {result.run_id[:8]}: failed in" in draw(result).source


def test_events_so_far_colour_a_running_job() -> None:
    result = numbers.execute_in_process(raise_on_error=False)
    started = next(e for e in result.event_list if e.step_key == "inner.scale")
    upto = result.event_list.index(started) + 1
    nodes = _nodes(draw(numbers, events=result.event_list[:upto]).source)
    assert "succeeded" in nodes["load"]
    assert 'BGCOLOR="#fff3b0"' in nodes["inner.scale"]  # running
    assert 'BGCOLOR="#f1f3f4"' in nodes["split"]  # pending
    assert "running" in draw(numbers, events=result.event_list[:upto]).source


def test_a_graph_with_inputs_and_outputs_draws_them() -> None:
    source = draw(inner).source
    assert '"input/numbers" [label=numbers' in source
    assert '"input/numbers" -> scale:i_numbers:n [label=numbers]' in source
    assert 'scale:o_result:s -> "output/result" [label=result]' in source


def test_left_to_right_uses_side_ports() -> None:
    source = draw(numbers, direction="LR").source
    assert "rankdir=LR" in source and "split:o_low:e -> total:i_a:w" in source


def test_a_pipeline_built_from_dependency_dicts() -> None:
    @lambda_solid
    def one() -> int:
        return 1

    @lambda_solid
    def inc(num: int) -> int:
        return num + 1

    pipe = PipelineDefinition(
        [one, inc],
        name="deps",
        dependencies={NodeInvocation("inc", "second"): {"num": DependencyDefinition("one")}},
    )
    source = draw(pipe).source
    assert "one:o_result:s -> second:i_num:n [label=num]" in source
    assert 'label="pipeline deps (2 ops)"' in source


def test_an_op_draws_alone() -> None:
    assert set(_nodes(draw(add).source)) == {"add"}


def test_an_execution_plan_draws_its_steps() -> None:
    class Step:
        def __init__(self, key, definition, inputs):
            self.key, self.definition, self.inputs = key, definition, inputs
            self.node = type("N", (), {"name": key.rsplit(".", 1)[-1]})()

    class Input:
        def __init__(self, name, sources):
            self.name, self.sources = name, sources

    class Source:
        def __init__(self, step_key, output_name):
            self.step_key, self.output_name = step_key, output_name

    class Plan:
        pipeline_name = "numbers"
        steps = [
            Step("load", load, []),
            Step("inner.scale", scale, [Input("numbers", [Source("load", "result")])]),
        ]
        step_dict = {s.key: s for s in steps}

    model = from_plan(Plan())
    assert list(model.clusters) == ["inner"] and model.boxes["inner.scale"].cluster == "inner"
    source = draw(Plan()).source
    assert 'load:o_result:s -> "inner.scale":i_numbers:n [label=numbers]' in source
    assert 'label="plan numbers (2 ops)"' in source


def test_anything_else_cannot_be_drawn() -> None:
    with pytest.raises(TypeError, match="Cannot draw 42: expected a job, pipeline, graph"):
        draw(42)


def test_text_rendering_lists_ops_upstream_first_with_their_sources() -> None:
    assert draw(numbers).to_text() == "\n".join(
        [
            "job numbers (6 ops)",
            "  load",
            "  inner (graph inner)",
            "    scale              numbers <- load",
            "  split                numbers <- inner.scale",
            "  total (add)          a <- split[low]; b <- split[high]",
            "  boom                 x <- total",
            "  after                x <- boom",
        ]
    )


def test_text_rendering_of_a_result_shows_statuses() -> None:
    result = numbers.execute_in_process(raise_on_error=False)
    lines = draw(result).to_text().splitlines()
    assert lines[0].startswith(f"job numbers (6 ops), run {result.run_id[:8]}: failed in ")
    assert lines[-2].split()[-3:-2] == ["failed"]
    assert lines[-1].endswith("skipped")


def test_large_graph_renders(tmp_path) -> None:
    # 500 ops in a few fan-out / fan-in layers: the shape of a wide data job.
    @op
    def source_op() -> int:
        return 1

    @op
    def step(x: int) -> int:
        return x

    @op
    def gather(xs: list[int]) -> int:
        return sum(xs)

    @job
    def wide():
        first = source_op()
        layer = [step.alias(f"s{i}")(first) for i in range(249)]
        gather.alias("mid")(layer)
        [step.alias(f"t{i}")(layer[i]) for i in range(249)]

    picture = draw(wide)
    assert len(_nodes(picture.source)) == 500
    svg = picture.pipe(format="svg", encoding="utf-8")
    assert svg.count('class="node"') == 500
