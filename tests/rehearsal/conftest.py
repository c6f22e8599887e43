"""The rehearsal of the full profile, offline, with the real tokenizers and model architectures.

``../shared/hub-fixtures`` holds the real tokenizer and config files of SmolLM2-135M and distilgpt2
(no weights). ``hf_home`` builds a Hugging Face cache from them, with random weights of the real
architectures made here and never committed; ``rehearse`` then executes a notebook unchanged in the full
profile (``HF_HUB_OFFLINE=1``, a smoke run of one step of one example: SmolLM2-135M trained at about 50
tokens a second on one thread of a 70 GFLOP/s CPU, so every token counts), on data sets shaped like the real ones
(``tests/data/rehearsal``: Alpaca records with empty outputs and answers longer than ``max_length``,
multi-turn small talk with long replies and nothing checkable), so that the code a student runs online
meets the real tokenizers (SmolLM2's missing chat template and ``<|endoftext|>`` eos, distilgpt2's missing
pad token and its BPE at the prompt/response boundary) and real data's defects before the student does.

The lessons and the solutions are rehearsed in two files so that the test run spreads them over its workers.
"""

import hashlib
import shutil
from pathlib import Path

import pytest
import torch
from transformers import AutoConfig, AutoModelForCausalLM

from tests.conftest import HUB_FIXTURES, NOTEBOOKS, TEST_DATA, execute_notebook

REPOS = {"HuggingFaceTB/SmolLM2-135M": "SmolLM2-135M", "distilgpt2": "distilgpt2"}
EVERYDAY = TEST_DATA / "rehearsal" / "everyday"  # shaped like HuggingFaceTB/smoltalk, everyday-conversations
ALPACA = TEST_DATA / "rehearsal" / "alpaca"  # shaped like tatsu-lab/alpaca


@pytest.fixture(scope="module")
def hf_home(tmp_path_factory):
    """A Hugging Face cache holding both models: the real files, and random weights of the real architecture."""
    home = tmp_path_factory.mktemp("hf_home")
    for repo, folder in REPOS.items():
        cache = home / "hub" / f"models--{repo.replace('/', '--')}"
        revision = hashlib.sha1(repo.encode()).hexdigest()
        snapshot = cache / "snapshots" / revision
        shutil.copytree(HUB_FIXTURES / folder, snapshot)
        (cache / "refs").mkdir()
        (cache / "refs" / "main").write_text(revision)
        torch.manual_seed(0)
        model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(snapshot), dtype=torch.bfloat16)
        model.save_pretrained(snapshot)  # safetensors
    return home


def rehearse(notebook: str, workdir: Path, hf_home: Path):
    """Run a notebook of the course, unchanged, in the full profile against the rehearsal cache."""
    env = {
        "SFT_PROFILE": "full",
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(hf_home),
        "SFT_SMOLTALK_DATASET": str(EVERYDAY),  # per task: notebook 01 loads both
        "SFT_ALPACA_DATASET": str(ALPACA),
        "SFT_MAX_STEPS": "1",
        "SFT_BATCH_SIZE": "1",
        "SFT_EVAL_REPLIES": "2",
    }
    return execute_notebook(NOTEBOOKS / notebook, workdir, env)


def outputs_of(nb, stream: str | None = None) -> str:
    return "\n".join(
        "".join(o.get("text", ""))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if stream is None or o.get("name") == stream
    )


# Warnings the notebooks explain where they happen.
EXPLAINED = (
    "There were missing keys in the checkpoint model loaded: ['lm_head.weight']",
    # Solutions 01, exercise 2: a template without markers, and the warning it earns, are the lesson.
    "return_assistant_tokens_mask==True but chat template does not contain `{% generation %}` keyword.",
)


def unexplained_warnings(nb) -> list[str]:
    lines = outputs_of(nb, "stderr").splitlines()
    return [line for line in lines if line.strip() and not any(known in line for known in EXPLAINED)]


def assert_smoke_run_reports_without_asserting(text: str) -> None:
    assert "[FAILED]" not in text and "[checked]" not in text
    assert "too short to show learning: nothing above was asserted" in text


