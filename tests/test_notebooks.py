"""Checks on the notebooks as files: names, install cells, stored outputs."""

import re
import shlex
from pathlib import Path

import nbformat
import pytest

from sft_helpers.environment import read_requirements

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PINS = {r.name.lower().replace("_", "-"): r.version for r in read_requirements(ROOT / "requirements.txt")}


def code_cells(path):
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def pip_install_problems(source: str) -> list[str]:
    """What in a cell's ``pip install`` lines disagrees with requirements.txt."""
    problems = []
    for line in source.splitlines():
        match = re.search(r"pip\s+install\s+(.*)", line)
        if not match:
            continue
        args = shlex.split(match.group(1).split("#", 1)[0])
        i = 0
        while i < len(args):
            arg = args[i]
            if arg in ("-r", "--requirement"):
                if Path(args[i + 1]).name != "requirements.txt":
                    problems.append(f"installs from {args[i + 1]}, not requirements.txt")
                i += 2
                continue
            if arg.startswith("-"):
                i += 1
                continue
            spec = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[.*\])?(==(\S+))?$", arg)
            if not spec:
                problems.append(f"cannot read {arg!r}")
            else:
                name = spec.group(1).lower().replace("_", "-")
                if name not in PINS:
                    problems.append(f"{name} is not in requirements.txt")
                elif spec.group(3) != PINS[name]:
                    problems.append(f"{arg} disagrees with requirements.txt ({name}=={PINS[name]})")
            i += 1
    return problems


def test_notebooks_are_numbered_in_reading_order():
    names = [p.name for p in NOTEBOOKS]
    assert names, "no notebooks found"
    for i, name in enumerate(names):
        assert re.fullmatch(rf"{i:02d}_[a-z0-9_]+\.ipynb", name), f"{name}: expected {i:02d}_topic.ipynb"


def test_install_checker_catches_disagreements():
    assert pip_install_problems("%pip install -q -r requirements.txt") == []
    assert pip_install_problems("!pip install trl") == ["trl disagrees with requirements.txt (trl==%s)" % PINS["trl"]]
    assert pip_install_problems("!pip install -U trl==0.7.0") == [f"trl==0.7.0 disagrees with requirements.txt (trl=={PINS['trl']})"]
    assert pip_install_problems("%pip install bitsandbytes==0.1") == ["bitsandbytes is not in requirements.txt"]
    assert pip_install_problems("%pip install -r other.txt") == ["installs from other.txt, not requirements.txt"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_install_cells_agree_with_requirements(path):
    for i, source in enumerate(code_cells(path)):
        assert pip_install_problems(source) == [], f"{path.name} cell {i}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_stored_errors_and_no_login(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert not [o for o in cell.get("outputs", []) if o.output_type == "error"], f"{path.name} cell {i} stored an error"
        assert not re.search(r"notebook_login\(|huggingface-cli login|hf auth login|getpass", cell.source), f"{path.name} cell {i} asks for a login"
