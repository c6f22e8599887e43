import re

import pytest

from sft_helpers.masking import IGNORE_INDEX, LabelError, check_dataset_labels, check_labels

EOS = 9
M = IGNORE_INDEX
# prompt 3 tokens, response 2 tokens + EOS, then 2 padding tokens
IDS = [5, 6, 7, 21, 22, EOS, 0, 0]
MASK = [1, 1, 1, 1, 1, 1, 0, 0]
GOOD = [M, M, M, 21, 22, EOS, M, M]


def test_good_example_passes_and_counts_learned_tokens():
    assert check_labels(IDS, GOOD, prompt_length=3, eos_token_id=EOS, attention_mask=MASK) == 3


def test_learned_prompt_token_is_caught():
    labels = [5, M, M, 21, 22, EOS, M, M]
    with pytest.raises(LabelError, match=r"example 4: prompt token at position 0"):
        check_labels(IDS, labels, 3, EOS, MASK, example=4)


def test_learned_padding_is_caught():
    # The tutorial's mistake when padding with eos: labels copied from input_ids, padding included.
    labels = [M, M, M, 21, 22, EOS, 0, 0]
    with pytest.raises(LabelError, match=r"padding at position 6 is learned"):
        check_labels(IDS, labels, 3, EOS, MASK)


def test_missing_eos_is_caught():
    ids = [5, 6, 7, 21, 22]
    with pytest.raises(LabelError, match="never learn to stop"):
        check_labels(ids, [M, M, M, 21, 22], 3, EOS)


def test_masked_eos_is_caught():
    labels = [M, M, M, 21, 22, M, M, M]
    with pytest.raises(LabelError, match=r"response token at position 5 .* is masked"):
        check_labels(IDS, labels, 3, EOS, MASK)


def test_all_masked_example_is_caught():
    # Truncation that cut the whole response away: nothing to learn, a NaN loss if alone in a batch.
    ids = [5, 6, 7]
    with pytest.raises(LabelError, match="no response tokens"):
        check_labels(ids, [M, M, M], 3, EOS)


def test_shifted_labels_are_caught():
    labels = [M, M, M, 22, EOS, M, M, M]
    with pytest.raises(LabelError, match="must be learned as itself"):
        check_labels(IDS, labels, 3, EOS, MASK)


def test_length_mismatch_is_caught():
    with pytest.raises(LabelError, match="8 input ids but 7 labels"):
        check_labels(IDS, GOOD[:-1], 3, EOS)
    with pytest.raises(LabelError, match="attention mask of 2"):
        check_labels(IDS, GOOD, 3, EOS, [1, 1])


def test_prompt_longer_than_example_is_caught():
    with pytest.raises(LabelError, match="prompt length 7 but only 6 real tokens"):
        check_labels(IDS, GOOD, 7, EOS, MASK)


def test_dataset_check_names_the_bad_row():
    rows = [
        {"input_ids": IDS, "labels": GOOD, "attention_mask": MASK, "prompt_length": 3},
        {"input_ids": IDS[:6], "labels": GOOD[:6], "prompt_length": 3},
        {"input_ids": IDS[:6], "labels": IDS[:6], "prompt_length": 3},
    ]
    assert check_dataset_labels(rows[:2], EOS) == 6
    with pytest.raises(LabelError, match="example 2: prompt token"):
        check_dataset_labels(rows, EOS)
    with pytest.raises(LabelError, match="example 0: no 'prompt_length' column"):
        check_dataset_labels([{"input_ids": IDS, "labels": GOOD}], EOS)


# --- building masked examples, on the tiny GPT-2 stand-in (no pad token, like distilgpt2) ---

from datasets import Dataset  # noqa: E402
from transformers import DataCollatorForLanguageModeling, DataCollatorForSeq2Seq  # noqa: E402

from sft_helpers.data import RESPONSE_MARKER  # noqa: E402
from sft_helpers.masking import (  # noqa: E402
    MaskView,
    boundary_mismatches,
    build_masked_dataset,
    check_response_labels,
    mask_prompt,
)

RECORDS = {
    "instruction": ["Give the opposite of the word.", "What is the capital of Peru?", "Add the two numbers."],
    "input": ["loud", "", "4 and 9"],
    "output": ["quiet", "The capital of Peru is Lima.", "13"],
}


@pytest.fixture(scope="module")
def masked(gpt2_tokenizer):
    return build_masked_dataset(Dataset.from_dict(RECORDS), gpt2_tokenizer, max_length=64)


def test_mask_prompt():
    assert mask_prompt([1, 2], [3, EOS]) == ([1, 2, 3, EOS], [M, M, 3, EOS])


def test_tokenised_once_into_a_dataset(masked):
    dataset, report = masked
    assert isinstance(dataset, Dataset)
    assert dataset.column_names == ["input_ids", "labels", "attention_mask", "prompt_length", "source_index"]
    assert (report.records, report.kept, report.dropped) == (3, 3, 0)


def test_eos_is_appended_and_learned(masked, gpt2_tokenizer):
    dataset, _ = masked
    eos = gpt2_tokenizer.eos_token_id
    assert check_dataset_labels(dataset, eos) > 0
    check_response_labels(gpt2_tokenizer, dataset, RECORDS["output"])
    # The tutorial's examples had no EOS after the response: the check rejects them.
    row = dataset[0]
    with pytest.raises(LabelError, match="never learn to stop"):
        check_labels(row["input_ids"][:-1], row["labels"][:-1], row["prompt_length"], eos)


