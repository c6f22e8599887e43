"""Decontamination: is a held-out record really held out? (notebooks 01 to 03)

A figure on held-out data means something only when the model never trained on those prompts. This
module counts, for each held-out record, whether one of its prompts also appears in the training data,
exactly or once case, spacing, punctuation and the articles *a*, *an* and *the* are ignored (a
near-duplicate), and drops those records before anything is measured on them.

What counts as a record's prompt:

* a conversation (``messages``): each user turn of at least ``MIN_WORDS`` words. Shorter turns ("Hi!",
  "Thanks a lot.") are small talk: every chat data set repeats them and they ask for no answer;
* an Alpaca record: its instruction and its input together;
* a preference pair (``prompt``): its user turns, as a conversation's.

Overlap is a lower bound on contamination: a question asked in other words ("What is 3 plus 4?",
"Add 3 and 4.") is the same question, and no string comparison sees it. The course's bundled data is
held out by construction (``sft_helpers/machinery/data``); the check is how you know.

>>> train = [{"instruction": "Add the two numbers.", "input": "3 and 4", "output": "7"}]
>>> held_out = [{"instruction": "add the two numbers", "input": "3 and 4", "output": "7"},
...             {"instruction": "Add the two numbers.", "input": "5 and 9", "output": "14"}]
>>> print(overlap(train, held_out))
1 of 2 held-out records share a prompt with training (exact 0, near-duplicate 1)
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

ARTICLES = {"a", "an", "the"}
MIN_WORDS = 4  # a user turn of fewer words is small talk ("Hi there!", "Thank you.")


def normalize(text: str) -> str:
    """``text`` lowercased, without punctuation or articles, its words separated by one space.

    >>> normalize("  What is THE capital of France?! ")
    'what is capital of france'
    """
    words = text.lower().translate(str.maketrans(string.punctuation, " " * len(string.punctuation))).split()
    return " ".join(w for w in words if w not in ARTICLES)


def prompts(record: dict) -> list[str]:
    """The prompts of one record (see the module docstring), as written.

    >>> prompts({"messages": [{"role": "user", "content": "Hi!"}, {"role": "assistant", "content": "Hello!"},
    ...                       {"role": "user", "content": "What is 3 plus 4?"}]})
    ['What is 3 plus 4?']
    >>> prompts({"instruction": "Add the two numbers.", "input": "3 and 4"})
    ['Add the two numbers.\\n3 and 4']
    """
    if "instruction" in record:
        return ["\n".join(part for part in (record["instruction"], record.get("input") or "") if part)]
    turns = record.get("messages") or record.get("prompt")
    if not isinstance(turns, list):
        raise ValueError(f"record has no 'messages', 'prompt' or 'instruction' to take prompts from: {sorted(record)}")
    return [m["content"] for m in turns if m["role"] == "user" and len(normalize(m["content"]).split()) >= MIN_WORDS]


@dataclass
class Overlap:
    """Which held-out records share a prompt with training, and how (``exact`` or only ``near``)."""

    held_out: int
    exact: list[int] = field(default_factory=list)  # indices of held-out records with a prompt seen verbatim
    near: list[int] = field(default_factory=list)  # ... seen only once normalized
    examples: list[str] = field(default_factory=list)  # a few of the shared prompts, to look at

    @property
    def rows(self) -> list[int]:
        return sorted(self.exact + self.near)

    def __str__(self) -> str:
        return (f"{len(self.rows)} of {self.held_out} held-out records share a prompt with training "
                f"(exact {len(self.exact)}, near-duplicate {len(self.near)})")


def overlap(train: Iterable[dict], held_out: Iterable[dict]) -> Overlap:
    """Count the held-out records that share a prompt with ``train``, exactly or as a near-duplicate."""
    seen, seen_normalized = set(), set()
    for record in train:
        for p in prompts(record):
            seen.add(p.strip())
            seen_normalized.add(normalize(p))
    held_out = list(held_out)
    result = Overlap(len(held_out))
    for i, record in enumerate(held_out):
        ps = prompts(record)
        if any(p.strip() in seen for p in ps):
            result.exact.append(i)
        elif any(normalize(p) in seen_normalized for p in ps):
            result.near.append(i)
        else:
            continue
        if len(result.examples) < 3:
            result.examples.append(next(p for p in ps if normalize(p) in seen_normalized))
    return result


def repeated(records: Iterable[dict]) -> int:
    """How many records repeat a prompt of an earlier record of the same split (normalized).

    A split carved at random from a set with repeats puts copies on both sides of the carve.

    >>> repeated([{"instruction": "Say hi.", "input": ""}, {"instruction": "say hi", "input": ""}])
    1
    """
    counts: Counter[str] = Counter()
    n = 0
    for record in records:
        keys = {normalize(p) for p in prompts(record)}
        n += any(counts[k] for k in keys)
        counts.update(keys)
    return n


def drop_overlap(held_out, train, name: str = "held-out"):
    """``held_out`` (a ``datasets.Dataset``) without the records that share a prompt with ``train``, and a
    line saying how many were dropped. Call it before measuring anything on ``held_out``.

    >>> from datasets import Dataset
    >>> train = Dataset.from_list([{"instruction": "Add the two numbers.", "input": "3 and 4"}])
    >>> held_out = Dataset.from_list([{"instruction": "add the two numbers", "input": "3 and 4"},
    ...                               {"instruction": "Add the two numbers.", "input": "5 and 9"}])
    >>> kept, line = drop_overlap(held_out, train, "test")
    >>> len(kept), line
    (1, 'test: 1 of 2 held-out records share a prompt with training (exact 0, near-duplicate 1); dropped')
    """
    found = overlap(train, held_out)
    if not found.rows:
        return held_out, f"{name}: {found}"
    drop = set(found.rows)
    kept = held_out.select([i for i in range(len(held_out)) if i not in drop])
    return kept, f"{name}: {found}; dropped"


def decontaminate(dataset, held_out: tuple[str, ...] = ("validation", "test")):
    """``dataset`` (a ``datasets.DatasetDict``) with ``drop_overlap`` applied to each of its ``held_out``
    splits against its ``train`` split, and one line per split saying what was dropped.

    >>> from datasets import Dataset, DatasetDict
    >>> rows = lambda *qs: Dataset.from_list([{"instruction": q, "input": ""} for q in qs])
    >>> dataset, lines = decontaminate(DatasetDict(train=rows("Say hi.", "Count to three."), test=rows("Say hi!", "Say bye.")))
    >>> len(dataset["test"]), lines
    (1, ['test: 1 of 2 held-out records share a prompt with training (exact 0, near-duplicate 1); dropped'])
    """
    lines = []
    for split in held_out:
        if split in dataset:
            dataset[split], line = drop_overlap(dataset[split], dataset["train"], split)
            lines.append(line)
    return dataset, lines
