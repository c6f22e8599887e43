"""Behaviour checks that need no reference answer, for any chat model: one row of notebook 06's table.

Each reply is checked for five things a fine-tune can change, for better or worse:

* **ended**: the model emitted its end-of-turn token within the budget (``Reply.ended``);
* **empty**: nothing but whitespace came before it;
* **template leak**: the reply writes the chat template itself, the next turn included. The replies
  are decoded without special tokens, so ``<|im_start|>user`` shows as a line that is only a role
  name; a literal marker (decoded with them) or a ``User:`` line counts too;
* **repeats itself**: some run of four words comes twice or more, the loop of a model that does not stop;
* **words**: the reply's length, as ``sft_helpers.constraints.count_words`` counts it.

Across the replies, ``distinct_n`` (from ``sft_helpers.diversity``) says how varied they are.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence

from sft_helpers.constraints import count_words
from sft_helpers.diversity import distinct_n, ngrams, words
from sft_helpers.evaluation import Reply
from sft_helpers.noise import Interval, bootstrap_ci

_ROLE_LINE = re.compile(r"(?:^|\n)\s*(?:user|assistant|system)\s*(?:\n|$)", re.IGNORECASE)
_SPEAKER_LINE = re.compile(r"(?:^|\n)\s*(?:user|human|assistant)\s*:", re.IGNORECASE)
_MARKERS = ("<|im_start|>", "<|im_end|>")


def leaks_template(reply: str) -> bool:
    """Does ``reply`` write the chat template, or the next turn, itself?

    >>> leaks_template("Paris.\\nuser\\nAnd Spain?"), leaks_template("The user guide is online.")
    (True, False)
    >>> leaks_template("Sure.<|im_start|>assistant"), leaks_template("Hi!\\nUser: thanks")
    (True, True)
    """
    return any(m in reply for m in _MARKERS) or bool(_ROLE_LINE.search(reply) or _SPEAKER_LINE.search(reply))


def repeats_itself(reply: str, n: int = 4) -> bool:
    """Does some run of ``n`` words occur at least twice in ``reply``?

    >>> repeats_itself("I like tea. I like tea. I like tea."), repeats_itself("I like tea and I like coffee.")
    (True, False)
    """
    counts = Counter(ngrams(words(reply), n))
    return any(c >= 2 for c in counts.values())


def behaviour(replies: Sequence[Reply], seed: int = 0) -> dict[str, int | float | Interval]:
    """One row of the behaviour table: each share as an ``Interval`` (95%, bootstrap), distinct-2, median words.

    >>> row = behaviour([Reply("Hi!", "Hello. How can I help?", True, None), Reply("Hi!", "", False, None),
    ...                  Reply("Hi!", "Hi hi hi hi hi hi hi hi", False, None), Reply("Hi!", "Hey.\\nuser\\nHi", True, None)])
    >>> print(row["ended"], row["empty"], row["repeats itself"], row["median words"], sep="; ")
    0.50 [0.00, 1.00]; 0.25 [0.00, 0.75]; 0.25 [0.00, 0.75]; 4.0
    >>> row["template leak"].estimate
    0.25
    """
    if not replies:
        raise ValueError("no replies to check")

    def share(flags: list[bool]) -> Interval:
        return bootstrap_ci(flags, seed=seed)  # prints as "0.50 [0.38, 0.62]"

    texts = [r.reply for r in replies]
    return {
        "replies": len(replies),
        "ended": share([r.ended for r in replies]),
        "empty": share([not t.strip() for t in texts]),
        "template leak": share([leaks_template(t) for t in texts]),
        "repeats itself": share([repeats_itself(t) for t in texts]),
        "distinct-2": round(distinct_n(texts, 2), 2),
        "median words": float(statistics.median(count_words(t) for t in texts)),
    }
