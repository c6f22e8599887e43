"""Test configuration shared by the unit tests and the notebooks (run through nbval)."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

from tests import notebook_env

# Set before any notebook kernel starts: kernels inherit pytest's environment.
notebook_env.apply()

_seconds_by_notebook: dict[str, float] = defaultdict(float)
_started = time.monotonic()


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _seconds_by_notebook[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _seconds_by_notebook:
        return
    terminalreporter.section("time per notebook")
    for path in sorted(_seconds_by_notebook):
        terminalreporter.write_line(f"{_seconds_by_notebook[path]:7.1f} s  {Path(path).name}")
    terminalreporter.write_line(f"{sum(_seconds_by_notebook.values()):7.1f} s  all notebooks")
    terminalreporter.write_line(f"{time.monotonic() - _started:7.1f} s  whole test session")
