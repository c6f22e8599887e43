"""The lesson notebooks in the full profile, on the real tokenizers and shapes (see ``conftest.py`` here)."""

import json
import re

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from tests.conftest import needs_hub_fixtures
from tests.rehearsal.conftest import (
    REHEARSAL_LAYERS,
    REPOS,
    assert_smoke_run_reports_without_asserting,
    lora_share,
    outputs_of,
    real_config,
    rehearsal_config,
    rehearse,
    unexplained_warnings,
)

pytestmark = needs_hub_fixtures


def test_the_cache_serves_the_real_tokenizers_and_shapes_at_rehearsal_depth(hf_home):
    cache = hf_home / "hub"
    smol_tok = AutoTokenizer.from_pretrained("HuggingFaceTB/SmolLM2-135M", cache_dir=cache, local_files_only=True)
    smol = AutoModelForCausalLM.from_pretrained("HuggingFaceTB/SmolLM2-135M", cache_dir=cache, local_files_only=True)
    assert type(smol).__name__ == "LlamaForCausalLM"
    assert smol_tok.chat_template is None and smol_tok.eos_token == "<|endoftext|>" and smol_tok.pad_token is None
    assert smol_tok.convert_tokens_to_ids(["<|im_start|>", "<|im_end|>"]) == [1, 2]
    gpt_tok = AutoTokenizer.from_pretrained("distilgpt2", cache_dir=cache, local_files_only=True)
    gpt = AutoModelForCausalLM.from_pretrained("distilgpt2", cache_dir=cache, local_files_only=True)
    assert type(gpt).__name__ == "GPT2LMHeadModel"
    assert gpt_tok.pad_token is None and gpt_tok.eos_token_id == 50256
    # Every field of the real config.json but the depth, and the dtype: the random weights are stored in bf16
    # (as SmolLM2's real ones are; distilgpt2's are fp32).
    for repo, model in (("HuggingFaceTB/SmolLM2-135M", smol), ("distilgpt2", gpt)):
        real, served = real_config(repo).to_dict(), model.config.to_dict()
        differs = {key for key in real.keys() | served.keys() if real.get(key) != served.get(key)}
        assert differs <= {"num_hidden_layers", "n_layer", "dtype", "_name_or_path"}, (repo, differs)
        assert model.config.num_hidden_layers == REHEARSAL_LAYERS < real_config(repo).num_hidden_layers
    assert smol.get_input_embeddings().weight.shape == (49_152, 576) and len(smol.model.layers) == REHEARSAL_LAYERS
    assert gpt.get_input_embeddings().weight.shape == (50_257, 768) and len(gpt.transformer.h) == REHEARSAL_LAYERS


def test_real_depth_parameter_counts_and_lora_share_on_the_meta_device():
    """What depth changes, checked at the real depth from the unmodified config files: shapes only, no weights."""
    counts = {}
    for repo in REPOS:
        with torch.device("meta"):
            model = AutoModelForCausalLM.from_config(real_config(repo))
        counts[repo] = model.num_parameters()
    assert 134_000_000 < counts["HuggingFaceTB/SmolLM2-135M"] < 135_000_000
    assert 81_000_000 < counts["distilgpt2"] < 83_000_000
    # Notebook 05's "LoRA trains x% of the parameters" on the real SmolLM2-135M: about 3.6%.
    real_share = lora_share(real_config("HuggingFaceTB/SmolLM2-135M"))
    assert 0.03 < real_share < 0.04, real_share
    assert re.fullmatch(r"[0-4]\.\d%", f"{real_share:.1%}")
    # At the rehearsal's depth the embeddings weigh more, so the share is smaller: notebook 05's rehearsal
    # checks the figure for its own depth (test_notebook_05_full_profile), this one the real figure.
    assert lora_share(rehearsal_config("HuggingFaceTB/SmolLM2-135M")) < real_share


def test_notebook_02_full_profile(hf_home, tmp_path):
    nb = rehearse("02_sft_smollm2_smoltalk.ipynb", tmp_path, hf_home)
    text = outputs_of(nb)
    assert "profile:    full" in text and "HuggingFaceTB/SmolLM2-135M" in text and "smoke run" in text
    # The real base tokenizer: no template, <|endoftext|> as eos, no pad; ChatML tokens already known.
    assert "before: chat template: False, eos: '<|endoftext|>', pad: None" in text
    assert "already have ids [1, 2] in a vocabulary of 49,152" in text
    assert "after:  chat template: True, eos: '<|im_end|>', pad: '<|endoftext|>'" in text
    # Real small talk: clean records, one conversation too long to train padding-free, nothing checkable.
    assert "train: 46 records checked, no problems" in text
    assert re.search(r"train: longest conversation \d{4} tokens; [1-9]\d* of 46 longer than 1024 dropped", text), text
    assert "none of these questions has an answer the course can recompute: correctness is not measured" in text
    assert "full profile on a Colab T4 (estimate from FLOPs, not measured)" in text
    final = tmp_path / "outputs" / "02_sft_smollm2_smoltalk" / "final"
    assert json.loads((final / "generation_config.json").read_text())["eos_token_id"] == 2
    assert (final / "model.safetensors").exists() and (final / "chat_template.jinja").exists()
    assert "reloaded: eos '<|im_end|>', generation stops at 2, chat template: True" in text
    card = (final / "README.md").read_text()
    assert "base_model: HuggingFaceTB/SmolLM2-135M" in card and "| test loss |" in card
    assert "not pushed: a smoke run is too short" in text
    assert "the left-padded batch gives the same replies as one prompt at a time" in text
    assert_smoke_run_reports_without_asserting(text)
    assert unexplained_warnings(nb) == []  # current APIs only: no deprecation or other warnings