def test_prompt_and_response_are_separated(masked, gpt2_tokenizer):
    dataset, _ = masked
    text = gpt2_tokenizer.decode(dataset[0]["input_ids"])
    assert text == "### Instruction:\nGive the opposite of the word.\n\n### Input:\nloud\n\n" + RESPONSE_MARKER + "quiet<|endoftext|>"


def test_overlong_examples_are_dropped_not_left_all_masked(gpt2_tokenizer):
    dataset, report = build_masked_dataset(Dataset.from_dict(RECORDS), gpt2_tokenizer, max_length=16)
    assert report.dropped >= 1 and report.kept + report.dropped == 3
    for row in dataset:
        assert any(label != M for label in row["labels"]) and len(row["input_ids"]) <= 16
    # The tutorial truncated instead, which could leave nothing to learn:
    ids = [5] * 16
    with pytest.raises(LabelError, match="no response tokens"):
        check_labels(ids, [M] * 16, prompt_length=16, eos_token_id=EOS)


def test_labels_are_compared_with_their_own_record_after_drops(gpt2_tokenizer):
    # The middle record is too long to fit and is dropped; the last example must still be compared
    # with the last record's output, not with the second one's.
    records = {k: list(v) for k, v in RECORDS.items()}
    records["output"][1] = "A very long answer that goes on. " * 20
    dataset, report = build_masked_dataset(Dataset.from_dict(records), gpt2_tokenizer, max_length=64)
    assert report.dropped == 1 and dataset["source_index"] == [0, 2]
    check_response_labels(gpt2_tokenizer, dataset, records["output"])
    with pytest.raises(LabelError, match="example 1: labels decode to"):
        # the outputs of the kept records, by position: what the old positional check compared
        check_response_labels(gpt2_tokenizer, dataset, [records["output"][0], records["output"][2], "(none)"])


def test_empty_response_is_dropped(gpt2_tokenizer):
    records = {"instruction": ["Say nothing."], "input": [""], "output": [""]}
    _, report = build_masked_dataset(Dataset.from_dict(records), gpt2_tokenizer, max_length=64)
    assert report.dropped == 1


def test_seq2seq_collator_pads_labels_with_ignore_index(masked, gpt2_tokenizer):
    dataset, _ = masked
    rows = [{k: r[k] for k in ("input_ids", "labels", "attention_mask")} for r in dataset]
    batch = DataCollatorForSeq2Seq(gpt2_tokenizer, label_pad_token_id=M)(rows)
    eos = gpt2_tokenizer.eos_token_id
    for i, row in enumerate(dataset):
        check_labels(batch["input_ids"][i].tolist(), batch["labels"][i].tolist(), row["prompt_length"], eos,
                     batch["attention_mask"][i].tolist(), example=i)
    assert (batch["labels"] == M).sum() > (batch["attention_mask"] == 0).sum()  # prompts and padding


def test_language_modeling_collator_would_unlearn_eos(masked, gpt2_tokenizer):
    # With pad == eos, the plain LM collator masks every pad-id label, the real EOS included.
    dataset, _ = masked
    rows = [{"input_ids": r["input_ids"]} for r in dataset]
    batch = DataCollatorForLanguageModeling(gpt2_tokenizer, mlm=False)(rows)
    row = dataset[1]
    with pytest.raises(LabelError):
        check_labels(batch["input_ids"][1].tolist(), batch["labels"][1].tolist(), row["prompt_length"],
                     gpt2_tokenizer.eos_token_id, batch["attention_mask"][1].tolist())


def test_check_response_labels_catches_a_wrong_label(masked, gpt2_tokenizer):
    dataset, _ = masked
    with pytest.raises(LabelError, match="example 2: labels decode to"):
        check_response_labels(gpt2_tokenizer, dataset, ["quiet", "The capital of Peru is Lima.", "14"])


def test_boundary_merges(gpt2_tokenizer):
    # A prompt that ends in a space: alone it ends with a lone space token, joined the space merges
    # into the response's first word ("Ġquiet"), so the model would train on a split it never sees.
    prompts = [f"{i} {x} Answer: " for i, x in zip(RECORDS["instruction"], RECORDS["input"])]
    assert 0 in boundary_mismatches(gpt2_tokenizer, prompts, RECORDS["output"])
    from sft_helpers.data import instruction_prompt

    ours = [instruction_prompt(i, x) for i, x in zip(RECORDS["instruction"], RECORDS["input"])]
    assert boundary_mismatches(gpt2_tokenizer, ours, RECORDS["output"]) == []


def test_mask_view(masked, gpt2_tokenizer):
    row = masked[0][0]
    view = MaskView(gpt2_tokenizer, row["input_ids"], row["labels"])
    text = str(view)
    assert "".join(re.findall(r"\[(.*?)\]", text)) == "quiet<|endoftext|>"
    assert text.replace("[", "").replace("]", "") == gpt2_tokenizer.decode(row["input_ids"])
    html = view._repr_html_()
    assert html.count('title="learned"') == sum(label != M for label in row["labels"]) and "&lt;|endoftext|&gt;" in html
