"""The lesson notebooks in the full profile, on the real architectures (see ``conftest.py`` here)."""

import json
import re

from transformers import AutoModelForCausalLM, AutoTokenizer

from tests.conftest import needs_hub_fixtures
from tests.rehearsal.conftest import assert_smoke_run_reports_without_asserting, outputs_of, rehearse, unexplained_warnings

pytestmark = needs_hub_fixtures


def test_the_cache_serves_the_real_models(hf_home):
    cache = hf_home / "hub"
    smol_tok = AutoTokenizer.from_pretrained("HuggingFaceTB/SmolLM2-135M", cache_dir=cache, local_files_only=True)
    smol = AutoModelForCausalLM.from_pretrained("HuggingFaceTB/SmolLM2-135M", cache_dir=cache, local_files_only=True)
    assert type(smol).__name__ == "LlamaForCausalLM"
    assert 134_000_000 < smol.num_parameters() < 135_000_000
    assert smol_tok.chat_template is None and smol_tok.eos_token == "<|endoftext|>" and smol_tok.pad_token is None
    assert smol_tok.convert_tokens_to_ids(["<|im_start|>", "<|im_end|>"]) == [1, 2]
    gpt_tok = AutoTokenizer.from_pretrained("distilgpt2", cache_dir=cache, local_files_only=True)
    gpt = AutoModelForCausalLM.from_pretrained("distilgpt2", cache_dir=cache, local_files_only=True)
    assert type(gpt).__name__ == "GPT2LMHeadModel" and 81_000_000 < gpt.num_parameters() < 83_000_000
    assert gpt_tok.pad_token is None and gpt_tok.eos_token_id == 50256


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
    # Prompting first: the instruct model is not in the rehearsal's cache, so the comparison says why it skips.
    assert "skipped: HuggingFaceTB/SmolLM2-135M-Instruct could not be loaded" in text
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
    assert re.search(r"LoRA trains [0-4]\.\d% of the parameters", text), text  # about 3.5% on the real model
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
