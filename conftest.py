"""The test session, whatever it collects (``sft_helpers/`` doctests, ``tests/``, ``notebooks/`` through nbval).

What the tests share is defined in ``tests/conftest.py``; this file only applies the notebooks' environment
before any kernel starts, orders the work for pytest-xdist and reports the time each notebook took.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

from tests.conftest import apply_notebook_env

# Before any notebook kernel starts: kernels inherit pytest's environment.
apply_notebook_env()

_seconds_by_notebook: dict[str, float] = defaultdict(float)
_started = time.monotonic()


def pytest_collection_modifyitems(items):
    """Longest work first, so that the two workers finish together: the rehearsal, the notebooks, the rest.

    pytest-xdist's ``--dist loadfile`` keeps each file (hence each notebook's cells, which share one kernel)
    on one worker, and with ``--no-loadscope-reorder`` it hands the files out in this order.
    """

    def rank(item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return 0 if path.startswith("tests/rehearsal/test_") else 1 if path.endswith(".ipynb") else 2

    items.sort(key=rank)  # stable: each notebook's cells keep their order


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
    terminalreporter.write_line(f"{sum(_seconds_by_notebook.values()):7.1f} s  all notebooks (added up over the workers)")
    terminalreporter.write_line(f"{time.monotonic() - _started:7.1f} s  whole test session")
