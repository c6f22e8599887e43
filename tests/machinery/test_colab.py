"""The Colab install path: the pure decisions of ``sft_helpers.machinery.colab``, and the notebooks' first cell run in a
simulated Colab.

The simulation puts a ``google.colab`` package and a stub ``pip`` on ``PYTHONPATH``: the kernel imports
``google.colab`` first, as Colab's does, and ``python -m pip`` records its arguments instead of installing
(there is no network here). A copy of the course stands in for the clone in ``/content``.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import nbformat
import pytest

from sft_helpers.machinery import colab, requirements
from sft_helpers.machinery.colab import (
    COLAB_TOOLS,
    KEPT_ON_COLAB,
    MIN_PYTHON,
    ColabInstallError,
    RestartNeeded,
    constraints,
    course_pins,
    module_names,
    pip_failure,
    python_problem,
    restart_reason,
)
from sft_helpers.machinery.requirements import canonical, requirement_name
from tests.conftest import LESSONS, ROOT, SOLUTIONS, code_cells, execute_notebook

REQUIREMENTS = (ROOT / "requirements.txt").read_text()


def requirement_lines(text: str = REQUIREMENTS) -> list[str]:
    """The package lines of a requirements file, comments and options (``-e .``) left out."""
    return [r.line for r in requirements.parse_requirements(text)]


def first_code_cell(notebook: Path) -> str:
    return code_cells(notebook)[0]


def install_cell() -> str:
    """The Colab install cell, as every notebook has it first."""
    cell = first_code_cell(ROOT / "notebooks" / "00_setup.ipynb")
    assert "install_on_colab(" in cell, "notebooks/00_setup.ipynb's first code cell does not call install_on_colab()"
    return cell


# --- which packages Colab gets ---------------------------------------------------------------------------


def test_pins_are_the_requirements_minus_what_colab_keeps():
    pins = course_pins(REQUIREMENTS)
    assert pins == [line for line in requirement_lines() if requirement_name(line) not in KEPT_ON_COLAB]
    assert {"transformers", "trl", "peft", "datasets", "numpy", "pandas"} <= {requirement_name(p) for p in pins}
    assert not any(p.startswith("-") for p in pins)  # no `-e .`: the course is imported from its folder


def test_torch_and_the_notebook_tools_never_reach_pip():
    text = "torch==2.13.0\nTorchVision==0.28.0  # a comment\ntorch_audio==1\nipykernel==7.4.0\nPyTest==9\nnumpy==2.4.6\n-e .\n"
    assert course_pins(text) == ["torch_audio==1", "numpy==2.4.6"]  # torch_audio is not torchaudio
    assert course_pins("torchaudio==2.13.0\nJupyterLab==4.6.6\n") == []
    # A runtime without torch installs the course's pin, not whatever a dependency would pull in.
    assert course_pins("torch==2.13.0\npytest==9\n", keep=KEPT_ON_COLAB - {"torch"}) == ["torch==2.13.0"]
    assert course_pins("transformers[torch]==5.23.0 ; python_version >= '3.11'\n") == [
        "transformers[torch]==5.23.0 ; python_version >= '3.11'"
    ]  # extras and markers are passed on as written


def test_constraints_hold_the_installed_torch():
    installed = {name: None for name in KEPT_ON_COLAB} | {"torch": metadata.version("torch"), "pytest": "8.4.2"}
    text = constraints(installed)
    assert f"torch=={metadata.version('torch')}\n" in text.splitlines(keepends=True)
    assert "pytest==8.4.2" in text.splitlines()
    assert "torchvision" not in text  # not installed: nothing to hold
    assert constraints({"torch": "2.8.0+cu126", "numpy": "2.0.2"}) == "torch==2.8.0+cu126\n"  # only kept packages


def test_canonical_names():
    assert canonical("Huggingface_Hub") == canonical("huggingface.hub") == "huggingface-hub"
    assert requirement_name("transformers[torch]==5.23.0") == "transformers"


# --- restart decision ------------------------------------------------------------------------------------


def test_restart_when_pip_changed_an_imported_package():
    before = {"numpy": "2.0.2", "pandas": "2.2.2", "requests": "2.32.3"}
    after = {"numpy": "2.4.6", "pandas": "2.2.2", "requests": "2.32.3", "trl": "1.16.0"}
    reason = restart_reason(before, after, in_use={"numpy", "pandas", "requests"})
    assert reason == (
        "Restart the session (Runtime > Restart session) and run the notebook again from the top: "
        "pip changed numpy from 2.0.2 to 2.4.6 while it was in use."
    )
    several = restart_reason(before, {"numpy": "2.4.6", "pandas": "3.1.1"}, in_use={"numpy", "pandas", "requests"})
    assert several.endswith("pip changed numpy from 2.0.2 to 2.4.6, pandas from 2.2.2 to 3.1.1 and requests from 2.32.3 to (removed) while they were in use.")
    assert "\n" not in several


def test_no_restart_when_nothing_in_use_changed():
    versions = {"numpy": "2.4.6", "pandas": "3.1.1"}
    # The second run, after the restart: pip finds everything at its pin and changes nothing.
    assert restart_reason(versions, dict(versions), in_use={"numpy", "pandas"}) is None
    # pip changed packages the kernel never imported (or installed new ones): no restart.
    assert restart_reason({"numpy": "2.0.2"}, {"numpy": "2.4.6", "trl": "1.16.0"}, in_use={"trl", "pandas"}) is None
    assert restart_reason({"numpy": "2.0.2"}, {"numpy": "2.4.6"}, in_use=set()) is None


def test_restart_message_stays_one_line_with_many_changes():
    before = {f"p{i}": "1" for i in range(6)}
    reason = restart_reason(before, {name: "2" for name in before}, in_use=set(before))
    assert reason.endswith("p0 from 1 to 2, p1 from 1 to 2, p2 from 1 to 2 and 3 more while they were in use.")


def test_module_names_of_a_distributions_files():
    files = [
        "numpy/__init__.py",
        "numpy/linalg/_umath_linalg.cpython-311-x86_64-linux-gnu.so",
        "numpy/__pycache__/version.cpython-311.pyc",
        "numpy-2.4.6.dist-info/RECORD",
        "numpy.libs/libgfortran-040039e1.so.5.0.0",
        "../../../bin/f2py",
        "google/protobuf/__init__.py",  # a namespace package: `google` alone is not this distribution's
        "six.py",
    ]
    assert module_names(files) == {"numpy", "numpy.linalg._umath_linalg", "google.protobuf", "six"}


def test_errors_show_as_one_line_in_ipython():
    error = RestartNeeded("Restart the session: numpy changed.")
    assert error._render_traceback_() == ["Restart the session: numpy changed."]
    assert isinstance(error, ColabInstallError)


# --- Python and pip failures -----------------------------------------------------------------------------


def test_python_floor():
    assert python_problem((3, 12, 11)) is None and python_problem(MIN_PYTHON) is None
    assert python_problem((3, 10, 12)) == (
        "The course needs Python 3.11 or newer and this runtime has Python 3.10.12: choose a newer runtime "
        "(Runtime > Change runtime type > Runtime version) and run the notebook again."
    )
    assert python_problem(tuple(sys.version_info[:3])) is None  # this venv runs the course


# pip 23's output for a pin that needs a newer torch than the constraint allows (made with a local wheel).
RESOLUTION_STDOUT = """\
Processing ./wh/fakepkg-1.0-py3-none-any.whl
Requirement already satisfied: numpy==2.4.6 in /usr/local/lib/python3.12/dist-packages (2.4.6)
INFO: pip is looking at multiple versions of fakepkg to determine which version is compatible with other requirements.

