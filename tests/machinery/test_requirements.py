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


@pytest.mark.parametrize("system,gpu,installed,expected", [
    ("Linux", False, None, "cpu index"),  # a fresh CPU-only Linux machine: no CUDA download
    ("Linux", False, "2.13.0+cpu", None),  # CI and a second `make`: the pinned torch stays
    ("Linux", True, None, None),  # an NVIDIA GPU: pip takes PyPI's CUDA build with the rest
    ("Darwin", False, None, None),
])
def test_make_installs_the_cpu_build_of_torch_only_where_it_is_the_right_one(monkeypatch, capsys, system, gpu, installed, expected):
    import platform
    import shutil
    import subprocess
    from importlib import metadata

    from sft_helpers.machinery import requirements

    def version(name):
        if installed is None:
            raise metadata.PackageNotFoundError(name)
        return installed

    calls = []
    monkeypatch.setattr(platform, "system", lambda: system)
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/nvidia-smi" if gpu and name == "nvidia-smi" else None)
    monkeypatch.setattr(requirements.Path, "exists", lambda self: False)  # no /proc/driver/nvidia either way
    monkeypatch.setattr(metadata, "version", version)
    monkeypatch.setattr(subprocess, "run", lambda args, check: calls.append(args))
    requirements._install_torch_first()
    if expected is None:
        assert calls == [] and capsys.readouterr().out == ""
    else:
        (args,) = calls
        assert args[1:] == ["-m", "pip", "install", pin("torch"), "--index-url", requirements.CPU_INDEX]
        assert "CPU build of torch 2.13.0" in capsys.readouterr().out  # said, not done silently
