import math

import pytest

from sft_helpers.replies import copied_share, distinct_n, ngrams, training_ngrams, words


def test_words_and_ngrams():
    assert words("Hello, World!") == ["hello", ",", "world", "!"]
    assert ngrams(["a", "b", "c"], 2) == [("a", "b"), ("b", "c")]
    assert ngrams(["a"], 2) == []


def test_distinct_n():
    assert distinct_n(["a b c", "d e f"], 2) == 1.0
    assert distinct_n(["a b", "a b", "a b", "a b"], 2) == 0.25
    assert math.isnan(distinct_n(["a", "b"], 2))


def test_copied_share():
    seen = training_ngrams(["The capital of Peru is Lima."], n=3)
    assert copied_share("The capital of Peru is Lima.", seen, n=3) == 1.0
    assert copied_share("The capital of Chile is Santiago.", seen, n=3) == pytest.approx(1 / 5)
    assert math.isnan(copied_share("Hi", seen, n=3))
