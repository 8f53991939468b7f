"""``opbook run``: loading targets, choosing the job, run config, executors, the summary."""

from __future__ import annotations

import sys

import yaml

from opbook.storage.instance import DagsterInstance


def test_a_job_from_a_python_file_runs_and_each_step_is_listed(cli, files, workdir):
    files.jobs()
    files.config("run.yaml", 2)

    ran = cli("run", "jobs.py", "-c", "run.yaml")

    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert lines[0].split() == ["step", "status", "duration"]
    assert [line.split()[:2] for line in lines[1:4]] == [
        ["first", "succeeded"],
        ["second", "succeeded"],
        ["third", "succeeded"],
    ]
    assert "of job chain: SUCCESS, 3 succeeded" in lines[4]
    with DagsterInstance.local(str(workdir / "home")) as instance:
        (run,) = instance.get_runs()
    assert run.is_success
    assert run.tags["opbook/target"] == str(workdir / "jobs.py")


def test_a_failed_run_exits_1_and_shows_the_error_in_the_users_code(cli, files):
    source = files.jobs().read_text().splitlines()
    raise_line = 1 + next(i for i, line in enumerate(source) if "raise ValueError" in line)
    files.config("big.yaml", 10)

    ran = cli("run", "jobs.py", "-c", "big.yaml")

    assert ran.code == 1
    rows = {line.split()[0]: line for line in ran.out.splitlines()[1:4]}
    assert rows["second"].split()[1] == "failed"
    assert rows["second"].endswith("ValueError: too big: 10")
    assert rows["third"].split()[1:] == ["not", "run"]
    assert "FAILURE, 1 succeeded, 1 failed, 1 not run" in ran.out
    assert 'Step "second" failed: ValueError: too big: 10' in ran.err
    assert f'jobs.py", line {raise_line}, in second' in ran.err
    assert "opbook/" not in ran.err.split("Step", 1)[1].split("Re-execute")[0]
    assert "--from-failure" in ran.err


def test_several_config_files_are_deep_merged_in_order(cli, files):
    files.write(
        "resources.py",
        """
        from opbook import job, op

        @op(config_schema={"a": int, "b": int, "c": str})
        def pick(context):
            return context.op_config

        @job
        def one():
            pick()
        """,
    )
    files.write("base.yaml", "ops: {pick: {config: {a: 1, b: 2, c: base}}}")
    files.write("override.yaml", "ops: {pick: {config: {b: 20}}}")

    ran = cli("run", "resources.py", "-c", "base.yaml", "-c", "override.yaml", "--show-config")

    assert ran.code == 0, ran.err
    assert yaml.safe_load(ran.out)["ops"] == {"pick": {"config": {"a": 1, "b": 20, "c": "base"}}}


def test_the_executor_is_written_in_the_job_form_for_a_job(cli, files):
    files.jobs()
    files.write(
        "mp.yaml",
        "ops: {first: {config: {n: 1}}}\nexecution: {multiprocess: {config: {max_concurrent: 2}}}",
    )

    shown = yaml.safe_load(
        cli("run", "jobs.py", "-c", "mp.yaml", "--executor", "multiprocess", "--show-config").out
    )
    inline = yaml.safe_load(
        cli("run", "jobs.py", "-c", "mp.yaml", "--executor", "in_process", "--show-config").out
    )

    assert shown["execution"] == {"config": {"multiprocess": {"max_concurrent": 2}}}
    assert inline["execution"] == {"config": {"in_process": {}}}
    # and output values are kept on disk, for a later re-execution
    assert shown["intermediate_storage"] == {"filesystem": {}}


def test_the_executor_is_written_in_the_pipeline_form_for_a_pipeline(cli, files):
    files.write(
        "legacy.py",
        """
        from opbook import pipeline, solid

        @solid
        def hello(_):
            return "hello"

        @pipeline
        def greet():
            hello()
        """,
    )

    ran = cli("run", "legacy.py", "--executor", "multiprocess", "--show-config")

    assert yaml.safe_load(ran.out)["execution"] == {"multiprocess": {}}


OWN_EXECUTOR_PY = """
    import os

    from opbook import in_process_executor, job, op

    @op
    def where() -> int:
        return os.getpid()

    @job(executor_def=in_process_executor)
    def solo():
        where()
"""


