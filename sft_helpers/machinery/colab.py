"""The course's install on Colab: its pinned requirements on top of Colab's own torch.

``pip install -r requirements.txt`` is wrong on Colab: it replaces the preinstalled torch with the pinned
CUDA 13 build (several GB, and a recent driver) while Colab's torchvision stays built for the old torch,
so the next ``import trl`` fails inside torchvision; it also reinstalls Colab's own notebook tools, and
its ``-e .`` only becomes importable after a restart. ``install_on_colab`` installs every other pin of
``requirements.txt`` exactly, holds torch and the tools at their installed versions with a pip
constraints file, makes ``sft_helpers`` importable at once, and stops with one line when the kernel
must restart because pip changed a package it had already imported.

The first code cell of every notebook imports this module right after cloning the course, before anything
is installed, on whatever Python the runtime has: so it imports only the standard library, and its syntax
must load on older Pythons too, to be able to say which one the course needs.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Collection, Iterable, Mapping
from importlib import metadata
from pathlib import Path

from sft_helpers.machinery.requirements import canonical, parse_requirements, requirement_name

# Built together for the runtime's CUDA and driver: replacing one breaks the others (torchvision's
# compiled operators no longer load), and transformers imports torchvision, so TRL would fail to import.
COLAB_TORCH = ("torch", "torchvision", "torchaudio")
# Colab runs its own notebook server and kernel; the course pins these only for its local lab and CI.
COLAB_TOOLS = ("jupyterlab", "ipykernel", "ipywidgets", "nbconvert", "nbval", "pytest", "pytest-xdist")
KEPT_ON_COLAB = frozenset(COLAB_TORCH + COLAB_TOOLS)

# numpy 2.4 and pandas 3 need Python 3.11 (tests/machinery/test_colab.py checks this against the installed pins).
MIN_PYTHON = (3, 11)

# The course's GitHub repository, in one place: the install cell's COURSE_REPO and every notebook's
# "Open in Colab" badge must agree with it (tests/machinery/test_colab.py checks both). Forks change it here.
COURSE_REPOSITORY = "sft-course/sft-course"


def colab_badge(notebook: str) -> str:
    """The Markdown of an "Open in Colab" badge for ``notebooks/<notebook>`` of the course's repository."""
    url = f"https://colab.research.google.com/github/{COURSE_REPOSITORY}/blob/main/notebooks/{notebook}"
    return f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"


RESTART = "Restart the session (Runtime > Restart session) and run the notebook again from the top"


class ColabInstallError(RuntimeError):
    """An install problem the student can act on: IPython shows its message alone, not a traceback."""

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of formatting the traceback (InteractiveShell.showtraceback).
        return [str(self)]


class RestartNeeded(ColabInstallError):
    """pip changed a package this kernel had already imported: only a restart loads the new one."""


def course_pins(requirements: str, keep: Collection[str] = KEPT_ON_COLAB) -> list[str]:
    """The lines of ``requirements.txt`` to install on Colab, verbatim: all but options and the ``keep`` packages."""
    # Options such as ``-e .`` are skipped: the course itself is imported from its folder (see install_on_colab).
    return [r.line for r in parse_requirements(requirements) if r.name not in keep]


def constraints(installed: Mapping[str, str | None]) -> str:
    """A pip constraints file holding each kept package that is installed at its installed version.

    With it no pinned package can drag in another torch: pip fails to resolve instead.
    """
    return "".join(
        f"{name}=={installed[name]}\n" for name in sorted(KEPT_ON_COLAB) if installed.get(name) is not None
    )


def python_problem(version: tuple[int, ...]) -> str | None:
    """Why the course cannot run on Python ``version``, or ``None`` when it can."""
    if tuple(version[:2]) >= MIN_PYTHON:
        return None
    need = ".".join(map(str, MIN_PYTHON))
    have = ".".join(map(str, version[:3]))
    return (
        f"The course needs Python {need} or newer and this runtime has Python {have}: choose a newer runtime "
        "(Runtime > Change runtime type > Runtime version) and run the notebook again."
    )


def pip_failure(stdout: str, stderr: str, kept: Mapping[str, str | None]) -> str:
    """One line saying why pip failed: a pin that needs another torch than Colab's, or pip's own last error."""
    if "ResolutionImpossible" in stderr:
        # pip names the culprits after "The conflict is caused by:" (on stdout, hence no -q).
        causes = [line.strip() for line in stdout.splitlines() if " depends on " in line]
        about_kept = [c for c in causes if requirement_name(c.split(" depends on ", 1)[1]) in KEPT_ON_COLAB]
        if not about_kept:
            return f"pip found the course's pins in conflict with each other: {'; '.join(causes) or 'no details'}"
        have = ", ".join(f"{name} {kept[name]}" for name in COLAB_TORCH if kept.get(name))
        return (
            f"The course's pins do not fit this Colab runtime's {have or 'packages'}: {'; '.join(about_kept)}. "
            "Choose a newer runtime (Runtime > Change runtime type > Runtime version) or a course version that fits it."
        )
    errors = [line.strip() for line in stderr.splitlines() if line.strip()]
    return f"pip could not install the course's requirements: {errors[-1] if errors else 'no message'}"


