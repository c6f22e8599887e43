"""The data steps (notebook 01): the chat template, the formats ``SFTTrainer`` accepts, and checks that name
the bad record.

* **Chat template**: ``CHATML_TEMPLATE`` and ``setup_chatml``, which gives it to a base tokenizer that has
  none (SmolLM2-135M's).
* **Formats**: an Alpaca-style record as a conversation or as a prompt/completion pair, and notebook 03's
  prompt text (``instruction_prompt``).
* **Record checks**: ``find_problems`` and ``validate`` check every record before training and name the record
  and the problem; ``drop_problem_records`` keeps the usable ones and says what it dropped;
  ``conversation_lengths`` and ``truncation_summary`` say what ``max_length`` would cut (``curves.plot_lengths``
  draws the lengths).

Notebooks 02 and 03 use them again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# ------------------------------------------------------------------------------------------------
# Chat: The course's ChatML chat template, and giving it to a base tokenizer that has none.
#
# ChatML wraps every turn as ``<|im_start|>{role}\n{content}<|im_end|>\n``. The
# ``{% generation %}`` / ``{% endgeneration %}`` markers around each assistant reply (its
# ``<|im_end|>`` included) let ``apply_chat_template(..., return_assistant_tokens_mask=True)``
# tell assistant tokens from the rest, which is what TRL's ``assistant_only_loss=True`` needs.
# ------------------------------------------------------------------------------------------------

IM_START, IM_END, ENDOFTEXT = "<|im_start|>", "<|im_end|>", "<|endoftext|>"

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}"
    "{{ '<|im_start|>assistant\n' }}"
    "{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}"
    "{{ '\n' }}"
    "{% else %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def setup_chatml(tokenizer, model=None) -> None:
    """Give ``tokenizer`` the ChatML template and make ``<|im_end|>`` the end-of-turn token.

    The end-of-sequence token becomes ``<|im_end|>``, so generation stops at the end of the
    assistant's turn; padding uses ``<|endoftext|>``, which the template never emits, so padding can
    never be mistaken for a turn's end. Both tokens must already be in the vocabulary: nothing is
    added, so the embeddings need no resizing. With ``model`` given, its config and generation
    config get the same ids.

    >>> from transformers import AutoTokenizer
    >>> from sft_helpers.machinery.standins import standin_path
    >>> tokenizer = AutoTokenizer.from_pretrained(standin_path("tiny-smollm2"))  # SmolLM2's special tokens
    >>> setup_chatml(tokenizer)
    >>> tokenizer.eos_token, tokenizer.pad_token
    ('<|im_end|>', '<|endoftext|>')
    >>> print(tokenizer.apply_chat_template([{"role": "user", "content": "Hi!"}], tokenize=False, add_generation_prompt=True))
    <|im_start|>user
    Hi!<|im_end|>
    <|im_start|>assistant
    <BLANKLINE>
    """
    vocab = tokenizer.get_vocab()
    missing = [t for t in (IM_START, IM_END, ENDOFTEXT) if t not in vocab]
    if missing:
        raise ValueError(
            f"{type(tokenizer).__name__} has no {', '.join(missing)} token; this template needs a tokenizer "
            "that already knows them (adding tokens would need new, untrained embeddings)"
        )
    tokenizer.chat_template = CHATML_TEMPLATE
    tokenizer.eos_token = IM_END
    tokenizer.pad_token = ENDOFTEXT
    if model is not None:
        model.config.eos_token_id = tokenizer.eos_token_id
        model.config.pad_token_id = tokenizer.pad_token_id
        model.generation_config.eos_token_id = tokenizer.eos_token_id
        model.generation_config.pad_token_id = tokenizer.pad_token_id


# ------------------------------------------------------------------------------------------------
# Formats: Turning an Alpaca-style record into the formats ``SFTTrainer`` accepts, and the course's prompt template.
#
# * conversational: ``{"messages": [{"role": "user", ...}, {"role": "assistant", ...}]}``
# * prompt/completion: ``{"prompt": ..., "completion": ...}``, either as message lists
#   (conversational) or as plain text (for a model with no chat template, such as distilgpt2).
# ------------------------------------------------------------------------------------------------

RESPONSE_MARKER = "### Response:\n"


def user_message(instruction: str, input: str | None = None) -> str:
    """Instruction and optional input as one user turn."""
    return f"{instruction}\n\n{input}" if input else instruction


def instruction_prompt(instruction: str, input: str | None = None) -> str:
    """The course's plain-text prompt: instruction, optional input, and a response marker to answer after.

    The marker ends with a newline, so the response always starts on a fresh line and never merges
    with the prompt's last word.

    >>> print(instruction_prompt("Add the two numbers.", "4 and 9"), end="")
    ### Instruction:
    Add the two numbers.
    <BLANKLINE>
    ### Input:
    4 and 9
    <BLANKLINE>
    ### Response:
    """
    parts = [f"### Instruction:\n{instruction}"]
    if input:
        parts.append(f"### Input:\n{input}")
    return "\n\n".join(parts) + "\n\n" + RESPONSE_MARKER


def alpaca_to_messages(record: Mapping[str, Any]) -> dict[str, list[dict[str, str]]]:
    """Conversational format: the instruction (and input) as the user turn, the output as the assistant's.

    >>> alpaca_to_messages({"instruction": "Add the two numbers.", "input": "4 and 9", "output": "13"})["messages"]
    [{'role': 'user', 'content': 'Add the two numbers.\\n\\n4 and 9'}, {'role': 'assistant', 'content': '13'}]
    """
    return {
        "messages": [
            {"role": "user", "content": user_message(record["instruction"], record.get("input"))},
            {"role": "assistant", "content": record["output"]},
        ]
    }


def alpaca_to_prompt_completion(record: Mapping[str, Any], conversational: bool = True) -> dict[str, Any]:
    """Prompt/completion format, as message lists (``conversational``) or as plain text.

    >>> record = {"instruction": "Give the opposite of the word.", "input": "hot", "output": "cold"}
    >>> alpaca_to_prompt_completion(record)["completion"]
    [{'role': 'assistant', 'content': 'cold'}]
    >>> alpaca_to_prompt_completion(record, conversational=False)["prompt"].endswith("### Response:\\n")
    True
    """
    if conversational:
        return {
            "prompt": [{"role": "user", "content": user_message(record["instruction"], record.get("input"))}],
            "completion": [{"role": "assistant", "content": record["output"]}],
        }
    return {"prompt": instruction_prompt(record["instruction"], record.get("input")), "completion": record["output"]}


# ------------------------------------------------------------------------------------------------
# Record checks: Checking a data set before training: every problem names the record and what is wrong.
#
# A malformed record rarely crashes training. More often it trains the model on garbage: a
# conversation that ends with the user teaches nothing, and an ``<|im_end|>`` typed inside a message
# teaches the model to stop in the middle of a turn.
# ------------------------------------------------------------------------------------------------

KNOWN_ROLES = ("system", "user", "assistant")
SPECIAL_TOKENS = (IM_START, IM_END, ENDOFTEXT)


class DataError(ValueError):
    """A data set has records that would break training or train on garbage."""


@dataclass(frozen=True)
class Problem:
    record: int
    message: str

    def __str__(self) -> str:
        return f"record {self.record}: {self.message}"


def _text_problems(field: str, value: Any, special_tokens: Sequence[str], allow_empty: bool = False) -> list[str]:
    if not isinstance(value, str):
        return [f"{field} is {type(value).__name__}, not text"]
    if not allow_empty and not value.strip():
        return [f"{field} is empty" if not value else f"{field} is only whitespace"]
    return [f"{field} contains the special token {t!r}, which would confuse the template" for t in special_tokens if t in value]


def conversation_problems(record: Any, special_tokens: Sequence[str] = SPECIAL_TOKENS) -> list[str]:
    """What is wrong with one conversational (``messages``) record; empty when nothing is."""
    if not isinstance(record, Mapping) or "messages" not in record:
        return ["has no 'messages'"]
    messages = record["messages"]
    if not isinstance(messages, list) or not messages:
        return ["'messages' is not a non-empty list"]
    problems: list[str] = []
    roles = []
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping) or "role" not in message or "content" not in message:
            problems.append(f"message {i} needs a 'role' and a 'content'")
            roles.append(None)
            continue
        role = message["role"]
        roles.append(role)
        if role not in KNOWN_ROLES:
            problems.append(f"message {i} has unknown role {role!r} (known: {', '.join(KNOWN_ROLES)})")
        problems += [f"message {i} {p}" for p in _text_problems("content", message["content"], special_tokens)]
    if None in roles:
        return problems
    if "system" in roles[1:]:
        problems.append(f"a system message at position {roles.index('system', 1)}; it may only come first")
    turns = [r for r in roles if r != "system"]
    for i, (a, b) in enumerate(zip(turns, turns[1:])):
        if a == b and a in ("user", "assistant"):
            problems.append(f"two {a} turns in a row (turns {i} and {i + 1}); user and assistant must alternate")
            break
    if turns and turns[0] != "user":
        problems.append(f"the first turn is {turns[0]!r}, not 'user'")
    if roles[-1] != "assistant":
        problems.append(f"the last message is from {roles[-1]!r}; it must be the assistant's, or there is nothing to learn")
    return problems


def instruction_problems(record: Any, special_tokens: Sequence[str] = (ENDOFTEXT,)) -> list[str]:
    """What is wrong with one Alpaca-style record; empty when nothing is. A missing or ``None`` input means none."""
    if not isinstance(record, Mapping):
        return [f"is {type(record).__name__}, not a record"]
    problems = [f"has no {field!r}" for field in ("instruction", "output") if field not in record]
    for field in ("instruction", "output"):
        if field in record:
            problems += _text_problems(field, record[field], special_tokens)
    if record.get("input") is not None:
        problems += _text_problems("input", record["input"], special_tokens, allow_empty=True)
    return problems


def find_problems(records: Iterable[Any], kind: str) -> list[Problem]:
    """Every problem in ``records``; ``kind`` is ``conversations`` or ``instructions``.

    >>> records = [{"instruction": "Say hi.", "output": "Hi!"}, {"instruction": "Say bye.", "output": " "}]
    >>> [str(p) for p in find_problems(records, "instructions")]
    ['record 1: output is only whitespace']
    """
    check = {"conversations": conversation_problems, "instructions": instruction_problems}[kind]
    return [Problem(i, message) for i, record in enumerate(records) for message in check(record)]


def validate(records: Iterable[Any], kind: str, max_shown: int = 10) -> int:
    """Raise ``DataError`` listing the problems (the first ``max_shown``); return the record count if none.

    >>> validate([{"messages": [{"role": "user", "content": "Hi"}]}], "conversations")
    Traceback (most recent call last):
    ...
    sft_helpers.data.DataError: 1 of 1 records have problems:
      record 0: the last message is from 'user'; it must be the assistant's, or there is nothing to learn
    """
    records = list(records)
    problems = find_problems(records, kind)
    if problems:
        shown = "\n".join(f"  {p}" for p in problems[:max_shown])
        more = f"\n  ... and {len(problems) - max_shown} more" if len(problems) > max_shown else ""
        bad = len({p.record for p in problems})
        raise DataError(f"{bad} of {len(records)} records have problems:\n{shown}{more}")
    return len(records)


@dataclass(frozen=True)
class DropReport:
    """What ``drop_problem_records`` kept and dropped, and why, each problem named by its record."""

    records: int
    problems: tuple[Problem, ...]
    max_shown: int = 5

    @property
    def dropped(self) -> int:
        return len({p.record for p in self.problems})

    @property
    def kept(self) -> int:
        return self.records - self.dropped

    def __str__(self) -> str:
        if not self.problems:
            return f"{self.records:,} records checked, no problems"
        lines = [f"{self.records:,} records checked: {self.dropped:,} dropped, {self.kept:,} kept"]
        lines += [f"  {p}" for p in self.problems[: self.max_shown]]
        if len(self.problems) > self.max_shown:
            lines.append(f"  ... and {len(self.problems) - self.max_shown:,} more problems")
        return "\n".join(lines)


def drop_problem_records(dataset, kind: str, max_share: float = 0.05):
    """Drop the records of a ``datasets.Dataset`` that cannot train, and report each one by index.

    Real data sets have a few such records (``tatsu-lab/alpaca`` has 28 empty outputs among 52,002), and
    one of them should not stop a run. Many of them mean the data is not in the format the course
    expects, so above ``max_share`` of the records this raises ``DataError`` instead of training on
    what is left.

    >>> from datasets import Dataset
    >>> rows = [{"instruction": "Say hi.", "input": "", "output": "Hi!"}, {"instruction": "Say hi.", "input": "", "output": ""}]
    >>> kept, report = drop_problem_records(Dataset.from_list(rows * 20), "instructions", max_share=0.5)
    >>> print(report)
    40 records checked: 20 dropped, 20 kept
      record 1: output is empty
      record 3: output is empty
      record 5: output is empty
      record 7: output is empty
      record 9: output is empty
      ... and 15 more problems
    >>> len(kept)
    20
    """
    problems = find_problems(dataset, kind)
    report = DropReport(len(dataset), tuple(problems))
    if report.dropped > max_share * report.records:
        raise DataError(
            f"{report.dropped:,} of {report.records:,} records have problems, more than {max_share:.0%}: "
            f"is this data set in the {kind} format?\n{report}"
        )
    if not problems:
        return dataset, report  # a clean data set passes through as it is, without an index mapping
    bad = {p.record for p in problems}
    return dataset.select([i for i in range(len(dataset)) if i not in bad]), report


def conversation_lengths(records: Iterable[Mapping], tokenizer) -> list[int]:
    """Length in tokens of each conversation, rendered with the tokenizer's chat template.

    >>> from transformers import AutoTokenizer
    >>> from sft_helpers.machinery.standins import standin_path
    >>> tokenizer = AutoTokenizer.from_pretrained(standin_path("tiny-smollm2"))
    >>> setup_chatml(tokenizer)
    >>> chat = [{"role": "user", "content": "Hi!"}, {"role": "assistant", "content": "Hello!"}]
    >>> conversation_lengths([{"messages": chat}], tokenizer)  # two markers, a role and a newline per turn, 4 words
    [14]
    """
    return [len(tokenizer.apply_chat_template(list(r["messages"]), tokenize=True, return_dict=True)["input_ids"]) for r in records]


def truncation_summary(lengths: Sequence[int], max_length: int) -> dict[str, float]:
    """How many records a ``max_length`` would cut, and how many tokens it would throw away.

    >>> summary = truncation_summary([100, 300, 500], max_length=400)
    >>> summary["truncated"], round(summary["tokens_lost_share"], 3)  # 100 of 900 tokens
    (1, 0.111)
    """
    if not lengths:
        raise ValueError("no lengths given")
    cut = [n for n in lengths if n > max_length]
    return {
        "max_length": max_length,
        "records": len(lengths),
        "truncated": len(cut),
        "truncated_share": len(cut) / len(lengths),
        "tokens_lost_share": sum(n - max_length for n in cut) / sum(lengths),
    }
