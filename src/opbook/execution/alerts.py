"""Failure sensors that send an email: ``make_email_on_run_failure_sensor`` (jobs) and
``make_email_on_pipeline_failure_sensor`` (the pipeline generation's name, which Dagster keeps
in ``dagster.utils``).

Each is a run-failure sensor whose function formats one HTML message per failed run (subject
and body from the user's functions, or the defaults below) and hands it to an SMTP server over
SSL (port 465) or STARTTLS (port 587).  ``smtplib`` and ``ssl`` are imported when a message is
sent, not when opbook is imported: most sessions never send one.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any

from opbook.errors import DagsterInvalidDefinitionError
from opbook.execution.sensors import (
    RunStatusSensorContext,
    RunStatusSensorDefinition,
    pipeline_failure_sensor,
    run_failure_sensor,
)

SMTP_PORTS = {"SSL": 465, "STARTTLS": 587}
"""The port of each supported ``smtp_type`` when ``smtp_port`` is not given."""


def default_failure_email_body(context: Any) -> str:
    """The run's pipeline (job), id, mode and error, one a line."""
    run = context.dagster_run
    return "<br>".join(
        [
            f"Pipeline {run.pipeline_name} failed!",
            f"Run ID: {run.run_id}",
            f"Mode: {run.mode}",
            f"Error: {context.failure_event.message}",
        ]
    )


def default_failure_email_subject(context: Any) -> str:
    """``Dagster Run Failed: <job name>``."""
    return f"Dagster Run Failed: {context.dagster_run.pipeline_name}"


def failure_email(
    context: Any,
    email_from: str,
    email_to: Sequence[str],
    email_body_fn: Callable[[Any], str],
    email_subject_fn: Callable[[Any], str],
    dagit_base_url: str | None,
) -> str:
    """The whole message (headers and HTML body) about one failed run."""
    body = email_body_fn(context)
    if dagit_base_url:
        run_url = f"{dagit_base_url}/instance/runs/{context.dagster_run.run_id}"
        body += f'<p><a href="{run_url}">View in Dagit</a></p>'
    headers = [
        f"From: {email_from}",
        f"To: {','.join(email_to)}",
        "MIME-Version: 1.0",
        "Content-type: text/html",
        f"Subject: {email_subject_fn(context)}",
    ]
    # A changing invisible tail keeps mail clients from folding repeated alerts together.
    tail = f'<span style="opacity: 0"> {datetime.datetime.now()} </span>'
    return "\n".join(headers) + f"\n\n{body}\n\n{tail}\n"


def send_email(
    smtp_type: str,
    smtp_host: str,
    smtp_port: int,
    email_from: str,
    email_password: str | None,
    email_to: Sequence[str],
    message: str,
) -> None:
    """Log in to the SMTP server as ``email_from`` and send ``message`` to ``email_to``."""
    # Imported here: costly (~35 ms), and needed only when an alert is sent.
    import smtplib
    import ssl

    tls = ssl.create_default_context()
    server: smtplib.SMTP
    if smtp_type == "SSL":
        server = smtplib.SMTP_SSL(smtp_host, smtp_port, context=tls)
    else:
        server = smtplib.SMTP(smtp_host, smtp_port)
    with server:
        if smtp_type == "STARTTLS":
            server.starttls(context=tls)
        server.login(email_from, email_password or "")
        server.sendmail(email_from, list(email_to), message)


def _check_smtp_type(smtp_type: str) -> None:
    if smtp_type not in SMTP_PORTS:
        raise DagsterInvalidDefinitionError(
            f'smtp_type "{smtp_type}" is not supported. Use one of: {", ".join(SMTP_PORTS)}.'
        )


def _emailer(
    email_from: str,
    email_password: str | None,
    email_to: Sequence[str],
    email_body_fn: Callable[[Any], str],
    email_subject_fn: Callable[[Any], str],
    smtp_host: str,
    smtp_type: str,
    smtp_port: int | None,
    dagit_base_url: str | None,
) -> Callable[[RunStatusSensorContext], None]:
    _check_smtp_type(smtp_type)
    port = smtp_port or SMTP_PORTS[smtp_type]
    recipients = list(email_to)

    def send(context: RunStatusSensorContext) -> None:
        message = failure_email(
            context, email_from, recipients, email_body_fn, email_subject_fn, dagit_base_url
        )
        send_email(smtp_type, smtp_host, port, email_from, email_password, recipients, message)

    return send


def make_email_on_run_failure_sensor(
    email_from: str,
    email_password: str | None,
    email_to: Sequence[str],
    email_body_fn: Callable[[Any], str] = default_failure_email_body,
    email_subject_fn: Callable[[Any], str] = default_failure_email_subject,
    smtp_host: str = "smtp.gmail.com",
    smtp_type: str = "SSL",
    smtp_port: int | None = None,
    name: str | None = None,
    dagit_base_url: str | None = None,
    job_selection: Sequence[Any] | None = None,
) -> RunStatusSensorDefinition:
    """A run-failure sensor that emails ``email_to`` about each failed run.

    Args:
        email_from: the sender's address (also the SMTP login).
        email_password: the sender's SMTP password.
        email_to: the recipients.
        email_body_fn: ``f(RunFailureSensorContext) -> str``, the HTML body (default: the job,
            run id, mode and error).
        email_subject_fn: ``f(RunFailureSensorContext) -> str`` (default:
            ``Dagster Run Failed: <job>``).
        smtp_host: the SMTP server.
        smtp_type: ``"SSL"`` or ``"STARTTLS"``.
        smtp_port: the server's port (default: 465 for SSL, 587 for STARTTLS).
        name: the sensor's name (default ``email_on_run_failure``).
        dagit_base_url: when given, the body links to the run's page there.
        job_selection: only failures of these jobs (default: every run).

    Raises:
        DagsterInvalidDefinitionError: ``smtp_type`` is neither SSL nor STARTTLS.
    """
    send = _emailer(
        email_from,
        email_password,
        email_to,
        email_body_fn,
        email_subject_fn,
        smtp_host,
        smtp_type,
        smtp_port,
        dagit_base_url,
    )
    sensor: RunStatusSensorDefinition = run_failure_sensor(
        name=name or "email_on_run_failure", job_selection=job_selection
    )(send)
    return sensor


def make_email_on_pipeline_failure_sensor(
    email_from: str,
    email_password: str | None,
    email_to: Sequence[str],
    email_body_fn: Callable[[Any], str] = default_failure_email_body,
    email_subject_fn: Callable[[Any], str] = default_failure_email_subject,
    smtp_host: str = "smtp.gmail.com",
    smtp_type: str = "SSL",
    smtp_port: int | None = None,
    pipeline_selection: Sequence[str] | None = None,
    name: str | None = None,
    dagit_base_url: str | None = None,
) -> RunStatusSensorDefinition:
    """(legacy) ``make_email_on_run_failure_sensor`` of the pipeline generation: the functions
    get a ``PipelineFailureSensorContext``; ``pipeline_selection`` names the pipelines watched;
    the sensor is named ``email_on_pipeline_failure`` unless ``name`` is given.

    Raises:
        DagsterInvalidDefinitionError: ``smtp_type`` is neither SSL nor STARTTLS.
    """
    send = _emailer(
        email_from,
        email_password,
        email_to,
        email_body_fn,
        email_subject_fn,
        smtp_host,
        smtp_type,
        smtp_port,
        dagit_base_url,
    )
    sensor: RunStatusSensorDefinition = pipeline_failure_sensor(
        name=name or "email_on_pipeline_failure", pipeline_selection=pipeline_selection
    )(send)
    return sensor
