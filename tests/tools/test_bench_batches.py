"""Batch layouts: padding counted right, and padding-free batches give the padded batches' loss."""

import pytest
import torch
from bench_batches import (
    batch_order,
    encode_conversation,
    make_batches,
    model_inputs,
    token_counts,
    useful_token_fraction,
)
from transformers import AutoModelForCausalLM

from sft_helpers.machinery import bundled_data

EXAMPLES = [
    {"input_ids": [5, 6, 7], "labels": [-100, 6, 7]},
    {"input_ids": [5, 6, 7, 8, 9], "labels": [-100, -100, 7, 8, 9]},
    {"input_ids": [5, 6], "labels": [-100, 6]},
    {"input_ids": [5, 6, 7, 8], "labels": [-100, 6, 7, 8]},
]


def test_padded_batches_count_their_padding():
    batches = make_batches(EXAMPLES, 2, "padded", pad_token_id=0)
    assert [tuple(b["input_ids"].shape) for b in batches] == [(2, 5), (2, 4)]
    assert [token_counts(b) for b in batches] == [(8, 10), (6, 8)]
    assert useful_token_fraction(batches) == pytest.approx(14 / 18)
    # Padding is never learned.
    assert int((batches[0]["labels"][0, 3:] != -100).sum()) == 0


def test_padding_free_batches_have_no_padding_and_restart_positions():
    batches = make_batches(EXAMPLES, 2, "padding_free", pad_token_id=0)
    assert [tuple(b["input_ids"].shape) for b in batches] == [(1, 8), (1, 6)]
    assert batches[0]["position_ids"].tolist() == [[0, 1, 2, 0, 1, 2, 3, 4]]
    assert useful_token_fraction(batches) == 1.0
    # The first token of each example predicts nothing across the boundary.
    assert batches[0]["labels"][0, 3] == -100


def test_grouped_order_is_a_permutation_that_groups_lengths():
    lengths = [10, 200, 12, 190, 11, 210, 13, 205] * 8
    order = batch_order(lengths, 4, "grouped", seed=0)
    flat = sorted(i for batch in order for i in batch)
    assert flat == list(range(len(lengths)))
    # transformers sorts by length within "megabatches" of random examples, so a batch that straddles
    # short and long ones remains now and then; overall, far less of each batch is padding.
    def padded_share(batches):
        slots = sum(len(b) * max(lengths[i] for i in b) for b in batches)
        return 1 - sum(lengths[i] for b in batches for i in b) / slots

    assert padded_share(order) < 0.25 < 0.4 < padded_share(batch_order(lengths, 4, "padded"))
    with pytest.raises(ValueError, match="batch_size"):
        batch_order(lengths, 0, "padded")


def test_unknown_layout_is_refused():
    with pytest.raises(ValueError, match="unknown layout 'packed'"):
        make_batches(EXAMPLES, 2, "packed", pad_token_id=0)


def test_padding_free_loss_equals_padded_loss_on_the_standin(chat_tokenizer, smollm2_path):
    tokenizer = chat_tokenizer
    train = [encode_conversation(tokenizer, r["messages"]) for r in bundled_data.read("conversations")[:6]]
    model = AutoModelForCausalLM.from_pretrained(smollm2_path, dtype=torch.float32)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(8)  # sharper attention than at initialisation, so a leak between examples would show
    padded = make_batches(train[:6], 6, "padded", tokenizer.pad_token_id)[0]
    free = make_batches(train[:6], 6, "padding_free", tokenizer.pad_token_id)[0]
    with torch.no_grad():
        a = model(**model_inputs(padded, "cpu")).loss
        b = model(**model_inputs(free, "cpu")).loss
        leaky = model(**{**model_inputs(free, "cpu"), "use_cache": True}).loss
    assert float(b) == pytest.approx(float(a), rel=1e-4)
    # Why model_inputs passes use_cache=False: with a cache, transformers drops the block-diagonal mask.
    assert abs(float(leaky) - float(a)) > 1e-2
