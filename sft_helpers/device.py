"""Device and precision detection, in the form ``TrainingArguments`` and ``SFTConfig`` take.

TRL's ``SFTConfig`` defaults to ``bf16=True``. On a CPU that stops with an error; on a CUDA card
older than compute capability 8.0 (a Colab T4 is 7.5) torch 2.13 *emulates* bf16, so training runs,
but slowly and off the tensor cores. ``precision_kwargs()`` gives the right flags for whatever machine
runs the notebook, so one notebook runs everywhere and fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal

Device = Literal["cuda", "mps", "cpu"]
Precision = Literal["bf16", "fp16", "fp32"]

PRECISION_MEANING = {
    "bf16": "bfloat16 mixed precision: half the memory traffic of fp32, fp32's range, no loss scaling needed",
    "fp16": "float16 mixed precision with loss scaling: the fast path on GPUs without bfloat16 tensor cores (for example a T4)",
    "fp32": "full float32: the safe choice on a CPU, where mixed precision brings little and bf16 may be slow",
}


def detect_device() -> Device:
    """The best available device: ``cuda``, then ``mps`` (Apple GPUs), then ``cpu``."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


# bf16 tensor cores arrived with Ampere (compute capability 8.0: A100, RTX 30xx, L4 is 8.9).
BF16_MIN_CAPABILITY = (8, 0)


def detect_precision(device: Device | None = None) -> Precision:
    """The training precision ``device`` runs fast: bf16 from compute capability 8.0, fp16 below it, else fp32."""
    import torch

    device = device or detect_device()
    if device == "cuda":
        if torch.version.hip:  # AMD GPUs under ROCm: every one torch supports runs bf16 natively
            return "bf16"
        # Not torch.cuda.is_bf16_supported(): in torch 2.13 it counts emulation and answers True on a T4,
        # where bf16 runs without tensor cores, several times slower than fp16.
        return "bf16" if torch.cuda.get_device_capability() >= BF16_MIN_CAPABILITY else "fp16"
    if device == "mps":
        # Apple GPUs run bf16 from macOS 14 on (the same test transformers uses); before that, fp32.
        return "bf16" if torch.backends.mps.is_macos_or_newer(14, 0) else "fp32"
    return "fp32"


def precision_kwargs(device: Device | None = None, precision: Precision | None = None) -> dict[str, bool]:
    """``bf16``/``fp16``/``use_cpu`` for ``TrainingArguments(**...)`` or ``SFTConfig(**...)``."""
    device = device or detect_device()
    precision = precision or detect_precision(device)
    if device == "cpu" and precision != "fp32":
        raise ValueError(f"precision {precision!r} is not supported for training on the CPU here; use 'fp32'")
    return {"bf16": precision == "bf16", "fp16": precision == "fp16", "use_cpu": device == "cpu"}


@dataclass(frozen=True)
class Requirement:
    name: str
    version: str | None  # None when the line has no ``==`` pin


def read_requirements(path: str | Path) -> list[Requirement]:
    """The named packages in a requirements file (``-e .``, options and comments are skipped)."""
    reqs = []
    for raw in Path(path).read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = re.match(r"^([A-Za-z0-9_.\-\[\]]+)\s*(?:==\s*([^\s;]+))?", line)
        if not match:
            raise ValueError(f"{path}: cannot read requirement line {raw!r}")
        name = re.sub(r"\[.*\]", "", match.group(1))
        reqs.append(Requirement(name, match.group(2)))
    return reqs


def _public_version(version: str) -> str:
    """``2.13.0+cpu`` -> ``2.13.0``: the local build label (CPU, CUDA) does not change the release."""
    return version.split("+", 1)[0]


def check_requirements(path: str | Path) -> list[tuple[bool, str]]:
    """One ``(ok, line)`` per requirement: the installed version against the pinned one.

    On Colab, the packages the course keeps at Colab's own versions (torch and the notebook tools, see
    ``sft_helpers.colab``) are fine at any version.
    """
    import sys

    from .colab import KEPT_ON_COLAB, canonical

    on_colab = "google.colab" in sys.modules
    rows = []
    for req in read_requirements(path):
        try:
            installed = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            rows.append((False, f"{req.name}: not installed (want {req.version or 'any version'})"))
            continue
        ok = req.version is None or _public_version(installed) == req.version
        if not ok and on_colab and canonical(req.name) in KEPT_ON_COLAB:
            rows.append((True, f"{req.name} {installed} (Colab's own, kept; the course pins {req.version})"))
            continue
        want = f", want {req.version}" if not ok else ""
        rows.append((ok, f"{req.name} {installed}{want}"))
    return rows


def find_requirements(start: str | Path | None = None) -> Path | None:
    """``requirements.txt`` of the course: next to the package, or in a parent of ``start``."""
    candidates = [Path(__file__).resolve().parent.parent]
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