def restart_reason(before: Mapping[str, str], after: Mapping[str, str], in_use: Collection[str]) -> str | None:
    """The one-line restart request when pip changed a distribution in ``in_use``, else ``None``.

    ``before`` and ``after`` are installed versions around the pip run; ``in_use`` names distributions
    with a module imported in the kernel. Only those matter: the kernel still runs their old code.
    """
    changes = [
        (name, before[name], after.get(name, "(removed)"))
        for name in sorted(in_use)
        if name in before and after.get(name) != before[name]
    ]
    if not changes:
        return None
    said = [f"{name} from {old} to {new}" for name, old, new in changes[:3]]
    if len(changes) > 3:
        said.append(f"{len(changes) - 3} more")
    listed = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
    what = "it was" if len(changes) == 1 else "they were"
    return f"{RESTART}: pip changed {listed} while {what} in use."


def module_names(files: Iterable[str]) -> set[str]:
    """The importable modules among a distribution's files (``numpy/linalg/__init__.py`` -> ``numpy.linalg``)."""
    names = set()
    for path in files:
        *folders, leaf = str(path).split("/")
        stem, dot, suffix = leaf.partition(".")
        # Skips metadata, scripts (``../../bin``), vendored libraries (``numpy.libs``) and bytecode.
        if suffix.rpartition(".")[2] not in ("py", "so", "pyd") or not all(p.isidentifier() for p in [*folders, stem]):
            continue
        names.add(".".join(folders if stem == "__init__" else [*folders, stem]))
    names.discard("")
    return names


def installed_versions() -> dict[str, str]:
    """Every installed distribution's version, by canonical name: the first on ``sys.path`` is the one imported."""
    versions: dict[str, str] = {}
    for dist in metadata.distributions():
        info = dist.metadata
        if info["Name"]:
            versions.setdefault(canonical(info["Name"]), info["Version"])
    return versions


def distributions_in_use(names: Iterable[str]) -> set[str]:
    """Those of ``names`` with a module imported in this process."""
    in_use = set()
    for name in names:
        try:
            files = metadata.files(name) or []
        except metadata.PackageNotFoundError:
            continue
        modules = module_names(str(f) for f in files) or {name.replace("-", "_")}  # no file list: guess
        if any(module in sys.modules for module in modules):
            in_use.add(name)
    return in_use


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _put_first_on_path(folder: str) -> None:
    # The editable install of `-e .` is read from a .pth file at startup only: in the running kernel the
    # course's package is importable from its folder on sys.path, from any working directory.
    while folder in sys.path:
        sys.path.remove(folder)
    sys.path.insert(0, folder)


# Set when this kernel must restart: running the cell again without restarting must not pass.
_restart_pending: str | None = None


def install_on_colab(course_dir: str | Path) -> None:
    """Install the course's pins from ``course_dir/requirements.txt`` on top of Colab's torch and tools.

    Raises ``ColabInstallError`` (one line in the notebook) on an old Python or a failed install, and
    ``RestartNeeded`` when pip changed a package the kernel had imported.
    """
    global _restart_pending
    if "google.colab" not in sys.modules:
        raise ColabInstallError("install_on_colab() is for Colab only: elsewhere install with `make lab`, as the README says.")
    if _restart_pending:
        raise RestartNeeded(_restart_pending)
    problem = python_problem(tuple(sys.version_info[:3]))
    if problem:
        raise ColabInstallError(problem)
    course = Path(course_dir).resolve()
    _put_first_on_path(str(course))

    kept = {name: _installed(name) for name in sorted(KEPT_ON_COLAB)}
    # A runtime without torch gets the course's pin rather than whatever version a dependency would pull in.
    keep = {name for name in KEPT_ON_COLAB if kept[name] or name in COLAB_TOOLS}
    pins = course_pins((course / "requirements.txt").read_text(), keep)
    print(f"Installing {len(pins)} pinned packages from requirements.txt, keeping Colab's torch (a few minutes the first time)...")
    before = installed_versions()
    with tempfile.TemporaryDirectory() as tmp:
        constraint_file = Path(tmp) / "colab-constraints.txt"
        constraint_file.write_text(constraints(kept))
        # No -q: pip explains a failed resolution on stdout only; both streams are captured and shown as needed.
        args = ["install", "--disable-pip-version-check", "--progress-bar", "off", "-c", str(constraint_file)]
        env = {**os.environ, "PIP_ROOT_USER_ACTION": "ignore"}  # root is intended on Colab: no warning
        pip = subprocess.run([sys.executable, "-m", "pip", *args, *pins], capture_output=True, text=True, env=env)
    if pip.returncode != 0:
        raise ColabInstallError(pip_failure(pip.stdout, pip.stderr, kept))
    if pip.stderr.strip():
        # Warnings, typically other Colab packages that wanted other versions of the course's pins.
        print(pip.stderr.strip(), file=sys.stderr)
        if "dependency conflicts" in pip.stderr:
            print(
                "The conflicts above are with Colab packages outside the course's requirements; "
                "the course's own pins were installed together and agree.",
                file=sys.stderr,
            )

    importlib.invalidate_caches()  # newly installed packages must be found by the next import
    after = installed_versions()
    changed = sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
    reason = restart_reason(before, after, distributions_in_use(n for n in changed if n in before))
    if reason:
        _restart_pending = reason
        raise RestartNeeded(reason)

    have = ", ".join(f"{name} {kept[name]}" for name in COLAB_TORCH if kept[name])
    if have:
        print(f"Kept Colab's own {have} (built for this runtime's GPU) and its notebook tools.")
    print(f"Installed the course's other {len(pins)} pins from requirements.txt (pip added or changed {len(changed)} packages).")
