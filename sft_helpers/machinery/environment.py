"""The course's environment: installed packages against ``requirements.txt``, then device and precision.

Notebook 00 prints ``environment_report()`` first, so that a wrong version shows before anything fails
deep in a library.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from sft_helpers.machinery.device import PRECISION_MEANING, detect_device, detect_precision
from sft_helpers.machinery.requirements import COURSE_REQUIREMENTS, read_requirements


def _public_version(version: str) -> str:
    """``2.13.0+cpu`` -> ``2.13.0``: the local build label (CPU, CUDA) does not change the release."""
    return version.split("+", 1)[0]


def check_requirements(path: str | Path) -> list[tuple[bool, str]]:
    """One ``(ok, line)`` per requirement: the installed version against the pinned one.

    On Colab, the packages the course keeps at Colab's own versions (torch and the notebook tools, see
    ``sft_helpers.machinery.colab``) are fine at any version.
    """
    import sys

    from sft_helpers.machinery.colab import KEPT_ON_COLAB

    on_colab = "google.colab" in sys.modules
    rows = []
    for req in read_requirements(path):
        try:
            installed = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            rows.append((False, f"{req.name}: not installed (want {req.version or 'any version'})"))
            continue
        ok = req.version is None or _public_version(installed) == req.version
        if not ok and on_colab and req.name in KEPT_ON_COLAB:
            rows.append((True, f"{req.name} {installed} (Colab's own, kept; the course pins {req.version})"))
            continue
        want = f", want {req.version}" if not ok else ""
        rows.append((ok, f"{req.name} {installed}{want}"))
    return rows


def find_requirements(start: str | Path | None = None) -> Path | None:
    """``requirements.txt`` of the course: next to the package, or in a parent of ``start``."""
    candidates = [COURSE_REQUIREMENTS.parent]
    if start is not None:
        candidates += list(Path(start).resolve().parents) + [Path(start).resolve()]
    for folder in candidates:
        if (folder / "requirements.txt").exists():
            return folder / "requirements.txt"
    return None


def environment_report(requirements: str | Path | None = None) -> str:
    """Installed versions against ``requirements.txt`` as ``[OK]``/``[FAIL]`` lines, then device and precision."""
    path = Path(requirements) if requirements else find_requirements(Path.cwd())
    lines = []
    if path is None:
        lines.append("[FAIL] requirements.txt not found: cannot check package versions")
    else:
        lines += [f"[{'OK' if ok else 'FAIL'}] {text}" for ok, text in check_requirements(path)]
    device = detect_device()
    precision = detect_precision(device)
    lines.append(f"device: {device}")
    lines.append(f"precision: {precision} ({PRECISION_MEANING[precision]})")
    return "\n".join(lines)
