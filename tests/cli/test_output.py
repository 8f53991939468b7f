"""The command line's progress line and tables."""

from __future__ import annotations

import io

import opbook
from opbook import graph, job, op
from opbook.cli.output import Progress, leaf_steps, table


@op
def one() -> int:
    return 1


@op
def add(x: int) -> int:
    return x + 1


@op
def fail(x: int) -> int:
    raise RuntimeError("no")


@graph
def inner(x):
    return add(add(x))


@job
def nested():
    add(inner(one()))


@job
def failing():
    fail(one())


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_steps_inside_graph_nodes_have_dotted_keys():
    assert leaf_steps(nested.graph) == ["one", "inner.add", "inner.add_2", "add"]
    assert leaf_steps(nested.graph, ["one"]) == ["one"]


def test_a_terminal_gets_a_progress_line_redrawn_in_place_and_cleared():
    screen = Terminal()
    with opbook.DagsterInstance.ephemeral() as instance:
        progress = Progress(failing, instance, screen, min_interval=0)
        opbook.execute_pipeline(failing, instance=instance, raise_on_error=False, progress=progress)
        drawn = screen.getvalue()
        progress.close()

    frames = [frame for frame in drawn.split("\r") if frame and frame != "\x1b[K"]
    assert frames[0] == "\x1b[K[------------------------] 0/2 steps  running: one"
    assert "\x1b[K[############------------] 1/2 steps  running: fail" in frames
    assert screen.getvalue().endswith("\r\x1b[K")
    assert progress.line() == "[########################] 2/2 steps  1 failed"


def test_elsewhere_nothing_is_drawn():
    stream = io.StringIO()
    with opbook.DagsterInstance.ephemeral() as instance:
        progress = Progress(nested, instance, stream, min_interval=0)
        opbook.execute_pipeline(nested, instance=instance, progress=progress)
        progress.close()

    assert stream.getvalue() == ""
    assert progress.line().startswith("[########################] 4/4 steps")


def test_a_table_aligns_its_columns_and_leaves_the_last_unpadded():
    text = table(
        ["step", "status", "note"], [["a", "succeeded", ""], ["long_name", "failed", "x y"]]
    )

    assert text.splitlines() == [
        "step       status     note",
        "a          succeeded",
        "long_name  failed     x y",
    ]
