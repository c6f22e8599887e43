"""The README's two set-up commands, as the Makefile spells them (run for real by `.ci/run`: `make test`)."""

import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed; the README gives the commands by hand")


def dry_run(target: str) -> list[str]:
    done = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def test_make_lab_opens_jupyterlab_on_the_notebooks_as_root_too():
    (command,) = [line for line in dry_run("lab") if "jupyter lab" in line]
    assert command.split()[:3] == [".venv/bin/jupyter", "lab", "notebooks/"]
    # As root, Jupyter refuses to start ("Running as root is not recommended") unless told.
    assert ("--allow-root" in command) == (os.geteuid() == 0)


def test_make_test_runs_pytest_in_the_course_environment():
    assert ".venv/bin/python -m pytest" in dry_run("test")
