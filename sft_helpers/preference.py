"""Preference pairs, read by a model: which reply of a pair does it find more likely, and by how much?

A pair is a ``prompt`` (messages ending with a user turn), a ``chosen`` and a ``rejected`` reply (each a
list with one assistant message): TRL's conversational preference format. ``reply_logps`` scores a
reply as DPO does: the sum of the log-probabilities of its tokens (the template's end of turn included)
after the prompt rendered with the generation prompt; the prompt's own tokens do not count.

DPO's *implicit reward* of a reply is ``beta * (logp_policy - logp_reference)``, and a pair is "won"
when the chosen reply's reward is higher (``rewards/accuracies`` in TRL's logs). ``preference_accuracy``
asks the plainer question of one model: is the chosen reply more likely than the rejected one?

``carve_by_prompt`` sets pairs apart to choose settings on (a validation split), keeping every prompt on
one side: a prompt with two pairs, one on each side, would be half seen in training.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence


def reply_logps(model, tokenizer, prompt: Sequence[Mapping[str, str]], reply: Sequence[Mapping[str, str]]) -> float:
    """Sum of the log-probabilities of ``reply``'s tokens after ``prompt``, as TRL's DPO counts them.

    >>> from sft_helpers.machinery.standins import standin_path
    >>> from sft_helpers.training import load_chat_model
    >>> model, tokenizer = load_chat_model(standin_path("tiny-smollm2"), "cpu")  # untrained
    >>> prompt = [{"role": "user", "content": "Hi!"}]
    >>> reply_logps(model, tokenizer, prompt, [{"role": "assistant", "content": "Hello."}]) < 0
    True
    """
    import torch

    prompt_ids = tokenizer.apply_chat_template(list(prompt), add_generation_prompt=True, return_dict=True)["input_ids"]
    full_ids = tokenizer.apply_chat_template(list(prompt) + list(reply), return_dict=True)["input_ids"]
    # The reply's tokens are what follows the prompt; the template must render the prompt as a prefix.
    if full_ids[: len(prompt_ids)] != prompt_ids:
        raise ValueError("the chat template does not render the prompt as a prefix of prompt + reply")
    ids = torch.tensor([full_ids], device=model.device)
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0, :-1].float()
    logps = torch.log_softmax(logits, dim=-1).gather(1, ids[0, 1:, None])[:, 0]
    return float(logps[len(prompt_ids) - 1 :].sum())


def pair_logps(model, tokenizer, pairs: Sequence[Mapping]) -> list[tuple[float, float]]:
    """``(chosen, rejected)`` log-probabilities per pair (``reply_logps``), in order."""
    model.eval()
    return [(reply_logps(model, tokenizer, p["prompt"], p["chosen"]), reply_logps(model, tokenizer, p["prompt"], p["rejected"]))
            for p in pairs]


def preference_accuracy(logps: Sequence[tuple[float, float]]) -> list[bool]:
    """Per pair, is the chosen reply the more likely one? (Resample the list for an interval.)

    >>> preference_accuracy([(-3.0, -5.0), (-4.0, -2.5), (-1.0, -1.0)])
    [True, False, False]
    """
    return [chosen > rejected for chosen, rejected in logps]


def implicit_reward_margins(policy: Sequence[tuple[float, float]], reference: Sequence[tuple[float, float]],
                            beta: float) -> list[float]:
    """DPO's reward margin per pair: ``beta * ((pc - rc) - (pr - rr))`` from the policy's and the reference's logps.

    Positive: the policy moved towards the chosen reply, relative to where the reference stood.

    >>> [round(m, 6) for m in implicit_reward_margins([(-2.0, -6.0)], [(-3.0, -4.0)], beta=0.1)]  # chosen +1, rejected -2
    [0.3]
    """
    if len(policy) != len(reference):
        raise ValueError(f"{len(policy)} policy pairs but {len(reference)} reference pairs")
    return [beta * ((pc - rc) - (pr - rr)) for (pc, pr), (rc, rr) in zip(policy, reference)]


def carve_by_prompt(pairs: Sequence[Mapping], n: int, seed: int = 42) -> tuple[list, list]:
    """``(rest, carved)``: ``n`` pairs drawn at random, prompt by prompt, so that no prompt is on both sides.

    The prompts are shuffled with ``seed`` and taken whole, every pair of a prompt at once, while they fit in
    ``n`` (fewer than ``n`` only if no prompt left fits); both lists keep the pairs' order. Prompts compare
    exactly (the whole message list).

    >>> hi = [{"role": "user", "content": "Hi!"}]
    >>> pairs = [{"prompt": hi, "chosen": [], "rejected": []}] * 3 + [
    ...     {"prompt": [{"role": "user", "content": f"What is {i} plus 1?"}], "chosen": [], "rejected": []} for i in range(7)]
    >>> rest, carved = carve_by_prompt(pairs, 4)
    >>> len(rest), len(carved)
    (6, 4)
    >>> sum(p["prompt"] == hi for p in carved) in (0, 3)  # the three pairs of "Hi!" stay together
    True
    """
    if not 0 < n < len(pairs):
        raise ValueError(f"n must be between 1 and {len(pairs) - 1} (there are {len(pairs)} pairs), got {n}")
    by_prompt: dict[str, list[int]] = {}
    for i, pair in enumerate(pairs):
        by_prompt.setdefault(json.dumps(pair["prompt"], sort_keys=True), []).append(i)
    prompts = list(by_prompt)
    random.Random(seed).shuffle(prompts)
    carved: set[int] = set()
    for prompt in prompts:
        if len(carved) + len(by_prompt[prompt]) <= n:
            carved.update(by_prompt[prompt])
        if len(carved) == n:
            break
    rest = [p for i, p in enumerate(pairs) if i not in carved]
    return rest, [p for i, p in enumerate(pairs) if i in carved]
