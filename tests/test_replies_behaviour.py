import pytest

from sft_helpers.replies import Reply, behaviour, leaks_template, repeats_itself


@pytest.mark.parametrize("reply", [
    "The capital is Paris.\nuser\nAnd of Spain?",  # <|im_start|>user, its marker skipped in decoding
    "Sure!\nassistant\nSure!",
    "Fine, thanks.<|im_end|>\n<|im_start|>user\nGreat",  # decoded with its special tokens
    "Glad to help.\nUser: bye",
    "  system\nYou are",
])
def test_leaks_the_template(reply):
    assert leaks_template(reply)


@pytest.mark.parametrize("reply", [
    "The user guide is on the website.",  # the word, not a role line
    "Ask the assistant at the desk: she knows.",
    "Users: about 300 a day.",
    "",
])
def test_does_not_leak(reply):
    assert not leaks_template(reply)


def test_repetition_needs_the_same_four_words_twice():
    assert repeats_itself("the cat sat on the mat and the cat sat on the rug")  # "the cat sat on" twice
    assert not repeats_itself("the cat sat on the mat and the dog sat on the rug")
    assert not repeats_itself("")
    assert repeats_itself("Yes yes yes yes yes")  # case ignored, as distinct_n ignores it


def test_a_row_of_the_table():
    replies = [Reply("q", "Hello! How can I help you today?", True, None)] * 3 + [Reply("q", "   ", False, None)]
    row = behaviour(replies)
    assert row["replies"] == 4 and row["ended"].estimate == 0.75 and row["empty"].estimate == 0.25
    for never in ("template leak", "repeats itself"):  # 0 of 4: an interval of width 0, flagged
        assert str(row[never]) == "0.00 [0.00, 0.00] width 0 (rule of 3: ±0.75)"
    assert row["median words"] == 7.0
    assert row["distinct-2"] == round(8 / 24, 2)  # the same reply three times: 8 distinct of 24 pairs (punctuation counts)
    with pytest.raises(ValueError, match="no replies"):
        behaviour([])
