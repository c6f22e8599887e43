"""Prompt/response loss masking: only response tokens (and the end-of-sequence token) are learned.

A label of ``IGNORE_INDEX`` (-100) tells the loss to skip a position. The check here is what a
student runs over a masked data set before training: a wrong mask does not crash, it silently
teaches the model the wrong thing (or nothing, with an all-masked example giving a NaN loss).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

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
    named by its index.
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
