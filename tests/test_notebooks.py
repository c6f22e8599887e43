"""Checks on the notebooks as files: names, stored outputs, no login, solutions that stand on their own, imports."""

import json
import re
import subprocess
import sys

import nbformat
import pytest

from tests.conftest import LESSONS, NOTEBOOKS, ROOT, SOLUTIONS, code_cells


def test_notebooks_are_numbered_in_reading_order():
    names = [p.name for p in LESSONS]
    assert names, "no notebooks found"
    assert names == sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")), "a lesson notebook is not named NN_topic.ipynb"
    for i, name in enumerate(names):
        assert re.fullmatch(rf"{i:02d}_[a-z0-9_]+\.ipynb", name), f"{name}: expected {i:02d}_topic.ipynb"


def test_every_exercised_lesson_has_its_solutions():
    lessons = {p.stem for p in LESSONS}
    for solutions in SOLUTIONS:
        assert solutions.stem.removesuffix("_solutions") in lessons, f"{solutions.name} has no lesson"


@pytest.mark.parametrize("path", LESSONS + SOLUTIONS, ids=lambda p: p.name)
def test_no_stored_errors_and_no_login(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert not [o for o in cell.get("outputs", []) if o.output_type == "error"], f"{path.name} cell {i} stored an error"
        assert not re.search(r"notebook_login\(|huggingface-cli login|hf auth login|getpass", cell.source), f"{path.name} cell {i} asks for a login"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_a_solutions_notebook_stands_on_its_own(path):
    """It trains what it needs instead of reading a lesson's saved model: a smoke run of the lesson, another
    model, or no run at all would otherwise change its answers, and the test run could not spread the files."""
    for i, source in enumerate(code_cells(path)):
        assert "../outputs" not in source, f"{path.name} cell {i} reads a lesson's outputs"


def imported_modules(paths) -> set[str]:
    """The ``sft_helpers`` modules the code cells of ``paths`` import."""
    found = set()
    for path in paths:
        for source in code_cells(path):
            found |= set(re.findall(r"(?:from|import)\s+sft_helpers\.([\w.]+)", source))
            for group in re.findall(r"from\s+sft_helpers\s+import\s+\(?([\w\s,]+)\)?", source):
                found |= {name.strip() for name in group.split(",") if name.strip()}
    return found


def test_every_top_level_module_is_a_lesson_helper():
    """The top of sft_helpers is what a lesson imports; the machinery and the programs have rooms of their own."""
    top = {p.stem for p in (ROOT / "sft_helpers").glob("*.py")} - {"__init__"}
    unused = top - imported_modules(LESSONS)
    assert not unused, f"no lesson imports sft_helpers.{', '.join(sorted(unused))}: move it to machinery/ or programs/"
    assert not {m for m in imported_modules(LESSONS + SOLUTIONS) if m.startswith("programs")}, "a notebook imports a program"


def test_every_module_list_names_every_module():
    """Three places list the package's modules for a reader: the README (lesson helpers), the package's own
    docstring (lesson helpers) and the maintainers' guide (all). Each must name every module, and only those."""
    top = {p.stem for p in (ROOT / "sft_helpers").glob("*.py")} - {"__init__"}
    machinery = {f"{room}.{p.stem}" for room in ("machinery", "programs")
                 for p in (ROOT / "sft_helpers" / room).glob("*.py") if p.stem != "__init__"}
    section = (ROOT / "README.md").read_text().split("## The `sft_helpers` package")[1].split("\n## ")[0]
    readme = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE))
    assert readme == top, f"README's module table: missing {sorted(top - readme)}, unknown {sorted(readme - top)}"
    docstring = (ROOT / "sft_helpers" / "__init__.py").read_text().split("``sft_helpers.machinery``")[0]
    assert not [m for m in top if not re.search(rf"\b{m}\b", docstring)], "the package docstring misses a lesson helper"
    guide = set(re.findall(r"^\| `sft_helpers\.([\w.]+)` \|", (ROOT / "misc" / "maintainers.md").read_text(), flags=re.MULTILINE))
    assert top | machinery <= guide, f"misc/maintainers.md misses {sorted((top | machinery) - guide)}"


def test_importing_a_lesson_helper_loads_no_program():
    code = (
        "import json, sys, importlib, pkgutil, sft_helpers\n"
        "for m in pkgutil.iter_modules(sft_helpers.__path__):\n"
        "    if not m.ispkg: importlib.import_module('sft_helpers.' + m.name)\n"
        "print(json.dumps(sorted(n for n in sys.modules if n.startswith('sft_helpers.programs'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert json.loads(out) == []
