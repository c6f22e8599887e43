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


# Work that must stay on one pytest-xdist worker, in collection order. (xdist's own `--dist loadgroup`
# marks do not group anything under pytest 9: they rename test ids, which pytest 9 no longer allows.)
REHEARSAL = "tests/test_rehearsal.py"


def work_group(nodeid: str) -> str:
    """The group a test runs in: a lesson with its solutions, one rehearsed notebook, or one test file.

    A notebook's cells share one kernel and a solutions notebook reads its lesson's saved model; a test
    file shares its module fixtures; the rehearsal's notebooks are long and independent, so they spread.
    """
    path = nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        return f"lesson {Path(path).name[:2]}"
    return nodeid if path == REHEARSAL else path


def pytest_collection_modifyitems(items):
    """Longest work first, so that the two workers finish together: rehearsals, then lessons, then the rest."""

    def rank(item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return 0 if path == REHEARSAL else 1 if path.endswith(".ipynb") else 2

    items.sort(key=rank)  # stable: each notebook's cells keep their order


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByWorkGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_group(nodeid)

    config.option.loadscopereorder = False  # keep the order set above
    return ByWorkGroup(config, log)


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
