"""Safe loading and secrets: a scan of the notebooks, the package and everything else the course ships."""

import os
import re
from pathlib import Path

import nbformat

from tests.conftest import ROOT

SKIP_DIRS = {".git", ".venv", "outputs", "runs", "__pycache__", ".ipynb_checkpoints", "ipython", "build"}
PICKLE_SUFFIXES = {".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt"}
TOKEN = re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")
REMOTE_CODE = re.compile(r"trust_remote_code\s*=\s*True")
THIS_FILE = Path(__file__).resolve()


def shipped_files():
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        for name in files:
            path = Path(folder) / name
            if path.resolve() != THIS_FILE:
                yield path


def code_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    return path.read_text(encoding="utf-8", errors="ignore")


def test_the_scan_sees_the_course():
    names = {p.name for p in shipped_files()}
    assert {"02_sft_smollm2_smoltalk.ipynb", "masking.py", "requirements.txt"} <= names


def test_no_remote_code():
    found = [str(p.relative_to(ROOT)) for p in shipped_files() if p.suffix in (".py", ".ipynb") and REMOTE_CODE.search(code_of(p))]
    assert not found, f"trust_remote_code=True in {found}"


def test_no_token_like_strings():
    found = [str(p.relative_to(ROOT)) for p in shipped_files() if p.suffix not in (".png",) and TOKEN.search(code_of(p))]
    assert not found, f"something that looks like a Hub token in {found}"


def test_no_pickled_checkpoints():
    found = [str(p.relative_to(ROOT)) for p in shipped_files() if p.suffix in PICKLE_SUFFIXES]
    assert not found, f"pickle-based weight files in {found}; save with safetensors"


def test_scanners_catch_what_they_look_for():
    assert REMOTE_CODE.search('AutoModel.from_pretrained("x", trust_remote_code = True)')
    assert TOKEN.search('token = "hf_' + "a1B2" * 9 + '"')
    assert not TOKEN.search("hf_hub_download")


def test_notebooks_save_safetensors_and_read_tokens_only_from_the_environment():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        source = code_of(path)
        assert "safe_serialization=False" not in source, path.name
        assert not re.search(r"\btoken\s*=\s*['\"]", source), f"{path.name} hard-codes a token"
