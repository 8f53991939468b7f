"""``opbook ticks``: a schedule's next ticks and the run each would request."""

from __future__ import annotations

SCHEDULES_PY = """
from opbook import RunRequest, ScheduleDefinition, job, op, repository, schedule


@op
def noop():
    return None


@job
def nightly():
    noop()


@schedule(cron_schedule="0 6 * * *", job=nightly, execution_timezone="UTC")
def every_morning(context):
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return RunRequest(run_key=day, run_config={"ops": {}}, tags={"day": day})


quiet = ScheduleDefinition(
    name="quiet", cron_schedule="0 0 * * *", job=nightly, should_execute=lambda _context: False
)


@repository
def repo():
    return [nightly, every_morning]
"""


def test_each_tick_shows_its_run_key_tags_and_config(cli, files):
    files.write("sched.py", SCHEDULES_PY)

    ran = cli("ticks", "sched.py", "every_morning", "--from", "2021-05-01", "-n", "2")

    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert lines[0] == "Schedule every_morning (0 6 * * *, UTC) of nightly:"
    assert lines[1].split() == ["tick", "run", "key", "tags", "run", "config"]
    assert lines[2].split() == [
        "2021-05-01",
        "06:00:00+00:00",
        "2021-05-01",
        '{"day":',
        '"2021-05-01"}',
        '{"ops":',
        "{}}",
    ]
    assert lines[3].split()[:3] == ["2021-05-02", "06:00:00+00:00", "2021-05-02"]


def test_a_skipped_tick_says_why(cli, files):
    files.write("sched.py", SCHEDULES_PY)

    ran = cli("ticks", "sched.py", "quiet", "--from", "2021-05-01", "-n", "1")

    assert ran.code == 0, ran.err
    assert "skipped: " in ran.out.splitlines()[2]


def test_an_unknown_schedule_is_refused_with_the_schedules_there_are(cli, files):
    files.write("sched.py", SCHEDULES_PY)

    ran = cli("ticks", "sched.py", "weekly")

    assert ran.code == 2
    assert ran.err.strip() == (
        "opbook: error: sched.py has no schedule named 'weekly' (schedules: every_morning, quiet)"
    )


def test_a_from_that_is_not_a_date_is_refused(cli, files):
    files.write("sched.py", SCHEDULES_PY)

    ran = cli("ticks", "sched.py", "quiet", "--from", "tomorrow")

    assert ran.code == 2
    assert "--from tomorrow: not a date or time" in ran.err
