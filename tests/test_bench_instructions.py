"""The instruction counter of the benchmarks reads perf's output, or says why it cannot."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parent.parent / "bench" / "instructions.py"
_spec = importlib.util.spec_from_file_location("bench_instructions", _PATH)
assert _spec is not None and _spec.loader is not None
instructions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(instructions)


def test_reads_the_count_perf_printed() -> None:
    output = "some warning\n123456789,,instructions:u,1000,100.00,,\n"
    assert instructions.instruction_count(output) == 123456789


def test_a_machine_without_counters_gets_a_clear_message() -> None:
    with pytest.raises(SystemExit) as exit_info:
        instructions.instruction_count("<not supported>,,instructions:u,0,100.00,,\n")
    assert "perf cannot count instructions on this machine" in str(exit_info.value)
    assert "<not supported>" in str(exit_info.value)


def test_output_without_a_count_is_shown() -> None:
    with pytest.raises(SystemExit) as exit_info:
        instructions.instruction_count("perf: command failed\n")
    assert "perf printed no instruction count" in str(exit_info.value)
    assert "perf: command failed" in str(exit_info.value)


def test_a_failed_perf_run_is_reported_with_its_output(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 255, "", "perf_event_paranoid setting is 4")

    monkeypatch.setattr(instructions.subprocess, "run", refused)
    with pytest.raises(SystemExit) as exit_info:
        instructions.count(10, 2)
    assert "perf stat exited with code 255" in str(exit_info.value)
    assert "perf_event_paranoid setting is 4" in str(exit_info.value)
