"""Two checks on generations that loss curves cannot make: are they varied, and are they copied?

* ``distinct_n``: unique word n-grams over all n-grams, across a set of generations. Near 1: varied;
  low: the model says the same few things whatever it is asked.
* ``copied_share``: for each generation, the share of its word n-grams that occur verbatim in the
  training texts. Near 1: the generation is stitched from training examples. On templated data right
  answers share many phrases with training replies too, so this alone does not show memorisation.
* ``parroted_share``: the share of replies that are, word for word, a training reply other than the
  one the held-out conversation expects: the model recited something it was trained on instead of
  answering. A model that memorised its examples scores well above one that learned the task.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence


def words(text: str) -> list[str]:
    return re.findall(r"\w+|[^\w\s]", text.lower())


def ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def distinct_n(texts: Iterable[str], n: int = 2) -> float:
    """Unique n-grams over all n-grams across ``texts``; NaN when there is no n-gram at all.

    A model that says the same thing to every prompt scores low:

    >>> distinct_n(["I like tea.", "I like tea."])  # 3 distinct bigrams of 6
    0.5
    >>> distinct_n(["I like tea.", "Rain is wet."])
    1.0
    """
    grams = [g for text in texts for g in ngrams(words(text), n)]
    return len(set(grams)) / len(grams) if grams else float("nan")


def training_ngrams(training_texts: Iterable[str], n: int = 4) -> set[tuple[str, ...]]:
    """Every word n-gram of the training texts, for ``copied_share``."""
    return {g for text in training_texts for g in ngrams(words(text), n)}


def copied_share(text: str, seen: set[tuple[str, ...]], n: int = 4) -> float:
    """Share of ``text``'s n-grams found in ``seen`` (from ``training_ngrams``); NaN if it is too short."""
    grams = ngrams(words(text), n)
    return sum(g in seen for g in grams) / len(grams) if grams else float("nan")


def parroted_share(replies: Sequence[tuple[str, str | None]], training_replies: Iterable[str]) -> float:
    """Share of ``(reply, expected reply)`` pairs whose reply is a training reply word for word, and not the expected one.

    Case and spacing are ignored. NaN when there are no replies.

    >>> parroted_share([("Paris is the capital.", "Rome is the capital."), ("4 plus 5 is 9.", "4 plus 5 is 9.")],
    ...                ["Paris is the capital.", "4 plus 5 is 9."])
    0.5
    """
    seen = {tuple(words(t)) for t in training_replies}
    if not replies:
        return float("nan")
    parroted = [tuple(words(reply)) in seen and words(reply) != words(expected or "") for reply, expected in replies]
    return sum(parroted) / len(parroted)
