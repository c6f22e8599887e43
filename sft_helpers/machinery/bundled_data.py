"""The course's own small data sets, in exactly the formats of the real ones, for the offline profile.

* ``conversations``: like ``HuggingFaceTB/smoltalk`` (``everyday-conversations``): columns
  ``full_topic`` and ``messages``, splits ``train`` and ``test``.
* ``instructions``: like ``tatsu-lab/alpaca``: columns ``instruction``, ``input`` (often empty),
  ``output`` and ``text``, one ``train`` split.
* ``formats`` (notebook 06): one user turn each, a task with verifiable instructions, and a reply that
  follows them: columns ``messages`` and ``constraints`` (dicts for ``sft_helpers.constraints``);
  ``train`` and a held-out ``test`` about other things. Read it with ``read``: its constraints differ
  in their fields, which ``load_dataset`` would fill with nulls.
* ``preferences`` (notebook 07): pairs in TRL's conversational preference format, columns ``prompt``
  (one user turn), ``chosen`` and ``rejected`` (one assistant turn each), ``fault`` and ``constraints``.
  The rejected reply has one fault the notebook can measure: a wrong answer (``scoring.is_correct``),
  a turn that does not end (``replies.leaks_template``) or a broken format (its ``constraints``,
  empty for the other two faults); ``train`` and ``test`` share no prompt. Read it with ``read`` too.

Every answer can be checked (sums, unit conversions, capitals, parity, opposites), so the
notebooks can score a fine-tuned model instead of only looking at it. Held out by construction: no
held-out split asks a question that a training split asks, in any wording, and no split asks one twice
(``misc/tools/make_bundled_data.py`` says how; ``tests/test_decontamination.py`` counts it). The files in ``data/`` beside
this module are written by ``python misc/tools/make_bundled_data.py`` with a fixed seed (a
unit test checks they are up to date).
"""

from __future__ import annotations

import json
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"

CONVERSATION_FILES = {"train": "conversations_train.jsonl", "test": "conversations_test.jsonl"}
INSTRUCTION_FILES = {"train": "instructions_train.jsonl"}
FORMAT_FILES = {"train": "formats_train.jsonl", "test": "formats_test.jsonl"}
PREFERENCE_FILES = {"train": "preferences_train.jsonl", "test": "preferences_test.jsonl"}
# The stand-ins' tokenizers learn their vocabulary from these two (sft_helpers.machinery.standins), so that
# adding a data set, as ``formats`` was, does not change the stand-ins and every figure trained on them.
FILES = {"conversations": CONVERSATION_FILES, "instructions": INSTRUCTION_FILES}
ALL_FILES = {**FILES, "formats": FORMAT_FILES, "preferences": PREFERENCE_FILES}


def data_files(kind: str) -> dict[str, str]:
    """``data_files`` for ``datasets.load_dataset("json", ...)``: ``kind`` is a key of ``ALL_FILES``.

    >>> sorted(data_files("conversations"))
    ['test', 'train']
    """
    return {split: str(DATA_DIR / name) for split, name in ALL_FILES[kind].items()}


def read(kind: str, split: str = "train") -> list[dict]:
    """The records of one bundled split, as plain dicts.

    >>> read("instructions")[0].keys()
    dict_keys(['instruction', 'input', 'output', 'text'])
    """
    with open(data_files(kind)[split], encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