def test_the_jobs_own_executor_can_be_named(cli, files):
    files.write("solo.py", OWN_EXECUTOR_PY)

    ran = cli("run", "solo.py", "--executor", "in_process")

    assert ran.code == 0, ran.err
    assert "of job solo: SUCCESS" in ran.out


def test_the_jobs_own_executor_keeps_its_config_in_the_job_form(cli, files):
    files.write("solo.py", OWN_EXECUTOR_PY)
    files.write("retries.yaml", "execution: {config: {retries: {disabled: {}}}}")

    ran = cli("run", "solo.py", "-c", "retries.yaml", "--executor", "in_process", "--show-config")

    assert ran.code == 0, ran.err
    assert yaml.safe_load(ran.out)["execution"] == {"config": {"retries": {"disabled": {}}}}


def test_a_standard_executor_the_job_does_not_offer_is_added_for_the_run(cli, files):
    files.write("solo.py", OWN_EXECUTOR_PY)

    ran = cli("run", "solo.py", "--executor", "multiprocess", "--show-config")

    assert ran.code == 0, ran.err
    assert yaml.safe_load(ran.out)["execution"] == {"config": {"multiprocess": {}}}


def test_the_dask_executor_can_be_chosen_for_a_plain_job(cli, files):
    files.jobs()
    files.config("run.yaml", 1)

    ran = cli("run", "jobs.py", "-c", "run.yaml", "--executor", "dask", "--show-config")

    assert ran.code == 0, ran.err
    assert yaml.safe_load(ran.out)["execution"] == {"config": {"dask": {}}}
    assert ran.err.strip() == "opbook: the run config above is valid for job 'chain'"


def test_show_config_reports_the_problems_of_what_it_prints(cli, files):
    files.jobs()

    ran = cli("run", "jobs.py", "--show-config")

    assert ran.code == 2
    assert yaml.safe_load(ran.out) == {"intermediate_storage": {"filesystem": {}}}
    assert ran.err.splitlines()[0] == "opbook: error: Error in config for job chain:"
    assert 'Missing required config entry "ops" at the root' in ran.err


def test_show_config_checks_only_the_selected_ops(cli, files):
    files.jobs()
    files.write("third.yaml", "ops: {third: {inputs: {y: {value: 4}}}}")

    ran = cli("run", "jobs.py", "-c", "third.yaml", "--select", "third", "--show-config")

    assert ran.code == 0, ran.err
    assert "valid for job 'chain'" in ran.err


def test_an_unknown_executor_is_answered_with_the_valid_ones(cli, files):
    files.jobs()

    ran = cli("run", "jobs.py", "--executor", "threads", "--show-config")

    assert ran.code == 2
    assert ran.err.strip() == (
        "opbook: error: --executor threads: no such executor; "
        "choose one of in_process, multiprocess, dask"
    )


def test_a_dask_run_without_the_dask_extra_says_how_to_install_it(cli, files, monkeypatch):
    files.write(
        "on_dask.py",
        """
        from opbook import dask_executor, job, op

        @op
        def one():
            return 1

        @job(executor_def=dask_executor)
        def on_dask():
            one()
        """,
    )
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    for module in ("opbook.executors.dask", "opbook.executors.dask_cluster"):
        monkeypatch.delitem(sys.modules, module, raising=False)

    ran = cli("run", "on_dask.py")

    assert ran.code == 2
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        'opbook: error: The dask executor needs the dask extra: pip install "opbook[dask]"'
    )


def test_config_problems_are_listed_one_per_line_with_their_paths(cli, files):
    files.jobs()
    files.write("wrong.yaml", "ops: {first: {config: {n: ten, extra: 1}}}")

    ran = cli("run", "jobs.py", "-c", "wrong.yaml")

    assert ran.code == 2
    lines = ran.err.splitlines()
    assert lines[0] == "opbook: error: Error in config for job chain:"
    assert len(lines) == 3
    assert lines[1].startswith("  Invalid scalar at path root:ops:first:config:n. Value")
    assert lines[2].startswith(
        '  Received unexpected config entry "extra" at path root:ops:first:config.'
    )
    assert "Traceback" not in ran.err


