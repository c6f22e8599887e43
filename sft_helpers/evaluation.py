"""Measuring a chat model on held-out conversations: does it end its turn, and is it right?"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .scoring import is_correct


@dataclass(frozen=True)
class Reply:
    question: str
    reply: str
    ended: bool  # the model emitted its end-of-turn token within the budget
    correct: bool | None  # None: the question has no checkable answer


def chat_reply(model, tokenizer, messages: Sequence[Mapping[str, str]], max_new_tokens: int = 64) -> tuple[str, bool]:
    """Greedy reply to ``messages`` (ending with a user turn) and whether it ended with ``tokenizer.eos_token``."""
    import torch

    inputs = tokenizer.apply_chat_template(
        list(messages), add_generation_prompt=True, return_tensors="pt", return_dict=True
    ).to(model.device)
    with torch.no_grad():
        output = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False)
    new_tokens = output[0, inputs["input_ids"].shape[1] :]
    ended = len(new_tokens) > 0 and new_tokens[-1].item() == tokenizer.eos_token_id
    return tokenizer.decode(new_tokens, skip_special_tokens=True), ended


def reply_to_conversations(
    model, tokenizer, conversations: Iterable[Mapping], max_new_tokens: int = 64, limit: int | None = None
) -> list[Reply]:
    """Answer every user turn of held-out ``conversations`` (rows with ``messages``), given the real history."""
    model.eval()
    replies: list[Reply] = []
    for row in conversations:
        messages = row["messages"]
        for i, message in enumerate(messages):
            if message["role"] != "user":
                continue
            if limit is not None and len(replies) >= limit:
                return replies
            text, ended = chat_reply(model, tokenizer, messages[: i + 1], max_new_tokens)
            replies.append(Reply(message["content"], text, ended, is_correct(message["content"], text)))
    return replies


def reply_metrics(replies: Sequence[Reply]) -> dict[str, float]:
    """Share of replies that ended their turn, and share of checkable questions answered correctly."""
    if not replies:
        raise ValueError("no replies to measure")
    checkable = [r.correct for r in replies if r.correct is not None]
    return {
        "replies": len(replies),
        "ended_share": sum(r.ended for r in replies) / len(replies),
        "checkable": len(checkable),
        "correct_share": (sum(checkable) / len(checkable)) if checkable else float("nan"),
    }
