"""SIGTERM and SIGHUP end a run the way Ctrl-C does.

They are what ``timeout``, a CI cancel, ``docker stop`` or a closed terminal send.  Left to
their default action they kill the process on the spot: the run stays STARTED for good, worker
processes go on running their step, and temporary files stay.  While a run drives steps in the
main thread, ``terminate_as_interrupt`` turns either signal into ``RunTerminated``, a
``KeyboardInterrupt``, so the run takes the Ctrl-C path (workers stopped and reaped, temporary
files removed, the run recorded as CANCELED with its events).  Then the previous handler is put
back, the process's exit handlers run (temporary directories are removed), and the signal is
delivered again, so the process ends as the signal asked.

A handler that the host installed itself is left alone, as is a run outside the main thread
(only the main thread may handle signals).
"""

from __future__ import annotations

import atexit
import signal
from types import FrameType, TracebackType
from typing import Any

# The C functions under the signal module (CPython's ``_signal``): the module's own wrappers
# convert handlers to and from enums, which cost a tenth of a one-op run, four times per run.
_C_SIGNAL: Any = getattr(signal, "_signal", signal)
_handler_of = _C_SIGNAL.getsignal
_set_handler = _C_SIGNAL.signal
SIG_DFL = signal.SIG_DFL

# SIGHUP does not exist on Windows.
TERMINATING_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class RunTerminated(KeyboardInterrupt):
    """The run's process was asked to end (``signum``); raised where the run was."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"received {signal.Signals(signum).name}")
        self.signum = signum


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise RunTerminated(signum)


class terminate_as_interrupt:
    """Inside: SIGTERM and SIGHUP raise ``RunTerminated``.  On the way out the handlers are
    restored, and a signal that ended the run is delivered again.

    A class rather than a generator: it frames every run, and costs a fifth as much."""

    __slots__ = ("replaced",)

    def __enter__(self) -> None:
        replaced: dict[int, Any] = {}
        try:
            for signum in TERMINATING_SIGNALS:
                if _handler_of(signum) == SIG_DFL:
                    replaced[signum] = _set_handler(signum, _raise_terminated)
        except ValueError:
            pass  # not the main thread: only the main thread may handle signals
        self.replaced = replaced

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        replaced = self.replaced
        if replaced:
            self.replaced = {}
            _restore(replaced)
        if isinstance(exc, RunTerminated):
            # The signal's default action ends the process without the exit handlers that
            # remove temporary directories (where values shared with workers went): run them
            # first.  If the signal is blocked, the run ends as if interrupted.
            atexit._run_exitfuncs()
            signal.raise_signal(exc.signum)


def _restore(replaced: dict[int, Any]) -> None:
    for signum, previous in replaced.items():
        _set_handler(signum, previous)
