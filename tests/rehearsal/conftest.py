"""The rehearsal of the full profile, offline, with the real tokenizers and model shapes at reduced depth.

``../shared/hub-fixtures`` holds the real tokenizer and config files of SmolLM2-135M and distilgpt2
(no weights). ``hf_home`` builds a Hugging Face cache from them once per test run (shared by the xdist
workers), with random weights made here and never committed: the real tokenizer files, chat templates,
special tokens, vocabulary and every shape of the real architectures (hidden size, heads, intermediate size),
but ``REHEARSAL_LAYERS`` transformer blocks instead of 30 (SmolLM2) and 6 (distilgpt2). Depth tests nothing
here: the weights are random, a smoke run asserts no learning, and every block is the same code; the
figures that do depend on depth (the parameter counts, notebook 05's LoRA share) are checked at the real
depth on the meta device (``test_lessons.py``). ``rehearse`` then executes a notebook unchanged in the
full profile (``HF_HUB_OFFLINE=1``, a smoke run of one step of one example), on data sets shaped like the
real ones (``tests/data/rehearsal``: Alpaca records with empty outputs and answers longer than
``max_length``, multi-turn small talk with long replies and nothing checkable), so that the code a student
runs online meets the real tokenizers (SmolLM2's missing chat template and ``<|endoftext|>`` eos,
distilgpt2's missing pad token and its BPE at the prompt/response boundary) and real data's defects before
the student does.

The lessons and the solutions are rehearsed in two files so that the test run spreads them over its workers.
"""

import hashlib
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path

import pytest
import torch
from filelock import FileLock
from transformers import AutoConfig, AutoModelForCausalLM

from tests.conftest import HUB_FIXTURES, NOTEBOOKS, TEST_DATA, code_cells, execute_notebook

REPOS = {"HuggingFaceTB/SmolLM2-135M": "SmolLM2-135M", "distilgpt2": "distilgpt2"}
# Blocks per model in the rehearsal's cache (the real models have 30 and 6). Two, not one, so that what goes
# from one block to the next (the residual stream, the cache of past keys and values, LoRA on every block)
# is still exercised.
REHEARSAL_LAYERS = 2
EVERYDAY = TEST_DATA / "rehearsal" / "everyday"  # shaped like HuggingFaceTB/smoltalk, everyday-conversations
ALPACA = TEST_DATA / "rehearsal" / "alpaca"  # shaped like tatsu-lab/alpaca


def real_config(repo: str):
    """The model's real configuration, from the unmodified fixture files."""
    return AutoConfig.from_pretrained(HUB_FIXTURES / REPOS[repo])


def rehearsal_config(repo: str):
    """The real configuration at the rehearsal's depth: every other field as the real model has it."""
    config = real_config(repo)
    config.num_hidden_layers = REHEARSAL_LAYERS  # GPT-2 maps it to n_layer
    return config


def build_hf_home(home: Path) -> None:
    """Write a Hugging Face cache holding both models: the real files, random weights at the rehearsal's depth."""
    for repo, folder in REPOS.items():
        cache = home / "hub" / f"models--{repo.replace('/', '--')}"
        revision = hashlib.sha1(repo.encode()).hexdigest()
        snapshot = cache / "snapshots" / revision
        shutil.copytree(HUB_FIXTURES / folder, snapshot)
        (cache / "refs").mkdir()
        (cache / "refs" / "main").write_text(revision)
        torch.manual_seed(0)
        model = AutoModelForCausalLM.from_config(rehearsal_config(repo), dtype=torch.bfloat16)
        model.save_pretrained(snapshot)  # safetensors, and the reduced config.json over the real one


@pytest.fixture(scope="session")
def hf_home(tmp_path_factory):
    """The rehearsal's Hugging Face cache, built once per test run and shared by its xdist workers.

    Under xdist each worker's temporary folder sits in the run's own folder, which the first worker to get the
    lock builds the cache in (in a staging folder, renamed when complete); the others wait, then reuse it.
    With ``-n 0`` the run's folder is this process's own.
    """
    run_folder = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_folder = run_folder.parent
    home = run_folder / "rehearsal_hf_home"
    with FileLock(run_folder / "rehearsal_hf_home.lock"):
        if not home.is_dir():
            staging = Path(tempfile.mkdtemp(prefix="rehearsal_hf_home.staging.", dir=run_folder))
            try:
                build_hf_home(staging)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            staging.rename(home)
    return home


def notebook_05_lora_config():
    """The ``LoraConfig`` notebook 05 adapts SmolLM2 with, read from the notebook itself."""
    from peft import LoraConfig

    source = "\n".join(code_cells(NOTEBOOKS / "05_lora_small_gpu.ipynb"))
    (call,) = re.findall(r"^lora_config = (LoraConfig\(.*\))$", source, re.MULTILINE)
    return eval(call, {"LoraConfig": LoraConfig})  # the course's own notebook


def lora_share(config) -> float:
    """What notebook 05 prints as "LoRA trains x% of the parameters" for a model of ``config``, counted on the
    meta device (shapes only, no weights): the adapter's parameters over the full model's."""
    from peft import get_peft_model

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    parameters = sum(p.numel() for p in model.parameters())
    with warnings.catch_warnings():
        # As in notebook 05: peft 0.21.2 still calls transformers' `is_gradient_checkpointing`; harmless.
        warnings.filterwarnings("ignore", message="`is_gradient_checkpointing` is deprecated", category=FutureWarning)
        adapted = get_peft_model(model, notebook_05_lora_config())
    return sum(p.numel() for p in adapted.parameters() if p.requires_grad) / parameters


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
    # Solutions 02, exercise 6: <|im_end|> moved outside the markers on purpose; the warning is what it shows.
    "The chat template does not include the assistant turn's end-of-turn token in the loss mask",
)


def unexplained_warnings(nb) -> list[str]:
    lines = outputs_of(nb, "stderr").splitlines()
    return [line for line in lines if line.strip() and not any(known in line for known in EXPLAINED)]


def assert_smoke_run_reports_without_asserting(text: str) -> None:
    assert "[FAILED]" not in text and "[checked]" not in text
    assert "too short to show learning: nothing above was asserted" in text
