"""The Dask cluster of a run: a LocalCluster started for it, or a client of a running one.

Both are context managers: whatever a run opens (its client, and the cluster it started) is
closed when the run ends, however it ends.  A LocalCluster opbook starts never re-runs a task
whose worker died (``allowed_failures=0``); for a running cluster, ``Connection.claims`` says
whether its scheduler may, in which case each task guards itself (see ``dask_task``).

Connecting to a cluster beyond this machine should use TLS: ``security`` config becomes a
``distributed.Security`` with the user's certificates (files or PEM text), checked before
connecting so that a wrong path is reported with its config path.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import distributed

from opbook.errors import DagsterUnmetExecutorRequirementsError

CLOSE_TIMEOUT_SECONDS = 10.0
_EXISTING = "execution.config.cluster.existing"
_SECURITY_FIELDS = ("tls_ca_file", "tls_client_cert", "tls_client_key", "tls_ciphers")
_LOCAL_HOSTS = ("localhost", "::1", "")


@dataclass
class Connection:
    """A client to the run's cluster; ``claims``: whether tasks must guard against re-runs."""

    client: Any
    address: str
    started: bool
    claims: bool


@contextlib.contextmanager
def open_cluster(cluster_config: dict[str, Any]) -> Iterator[Connection]:
    """Start a LocalCluster or connect to a running scheduler; close what was opened."""
    ((kind, options),) = cluster_config.items()
    if kind == "local":
        with _local_cluster(options) as connection:
            yield connection
        return
    client = _connect(options)
    try:
        yield Connection(client, options["address"], started=False, claims=_may_rerun(client))
    finally:
        _close(client)


@contextlib.contextmanager
def _local_cluster(options: dict[str, Any]) -> Iterator[Connection]:
    try:
        cluster = distributed.LocalCluster(
            n_workers=options.get("n_workers"),
            threads_per_worker=options.get("threads_per_worker"),
            processes=options.get("processes", True),
            dashboard_address=":0",  # any free port: other clusters may be running here
            # A step must not run twice: a worker lost mid-task fails the task at once.
            scheduler_kwargs={"allowed_failures": 0},
        )
    except Exception as exc:
        raise DagsterUnmetExecutorRequirementsError(
            f"The dask executor could not start a LocalCluster with {options} "
            f"(execution.config.cluster.local): {exc}{_start_hint(exc, options)}"
        ) from exc
    try:
        client = distributed.Client(cluster, set_as_default=False)
        try:
            yield Connection(client, cluster.scheduler_address, started=True, claims=False)
        finally:
            _close(client)
    finally:
        cluster.close(timeout=CLOSE_TIMEOUT_SECONDS)


def _start_hint(exc: Exception, options: dict[str, Any]) -> str:
    """Advice for the usual cause of a LocalCluster's workers not starting.

    Worker processes are spawned, and each imports the ``__main__`` script again: a script that
    starts its run at module level starts it again in every worker, which fails there, and the
    cluster reports only that its nanny failed to start.
    """
    if "Nanny failed to start" not in str(exc) or not options.get("processes", True):
        return ""
    return (
        '. In a script, start the run under `if __name__ == "__main__":`: each Dask worker '
        "process imports the script again, and a run started at its top level is started again "
        "there (or set execution.config.cluster.local.processes: false)"
    )


def _connect(options: dict[str, Any]) -> Any:
    address = options["address"]
    given = options.get("security")
    if given is not None and given.get("require_encryption"):
        _refuse_plain(address, given)
    security = _security(given)
    timeout = options.get("timeout", 30.0)
    hint = ""
    if security is not None and not address.startswith("tls://"):
        raise DagsterUnmetExecutorRequirementsError(
            f"The dask executor was given TLS certificates ({_EXISTING}.security) for the "
            f"scheduler at {address}, which is not a tls:// address ({_EXISTING}.address)."
        )
    if address.startswith("tls://") and security is None:
        hint = f" This scheduler uses TLS: give its certificates in {_EXISTING}.security."
    try:
        return distributed.Client(address, security=security, timeout=timeout, set_as_default=False)
    except Exception as exc:
        raise DagsterUnmetExecutorRequirementsError(
            f"The dask executor could not connect to the Dask scheduler at {address} "
            f"({_EXISTING}.address): {exc}{hint}"
        ) from exc


def _refuse_plain(address: str, given: dict[str, Any]) -> None:
    """With ``require_encryption: true``, refuse before connecting what could only be a plain
    connection: a scheduler address that is not tls://, or no certificates to use."""
    if not address.startswith("tls://"):
        raise DagsterUnmetExecutorRequirementsError(
            f"The dask executor requires encryption ({_EXISTING}.security.require_encryption), "
            f"and the scheduler at {address} is not a tls:// address ({_EXISTING}.address). "
            "Use the scheduler's tls:// address, or set require_encryption: false."
        )
    if not any(given.get(name) for name in _SECURITY_FIELDS):
        raise DagsterUnmetExecutorRequirementsError(
            f"The dask executor requires encryption ({_EXISTING}.security.require_encryption), "
            f"and no certificates were given for the scheduler at {address}: give tls_ca_file, "
            f"tls_client_cert and tls_client_key in {_EXISTING}.security."
        )


def _security(given: dict[str, Any] | None) -> Any:
    """``distributed.Security`` from the ``security`` config; certificate files must exist."""
    if not given or not any(given.get(name) for name in _SECURITY_FIELDS):
        return None  # (require_encryption alone asks for nothing more: see _refuse_plain)
    for name in ("tls_ca_file", "tls_client_cert", "tls_client_key"):
        value = given.get(name)
        if value and "-----BEGIN" not in value and not os.path.isfile(value):
            shown = "the path given" if name == "tls_client_key" else repr(value)  # a secret
            raise DagsterUnmetExecutorRequirementsError(
                f"No PEM file at {shown} ({_EXISTING}.security.{name})."
            )
    chosen = {name: given[name] for name in _SECURITY_FIELDS if given.get(name)}
    return distributed.Security(require_encryption=given.get("require_encryption", True), **chosen)


def _may_rerun(client: Any) -> bool:
    """Whether the scheduler runs a task again when its worker dies (unknown: assume so)."""
    try:
        allowed = client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.allowed_failures)
        return bool(allowed)
    except Exception:
        return True


def _close(client: Any) -> None:
    with contextlib.suppress(Exception):
        client.close(timeout=CLOSE_TIMEOUT_SECONDS)


def is_on_this_machine(address: str) -> bool:
    """Whether a scheduler address names this machine (a loopback address)."""
    host = distributed.comm.get_address_host(address)
    return host.startswith("127.") or host in _LOCAL_HOSTS
