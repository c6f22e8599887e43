"""Training batches in each layout of ``sft_helpers.batching``, built by hand with the libraries' collators.

The trainers build their batches themselves; the benchmark trains without a trainer and the tests check
the layouts, so both build them here: padded (TRL's ``DataCollatorForLanguageModeling`` for chat data,
transformers' ``DataCollatorForSeq2Seq`` for hand-masked instruction data), grouped by length
(transformers' ``LengthGroupedSampler``), padding-free (TRL's collator with ``padding_free=True``), and how
much of each batch is padding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from sft_helpers.batching import LAYOUTS, Layout


def encode_conversation(tokenizer, messages: Sequence[Mapping[str, str]]) -> dict[str, list[int]]:
    """``input_ids`` and ``labels`` of one conversation, learning the assistant's tokens only.

    This is what ``SFTTrainer`` does with ``assistant_only_loss=True``: the chat template's
    ``{% generation %}`` markers say which tokens are the assistant's (its ``<|im_end|>`` included).
    """
    encoded = tokenizer.apply_chat_template(
        list(messages), tokenize=True, return_dict=True, return_assistant_tokens_mask=True
    )
    ids = list(encoded["input_ids"])
    labels = [t if learned else -100 for t, learned in zip(ids, encoded["assistant_masks"])]
    return {"input_ids": ids, "labels": labels}


def collator(layout: Layout, pad_token_id: int, hand_masked: bool = False, tokenizer=None):
    """The library collator for ``layout``.

    ``hand_masked`` examples (notebook 03's) go through ``DataCollatorForSeq2Seq``, which pads labels
    with -100 and needs the tokenizer; chat examples through TRL's collator.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    if hand_masked and layout != "padding_free":
        from transformers import DataCollatorForSeq2Seq

        if tokenizer is None:
            raise ValueError("DataCollatorForSeq2Seq needs the tokenizer")
        return DataCollatorForSeq2Seq(tokenizer, label_pad_token_id=-100)
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    return DataCollatorForLanguageModeling(pad_token_id=pad_token_id, padding_free=layout == "padding_free")


def batch_order(lengths: Sequence[int], batch_size: int, layout: Layout, seed: int = 0) -> list[list[int]]:
    """Indices of the examples in each batch: in order, or grouped by length for ``grouped``."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if layout == "grouped":
        from transformers.trainer_pt_utils import LengthGroupedSampler

        sampler = LengthGroupedSampler(batch_size, lengths=list(lengths), generator=torch.Generator().manual_seed(seed))
        order = list(sampler)
    else:
        order = list(range(len(lengths)))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def make_batches(
    examples: Sequence[Mapping[str, Any]],
    batch_size: int,
    layout: Layout,
    pad_token_id: int,
    hand_masked: bool = False,
    tokenizer=None,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Collate ``examples`` (each with ``input_ids`` and ``labels``) into batches of ``layout``."""
    collate = collator(layout, pad_token_id, hand_masked=hand_masked, tokenizer=tokenizer)
    lengths = [len(e["input_ids"]) for e in examples]
    keys = ("input_ids", "labels", "attention_mask") if hand_masked and layout != "padding_free" else ("input_ids", "labels")
    batches = []
    for indices in batch_order(lengths, batch_size, layout, seed):
        rows = [{k: list(examples[i][k]) if k != "attention_mask" else [1] * lengths[i] for k in keys} for i in indices]
        batches.append(dict(collate(rows)))
    return batches


def token_counts(batch: Mapping[str, Any]) -> tuple[int, int]:
    """(tokens that are not padding, all tokens the model processes) in one collated batch."""
    total = batch["input_ids"].numel()
    mask = batch.get("attention_mask")
    if mask is None:
        # Padding-free: the examples end to end, no pad token (the collators here never pad to a multiple).
        return total, total
    return int(mask.sum()), total


def useful_token_fraction(batches: Sequence[Mapping[str, Any]]) -> float:
    """Tokens that are not padding over all tokens processed, across ``batches``."""
    useful = total = 0
    for b in batches:
        u, t = token_counts(b)
        useful += u
        total += t
    return useful / total if total else 0.0


def model_inputs(batch: Mapping[str, Any], device: str | torch.device) -> dict[str, Any]:
    """What to pass to the model for ``batch``, on ``device``; ``use_cache=False`` keeps packed examples apart."""
    keep = ("input_ids", "labels", "attention_mask", "position_ids")
    inputs = {k: v.to(device) for k, v in batch.items() if k in keep}
    inputs["use_cache"] = False
    return inputs
