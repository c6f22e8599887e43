"""``sft_helpers.cached_runs``: notebook 02's model trained once, cached by recipe, served to every notebook that starts from it."""

from pathlib import Path

import pytest

from sft_helpers.machinery.profile import course_run


def test_sft_checkpoint_saves_a_folder_dpo_can_start_from(tmp_path):
    # A smoke run trains notebook 02's recipe for its steps and saves it where asked; the folder must hold what
    # DPOTrainer loads its reference from: the model, and the tokenizer with the chat template and end of turn.
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from sft_helpers.cached_runs import sft_checkpoint
    from sft_helpers.machinery.profile import course_run

    folder, where = sft_checkpoint(course_run("smoltalk", max_steps=1), tmp_path / "sft")
    assert folder == str(tmp_path / "sft") and "trained now (1 steps)" in where
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    assert tokenizer.chat_template and tokenizer.eos_token == "<|im_end|>"
    assert model.generation_config.eos_token_id == tokenizer.eos_token_id
    again, where = sft_checkpoint(course_run("smoltalk", max_steps=1), tmp_path / "sft")  # the next run reuses it
    assert again == folder and "trained earlier (1 steps)" in where
    _, where = sft_checkpoint(course_run("smoltalk", max_steps=2), tmp_path / "sft")  # another recipe: trained again
    assert "trained now (2 steps)" in where


def test_notebook_02s_model_goes_to_the_cache_once_and_must_match_it(tmp_path, monkeypatch, chat_model):
    # Offline, the first notebook to need notebook 02's model puts it in the cache (02 itself, or
    # train_like_notebook_02 for another); when 02 comes second, its weights must equal the cached ones.
    import torch

    from sft_helpers import cached_runs

    model, tokenizer = chat_model
    monkeypatch.setenv("SFT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cached_runs, "_is_offline_recipe", lambda run: True)  # a one-step run stands for the recipe
    run = course_run("smoltalk", max_steps=1)
    mine = tmp_path / "final"
    model.save_pretrained(mine)
    tokenizer.save_pretrained(mine)
    (mine / "README.md").write_text("notebook 02's model card")

    said = cached_runs.keep_for_later_notebooks(run, mine)  # the cache was empty: this copy goes there
    cached, where = cached_runs.sft_checkpoint(run)  # and the later notebooks are served it, untrained again
    assert "cache" in where and (Path(cached) / "model.safetensors").read_bytes() == (mine / "model.safetensors").read_bytes()
    assert not (Path(cached) / "README.md").exists()  # 02's model card stays with 02
    assert cached_runs.keep_for_later_notebooks(run, mine) == said  # the same line whichever notebook came first

    with torch.no_grad():
        model.model.norm.weight.add_(1e-6)  # a run that drifted from the recipe, however slightly
    model.save_pretrained(mine)
    with pytest.raises(RuntimeError, match=r"differs from the course cache's copy .* in 1 tensors, \['model.norm.weight'\]"):
        cached_runs.keep_for_later_notebooks(run, mine)
