"""Prompt/response loss masking: only response tokens (and the end-of-sequence token) are learned.

A label of ``IGNORE_INDEX`` (-100) tells the loss to skip a position. The check here is what a
student runs over a masked data set before training: a wrong mask does not crash, it silently
teaches the model the wrong thing (or nothing, with an all-masked example giving a NaN loss).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sft_helpers.data import instruction_prompt

IGNORE_INDEX = -100


class LabelError(ValueError):
    """A masked example whose labels would train the model on the wrong tokens."""


def check_labels(
    input_ids: Sequence[int],
    labels: Sequence[int],
    prompt_length: int,
    eos_token_id: int,
    attention_mask: Sequence[int] | None = None,
    example: object = "?",
) -> int:
    """Check one example's labels and return how many tokens it learns.

    * every prompt token (the first ``prompt_length`` real tokens) is ``IGNORE_INDEX``;
    * every padding token (``attention_mask == 0``) is ``IGNORE_INDEX``;
    * every response token is learned with its own id as label, and the last one is ``eos_token_id``.

    Raises ``LabelError`` naming ``example`` and the first position that is wrong.

    >>> check_labels([5, 6, 7, 0], [-100, -100, 7, 0], prompt_length=2, eos_token_id=0)  # learns 7 and the EOS
    2
    >>> check_labels([5, 6, 7, 0], [5, -100, 7, 0], prompt_length=2, eos_token_id=0, example=12)
    Traceback (most recent call last):
    ...
    sft_helpers.masking.LabelError: example 12: prompt token at position 0 (id 5) is learned; prompt labels must be -100
    """
    input_ids, labels = list(input_ids), list(labels)
    where = f"example {example}"
    if len(input_ids) != len(labels):
        raise LabelError(f"{where}: {len(input_ids)} input ids but {len(labels)} labels")
    mask = [1] * len(input_ids) if attention_mask is None else list(attention_mask)
    if len(mask) != len(input_ids):
        raise LabelError(f"{where}: {len(input_ids)} input ids but an attention mask of {len(mask)}")
    real = [i for i, m in enumerate(mask) if m]
    for i, m in enumerate(mask):
        if not m and labels[i] != IGNORE_INDEX:
            raise LabelError(f"{where}: padding at position {i} is learned (label {labels[i]}); padding labels must be {IGNORE_INDEX}")
    if prompt_length < 0 or prompt_length > len(real):
        raise LabelError(f"{where}: prompt length {prompt_length} but only {len(real)} real tokens")
    for i in real[:prompt_length]:
        if labels[i] != IGNORE_INDEX:
            raise LabelError(f"{where}: prompt token at position {i} (id {input_ids[i]}) is learned; prompt labels must be {IGNORE_INDEX}")
    response = real[prompt_length:]
    if not response:
        raise LabelError(f"{where}: no response tokens are left (truncated away?); nothing would be learned")
    for i in response:
        if labels[i] != input_ids[i]:
            shown = "masked" if labels[i] == IGNORE_INDEX else f"label {labels[i]}"
            raise LabelError(f"{where}: response token at position {i} (id {input_ids[i]}) is {shown}; it must be learned as itself")
    if input_ids[response[-1]] != eos_token_id:
        raise LabelError(
            f"{where}: the response does not end with the end-of-sequence token {eos_token_id} "
            f"(last learned id {input_ids[response[-1]]}); the model would never learn to stop"
        )
    return len(response)


def check_dataset_labels(
    examples: Iterable[Mapping[str, Sequence[int]]],
    eos_token_id: int,
    prompt_length_key: str = "prompt_length",
) -> int:
    """Run ``check_labels`` on every example (rows with ``input_ids``, ``labels`` and a prompt length).

    Returns the total number of learned tokens; raises ``LabelError`` at the first bad example,
    named by its index. (Example: ``build_masked_dataset``.)
    """
    total = 0
    for index, row in enumerate(examples):
        if prompt_length_key not in row:
            raise LabelError(f"example {index}: no {prompt_length_key!r} column; cannot tell prompt from response")
        total += check_labels(
            row["input_ids"],
            row["labels"],
            int(row[prompt_length_key]),
            eos_token_id,
            attention_mask=row.get("attention_mask"),
            example=index,
        )
    return total


def mask_prompt(prompt_ids: Sequence[int], response_ids: Sequence[int]) -> tuple[list[int], list[int]]:
    """``input_ids`` and ``labels`` for a prompt followed by a response: prompt labels are ``IGNORE_INDEX``.

    >>> mask_prompt([5, 6], [7, 0])
    ([5, 6, 7, 0], [-100, -100, 7, 0])
    """
    input_ids = list(prompt_ids) + list(response_ids)
    labels = [IGNORE_INDEX] * len(prompt_ids) + list(response_ids)
    return input_ids, labels


def encode_instruction_batch(
    batch: Mapping[str, list], tokenizer, max_length: int, indices: Sequence[int] | None = None
) -> dict[str, list]:
    """Tokenize a batch of Alpaca-style records into masked examples (for ``datasets.map(batched=True)``).

    The prompt (``instruction_prompt``) and the response are encoded **separately** and concatenated,
    because at generation time the prompt is encoded alone and the model continues from its last
    token. The template ends with a newline, which byte-level BPE does not merge with the next word,
    so this usually equals encoding the joined text (``boundary_mismatches`` counts the exceptions).
    The end-of-sequence token is appended to every response and learned. Examples that do not fit in
    ``max_length`` are marked ``fits=False``: truncating them would cut the response and its EOS, so
    they are dropped instead (see ``build_masked_dataset``). ``indices`` (from ``datasets.map(with_indices=True)``)
    become the ``source_index`` column, so that each example can be traced back to its record after drops.
    """
    inputs = batch.get("input") or [None] * len(batch["instruction"])
    prompts = [instruction_prompt(i, x) for i, x in zip(batch["instruction"], inputs)]
    prompt_ids = tokenizer(prompts, add_special_tokens=False)["input_ids"]
    response_ids = tokenizer(list(batch["output"]), add_special_tokens=False)["input_ids"]
    out: dict[str, list] = {"input_ids": [], "labels": [], "attention_mask": [], "prompt_length": [], "fits": []}
    if indices is not None:
        out["source_index"] = list(indices)
    for p, r in zip(prompt_ids, response_ids):
        input_ids, labels = mask_prompt(p, r + [tokenizer.eos_token_id])
        fits = len(input_ids) <= max_length and len(r) > 0
        out["input_ids"].append(input_ids if fits else [])
        out["labels"].append(labels if fits else [])
        out["attention_mask"].append([1] * len(input_ids) if fits else [])
        out["prompt_length"].append(len(p))
        out["fits"].append(fits)
    return out


def _encode_with_indices(batch: Mapping[str, list], indices: list[int], tokenizer, max_length: int) -> dict[str, list]:
    # datasets.map(with_indices=True) passes the indices second.
    return encode_instruction_batch(batch, tokenizer, max_length, indices)


@dataclass(frozen=True)
class MaskingReport:
    records: int
    kept: int
    dropped: int

    def __str__(self) -> str:
        return f"{self.records} records: {self.kept} kept, {self.dropped} dropped (would not fit in max_length, or empty response)"


def build_masked_dataset(dataset, tokenizer, max_length: int, num_proc: int | None = None):
    """Tokenize and mask an Alpaca-style ``datasets.Dataset`` once, batched; drop what does not fit.

    Returns the masked ``Dataset`` (``input_ids``, ``labels``, ``attention_mask``, ``prompt_length``, and
    ``source_index``: the row of ``dataset`` each example came from) and a ``MaskingReport`` with the counts.

    >>> from datasets import Dataset
    >>> from transformers import AutoTokenizer
    >>> from sft_helpers.machinery.standins import standin_path
    >>> tokenizer = AutoTokenizer.from_pretrained(standin_path("tiny-gpt2"))  # distilgpt2's vocabulary, trimmed
    >>> records = Dataset.from_list([
    ...     {"instruction": "Give the opposite of the word.", "input": "hot", "output": "cold"},
    ...     {"instruction": "Say hi.", "input": "", "output": "Hi! " * 40},  # too long for 64 tokens
    ... ])
    >>> masked, report = build_masked_dataset(records, tokenizer, max_length=64)
    >>> print(report)
    2 records: 1 kept, 1 dropped (would not fit in max_length, or empty response)
    >>> check_dataset_labels(masked, tokenizer.eos_token_id)  # tokens learned: "c", "old" and the EOS
    3
    >>> check_response_labels(tokenizer, masked, records["output"])  # silent: each label is its record's answer
    >>> print(MaskView(tokenizer, masked[0]["input_ids"], masked[0]["labels"]))  # [learned] tokens
    ### Instruction:
    Give the opposite of the word.
    <BLANKLINE>
    ### Input:
    hot
    <BLANKLINE>
    ### Response:
    [c][old][<|endoftext|>]
    """
    if tokenizer.eos_token_id is None:
        raise ValueError("the tokenizer has no end-of-sequence token; the model could never learn to stop")
    encoded = dataset.map(
        _encode_with_indices,
        batched=True,
        with_indices=True,
        fn_kwargs={"tokenizer": tokenizer, "max_length": max_length},
        remove_columns=dataset.column_names,
        num_proc=num_proc,
        desc="Masking prompts",
    )
    kept = encoded.filter(lambda fits: fits, input_columns="fits").remove_columns("fits")
    return kept, MaskingReport(len(encoded), len(kept), len(encoded) - len(kept))


def boundary_mismatches(tokenizer, prompts: Sequence[str], responses: Sequence[str]) -> list[int]:
    """Indices where encoding prompt and response separately differs from encoding their concatenation.

    A prompt ending in a space is the classic case: GPT-2 joins the space to the next word (" cold").

    >>> from transformers import AutoTokenizer
    >>> from sft_helpers.machinery.standins import standin_path
    >>> tokenizer = AutoTokenizer.from_pretrained(standin_path("tiny-gpt2"))
    >>> boundary_mismatches(tokenizer, ["### Response:\\n", "Answer: "], ["cold", "cold"])
    [1]
    """
    separate = tokenizer(list(prompts), add_special_tokens=False)["input_ids"]
    responses_ids = tokenizer(list(responses), add_special_tokens=False)["input_ids"]
    joined = tokenizer([p + r for p, r in zip(prompts, responses)], add_special_tokens=False)["input_ids"]
    return [i for i, (p, r, j) in enumerate(zip(separate, responses_ids, joined)) if p + r != j]


def check_response_labels(tokenizer, examples: Iterable[Mapping[str, Any]], responses: Sequence[str]) -> None:
    """Assert that each example's learned labels decode exactly to its response followed by EOS.

    ``responses`` are the outputs of the records the examples were built from, all of them, in order:
    each example is matched with ``responses[example["source_index"]]``, so dropped records do not shift
    the comparison. (Example: ``build_masked_dataset``.)
    """
    for index, row in enumerate(examples):
        if "source_index" not in row:
            raise LabelError(f"example {index}: no 'source_index' column; cannot tell which record it came from")
        response = responses[row["source_index"]]
        learned = [t for t in row["labels"] if t != IGNORE_INDEX]
        decoded = tokenizer.decode(learned)
        if decoded != response + tokenizer.eos_token:
            raise LabelError(f"example {index}: labels decode to {decoded!r}, expected {response + tokenizer.eos_token!r}")


class MaskView:
    """One example with its mask made visible: HTML in Jupyter, plain text elsewhere (example: ``build_masked_dataset``)."""

    def __init__(self, tokenizer, input_ids: Sequence[int], labels: Sequence[int]):
        self.pieces = [(tokenizer.decode([t]), label != IGNORE_INDEX) for t, label in zip(input_ids, labels)]

    def __str__(self) -> str:
        # Masked tokens in ░ shading would be unreadable in a terminal; brackets mark the learned ones.
        return "".join(f"[{text}]" if learned else text for text, learned in self.pieces)

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        spans = []
        for text, learned in self.pieces:
            style = "background:#c8f7c5;color:#000" if learned else "color:#999"
            spans.append(f'<span style="{style}" title="{"learned" if learned else "label -100"}">{html.escape(text)}</span>')
        legend = '<div style="font-size:90%">grey: prompt, label -100 (not learned) · green: response, learned</div>'
        return f'<pre style="white-space:pre-wrap">{"".join(spans)}</pre>{legend}'