def test_notebook_03_full_profile(hf_home, tmp_path):
    nb = rehearse("03_alpaca_masking_by_hand.ipynb", tmp_path, hf_home)
    text = outputs_of(nb)
    assert "profile:    full" in text and "model:      distilgpt2" in text
    assert "eos: '<|endoftext|>' (id 50256), pad: None" in text
    # Alpaca's empty outputs are named by record and dropped, counted; the run goes on.
    assert re.search(r"\d+ records checked: [1-9]\d* dropped, \d+ kept", text), text
    assert re.search(r"record \d+: output is empty", text) and re.search(r"record \d+: output is only whitespace", text)
    # Answers longer than max_length are dropped too, and the label checks compare by record, not position.
    assert re.search(r"train: +\d+ records: \d+ kept, [1-9]\d* dropped", text), text
    assert "all labels correct" in text
    # GPT-2's real BPE does not merge across our newline-ended marker.
    assert re.search(r"records where separate encoding differs from joint encoding: 0 of \d+", text)
    assert re.search(r"TRL prepared (\d+) records; ours kept (\d+) of them .*examples whose tokens or labels differ: 0", text)
    assert "none of these records has an answer the course can recompute: correctness is not measured" in text
    assert_smoke_run_reports_without_asserting(text)
    assert unexplained_warnings(nb) == []


def test_notebook_04_full_profile(hf_home, tmp_path):
    nb = rehearse("04_monitoring_loss_curves.ipynb", tmp_path, hf_home)
    text = outputs_of(nb)
    assert "profile:    full" in text and "max steps:  1 (a smoke run" in text
    for name in ("healthy", "overfitting", "no_learning", "memorisation"):
        assert (tmp_path / "outputs" / "04_monitoring" / name).is_dir(), name
    assert_smoke_run_reports_without_asserting(text)
    assert unexplained_warnings(nb) == []


def test_notebook_05_full_profile(hf_home, tmp_path):
    nb = rehearse("05_lora_small_gpu.ipynb", tmp_path, hf_home)
    text = outputs_of(nb)
    assert "profile:    full" in text and "HuggingFaceTB/SmolLM2-135M" in text
    assert "base model: HuggingFaceTB/SmolLM2-135M\n" in text  # no stand-in pretraining in the full profile
    assert re.search(r"LoRA trains [0-4]\.\d% of the parameters", text), text
    # The share at the rehearsal's depth, counted on the meta device (the real depth's 3.6% is checked above).
    share = lora_share(rehearsal_config("HuggingFaceTB/SmolLM2-135M"))
    assert f"LoRA trains {share:.1%} of the parameters" in text, text
    assert "merged into a plain LlamaForCausalLM; same logits as the adapter model (to 1e-4): True" in text
    assert_smoke_run_reports_without_asserting(text)
    assert unexplained_warnings(nb) == []


def test_notebook_01_full_profile(hf_home, tmp_path):
    nb = rehearse("01_chat_templates_and_data.ipynb", tmp_path, hf_home)
    text = outputs_of(nb)
    assert "profile:    full" in text and "HuggingFaceTB/SmolLM2-135M" in text
    assert unexplained_warnings(nb) == []


def test_notebook_06_full_profile(hf_home, tmp_path):
    nb = rehearse("06_evaluating_a_fine_tune.ipynb", tmp_path, hf_home)
    text = outputs_of(nb)
    # Section 2 fine-tunes the real base model (no stand-in pretraining in the full profile) and scores it.
    assert "profile: full, base model: HuggingFaceTB/SmolLM2-135M" in text
    assert "400 training records, 60 held out" in text
    assert "2 held-out prompts, 95% intervals in brackets" in text  # SFT_EVAL_REPLIES=2: before and after, scored
    # The judge is a real instruct model; the rehearsal's cache has none, and the cell says so instead of failing.
    assert "skipped: HuggingFaceTB/SmolLM2-135M-Instruct could not be loaded" in text
    assert_smoke_run_reports_without_asserting(text)
    assert unexplained_warnings(nb) == []


def test_notebook_07_full_profile(hf_home, tmp_path):
    nb = rehearse("07_preference_tuning_dpo.ipynb", tmp_path, hf_home)
    text = outputs_of(nb)
    # No notebook 02 model in the rehearsal's folder: its recipe is trained first (one step), then DPO on the real model.
    assert "profile: full; starting point: notebook 02's recipe, trained now (1 steps)" in text
    assert "300 training pairs, 60 held out" in text
    assert re.search(r"TRL: chosen -?\d+\.\d+, rejected -?\d+\.\d+; reply_logps: chosen -?\d+\.\d+", text), text
    assert (tmp_path / "outputs" / "07_preference_tuning_dpo" / "sft" / "model.safetensors").exists()
    assert_smoke_run_reports_without_asserting(text)
    assert unexplained_warnings(nb) == []