The conflict is caused by:
    fakepkg 1.0 depends on torch>=99
    The user requested (constraint) torch==2.8.0+cu126

To fix this you could try to:
1. loosen the range of package versions you've specified
"""
RESOLUTION_STDERR = """\
ERROR: Cannot install fakepkg==1.0 because these package versions have conflicting dependencies.
ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/
"""


def test_pip_failure_names_the_pin_that_needs_another_torch():
    kept = {"torch": "2.8.0+cu126", "torchvision": "0.23.0+cu126", "torchaudio": None}
    line = pip_failure(RESOLUTION_STDOUT, RESOLUTION_STDERR, kept)
    assert line == (
        "The course's pins do not fit this Colab runtime's torch 2.8.0+cu126, torchvision 0.23.0+cu126: "
        "fakepkg 1.0 depends on torch>=99. Choose a newer runtime (Runtime > Change runtime type > Runtime version) "
        "or a course version that fits it."
    )
    among_pins = pip_failure("    trl 1.16.0 depends on transformers>=9\n", RESOLUTION_STDERR, kept)
    assert among_pins == "pip found the course's pins in conflict with each other: trl 1.16.0 depends on transformers>=9"
    other = pip_failure("", "ERROR: Could not find a version that satisfies the requirement trl==99\nERROR: No matching distribution found for trl==99\n", kept)
    assert other == "pip could not install the course's requirements: ERROR: No matching distribution found for trl==99"


def wheel(folder: Path, name: str, requires: str) -> None:
    """A minimal wheel of ``name`` 1.0 that requires ``requires``, for pip to resolve offline."""
    info = f"{name}-1.0.dist-info"
    with zipfile.ZipFile(folder / f"{name}-1.0-py3-none-any.whl", "w") as whl:
        whl.writestr(f"{name}/__init__.py", "")
        whl.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nRequires-Dist: {requires}\n")
        whl.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        whl.writestr(f"{info}/RECORD", "")


def test_real_pip_keeps_the_installed_torch_and_explains_a_conflict(tmp_path):
    # This venv's own pip, offline (--no-index) and installing nothing (--dry-run), with the constraints
    # the Colab install writes: a package that accepts any torch keeps the installed one; one that needs
    # a newer torch fails, and pip_failure names it.
    kept = {name: (metadata.version(name) if name == "torch" else None) for name in KEPT_ON_COLAB}
    (tmp_path / "constraints.txt").write_text(constraints(kept))
    wheel(tmp_path, "any_torch", "torch")
    wheel(tmp_path, "new_torch", "torch>=99")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")} | {"PIP_CONFIG_FILE": os.devnull}

    def pip(package: str) -> subprocess.CompletedProcess:
        args = ["install", "--dry-run", "--no-index", "--find-links", str(tmp_path), "-c", str(tmp_path / "constraints.txt")]
        return subprocess.run([sys.executable, "-m", "pip", *args, package], capture_output=True, text=True, env=env)

    ok = pip("any_torch==1.0")
    assert ok.returncode == 0, ok.stderr
    assert [line for line in ok.stdout.splitlines() if line.startswith("Would install")] == ["Would install any_torch-1.0"]
    failed = pip("new_torch==1.0")
    assert failed.returncode != 0
    line = pip_failure(failed.stdout, failed.stderr, kept)
    assert line.startswith(f"The course's pins do not fit this Colab runtime's torch {metadata.version('torch')}: ")
    assert "new-torch 1.0 depends on torch>=99" in line.replace("new_torch", "new-torch") and "\n" not in line


def test_install_refuses_to_run_outside_colab(tmp_path):
    assert "google.colab" not in sys.modules
    with pytest.raises(ColabInstallError, match="for Colab only"):
        colab.install_on_colab(tmp_path)


# --- the constants agree with the course's files ---------------------------------------------------------


def test_kept_packages_agree_with_requirements():
    names = [requirement_name(line) for line in requirement_lines()]
    assert set(COLAB_TOOLS) <= set(names), "a kept tool is no longer in requirements.txt: drop it from COLAB_TOOLS"
    assert "torch" in names
    # Colab's torchvision and torchaudio are kept; the course never pins them (locally they are not installed).
    assert not {"torchvision", "torchaudio"} & set(names)


def test_every_pin_installed_on_colab_is_exact():
    for pin in course_pins(REQUIREMENTS):
        assert re.fullmatch(r"[A-Za-z0-9._-]+==[0-9][^\s;]*", pin), f"{pin!r} is not an exact pin"


def test_the_course_package_needs_nothing_beyond_requirements():
    # On Colab `-e .` is not installed, so every dependency of sft_helpers must come from requirements.txt.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {requirement_name(line) for line in requirement_lines()}
    assert {requirement_name(dep) for dep in project["dependencies"]} <= names


def test_min_python_is_what_the_pins_need():
    floors = []
    for line in course_pins(REQUIREMENTS):
        spec = metadata.metadata(requirement_name(line))["Requires-Python"] or ""
        floors += [tuple(int(p) for p in m.split(".")[:2]) for m in re.findall(r">=\s*(\d+\.\d+)", spec)]
    assert max(floors) == MIN_PYTHON


def test_pyproject_requires_the_same_python():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">={}.{}".format(*MIN_PYTHON)


def test_the_module_loads_before_anything_is_installed():
    # Imported right after the clone: the standard library only, and syntax old Pythons parse, so that
    # it can say which Python the course needs.
    for module in (colab, requirements):
        ast.parse(Path(module.__file__).read_text(), feature_version=(3, 8))
    code = (
        "import json, sys; before = set(sys.modules); import sft_helpers.machinery.colab; "
        "print(json.dumps(sorted(m for m in set(sys.modules) - before if m.split('.')[0] not in sys.stdlib_module_names)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert json.loads(out) == ["sft_helpers", "sft_helpers.machinery", "sft_helpers.machinery.colab", "sft_helpers.machinery.requirements"]


def test_every_notebook_starts_with_the_same_install_cell():
    cell = install_cell()
    for notebook in LESSONS:
        assert first_code_cell(notebook) == cell, f"{notebook.name}: its first code cell differs from 00_setup's"


def test_every_solutions_notebook_starts_in_its_own_folder():
    """On Colab as locally, a solutions notebook works in notebooks/solutions and writes its outputs/ there."""
    cell = install_cell().replace('os.chdir(f"{COURSE_DIR}/notebooks")  # they write outputs/ here, as they do locally',
                                  'os.chdir(f"{COURSE_DIR}/notebooks/solutions")  # as locally: it writes its outputs/ here')
    assert cell != install_cell()
    for notebook in SOLUTIONS:
        assert first_code_cell(notebook) == cell, f"{notebook.name}: its first code cell differs from 00_setup's but for its folder"


# --- the cell itself in a simulated Colab ----------------------------------------------------------------

STUB_PIP = """\
import json, os, pathlib, sys

