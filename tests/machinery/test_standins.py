import dataclasses
import json
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from sft_helpers.data import ENDOFTEXT, IM_END, IM_START
from sft_helpers.machinery import bundled_data, standins
from sft_helpers.machinery.standins import standin_path


@pytest.fixture(scope="module")
def smollm2(smollm2_path):
    return smollm2_path, AutoTokenizer.from_pretrained(smollm2_path), AutoModelForCausalLM.from_pretrained(smollm2_path)


@pytest.fixture(scope="module")
def gpt2(gpt2_path):
    return gpt2_path, AutoTokenizer.from_pretrained(gpt2_path), AutoModelForCausalLM.from_pretrained(gpt2_path)


def test_smollm2_standin_keeps_the_real_conventions(smollm2):
    _, tok, model = smollm2
    assert type(model).__name__ == "LlamaForCausalLM"
    assert model.config.tie_word_embeddings
    assert model.config.num_key_value_heads < model.config.num_attention_heads  # grouped-query attention
    assert tok.convert_tokens_to_ids([ENDOFTEXT, IM_START, IM_END]) == [0, 1, 2]
    assert tok.bos_token == tok.eos_token == tok.unk_token == ENDOFTEXT
    assert tok.pad_token is None
    assert tok.chat_template is None
    # Special tokens stay whole, digits are split one by one, as in SmolLM2.
    assert tok.tokenize(f"{IM_START}user\n12{IM_END}") == [IM_START, "user", "Ċ", "1", "2", IM_END]
    assert model.config.eos_token_id == model.generation_config.eos_token_id == 0


def test_gpt2_standin_keeps_the_real_conventions(gpt2):
    _, tok, model = gpt2
    assert type(model).__name__ == "GPT2LMHeadModel"
    eos = tok.convert_tokens_to_ids(ENDOFTEXT)
    assert eos == len(tok) - 1  # last id, like 50256 in GPT-2
    assert tok.bos_token == tok.eos_token == tok.unk_token == ENDOFTEXT
    assert tok.pad_token is None and tok.chat_template is None
    assert model.config.eos_token_id == eos
    # No chat tokens in GPT-2: <|im_end|> is plain text there.
    assert len(tok.tokenize(IM_END)) > 1


@pytest.mark.parametrize("name", ["tiny-smollm2", "tiny-gpt2"])
def test_standins_round_trip_text(name):
    tok = AutoTokenizer.from_pretrained(standin_path(name))
    text = "Hello! The capital of Peru is Lima. 7 plus 5 is 12.\nCafé, naïve, 東京 🙂"
    assert tok.decode(tok(text).input_ids) == text


def test_standins_are_small_and_saved_as_safetensors(smollm2, gpt2):
    for path, _, model in (smollm2, gpt2):
        assert 200_000 < model.num_parameters() < 3_000_000
        assert (path / "model.safetensors").exists()
        assert not list(path.glob("*.bin"))
        assert json.loads((path / "STANDIN.json").read_text())["replaces"] in ("HuggingFaceTB/SmolLM2-135M", "distilgpt2")


def test_build_is_deterministic(tmp_path, smollm2):
    path, _, model = smollm2
    standins.build("tiny-smollm2", tmp_path)
    assert (tmp_path / "tokenizer.json").read_bytes() == (path / "tokenizer.json").read_bytes()
    again = AutoModelForCausalLM.from_pretrained(tmp_path)
    for (name, a), (_, b) in zip(model.state_dict().items(), again.state_dict().items()):
        assert torch.equal(a, b), name


def test_cache_is_reused_and_keyed_by_recipe(tmp_path, monkeypatch):
    monkeypatch.setenv("SFT_CACHE_DIR", str(tmp_path))
    calls = []
    real_build = standins.build
    monkeypatch.setattr(standins, "build", lambda name, d: calls.append(name) or real_build(name, d))
    first = standin_path("tiny-gpt2")
    second = standin_path("tiny-gpt2")
    assert first == second and calls == ["tiny-gpt2"]
    assert first.parent == tmp_path and first.name.startswith("tiny-gpt2-")
    assert not [p for p in tmp_path.iterdir() if p.is_dir() and p.name.startswith(".")]  # no staging folder left


