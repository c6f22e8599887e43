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