# Records the arguments of `python -m pip`, and the constraints file they name, and installs nothing.
args = sys.argv[1:]
held = pathlib.Path(args[args.index("-c") + 1]).read_text() if "-c" in args else None
with open(os.environ["STUB_PIP_LOG"], "a") as log:
    log.write(json.dumps({"args": args, "constraints": held}) + "\\n")
# Optionally plays pip upgrading a package the kernel has imported: its metadata goes from 1.0 to 2.0.
bump = os.environ.get("STUB_PIP_BUMP")
if bump:
    path = pathlib.Path(bump)
    path.write_text(path.read_text().replace("Version: 1.0", "Version: 2.0"))
# Optionally fails as pip does, with the stdout and stderr found in a folder.
fail = os.environ.get("STUB_PIP_FAIL")
if fail:
    sys.stdout.write(pathlib.Path(fail, "stdout").read_text())
    sys.stderr.write(pathlib.Path(fail, "stderr").read_text())
    sys.exit(1)
"""

USERDATA = """\
class NotebookAccessError(Exception):
    def __init__(self, key):
        super().__init__(f"Notebook does not have access to secret {key}")


class SecretNotFoundError(Exception):
    def __init__(self, key):
        super().__init__(f"Secret {key} does not exist.")


def get(key):
    raise SecretNotFoundError(key)  # no secrets in the simulation