def test_cache_key_changes_with_the_recipe():
    spec = standins.STANDINS["tiny-gpt2"]
    key = standins._build_key(spec)
    assert standins._build_key(spec) == key
    assert standins._build_key(dataclasses.replace(spec, hidden_size=spec.hidden_size * 2)) != key


def test_cache_key_changes_with_the_bundled_data(tmp_path, monkeypatch):
    # The tokenizer is trained on the bundled data: regenerated data must not meet a stale stand-in.
    spec = standins.STANDINS["tiny-smollm2"]
    key = standins._build_key(spec)
    for kind in bundled_data.FILES:
        for split, path in bundled_data.data_files(kind).items():
            (tmp_path / Path(path).name).write_bytes(Path(path).read_bytes())
    assert standins._build_key(spec) == key
    monkeypatch.setattr(bundled_data, "DATA_DIR", tmp_path)
    assert standins._build_key(spec) == key  # the same bytes elsewhere: the same key
    (tmp_path / "conversations_test.jsonl").write_text((tmp_path / "conversations_test.jsonl").read_text() + "\n")
    assert standins._build_key(spec) != key


def test_the_pretrained_standin_knows_the_words_and_is_what_lora_adapts(monkeypatch):
    import json

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from sft_helpers.machinery.profile import course_run
    from sft_helpers.machinery.standins import pretrained_standin_path, standin_path
    from sft_helpers.training import lora_base

    monkeypatch.setenv("SFT_PROFILE", "offline")
    pretrained = pretrained_standin_path("tiny-smollm2")
    assert pretrained_standin_path("tiny-smollm2") == pretrained  # built once, then reused
    assert lora_base(course_run("smoltalk")) == str(pretrained)
    assert json.loads((pretrained / "STANDIN.json").read_text())["pretraining_steps"] > 0
    tokenizer = AutoTokenizer.from_pretrained(pretrained)
    assert tokenizer.chat_template is None  # plain text only: the chat format is left to the fine-tune
    text = tokenizer("How many days are in 2 weeks?\n2 weeks is 14 days.", return_tensors="pt")
    losses = {}
    for name, path in (("random", standin_path("tiny-smollm2")), ("pretrained", pretrained)):
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
        with torch.no_grad():
            losses[name] = model(**text, labels=text["input_ids"]).loss.item()
    assert losses["pretrained"] < 0.5 * losses["random"], losses
    monkeypatch.setenv("SFT_SMOLTALK_MODEL", "some/other-model")
    assert lora_base(course_run("smoltalk")) == "some/other-model"  # a model of the student's own is used as it is


def _slow_build_counting(target: str, log: str) -> None:
    """In a child process: ask for ``target`` with a build that takes a while and notes each time it runs."""
    import time

    def make(staging):
        with open(log, "a") as f:
            f.write("built\n")
        time.sleep(1.0)
        (staging / "STANDIN.json").write_text("{}")

    standins._cached(Path(target), make)


def test_two_processes_asking_at_once_build_once(tmp_path):
    import multiprocessing

    target, log = tmp_path / "model", tmp_path / "log"
    context = multiprocessing.get_context("spawn")
    children = [context.Process(target=_slow_build_counting, args=(str(target), str(log))) for _ in range(2)]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
    assert [child.exitcode for child in children] == [0, 0]
    assert log.read_text() == "built\n"  # the second waited for the first and reused its copy
    assert (target / "STANDIN.json").exists() and not list(tmp_path.glob(".model-*"))  # no staging folder left


def test_the_standins_special_tokens_are_the_chat_templates():
    # The machinery imports no lesson helper, so the stand-in spells SmolLM2's special tokens out itself.
    from sft_helpers import data

    assert (standins.ENDOFTEXT, standins.IM_START, standins.IM_END) == (data.ENDOFTEXT, data.IM_START, data.IM_END)
