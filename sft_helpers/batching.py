"""How examples become training batches, and how much of each batch is padding.

Three layouts, all built with the libraries' own collators:

* ``padded``: each batch padded to its longest example (TRL's ``DataCollatorForLanguageModeling``
  for chat data, transformers' ``DataCollatorForSeq2Seq`` for hand-masked instruction data).
* ``grouped``: the same padding, with examples of similar length put in the same batch by
  transformers' ``LengthGroupedSampler`` (what ``train_sampling_strategy="group_by_length"`` uses).
* ``padding_free``: the batch's examples laid end to end in one row, with ``position_ids`` that
  restart at each example (``padding_free=True`` in TRL). There is no padding at all; attention stays
  within each example because transformers builds a block-diagonal mask from the positions.

Which is faster depends on the attention kernel, so ``choose_layout`` picks per model: padding-free
only where a variable-length kernel (FlashAttention) skips the other examples of the row; elsewhere
(a CPU, MPS, a T4 with PyTorch's SDPA) attention over a padding-free row builds a block-diagonal mask
as long as the row, which costs about what the padding saved, and batches grouped by length waste less.

A padding-free batch must be run with ``use_cache=False``: with a cache (the default of a freshly
loaded model) transformers skips the block-diagonal mask and every example attends to the ones
before it. TRL's and transformers' trainers pass ``use_cache=False``; a hand-written loop must too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch

Layout = Literal["padded", "grouped", "padding_free"]
LAYOUTS: tuple[Layout, ...] = ("padded", "grouped", "padding_free")


@dataclass(frozen=True)
class LayoutChoice:
    """The batch layout chosen for a model, and why; the ``SFTConfig`` arguments that give it."""

    layout: Layout
    why: str

    @property
    def padding_free(self) -> bool:
        return self.layout == "padding_free"

    @property
    def train_sampling_strategy(self) -> str:
        return "group_by_length" if self.layout == "grouped" else "random"

    def max_length(self, max_length: int) -> int | None:
        """``SFTConfig.max_length``: padding-free batches are never truncated, so TRL wants ``None`` there."""
        return None if self.padding_free else max_length

    def sft_args(self, max_length: int) -> dict[str, Any]:
        return {
            "padding_free": self.padding_free,
            "train_sampling_strategy": self.train_sampling_strategy,
            "max_length": self.max_length(max_length),
        }


def has_varlen_kernel(attn_implementation: str | None) -> bool:
    """Whether the attention implementation runs packed rows example by example (FlashAttention 2/3/4 or a
    kernels-hub FlashAttention such as ``kernels-community/flash-attn2``).

    >>> has_varlen_kernel("flash_attention_2"), has_varlen_kernel("kernels-community/vllm-flash-attn3")
    (True, True)
    >>> has_varlen_kernel("sdpa"), has_varlen_kernel("eager"), has_varlen_kernel(None)
    (False, False, False)
    """
    return attn_implementation is not None and "flash" in attn_implementation.lower()


def choose_layout(attn_implementation: str | None, device_type: str = "cpu") -> LayoutChoice:
    """The faster layout for a model that uses ``attn_implementation`` on ``device_type``.

    >>> choose_layout("sdpa", "cpu").layout
    'grouped'
    >>> print(choose_layout("flash_attention_2", "cuda").why)
    padding-free: flash_attention_2 is a variable-length attention kernel, so each example of a row attends only to itself and no compute goes to padding
    """
    if has_varlen_kernel(attn_implementation):
        return LayoutChoice(
            "padding_free",
            f"padding-free: {attn_implementation} is a variable-length attention kernel, so each example of a "
            "row attends only to itself and no compute goes to padding",
        )
    return LayoutChoice(
        "grouped",
        f"grouped by length and padded: {attn_implementation} on {device_type} has no variable-length kernel, so a "
        "padding-free row would need a block-diagonal mask as long as the row, which costs more than the "
        "little padding left once batches hold examples of similar length",
    )


def layout_for(model) -> LayoutChoice:
    """``choose_layout`` for a loaded model, from its attention implementation and device.

    >>> from sft_helpers.offline_models import standin_path
    >>> from sft_helpers.training import load_chat_model
    >>> model, _ = load_chat_model(standin_path("tiny-smollm2"), "cpu")
    >>> layout_for(model).layout  # SDPA on a CPU has no variable-length kernel
    'grouped'
    """
    return choose_layout(model.config._attn_implementation, model.device.type)


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