def test_a_module_target_is_imported_from_the_current_directory(cli, files):
    (files.root / "pkg").mkdir()
    files.write("pkg/__init__.py", "")
    files.write("pkg/cli_target_jobs.py", "from jobs import chain\n")
    files.jobs()
    files.config("run.yaml", 1)

    ran = cli("run", "pkg.cli_target_jobs", "-c", "run.yaml")

    assert ran.code == 0, ran.err
    assert "of job chain: SUCCESS" in ran.out


def test_several_jobs_and_none_named_lists_them(cli, files):
    files.jobs()
    files.write(
        "two.py",
        """
        from jobs import chain
        from jobs import chain as again
        from opbook import job, op

        @op
        def o():
            pass

        @job
        def other():
            o()
        """,
    )

    ran = cli("run", "two.py")

    assert ran.code == 2
    assert (
        ran.err.strip()
        == "opbook: error: two.py defines several jobs (chain, other); choose one with -j"
    )


def test_j_chooses_a_job_by_name_and_may_name_a_graph(cli, files):
    files.write(
        "graphs.py",
        """
        from opbook import graph, job, op

        @op
        def one():
            return 1

        @graph
        def g():
            one()

        @job
        def j():
            one()
        """,
    )

    assert "of job j: SUCCESS" in cli("run", "graphs.py", "-j", "j").out
    assert "of job g: SUCCESS" in cli("run", "graphs.py", "-j", "g").out
    missing = cli("run", "graphs.py", "-j", "nope")
    assert missing.code == 2
    assert missing.err.strip() == "opbook: error: graphs.py has no job named 'nope' (jobs: j)"


def test_bad_input_is_one_line_and_exit_2(cli, files):
    files.jobs()
    files.write("broken.py", "import opbook\n\nx = 1 / 0\n")
    files.write("syntax.py", "def f(:\n    pass\n")
    files.write("invalid.yaml", "ops:\n  first: 1\n  password: hunter2: x\n")
    files.write("list.yaml", "- 1\n- 2\n")

    cases = {
        ("run", "missing.py"): "no such file: missing.py",
        ("run", "no_such_module_here"): "no such file or module: no_such_module_here",
        ("run", "jobs.py", "-c", "missing.yaml"): "no such config file: missing.yaml",
        (
            "run",
            "broken.py",
        ): "broken.py: could not load it: ZeroDivisionError: division by zero (line 3)",
        ("run", "jobs.py", "-c", "list.yaml"): "list.yaml: a run config is a mapping",
        ("run", "syntax.py"): "syntax.py: could not load it: SyntaxError",
        ("run", "jobs.py", "-c", "invalid.yaml"): (
            "invalid.yaml: invalid YAML at line 3, column 20: mapping values are not allowed here"
        ),
    }
    for argv, expected in cases.items():
        ran = cli(*argv)
        assert ran.code == 2, argv
        assert ran.err.startswith(f"opbook: error: {expected}"), (argv, ran.err)
        assert len(ran.err.strip().splitlines()) == 1, ran.err
        assert "hunter2" not in ran.err


def test_a_preset_gives_config_mode_and_selection(cli, files):
    files.write(
        "presets.py",
        """
        from opbook import ModeDefinition, PresetDefinition, pipeline, solid

        @solid(config_schema={"word": str})
        def say(context):
            return context.solid_config["word"]

        @solid
        def shout(_, word):
            return word.upper()

        @pipeline(
            mode_defs=[ModeDefinition("dev"), ModeDefinition("prod")],
            preset_defs=[
                PresetDefinition(
                    "loud", {"solids": {"say": {"config": {"word": "hi"}}}}, mode="prod",
                    solid_selection=["say"],
                )
            ],
        )
        def talk():
            shout(say())
        """,
    )

    ran = cli("run", "presets.py", "--preset", "loud")
    both = cli("run", "presets.py", "--preset", "loud", "--mode", "dev")

    assert ran.code == 0, ran.err
    assert [line.split()[0] for line in ran.out.splitlines()[1:-1]] == ["say"]
    assert both.code == 2
    assert "give --preset or --mode, not both" in both.err


def test_select_runs_only_the_chosen_ops(cli, files):
    files.jobs()
    files.config("run.yaml", 1)

    ran = cli("run", "jobs.py", "-c", "run.yaml", "--select", "first,second")

    assert ran.code == 0, ran.err
    assert [line.split()[0] for line in ran.out.splitlines()[1:-1]] == ["first", "second"]


