"""The executor contract: what holds on every executor (in process, multiprocess, dask).

The first property is that a run always ends.  Failures are injected at random moments into
random graphs (steps that sleep, fail, or ask to be retried, beside steps still running), with
``raise_on_error`` on and off, and each run must end with a consistent story: every started
step finished once, nothing downstream of a failure started, unrelated branches succeeded
(unless raise_on_error stopped the run), and the user's own exception was raised.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from opbook import (
    DagsterInstance,
    DynamicOut,
    DynamicOutput,
    In,
    Nothing,
    PipelineRunStatus,
    RetryRequested,
    dask_executor,
    execute_pipeline,
    get_dagster_logger,
    graph,
    in_process_executor,
    multiprocess_executor,
    op,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


class Boom(Exception):
    """The failure injected into a step; its message names the step."""


@dataclass(frozen=True)
class Executor:
    name: str
    definition: object
    run_config: Callable[[], dict]


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[object]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        yield cluster


@pytest.fixture(params=["in_process", "multiprocess", "dask"])
def executor(request: pytest.FixtureRequest) -> Executor:
    if request.param == "in_process":
        return Executor("in_process", in_process_executor, dict)
    if request.param == "multiprocess":
        return Executor(
            "multiprocess",
            multiprocess_executor,
            lambda: {"execution": {"config": {"max_concurrent": 3}}},
        )
    cluster = request.getfixturevalue("dask_cluster")
    existing = {"address": cluster.scheduler_address}  # type: ignore[attr-defined]
    return Executor(
        "dask",
        dask_executor,
        lambda: {"execution": {"config": {"cluster": {"existing": existing}}}},
    )


def run(job: object, executor: Executor, raise_on_error: bool) -> tuple[object, DagsterInstance]:
    """Run ``job``; returns what was raised (or the result) and the instance with its record."""
    instance = DagsterInstance.ephemeral()
    try:
        outcome: object = execute_pipeline(
            job, run_config=executor.run_config(), instance=instance, raise_on_error=raise_on_error
        )
    except Boom as raised:
        outcome = raised
    return outcome, instance


def recorded(instance: DagsterInstance) -> tuple[PipelineRunStatus, list]:
    (the_run,) = instance.get_runs()
    return the_run.status, instance.get_events(the_run.run_id)


# -- the run that never ended (a failure beside a running step that has a downstream step) ---


@op
def fail_fast() -> None:
    time.sleep(0.5)
    raise Boom("fail_fast")


@op
def slow() -> int:
    time.sleep(1.5)
    return 1


@op
def after_slow(x: int) -> int:
    return x + 1


@graph
def failure_beside_a_running_branch():
    fail_fast()
    after_slow(slow())


def test_a_failure_beside_a_running_step_ends_the_run_under_raise_on_error(executor) -> None:
    job = failure_beside_a_running_branch.to_job(executor_def=executor.definition)
    raised, instance = run(job, executor, raise_on_error=True)
    assert isinstance(raised, Boom) and str(raised) == "fail_fast"
    status, events = recorded(instance)
    assert status == PipelineRunStatus.FAILURE
    assert events[-1].event_type_value == "PIPELINE_FAILURE"
    outcomes = {(e.step_key, e.event_type_value) for e in events if e.is_step_event}
    assert ("fail_fast", "STEP_FAILURE") in outcomes
    # Under raise_on_error the run schedules nothing after the failure: only steps already
    # running finish.
    assert ("after_slow", "STEP_START") not in outcomes


def test_a_failure_beside_a_running_step_lets_the_other_branch_finish(executor) -> None:
    job = failure_beside_a_running_branch.to_job(executor_def=executor.definition)
    result, _ = run(job, executor, raise_on_error=False)
    assert not result.success  # type: ignore[attr-defined]
    assert result.result_for_solid("after_slow").output_value() == 2  # type: ignore[attr-defined]


# -- a dynamic graph: a mapped step fails beside mapped steps still running -------------------


@op(out=DynamicOut())
def spread():
    for key in ("fast", "boom", "slow"):
        yield DynamicOutput(key, mapping_key=key)


@op
def work(key: str) -> str:
    if key == "boom":
        time.sleep(0.3)
        raise Boom("work[boom]")
    time.sleep(1.0 if key == "slow" else 0.0)
    return key


@op
def gather(keys: list) -> int:
    return len(keys)


@graph
def mapped_failure_beside_running_steps():
    gather(spread().map(work).collect())


def test_a_failed_mapped_step_ends_the_run_and_abandons_the_collect(executor) -> None:
    job = mapped_failure_beside_running_steps.to_job(executor_def=executor.definition)
    result, instance = run(job, executor, raise_on_error=False)
    status, events = recorded(instance)
    assert status == PipelineRunStatus.FAILURE
    outcomes = {(e.step_key, e.event_type_value) for e in events if e.is_step_event}
    assert ("work[boom]", "STEP_FAILURE") in outcomes
    assert ("work[slow]", "STEP_SUCCESS") in outcomes
    assert ("work[fast]", "STEP_SUCCESS") in outcomes
    assert not any(key == "gather" for key, _ in outcomes)
    assert result.result_for_solid("work").success is False  # type: ignore[attr-defined]


# -- the lines a step logs reach the run's record --------------------------------------------


@op
def talker(context) -> int:
    context.log.info("read %d rows", 3)
    get_dagster_logger().warning("one row was empty")
    return 3


@op
def listener(context, rows: int) -> int:
    context.log.debug(f"got {rows}")
    return rows


@graph
def talking():
    listener(talker())


def logged_lines(entries: list) -> list[tuple]:
    return [
        (e.step_key, logging.getLevelName(e.level), e.user_message)
        for e in entries
        if not e.is_dagster_event
    ]


LOGGED = [
    ("talker", "INFO", "read 3 rows"),
    ("talker", "WARNING", "one row was empty"),
    ("listener", "DEBUG", "got 3"),
]


def test_lines_steps_log_are_in_the_run_record(executor) -> None:
    job = talking.to_job(executor_def=executor.definition)
    _, instance = run(job, executor, raise_on_error=False)
    (the_run,) = instance.get_runs()
    assert logged_lines(instance.all_logs(the_run.run_id)) == LOGGED


def test_lines_steps_log_are_rows_of_the_results_dataframe(executor) -> None:
    job = talking.to_job(executor_def=executor.definition)
    result, _ = run(job, executor, raise_on_error=False)
    frame = result.to_dataframe()  # type: ignore[attr-defined]
    logged = frame[frame["event_type"].isna()]
    rows = logged[["step_key", "level", "message"]].astype(str).values.tolist()
    assert [tuple(row) for row in rows] == LOGGED


def test_lines_steps_log_come_between_their_steps_start_and_output(executor) -> None:
    job = talking.to_job(executor_def=executor.definition)
    _, instance = run(job, executor, raise_on_error=False)
    (the_run,) = instance.get_runs()
    entries = instance.all_logs(the_run.run_id)
    kinds = [
        (e.dagster_event.event_type_value, e.step_key)
        if e.is_dagster_event
        else ("log", e.step_key)
        for e in entries
    ]
    talker_kinds = [kind for kind, step in kinds if step == "talker"]
    start, output = talker_kinds.index("STEP_START"), talker_kinds.index("STEP_OUTPUT")
    assert start < talker_kinds.index("log") < output


# -- random graphs, failures at random moments -----------------------------------------------


@dataclass(frozen=True)
class StepScript:
    """What one op of a random graph does: sleep, then succeed, fail or ask for a retry."""

    name: str
    upstream: tuple[str, ...]
    seconds: float
    outcome: str  # "ok" | "fail" | "retry" (fails its first attempt with RetryRequested)


def random_scripts(seed: int, size: int = 8) -> list[StepScript]:
    rng = random.Random(seed)
    scripts = []
    for i in range(size):
        earlier = [s.name for s in scripts]
        upstream = tuple(rng.sample(earlier, k=min(len(earlier), rng.choice([0, 1, 1, 2]))))
        outcome = rng.choices(["ok", "fail", "retry"], weights=[6, 2, 1])[0]
        scripts.append(StepScript(f"s{i}", upstream, rng.choice([0.0, 0.05, 0.2, 0.4]), outcome))
    return scripts


def scripted_op(script: StepScript):
    @op(
        name=script.name,
        ins={name: In(Nothing) for name in script.upstream},
    )
    def scripted(context) -> str:
        time.sleep(script.seconds)
        if script.outcome == "fail":
            raise Boom(script.name)
        if script.outcome == "retry" and context.retry_number == 0:
            raise RetryRequested(max_retries=1)
        return script.name

    return scripted


def scripted_graph(scripts: list[StepScript]):
    ops = {s.name: scripted_op(s) for s in scripts}

    @graph(name="random_graph")
    def random_graph():
        outputs: dict[str, object] = {}
        for s in scripts:
            outputs[s.name] = ops[s.name](**{up: outputs[up] for up in s.upstream})

    return random_graph


def downstream_of_failures(scripts: list[StepScript]) -> set[str]:
    """The steps that fail, and every step downstream of one."""
    doomed: set[str] = set()
    for s in scripts:  # scripts are in topological order
        if s.outcome == "fail" or doomed.intersection(s.upstream):
            doomed.add(s.name)
    return doomed


def check_story(
    scripts: list[StepScript], events: list, raise_on_error: bool, outcome: object
) -> None:
    by_step: dict[str, list[str]] = {}
    for e in events:
        if e.is_step_event:
            by_step.setdefault(e.step_key, []).append(e.event_type_value)
    failing = {s.name for s in scripts if s.outcome == "fail"}
    doomed = downstream_of_failures(scripts)
    for s in scripts:
        kinds = by_step.get(s.name, [])
        finals = [k for k in kinds if k in ("STEP_SUCCESS", "STEP_FAILURE")]
        if "STEP_START" in kinds:
            stopped_before_a_retry = raise_on_error and failing and kinds[-1] == "STEP_UP_FOR_RETRY"
            assert len(finals) == (0 if stopped_before_a_retry else 1), (s, kinds)
        if s.name in doomed - failing:
            assert "STEP_START" not in kinds, (s, kinds)
        if s.name in failing and kinds:
            assert finals == ["STEP_FAILURE"], (s, kinds)
        if s.name not in doomed and not (raise_on_error and failing):
            assert finals == ["STEP_SUCCESS"], (s, kinds)
    if raise_on_error and failing:
        assert isinstance(outcome, Boom) and str(outcome) in failing
    else:
        assert outcome.success == (not failing)  # type: ignore[attr-defined]


SEEDS = [3, 11, 17, 29]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_run_always_ends_with_a_consistent_story(executor, seed: int) -> None:
    scripts = random_scripts(seed)
    job = scripted_graph(scripts).to_job(executor_def=executor.definition)
    for raise_on_error in (True, False):
        outcome, instance = run(job, executor, raise_on_error)
        status, events = recorded(instance)
        failing = any(s.outcome == "fail" for s in scripts)
        assert status == (PipelineRunStatus.FAILURE if failing else PipelineRunStatus.SUCCESS)
        check_story(scripts, events, raise_on_error, outcome)


def test_the_random_graphs_inject_every_kind_of_trouble() -> None:
    # The seeds above are chosen so that, together, they cover a failure beside running steps,
    # a failure with steps downstream, and a retry.
    scripts = [s for seed in SEEDS for s in random_scripts(seed)]
    assert {s.outcome for s in scripts} == {"ok", "fail", "retry"}
    assert any(
        downstream_of_failures(random_scripts(seed))
        - {s.name for s in random_scripts(seed) if s.outcome == "fail"}
        for seed in SEEDS
    )
