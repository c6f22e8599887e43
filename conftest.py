"""The test session, whatever it collects (``sft_helpers/`` doctests, ``tests/``, ``notebooks/`` through nbval).

What the tests share is defined in ``tests/conftest.py``; this file only applies the notebooks' environment
before any kernel starts, orders the work for pytest-xdist and reports where the time went, against the budgets scaled by this machine's speed.
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
    """Longest work first, so that the two workers finish together: the rehearsal, the notebooks, the
    programs' tests, the rest.

    pytest-xdist's ``--dist loadfile`` keeps each file (hence each notebook's cells, which share one kernel)
    on one worker, and with ``--no-loadscope-reorder`` it hands the files out in this order.
    """

    def rank(item) -> int:
        path = item.nodeid.split("::", 1)[0]
        if path.startswith("tests/rehearsal/test_"):
            return 0
        if path.endswith(".ipynb"):
            return 1
        # The programs' tests hold the longest single tests left (the benchmark command, torch.compile, two
        # accelerate processes, about 60 s in one file): started last, they would leave one worker idle.
        return 2 if path.startswith("tests/tools/") else 3

    items.sort(key=rank)  # stable: each notebook's cells keep their order


# Budgets are stated for a core whose one-thread 1024^3 fp32 matrix multiply runs at this rate, and
# scaled by the rate of the machine at hand (a faster core gets less time).
REFERENCE_RATE = 115e9
LESSON_BUDGET_S = 60  # each offline lesson notebook, cold cache included, on one thread
RUN_BUDGET_S = 600  # the whole of .ci/run, install included

_seconds_by_group: dict[str, float] = defaultdict(float)


def _group(path: str) -> str:
    if path.endswith(".ipynb"):
        return "notebooks"
    return "rehearsal of the full profile" if path.startswith("tests/rehearsal/") else "unit tests and doctests"


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    _seconds_by_group[_group(path)] += report.duration
    if path.endswith(".ipynb"):
        _seconds_by_notebook[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    """The time each notebook took, against its budget at this machine's matrix-multiply rate."""
    if not _seconds_by_group:
        return
    import torch

    from sft_helpers.machinery.estimates import matmul_rate, matmul_rate_caveat

    rate = max(matmul_rate(threads=1) for _ in range(3))
    scale = REFERENCE_RATE / rate
    write = terminalreporter.write_line
    terminalreporter.section("where the time went")
    write(f"this machine: one-thread 1024^3 fp32 matmul at {rate / 1e9:.0f} GFLOP/s; budgets are stated at "
          f"{REFERENCE_RATE / 1e9:.0f} and scaled by {scale:.2f}")
    cpuinfo = Path("/proc/cpuinfo")  # Linux; elsewhere no caveat is printed
    if cpuinfo.is_file() and (caveat := matmul_rate_caveat(cpuinfo.read_text(), torch.backends.mkl.is_available())):
        write(caveat)
    write(f"{'seconds':>8}  {'budget':>6}  notebook")
    for path in sorted(_seconds_by_notebook):
        lesson = "/solutions/" not in path
        budget = f"{LESSON_BUDGET_S * scale:6.0f}" if lesson else f"{'-':>6}"
        over = "  OVER" if lesson and _seconds_by_notebook[path] > LESSON_BUDGET_S * scale else ""
        write(f"{_seconds_by_notebook[path]:8.1f}  {budget}  {path}{over}")
    for group, seconds in sorted(_seconds_by_group.items()):
        write(f"{seconds:8.1f}  {'':>6}  {group} (added up over the workers)")
    write(f"{time.monotonic() - _started:8.1f}  {'':>6}  whole test session (wall time; .ci/run adds the install, "
          f"and all of it has {RUN_BUDGET_S * scale:.0f} s here)")
