"""Which batch layout to train in on this device: how examples become training batches.

Three layouts, all built by the libraries' own collators (the maintainers' ``misc/tools/bench_batches.py``
builds them for the benchmark and measures how much of each batch is padding):

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

from dataclasses import dataclass
from typing import Any, Literal

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

    >>> from sft_helpers.machinery.standins import standin_path
    >>> from sft_helpers.training import load_chat_model
    >>> model, _ = load_chat_model(standin_path("tiny-smollm2"), "cpu")
    >>> layout_for(model).layout  # SDPA on a CPU has no variable-length kernel
    'grouped'
    """
    return choose_layout(model.config._attn_implementation, model.device.type)
