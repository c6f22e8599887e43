"""The batch layouts of ``sft_helpers.batching``: what the choice gives TRL, and the padding-free trap it warns of."""

import pytest
import torch
from trl import SFTConfig
from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

from sft_helpers.batching import choose_layout, layout_for


@pytest.mark.parametrize(("attention", "device", "padding_free", "sampling", "max_length"), [
    ("sdpa", "cpu", False, "group_by_length", 512),
    ("sdpa", "cuda", False, "group_by_length", 512),  # a T4: no FlashAttention kernel for its architecture
    ("flash_attention_2", "cuda", True, "random", None),
])
def test_each_choice_configures_trl_as_it_says(tmp_path, attention, device, padding_free, sampling, max_length):
    choice = choose_layout(attention, device)
    config = SFTConfig(output_dir=str(tmp_path), use_cpu=True, bf16=False, activation_checkpointing=False, **choice.sft_args(512))
    assert (config.padding_free, config.train_sampling_strategy, config.max_length) == (padding_free, sampling, max_length)
    assert choice.why.startswith("padding-free" if padding_free else "grouped by length")


def test_a_loaded_model_on_the_cpu_is_grouped(chat_model):
    model, _ = chat_model
    assert layout_for(model) == choose_layout("sdpa", "cpu")


def test_a_padding_free_row_gives_the_padded_loss_only_without_the_cache(chat_model):
    """The trap in the module's docstring: with a cache the examples of a row attend to each other."""
    model, tokenizer = chat_model
    model.eval()
    texts = ["Hi there! How are you today?", "What is 12 plus 7?", "Thanks a lot, that helps."]
    examples = [{"input_ids": tokenizer(t)["input_ids"]} for t in texts]
    padded = DataCollatorForLanguageModeling(pad_token_id=tokenizer.pad_token_id)(examples)
    row = DataCollatorForLanguageModeling(pad_token_id=tokenizer.pad_token_id, padding_free=True)(examples)
    assert row["input_ids"].shape[0] == 1 and "attention_mask" not in row  # one row, no padding at all
    with torch.no_grad():
        padded_loss = model(**padded).loss
        row_loss = model(**row, use_cache=False).loss
        leaky_loss = model(**row, use_cache=True).loss
    assert row_loss == pytest.approx(padded_loss.item(), rel=1e-5)
    assert abs(leaky_loss.item() - padded_loss.item()) > 1e-3  # each example saw the ones before it