def test_a_job_with_default_config_runs_without_config_files(cli, files):
    files.write(
        "defaults.py",
        """
        from opbook import job, op

        @op(config_schema={"n": int})
        def echo(context):
            return context.op_config["n"]

        @job(config={"ops": {"echo": {"config": {"n": 3}}}})
        def configured():
            echo()
        """,
    )

    ran = cli("run", "defaults.py")

    assert ran.code == 0, ran.err


def test_runs_lists_the_recorded_runs_newest_first(cli, files):
    files.jobs()
    files.config("ok.yaml", 1)
    files.config("big.yaml", 10)
    first = cli("run", "jobs.py", "-c", "ok.yaml")
    second = cli("run", "jobs.py", "-c", "big.yaml")

    listed = cli("runs")

    assert first.code == 0 and second.code == 1
    rows = listed.out.splitlines()
    assert rows[0].split()[:3] == ["run", "id", "job"]
    assert [row.split()[1:3] for row in rows[1:]] == [["chain", "FAILURE"], ["chain", "SUCCESS"]]


def test_runs_of_a_job_with_no_runs_says_there_is_no_such_job(cli, files, workdir):
    files.jobs()
    files.config("ok.yaml", 1)
    cli("run", "jobs.py", "-c", "ok.yaml")

    ran = cli("runs", "-j", "nope")

    assert ran.code == 2
    assert ran.err.strip() == (
        f"opbook: error: -j nope: no such job among the runs recorded in {workdir / 'home'}; "
        "jobs with runs: chain"
    )


def test_runs_in_an_empty_instance_says_so(cli, workdir):
    ran = cli("runs", "--instance", str(workdir / "elsewhere"))

    assert ran.code == 0
    assert ran.out.strip() == f"No runs recorded in {workdir / 'elsewhere'}."


def test_hostile_yaml_config_files_are_one_line_each(cli, files, workdir):
    from tests.config.test_yaml_text import ALIAS_BOMB

    files.jobs()
    (workdir / "latin1.yaml").write_bytes(b"ops: {first: {config: caf\xe9}}\n")
    files.write("recursive.yaml", "ops: &ops {first: *ops}\n")
    files.write("bomb.yaml", ALIAS_BOMB)
    cases = {
        "latin1.yaml": "latin1.yaml: the YAML is not UTF-8 text (byte 0xe9 at offset 25)",
        "recursive.yaml": "recursive.yaml: the YAML has an alias that refers to the node it is in",
        "bomb.yaml": "bomb.yaml: the YAML's aliases expand to more than 1,000,000 values",
    }
    for name, expected in cases.items():
        ran = cli("run", "jobs.py", "-c", name)
        assert ran.code == 2, name
        assert ran.err.startswith(f"opbook: error: {expected}"), (name, ran.err)
        assert len(ran.err.strip().splitlines()) == 1, ran.err


def test_two_different_jobs_with_one_name_are_refused_naming_both(cli, files):
    files.write(
        "twins.py",
        """
        from opbook import graph, op

        @op
        def one() -> int:
            return 1

        @graph
        def numbers():
            one()

        dev = numbers.to_job(name="numbers_job")
        prod = numbers.to_job(name="numbers_job", tags={"env": "prod"})
        """,
    )
    for argv in (("run", "twins.py"), ("run", "twins.py", "-j", "numbers_job")):
        ran = cli(*argv)
        assert ran.code == 2, argv
        assert ran.err.strip() == (
            "opbook: error: twins.py defines two different jobs named 'numbers_job' "
            "(bound to 'dev' and bound to 'prod'); give each its own name"
        )
    assert cli("run", "twins.py", "-j", "prod").code == 0  # chosen by the name it is bound to


