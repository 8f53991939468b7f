"""Real-browser tests of notebooks: a JupyterLab server plus Debian's headless Chromium via Playwright.

Used by ``test_browser.py``, which imports the pytest fixtures ``lab`` (one server for the
session, notebooks under ``lab.root_dir``) and ``lab_page`` (a fresh Chromium page per test,
its kernels shut down afterwards), and the helpers::

    write_notebook(lab.root_dir / "form.ipynb", ["import ipywidgets as w; w.Text(description='Name')"])
    open_notebook(lab_page, lab, "form.ipynb")     # waits for a started, connected, idle kernel
    run_all_cells(lab_page)                         # Run menu -> Run All Cells, waits until done
    assert cell_errors(lab_page) == []
    lab_page.get_by_label("Name").press_sequentially("Ada")

Everything is stopped by pid (server, kernels, browser); a SIGTERM while the server runs becomes
KeyboardInterrupt so that fixtures still tear down.  Needs jupyterlab, ipykernel and the
playwright Python package (never ``playwright install``: Chromium comes from Debian, at
/usr/bin/chromium or $LAB_BROWSER_CHROMIUM; ``OPBOOK_BROWSER=1 bash scripts/setup.sh`` installs
it).  Linux only.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

# Flags for Debian's Chromium as root on a machine with no outside network. Playwright adds its own
# headless flag and the profile dir (launch_persistent_context); it refuses --user-data-dir in args.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # needed as root
    "--disable-gpu",
    "--disable-dev-shm-usage",  # Debian's wrapper fails to decide this when /dev/shm is mounted twice
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # else Chromium keeps dialling Google hosts (refused here)
    "--disable-component-update",
    "--disable-sync",
]

KERNEL_IDLE = (
    ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']"
)

# JS prelude: the visible notebook's code-cell prompts ("[ ]:", "[*]:", "[3]:") and their numbers.
_PROMPTS = """const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const texts = panel ? [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                          .map(p => p.textContent.trim()) : [];
    const nums = texts.map(t => parseInt((t.match(/\\[(\\d+)\\]/) || [])[1] || '0', 10));
    const top = Math.max(0, ...nums);"""
_MAX_PROMPT_JS = "() => {" + _PROMPTS + " return top; }"
# Run All has taken: a cell is queued/running, or has a newer execution count than before.
_RUN_STARTED_JS = "(before) => {" + _PROMPTS + " return texts.includes('[*]:') || top > before; }"
# Run All has finished: nothing queued/running, kernel idle, and something new did run.
_RUN_DONE_JS = (
    "(before) => {"
    + _PROMPTS
    + """
    const ind = panel && panel.querySelector('.jp-Notebook-ExecutionIndicator');
    const idle = !ind || ind.getAttribute('data-status') === 'idle';
    return idle && !texts.includes('[*]:') && top > before; }"""
)


def chromium_path() -> str:
    path = os.environ.get("LAB_BROWSER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        raise RuntimeError(f"Chromium not found at {path}: apt-get install -y chromium")
    return path


# Screenshots the browser tests keep for a person to look at (git-ignored).
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def save_screenshot(page: Page, name: str) -> None:
    """The page as it is now, as ``test-artifacts/<name>``."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def chromium_or_fail() -> None:
    """Fail the calling test (not skip it) when Chromium is missing, saying how to install it."""
    import pytest

    try:
        chromium_path()
    except RuntimeError as exc:
        pytest.fail(f"{exc} (OPBOOK_BROWSER=1 bash scripts/setup.sh installs it)")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass
class LabServer:
    url: str  # base URL with trailing slash, e.g. http://127.0.0.1:40123/
    token: str
    root_dir: Path
    pid: int
    log_path: Path

    def lab_url(self, path: str = "") -> str:
        """URL of JupyterLab, e.g. lab_url('tree/sub/demo.ipynb') opens that notebook."""
        return f"{self.url}lab/{path.lstrip('/')}?token={self.token}"

    def api(self, endpoint: str, method: str = "GET", timeout: float = 10):
        """Call the Jupyter Server REST API, e.g. api('sessions'); returns the decoded JSON."""
        req = urllib.request.Request(
            self.url + "api/" + endpoint.lstrip("/"),
            method=method,
            headers={"Authorization": f"token {self.token}"},
            data=b"" if method == "POST" else None,
        )
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
        return json.loads(body) if body else {}

    def shutdown_kernels(self) -> None:
        """Delete every session (and so its kernel); the server keeps running."""
        for sess in self.api("sessions"):
            self.api(f"sessions/{sess['id']}", method="DELETE")

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def _descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, start time) of every descendant of pid, from Linux /proc. Kernels run in their own
    sessions, so a process-group kill of the server would miss them."""
    children: dict[int, list[tuple[int, str]]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                fields = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append((int(d), fields[19]))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child[0])
    return out


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def _stop(proc: subprocess.Popen, server: LabServer, grace: float = 15) -> None:
    """Stop the server and its kernels, by pid: API shutdown, then SIGTERM, then SIGKILL."""
    pids = _descendants(proc.pid)
    if proc.poll() is None:
        with contextlib.suppress(Exception):
            server.api("shutdown", method="POST", timeout=5)  # also shuts kernels down cleanly
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # start_new_session=True: pgid == pid
                proc.wait()
    for pid, start in pids:  # leftover kernels: same pid *and* start time, so never a reused pid
        with contextlib.suppress(OSError, IndexError):
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19] == start:
                os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def lab_server(
    root_dir: str | os.PathLike | None = None,
    *,
    token: str | None = None,
    python: str = sys.executable,
    startup_timeout: float = 120,
    idle_shutdown_s: int = 1800,
    extra_args: Sequence[str] = (),
    keep_dir: bool = False,
) -> Iterator[LabServer]:
    """Start `python -m jupyterlab` on a free loopback port with a token; stop it (by pid) on exit.

    Config, data, runtime, settings, workspaces and IPython dirs are fresh temp dirs, so the
    user's ~/.jupyter cannot leak in. root_dir defaults to a fresh temp dir too.
    """
    work = Path(tempfile.mkdtemp(prefix="lab-browser-"))
    root = Path(root_dir) if root_dir is not None else work / "root"
    root.mkdir(parents=True, exist_ok=True)
    token = token or secrets.token_hex(16)
    port = free_port()
    env = dict(os.environ)
    for var, sub in [
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_SETTINGS_DIR", "settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
        ("IPYTHONDIR", "ipython"),
    ]:
        (work / sub).mkdir()
        env[var] = str(work / sub)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    # news_url=None alone does not stop the "notified about official Jupyter news?" toast
    (work / "config" / "labconfig").mkdir()
    (work / "config" / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    cmd = [
        python,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        # safety net if the test process dies without stopping us
        f"--ServerApp.shutdown_no_activity_timeout={idle_shutdown_s}",
        f"--MappingKernelManager.cull_idle_timeout={idle_shutdown_s}",
        "--MappingKernelManager.cull_interval=60",
        # no network calls, no "news?" toast over the notebook
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        *extra_args,
    ]
    log_path = work / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            env=env,
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LabServer(f"http://127.0.0.1:{port}/", token, root, proc.pid, log_path)
    # A plain SIGTERM (e.g. `timeout`) would kill us without running `finally`, orphaning the
    # server and kernels: turn it into KeyboardInterrupt while the server runs.
    prev_term = None
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    ):
        prev_term = signal.signal(signal.SIGTERM, _interrupt)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"jupyter lab exited with {proc.returncode}:\n{server.log_tail()}"
                )
            with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
                server.api("status", timeout=2)
                break
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"jupyter lab not ready in {startup_timeout}s:\n{server.log_tail()}"
                )
            time.sleep(0.25)
        yield server
    finally:
        _stop(proc, server)
        if prev_term is not None:
            signal.signal(signal.SIGTERM, prev_term)
        if not keep_dir:
            shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def chromium_page(
    *,
    viewport: tuple[int, int] = (1400, 1000),
    timeout_ms: int = 60_000,
    extra_args: Sequence[str] = (),
) -> Iterator[Page]:
    """A Playwright page in Debian's headless Chromium with a new, empty profile dir."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        with sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(
                profile,
                executable_path=chromium_path(),
                headless=True,
                args=[*CHROMIUM_ARGS, *extra_args],
                viewport={"width": viewport[0], "height": viewport[1]},
            )
            try:
                page = ctx.pages[0] if ctx.pages else ctx.new_page()
                page.set_default_timeout(timeout_ms)
                yield page
            finally:
                ctx.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def write_notebook(path: str | os.PathLike, cells: Sequence[str]) -> Path:
    """Write a notebook of code cells with a python3 kernelspec (no kernel-picker dialog)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(
        cells=[new_code_cell(c) for c in cells],
        metadata={
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
            }
        },
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def open_notebook(page: Page, server: LabServer, path: str, timeout_ms: int = 120_000) -> None:
    """Open root_dir-relative `path` in JupyterLab and wait until its kernel is started,
    connected to this page and idle. (The toolbar indicator alone reads 'idle' for a moment
    before the kernel exists; a Run All clicked then is silently dropped.)"""
    path = path.strip("/")
    # ?reset: start from an empty workspace, not the tabs a previous page left open
    page.goto(server.lab_url(f"tree/{path}") + "&reset", timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        kernels = [s.get("kernel") or {} for s in server.api("sessions") if s.get("path") == path]
        if any(
            k.get("connections", 0) >= 1 and k.get("execution_state") == "idle" for k in kernels
        ):
            break
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"no idle, connected kernel for {path}: {kernels}\n{server.log_tail()}"
            )
        time.sleep(0.25)
    page.wait_for_selector(KERNEL_IDLE, timeout=timeout_ms)


def run_all_cells(page: Page, timeout_ms: int = 180_000) -> None:
    """Run > Run All Cells in the menu, then wait until nothing is queued and the kernel is idle.
    Like JupyterLab, this stops at the first cell that raises; check cell_errors(page)."""
    before = page.evaluate(_MAX_PROMPT_JS)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()
    page.wait_for_function(_RUN_STARTED_JS, arg=before, timeout=15_000, polling=100)
    page.wait_for_function(_RUN_DONE_JS, arg=before, timeout=timeout_ms, polling=250)


def cell_errors(page: Page) -> list[str]:
    """Texts of the tracebacks shown in the current notebook (empty list if none)."""
    return page.locator(
        ".jp-NotebookPanel:not(.lm-mod-hidden) "
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    ).all_inner_texts()


# ---- pytest fixtures (import them into conftest.py) -------------------------------------------
try:
    import pytest
except ImportError:  # pragma: no cover
    pytest = None

if pytest is not None:

    @pytest.fixture(scope="session")
    def lab(tmp_path_factory):
        """A JupyterLab server for the session; notebooks go under lab.root_dir."""
        with lab_server(tmp_path_factory.mktemp("lab-root")) as server:
            yield server

    @pytest.fixture
    def lab_page(lab, request):
        """A fresh headless Chromium page for each test; its kernels are shut down afterwards.
        With $LAB_BROWSER_SHOTS set, the page's last state is saved there as <test>.png."""
        try:
            with chromium_page() as page:
                yield page
                if os.environ.get("LAB_BROWSER_SHOTS"):
                    shots = Path(os.environ["LAB_BROWSER_SHOTS"])
                    shots.mkdir(parents=True, exist_ok=True)
                    with contextlib.suppress(Exception):
                        page.screenshot(
                            path=shots / (re.sub(r"[^\w.-]+", "_", request.node.name) + ".png")
                        )
        finally:
            with contextlib.suppress(Exception):
                lab.shutdown_kernels()
