"""Turning an Alpaca-style record into the formats ``SFTTrainer`` accepts, and the course's prompt template.

* conversational: ``{"messages": [{"role": "user", ...}, {"role": "assistant", ...}]}``
* prompt/completion: ``{"prompt": ..., "completion": ...}``, either as message lists
  (conversational) or as plain text (for a model with no chat template, such as distilgpt2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
