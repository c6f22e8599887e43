"""Reading ``requirements.txt``: the one parser the environment report, the Colab install, CI and the tests share.

Standard library only, and syntax old Pythons parse: the Colab install imports it before anything is
installed, on whatever Python the runtime has.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple, Optional, Union

# The course's own requirements file, beside the package.
COURSE_REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"


class Requirement(NamedTuple):
    """One package line: the distribution's canonical name, its ``==`` version (``None`` unpinned), the line."""

    name: str
    version: Optional[str]
    line: str


def canonical(name: str) -> str:
    """A distribution name as pip compares them (PEP 503).

    >>> canonical("Huggingface_Hub")
    'huggingface-hub'
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(line: str) -> str:
    """The distribution named by one requirement line.

    >>> requirement_name("transformers[torch]==5.0")
    'transformers'
    """
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
    if not match:
        raise ValueError(f"cannot read the requirement {line!r}")
    return canonical(match.group(1))


def parse_requirements(text: str) -> list[Requirement]:
    """The package lines of a requirements file; comments and options (``-e .``, ``--index-url``) are skipped.

    >>> parse_requirements("# pins\\ntorch==2.13.0\\nextra-thing[cli]==1.0  # why\\nloose\\n-e .\\n")
    [Requirement(name='torch', version='2.13.0', line='torch==2.13.0'), Requirement(name='extra-thing', version='1.0', line='extra-thing[cli]==1.0'), Requirement(name='loose', version=None, line='loose')]
    """
    requirements = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        pinned = re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?\s*==\s*([^\s;]+)", line)
        requirements.append(Requirement(requirement_name(line), pinned.group(1) if pinned else None, line))
    return requirements


def read_requirements(path: Union[str, Path] = COURSE_REQUIREMENTS) -> list[Requirement]:
    """``parse_requirements`` of the file at ``path``, by default the course's own."""
    return parse_requirements(Path(path).read_text())


def pin(name: str, path: Union[str, Path] = COURSE_REQUIREMENTS) -> str:
    """The line that pins ``name``, as pip takes it (``.ci/run`` installs torch first with it).

    >>> pin("torch")  # the course's pin
    'torch==2.13.0'
    """
    for requirement in read_requirements(path):
        if requirement.name == canonical(name):
            return requirement.line
    raise KeyError(f"{name} is not in {path}")


# PyTorch's own index of CPU-only builds: the same versions as PyPI's, without CUDA's libraries.
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def torch_install_args(system: str, has_nvidia_gpu: bool, installed: Optional[str], pinned: str) -> Optional[list]:
    """The pip arguments that install torch before the rest of ``requirements.txt``, or ``None`` to leave it to them.

    On Linux, PyPI's torch wheel is a CUDA build of several GB; without an NVIDIA GPU the CPU build of the
    same version comes from PyTorch's CPU index (its version reads ``2.13.0+cpu``, which ``torch==2.13.0``
    accepts). A torch already at the pinned version stays, whatever its build.

    >>> torch_install_args("Linux", False, None, "2.13.0")
    ['torch==2.13.0', '--index-url', 'https://download.pytorch.org/whl/cpu']
    >>> torch_install_args("Linux", False, "2.13.0+cpu", "2.13.0") is None  # already there
    True
    >>> torch_install_args("Linux", False, "2.12.1", "2.13.0")  # another version: replaced by the CPU build
    ['torch==2.13.0', '--index-url', 'https://download.pytorch.org/whl/cpu']
    >>> torch_install_args("Linux", True, None, "2.13.0") is None  # a GPU needs PyPI's CUDA build
    True
    >>> torch_install_args("Darwin", False, None, "2.13.0") is None  # PyPI's macOS and Windows wheels have no CUDA to spare
    True
    """
    if installed is not None and installed.split("+", 1)[0] == pinned:
        return None
    if system != "Linux" or has_nvidia_gpu:
        return None
    return [f"torch=={pinned}", "--index-url", CPU_INDEX]


def _install_torch_first() -> None:
    """``make``'s first install step: the CPU build of the pinned torch on Linux without an NVIDIA GPU."""
    import platform
    import shutil
    import subprocess
    import sys
    from importlib import metadata

    try:
        installed = metadata.version("torch")
    except metadata.PackageNotFoundError:
        installed = None
    has_nvidia_gpu = shutil.which("nvidia-smi") is not None or Path("/proc/driver/nvidia").exists()
    pinned = next(r.version for r in read_requirements() if r.name == "torch")
    args = torch_install_args(platform.system(), has_nvidia_gpu, installed, pinned)
    if args is None:
        return
    print(f"No NVIDIA GPU on this Linux machine: installing the CPU build of torch {pinned} from PyTorch's CPU "
          f"wheel index ({CPU_INDEX}) instead of PyPI's CUDA build of several GB.", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", *args], check=True)


if __name__ == "__main__":
    # python -m sft_helpers.machinery.requirements torch            ->  torch==2.13.0
    # python -m sft_helpers.machinery.requirements --install-torch  ->  the CPU build where it is the right one
    import sys

    if sys.argv[1] == "--install-torch":
        _install_torch_first()
    else:
        print(pin(sys.argv[1]))
