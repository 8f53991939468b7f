"""The multiprocess executor talks to its workers only over pipes it created: no listening
socket, no named socket, no network socket; and what workers report holds no secret.

Sockets are found the way ``ss`` finds them: a process's socket file descriptors
(``/proc/PID/fd``) matched by inode against the kernel's socket tables (``/proc/net/...``).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from opbook import DagsterInstance, Field, StringSource, execute_pipeline, job, op, resource
from opbook.config import Secret
from opbook.executors import multiprocess

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/net/unix").exists(), reason="needs Linux's /proc"),
]

LISTEN = "0A"  # the TCP state of a listening socket in /proc/net/tcp
SO_ACCEPTCON = 0x10000  # the flag of a listening socket in /proc/net/unix


def socket_inodes(pid: int) -> set[int]:
    """The inodes of the sockets process ``pid`` has open."""
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(fd_dir / fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:[") : -1]))
    return inodes


def inet_sockets() -> dict[int, str]:
    """Every TCP and UDP socket (IPv4 and IPv6): inode -> state."""
    found = {}
    for table in ("tcp", "tcp6", "udp", "udp6"):
        path = Path("/proc/net") / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            found[int(fields[9])] = fields[3]
    return found


def unix_sockets() -> dict[int, tuple[int, str]]:
    """Every Unix socket: inode -> (flags, path; "" when it has none)."""
    found = {}
    for line in Path("/proc/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        path = fields[7] if len(fields) > 7 else ""
        found[int(fields[6])] = (int(fields[3], 16), path)
    return found


def listening(pid: int) -> set[int]:
    """The inodes of the sockets of ``pid`` that accept connections."""
    inet, unix = inet_sockets(), unix_sockets()
    return {
        inode
        for inode in socket_inodes(pid)
        if inet.get(inode) == LISTEN or unix.get(inode, (0, ""))[0] & SO_ACCEPTCON
    }


@op
def look_around() -> dict:
    """Runs in a worker: what sockets it and the process driving it have."""
    mine = socket_inodes(os.getpid())
    inet, unix = inet_sockets(), unix_sockets()
    return {
        "driver": os.getppid(),
        "sockets": len(mine),
        "network": sorted(mine & set(inet)),
        "named_or_listening": sorted(
            inode for inode in mine & set(unix) if unix[inode][1] or unix[inode][0] & SO_ACCEPTCON
        ),
        "not_unix": sorted(mine - set(unix)),
        "driver_listening": sorted(listening(os.getppid())),
    }


@job
def inspect_workers():
    look_around()


@pytest.mark.parametrize("start_method", ["spawn", "fork"])
def test_workers_talk_over_unnamed_pipes_only(start_method, monkeypatch):
    connections = []
    original = multiprocess.Worker.__init__

    def recording(self, context, payload):
        original(self, context, payload)
        with socket.socket(fileno=os.dup(self.conn.fileno())) as end:
            connections.append((end.family, end.getsockname(), end.getpeername()))

    monkeypatch.setattr(multiprocess.Worker, "__init__", recording)
    listening_before = listening(os.getpid())

    result = execute_pipeline(
        inspect_workers,
        run_config={
            "execution": {"config": {"multiprocess": {"start_method": {start_method: {}}}}}
        },
        instance=DagsterInstance.ephemeral(),
    )

    seen = result.output_for_solid("look_around")
    assert seen["driver"] == os.getpid()
    assert seen["sockets"] >= 1  # its end of the pipe
    assert seen["network"] == []
    assert seen["named_or_listening"] == []
    assert seen["not_unix"] == []
    assert set(seen["driver_listening"]) <= listening_before  # the run opened no listener
    assert connections
    # socketpair() ends: Unix sockets with no address, so nothing else can connect to them
    assert all(conn == (socket.AF_UNIX, "", "") for conn in connections)


@resource(config_schema={"password": StringSource})
def db(init_context):
    return init_context.resource_config["password"]


@op(
    config_schema={"token": Field(str, is_secret=True), "key": Secret},
    required_resource_keys={"db"},
)
def uses_secrets(context) -> int:
    context.log.info("connected")
    return len(context.resources.db) + len(context.op_config["token"])


@job(resource_defs={"db": db})
def secret_job():
    uses_secrets()


def test_what_workers_report_holds_no_secret(secret, secrets, tmp_path):
    config = {
        "resources": {"db": {"config": secrets.resource_config()}},
        "ops": {"uses_secrets": {"config": secrets.op_config()}},
        "execution": {"config": {"multiprocess": {}}},
    }
    home = tmp_path / "home"
    with DagsterInstance.local(str(home)) as instance:
        result = execute_pipeline(secret_job, run_config=config, instance=instance)
        assert result.output_for_solid("uses_secrets") == len(secrets.env.value) + len(
            secrets.field.value
        )
        secret.assert_hidden(result.event_list, instance.get_run(result.run_id), result.run_config)
        for path in home.rglob("*"):
            if path.is_file():
                secret.assert_hidden(path.read_bytes())