"""


@pytest.fixture
def fake_colab(tmp_path, monkeypatch):
    """A ``google.colab`` and a recording ``pip`` on ``PYTHONPATH``, and the course cloned in a fake ``/content``."""
    site = tmp_path / "site"
    files = {
        # No google/__init__.py: `google` stays a namespace package, so protobuf's google.protobuf still imports.
        "google/colab/__init__.py": "",
        "google/colab/userdata.py": USERDATA,
        "pip/__init__.py": "",
        "pip/__main__.py": STUB_PIP,
        # A package the kernel imports and the stub pip may "upgrade", to exercise the restart.
        "sft_fake_inuse/__init__.py": "",
        "sft_fake_inuse-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: sft-fake-inuse\nVersion: 1.0\n",
        "sft_fake_inuse-1.0.dist-info/RECORD": "sft_fake_inuse/__init__.py,,\nsft_fake_inuse-1.0.dist-info/METADATA,,\n",
    }
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    content = tmp_path / "content"
    course = content / "sft-course"
    ignore = shutil.ignore_patterns("__pycache__", "outputs", ".ipynb_checkpoints")
    for name in ("sft_helpers", "notebooks"):
        shutil.copytree(ROOT / name, course / name, ignore=ignore)
    for name in ("requirements.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, course / name)
    # The kernel inherits this process's environment.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("SFT_COURSE_DIR", str(course))
    monkeypatch.setenv("STUB_PIP_LOG", str(tmp_path / "pip.log"))
    return {"site": site, "content": content, "course": course, "pip_log": tmp_path / "pip.log"}


def run_in_kernel(sources: list[str], cwd: Path) -> list[dict]:
    """Run ``sources`` as the cells of one fresh kernel started in ``cwd``; errors are kept as outputs."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    return [cell.outputs for cell in execute_notebook(nb, cwd, timeout=60, allow_errors=True).cells]


