"""Checks on the notebooks as files: names, stored outputs, no login, solutions that stand on their own, imports."""

import ast
import re
from pathlib import Path

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
    """The top of sft_helpers is what a lesson imports; the machinery has a room of its own, programs live in misc/tools/."""
    top = {p.stem for p in (ROOT / "sft_helpers").glob("*.py")} - {"__init__"}
    unused = top - imported_modules(LESSONS)
    assert not unused, f"no lesson imports sft_helpers.{', '.join(sorted(unused))}: move it to machinery/ or misc/tools/"


def test_the_package_holds_no_program():
    """What a student imports holds no script: the benchmark, generators and figure makers are in misc/tools/.
    The one exception is the requirements parser, which .ci/run and the Makefile run before anything is installed."""
    programs = [str(p.relative_to(ROOT)) for p in (ROOT / "sft_helpers").rglob("*.py")
                if "__main__" in p.read_text() and p.name != "requirements.py"]
    assert not programs, f"programs inside the package: {programs}; move them to misc/tools/"


def sft_helpers_imports(path: Path) -> set[str]:
    """Every ``sft_helpers`` module ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sft_helpers"):
            found |= {node.module} if node.module != "sft_helpers" else {f"sft_helpers.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("sft_helpers")}
    return found


def test_the_machinery_imports_no_lesson_helper():
    """Lesson helpers may call the machinery (profiles, stand-ins, estimates); never the other way round, so
    that neither room needs the other to be read."""
    crossing = {str(p.relative_to(ROOT)): sorted(m for m in sft_helpers_imports(p) if not m.startswith("sft_helpers.machinery"))
                for p in (ROOT / "sft_helpers" / "machinery").glob("*.py")}
    assert not {f: ms for f, ms in crossing.items() if ms}


def test_every_module_list_names_every_module():
    """Three places list the package's modules for a reader: the README (lesson helpers), the package's own
    docstring (lesson helpers) and the maintainers' guide (all, and every program of misc/tools/). Each must
    name every module, and only those."""
    top = {p.stem for p in (ROOT / "sft_helpers").glob("*.py")} - {"__init__"}
    machinery = {f"machinery.{p.stem}" for p in (ROOT / "sft_helpers" / "machinery").glob("*.py") if p.stem != "__init__"}
    section = (ROOT / "README.md").read_text().split("## The `sft_helpers` package")[1].split("\n## ")[0]
    readme = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE))
    assert readme == top, f"README's module table: missing {sorted(top - readme)}, unknown {sorted(readme - top)}"
    docstring = (ROOT / "sft_helpers" / "__init__.py").read_text().split("``sft_helpers.machinery``")[0]
    listed = set(re.findall(r"^    (\w+) ", docstring, flags=re.MULTILINE)) | set(re.findall(r"  (\w+)  ", docstring))
    assert listed == top, f"the package docstring: missing {sorted(top - listed)}, unknown {sorted(listed - top)}"
    guide_text = (ROOT / "misc" / "maintainers.md").read_text()
    guide = set(re.findall(r"^\| `sft_helpers\.([\w.]+)` \|", guide_text, flags=re.MULTILINE))
    assert guide == top | machinery, f"misc/maintainers.md: missing {sorted((top | machinery) - guide)}, unknown {sorted(guide - top - machinery)}"
    tools = {p.name for p in (ROOT / "misc" / "tools").glob("*.py")}
    listed_tools = set(re.findall(r"^\| `misc/tools/([\w.]+\.py)` \|", guide_text, flags=re.MULTILINE))
    assert listed_tools == tools, f"misc/maintainers.md's programs: missing {sorted(tools - listed_tools)}, unknown {sorted(listed_tools - tools)}"
