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


if __name__ == "__main__":  # python -m sft_helpers.machinery.requirements torch  ->  torch==2.13.0
    import sys

    print(pin(sys.argv[1]))
