"""Failure sensors that email: what they send, to whom, through which server."""

from __future__ import annotations

import pytest

from opbook import (
    DagsterInstance,
    DagsterInvalidDefinitionError,
    build_sensor_context,
    job,
    make_email_on_pipeline_failure_sensor,
    make_email_on_run_failure_sensor,
    op,
    pipeline,
    solid,
)


@op
def broken():
    raise ValueError("disk full")


@job
def fragile():
    broken()


@solid
def broken_solid(_):
    raise ValueError("no network")


@pipeline
def fragile_pipeline():
    broken_solid()


class FakeSMTP:
    """Stands in for smtplib.SMTP / SMTP_SSL and records what a sensor did."""

    sent: list[dict] = []

    def __init__(self, host, port, context=None):
        self.record = {"host": host, "port": port, "tls_first": context is not None}
        FakeSMTP.sent.append(self.record)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self, context=None):
        self.record["starttls"] = True

    def login(self, user, password):
        self.record["login"] = (user, password)

    def sendmail(self, sender, to, message):
        self.record.update(sender=sender, to=to, message=message)


@pytest.fixture
def outbox(monkeypatch):
    import smtplib

    FakeSMTP.sent = []
    monkeypatch.setattr(smtplib, "SMTP_SSL", FakeSMTP)
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    return FakeSMTP.sent


def _tick_after_failure(sensor, run_failed):
    """Start the sensor (first tick sets its cursor), fail a run, evaluate again."""
    instance = DagsterInstance.ephemeral()
    context = build_sensor_context(instance=instance)
    sensor.evaluate_tick(context)
    run_failed(instance)
    return sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=context.cursor))


def _fail_job(instance):
    fragile.execute_in_process(instance=instance, raise_on_error=False)


def test_run_failure_email_is_sent_over_ssl_with_the_runs_failure(outbox):
    sensor = make_email_on_run_failure_sensor(
        email_from="bot@example.com", email_password="pw", email_to=["a@example.com"]
    )
    _tick_after_failure(sensor, _fail_job)
    (mail,) = outbox
    assert (mail["host"], mail["port"], mail["tls_first"]) == ("smtp.gmail.com", 465, True)
    assert mail["login"] == ("bot@example.com", "pw")
    assert mail["to"] == ["a@example.com"]
    assert "Subject: Dagster Run Failed: fragile" in mail["message"]
    assert "Pipeline fragile failed!" in mail["message"]
    assert (
        "Error: Execution of run for \"fragile\" failed. Steps failed: ['broken']."
        in (mail["message"])
    )


def test_run_failure_sensor_is_named_after_dagsters_default():
    sensor = make_email_on_run_failure_sensor("bot@example.com", None, ["a@example.com"])
    assert sensor.name == "email_on_run_failure"


def test_starttls_uses_port_587_and_upgrades_the_connection(outbox):
    sensor = make_email_on_run_failure_sensor(
        "bot@example.com", "pw", ["a@example.com"], smtp_type="STARTTLS", smtp_host="mail.local"
    )
    _tick_after_failure(sensor, _fail_job)
    (mail,) = outbox
    assert (mail["host"], mail["port"], mail.get("starttls")) == ("mail.local", 587, True)


def test_custom_subject_body_and_run_link(outbox):
    sensor = make_email_on_run_failure_sensor(
        "bot@example.com",
        "pw",
        ["a@example.com", "b@example.com"],
        email_body_fn=lambda context: f"{context.dagster_run.pipeline_name} broke",
        email_subject_fn=lambda _context: "Alert",
        dagit_base_url="http://dagit.local",
    )
    _tick_after_failure(sensor, _fail_job)
    message = outbox[0]["message"]
    assert "To: a@example.com,b@example.com" in message
    assert "Subject: Alert" in message
    assert "fragile broke" in message
    assert 'href="http://dagit.local/instance/runs/' in message


def test_pipeline_failure_email_names_the_pipeline(outbox):
    from opbook import execute_pipeline

    sensor = make_email_on_pipeline_failure_sensor("bot@example.com", "pw", ["a@example.com"])
    assert sensor.name == "email_on_pipeline_failure"
    _tick_after_failure(
        sensor,
        lambda instance: execute_pipeline(
            fragile_pipeline, instance=instance, raise_on_error=False
        ),
    )
    assert "Dagster Run Failed: fragile_pipeline" in outbox[0]["message"]


def test_unknown_smtp_type_is_refused_when_defined():
    with pytest.raises(DagsterInvalidDefinitionError, match='smtp_type "POP3" is not supported'):
        make_email_on_run_failure_sensor("bot@example.com", "pw", ["a"], smtp_type="POP3")