def pip_calls(fake_colab: dict) -> list[dict]:
    return [json.loads(line) for line in fake_colab["pip_log"].read_text().splitlines()]


def text_of(outputs: list) -> str:
    return "".join(o.get("text", "") for o in outputs)


def errors_of(outputs: list) -> list:
    return [o for o in outputs if o.output_type == "error"]


def test_install_cell_in_simulated_colab(fake_colab):
    cell = install_cell()
    course = fake_colab["course"]
    check = "import os, sft_helpers\nprint(sft_helpers.__file__)\nprint(os.getcwd())"
    first, install, after = run_in_kernel(["import google.colab", cell, check], fake_colab["content"])
    assert errors_of(first) == [] and errors_of(install) == [], install

    calls = pip_calls(fake_colab)
    assert len(calls) == 1
    args = calls[0]["args"]
    assert args[0] == "install" and "-r" not in args and "-e" not in args
    assert args[args.index("-c") + 1].endswith(".txt")
    pins = course_pins(REQUIREMENTS)
    assert args[-len(pins) :] == pins  # exactly the pins of requirements.txt, minus the kept ones
    named = {requirement_name(a) for a in args if not a.startswith("-") and "==" in a}
    assert not named & KEPT_ON_COLAB and "numpy" in named and "trl" in named
    held = calls[0]["constraints"].splitlines()
    assert f"torch=={metadata.version('torch')}" in held  # whatever torch is installed stays
    assert {requirement_name(line) for line in held} <= KEPT_ON_COLAB

    shown = text_of(install)
    assert f"Kept Colab's own torch {metadata.version('torch')}" in shown
    assert f"Installed the course's other {len(pins)} pins" in shown and "Restart" not in shown
    # sft_helpers comes from the course's folder (not from this venv's editable install), and the notebook
    # is left in notebooks/, where its relative outputs/ paths point.
    module_file, cwd = text_of(after).split()
    assert Path(module_file).resolve().is_relative_to(course.resolve())
    assert Path(cwd).resolve() == (course / "notebooks").resolve()


def test_install_cell_asks_for_one_restart(fake_colab, monkeypatch):
    cell = install_cell()
    monkeypatch.setenv("STUB_PIP_BUMP", str(fake_colab["site"] / "sft_fake_inuse-1.0.dist-info" / "METADATA"))
    start = "import google.colab, sft_fake_inuse"
    # First run: pip "upgrades" a package the kernel has imported; running the cell again without a restart
    # must stop the same way.
    _, install, again = run_in_kernel([start, cell, cell], fake_colab["content"])
    line = (
        "Restart the session (Runtime > Restart session) and run the notebook again from the top: "
        "pip changed sft-fake-inuse from 1.0 to 2.0 while it was in use."
    )
    for outputs in (install, again):
        (error,) = errors_of(outputs)
        assert error.ename == "RestartNeeded" and error.traceback == [line]
    # After the restart (a new kernel): pip changes nothing, the cell goes through.
    _, install = run_in_kernel([start, cell], fake_colab["content"])
    assert errors_of(install) == [] and "Installed the course's" in text_of(install)


def test_install_cell_says_in_one_line_when_pip_cannot_resolve(fake_colab, monkeypatch, tmp_path):
    cell = install_cell()
    failed = tmp_path / "failed-pip"
    failed.mkdir()
    (failed / "stdout").write_text(RESOLUTION_STDOUT)
    (failed / "stderr").write_text(RESOLUTION_STDERR)
    monkeypatch.setenv("STUB_PIP_FAIL", str(failed))
    _, install = run_in_kernel(["import google.colab", cell], fake_colab["content"])
    (error,) = errors_of(install)
    assert error.ename == "ColabInstallError" and len(error.traceback) == 1
    assert error.traceback[0].startswith(f"The course's pins do not fit this Colab runtime's torch {metadata.version('torch')}")
    assert "fakepkg 1.0 depends on torch>=99" in error.traceback[0]


def test_badges_and_install_cell_name_the_same_repository():
    from sft_helpers.machinery.colab import COURSE_REPOSITORY, colab_badge

    assert f'COURSE_REPO = "https://github.com/{COURSE_REPOSITORY}"' in install_cell()
    for notebook in LESSONS:
        first = nbformat.read(notebook, as_version=4).cells[0]
        assert first.cell_type == "markdown" and colab_badge(notebook.name) in first.source, notebook.name
