"""The one parser of requirements.txt, which the environment report, the Colab install and CI share."""

import subprocess
import sys

import pytest

from sft_helpers.machinery.requirements import COURSE_REQUIREMENTS, Requirement, pin, read_requirements
from tests.conftest import ROOT


def test_a_requirements_file_is_read_as_pip_reads_it(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("# comment\ntorch==2.13.0\nExtra_Thing[cli] == 1.0  # why\nloose>=2\n-e .\n--index-url x\n")
    assert read_requirements(path) == [
        Requirement("torch", "2.13.0", "torch==2.13.0"),
        Requirement("extra-thing", "1.0", "Extra_Thing[cli] == 1.0"),
        Requirement("loose", None, "loose>=2"),
    ]


def test_the_course_pins_every_package_exactly():
    requirements = read_requirements()
    assert COURSE_REQUIREMENTS == ROOT / "requirements.txt"
    assert {"torch", "transformers", "trl", "datasets", "peft"} <= {r.name for r in requirements}
    assert [r.line for r in requirements if r.version is None] == []


def test_ci_installs_torch_with_the_same_parser():
    """.ci/run installs torch first, from this pin: an unpinned torch would pull a CUDA build of several GB."""
    assert "python3 -m sft_helpers.machinery.requirements torch" in (ROOT / ".ci" / "run").read_text()
    done = subprocess.run([sys.executable, "-m", "sft_helpers.machinery.requirements", "torch"], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == pin("torch") and pin("torch").startswith("torch==")
    with pytest.raises(KeyError, match="not-a-package"):
        pin("not-a-package")