def test_a_disk_that_fills_during_a_run_is_one_line_and_the_run_ends_failed(
    cli, files, workdir, monkeypatch
):
    import sqlite3

    from opbook.storage.instance import DagsterInstance
    from opbook.storage.sqlite import SqliteStorage

    files.jobs()
    files.config("small.yaml", 1)
    store = SqliteStorage.store_events
    calls: list[int] = []

    def full_after_the_first_batch(self, *args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise sqlite3.OperationalError("database or disk is full")
        return store(self, *args, **kwargs)

    monkeypatch.setattr(SqliteStorage, "store_events", full_after_the_first_batch)
    monkeypatch.setattr("opbook.executors.run.FLUSH_EVERY", 1)
    monkeypatch.setattr("opbook.executors.run.CHECK_EVERY", 1)
    ran = cli("run", "jobs.py", "-c", "small.yaml")
    assert ran.code == 2
    assert ran.err.strip().splitlines()[-1] == (
        "opbook: error: the instance's database failed: database or disk is full"
    )
    monkeypatch.undo()
    with DagsterInstance.local(str(workdir / "home")) as instance:
        (run,) = instance.get_runs()
    assert run.status.value == "FAILURE"  # not left STARTED


PARTITIONED_PY = """
from opbook import job, op, static_partitioned_config


@op(config_schema=str)
def echo(context):
    context.log.info(context.op_config)


@static_partitioned_config(["eu", "us"])
def by_region(region):
    return {"ops": {"echo": {"config": region}}}


@job(config=by_region)
def regional():
    echo()


@job
def plain():
    echo()
"""


def test_a_partition_runs_with_its_config_and_tags(cli, files, workdir):
    files.write("parts.py", PARTITIONED_PY)

    ran = cli("run", "parts.py", "-j", "regional", "--partition", "us")

    assert ran.code == 0, ran.err
    with DagsterInstance.local(str(workdir / "home")) as instance:
        (run,) = instance.get_runs()
    assert run.run_config["ops"] == {"echo": {"config": "us"}}
    assert run.tags["dagster/partition"] == "us"
    assert run.tags["dagster/partition_set"] == "regional_partition_set"


def test_an_unknown_partition_is_refused_with_the_keys_there_are(cli, files):
    files.write("parts.py", PARTITIONED_PY)

    ran = cli("run", "parts.py", "-j", "regional", "--partition", "fr")

    assert ran.code == 2
    assert ran.err.strip() == (
        "opbook: error: Unknown partition 'fr' for job 'regional'; partitions: eu, us"
    )


def test_a_partition_of_a_job_without_partitions_is_refused(cli, files):
    files.write("parts.py", PARTITIONED_PY)

    ran = cli("run", "parts.py", "-j", "plain", "--partition", "eu")

    assert ran.code == 2
    assert ran.err.strip() == "opbook: error: --partition eu: job 'plain' has no partitions"


def test_memoized_runs_reuse_the_steps_that_did_not_change(cli, files):
    files.jobs()
    files.config("run.yaml", 2)
    assert cli("run", "jobs.py", "-c", "run.yaml", "--memoized").code == 0

    ran = cli("run", "jobs.py", "-c", "run.yaml", "--memoized")

    assert ran.code == 0, ran.err
    assert [line.split()[:2] for line in ran.out.splitlines()[1:4]] == [
        ["first", "reused"],
        ["second", "reused"],
        ["third", "reused"],
    ]
    assert "SUCCESS, 3 reused" in ran.out


MODES_PY = """
    from opbook import ModeDefinition, pipeline, solid

    @solid
    def one(_):
        return 1

    @pipeline(mode_defs=[ModeDefinition("dev"), ModeDefinition("prod")])
    def moded():
        one()
"""


def test_a_pipeline_with_several_modes_asks_for_mode(cli, files):
    files.write("modes.py", MODES_PY)

    ran = cli("run", "modes.py")

    assert ran.code == 2
    assert ran.err.strip() == (
        "opbook: error: pipeline 'moded' has several modes (dev, prod); choose one with --mode"
    )


def test_an_unknown_mode_is_answered_with_the_modes(cli, files):
    files.write("modes.py", MODES_PY)

    ran = cli("run", "modes.py", "--mode", "test")

    assert ran.code == 2
    assert ran.err.strip() == (
        "opbook: error: --mode test: pipeline 'moded' has no such mode (modes: dev, prod)"
    )


def test_a_selection_that_matches_nothing_is_said_of_select(cli, files):
    files.jobs()
    files.config("run.yaml", 1)

    ran = cli("run", "jobs.py", "-c", "run.yaml", "--select", "first,fourth")

    assert ran.code == 2
    assert ran.err.strip() == (
        'opbook: error: --select first,fourth: "fourth" matches nothing. '
        "Available ops: ['first', 'second', 'third']."
    )
