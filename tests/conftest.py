"""What every test shares, defined once: the course's paths, the notebooks' environment, how a notebook is
executed outside nbval, and fixtures of the offline stand-ins set up as the notebooks set them.

The tests are laid out like the code: ``tests/test_<module>.py`` (or ``test_<module>_<part>.py``) for the
lesson helpers at the top of ``sft_helpers`` (and for the notebooks as files), ``tests/machinery/`` for the
machinery, ``tests/tools/`` for the programs of ``misc/tools/`` and notebook 05's script, and
``tests/rehearsal/`` for the full profile rehearsed on the real architectures.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted((NOTEBOOKS / "solutions").glob("[0-9][0-9]_*.ipynb"))
TEST_DATA = ROOT / "tests" / "data"
# The maintainers' programs are plain scripts (``python misc/tools/<name>.py``); their tests import them as modules.
TOOLS = ROOT / "misc" / "tools"
sys.path.insert(0, str(TOOLS))
# Beside the course's own checkout only (a student's clone has none): the real tokenizer and config files.
HUB_FIXTURES = ROOT.parent / "shared" / "hub-fixtures"
needs_hub_fixtures = pytest.mark.skipif(
    not HUB_FIXTURES.is_dir(),
    reason="../shared/hub-fixtures is absent: the real tokenizer and config files are only beside the course's own "
    "checkout (a student's clone has none)",
)

def free_port() -> int:
    """A port nothing listens on: the test run is parallel, so fixed ports (torchrun's 29500, Jupyter's 8888) may be taken."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the environment notebooks run in, under the tests and when their stored outputs are regenerated -----
# Both must match exactly, or nbval would compare outputs made under different settings.
NOTEBOOK_ENV = {
    # The tests always use the offline profile: no network, tiny stand-ins, bundled data.
    "SFT_PROFILE": "offline",
    # Belt and braces: any accidental Hub call fails at once instead of waiting on the network.
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    # Progress bars print rates and timings, which differ on every run.
    "TQDM_DISABLE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # transformers' and huggingface_hub's own bars
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",  # datasets' map/filter bars
    "PYTHONHASHSEED": "0",
    # One thread per process: the test run spreads files over one worker per core (pytest-xdist), and
    # two workers of two threads each on two cores slow each other down many times over. The tiny
    # stand-ins train no slower on one thread (notebook 02: 50.6 s against 51.5 s on two). The thread
    # count changes the order of float sums, so trained figures differ in their last digits: the
    # stored outputs are made with one thread too (regenerate_outputs.py applies this same setting).
    "OMP_NUM_THREADS": "1",
    # Plain tracebacks (see tests/ipython/profile_default).
    "IPYTHONDIR": str(ROOT / "tests" / "ipython"),
}


def apply_notebook_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """Set ``NOTEBOOK_ENV`` in ``env`` (default ``os.environ``, which notebook kernels inherit) and return it."""
    env = os.environ if env is None else env
    env.update(NOTEBOOK_ENV)
    # A stray Agg backend would make figures vanish from notebook outputs.
    env.pop("MPLBACKEND", None)
    return env


def execute_notebook(notebook, cwd: str | os.PathLike, env: Mapping[str, str] | None = None, timeout: int = 900,
                     allow_errors: bool = False):
    """Run a notebook (a path, or a ``NotebookNode`` to fill in) in a fresh kernel working in ``cwd``; returns it.

    The one way the tests run a notebook outside nbval: the rehearsal, the simulated Colab and the
    regeneration of stored outputs. ``env`` is set for the kernel (and for this process while it starts).
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4) if isinstance(notebook, (str, os.PathLike)) else notebook
    saved = {name: os.environ.get(name) for name in env or {}}
    os.environ.update(env or {})  # the kernel inherits this process's environment
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors, record_timing=False,
                       resources={"metadata": {"path": str(cwd)}}).execute()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return nb


def code_cells(notebook: str | os.PathLike) -> list[str]:
    """The sources of a notebook's code cells, in order."""
    import nbformat

    return [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]


# --- fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture
def no_gpu(monkeypatch):
    """A machine with neither CUDA nor an Apple GPU, whatever machine runs the tests."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


@pytest.fixture(scope="session")
def smollm2_path():
    """The folder of the offline stand-in for SmolLM2-135M (built once, then cached)."""
    from sft_helpers.machinery.standins import standin_path

    return standin_path("tiny-smollm2")


@pytest.fixture(scope="session")
def gpt2_path():
    """The folder of the offline stand-in for distilgpt2 (built once, then cached)."""
    from sft_helpers.machinery.standins import standin_path

    return standin_path("tiny-gpt2")


@pytest.fixture(scope="module")
def gpt2_tokenizer(gpt2_path):
    """tiny-gpt2's tokenizer, padding with its end-of-sequence token as notebook 03 does."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(gpt2_path)
    assert tok.pad_token is None  # like distilgpt2's
    tok.pad_token = tok.eos_token
    return tok


@pytest.fixture(scope="module")
def chat_tokenizer(smollm2_path):
    """tiny-smollm2's tokenizer with the course's ChatML template, as notebook 02 sets it up."""
    from transformers import AutoTokenizer

    from sft_helpers.data import setup_chatml

    tok = AutoTokenizer.from_pretrained(smollm2_path)
    setup_chatml(tok)
    return tok


@pytest.fixture
def chat_model(smollm2_path):
    """A fresh tiny-smollm2 and its tokenizer in float32 on the CPU, set up as notebook 02 sets them up."""
    from sft_helpers.training import load_chat_model

    return load_chat_model(smollm2_path, "cpu")
