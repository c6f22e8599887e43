"""Measuring a chat model on held-out conversations: does it end its turn, and is it right?"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice

from sft_helpers.formats import instruction_prompt, user_message
from sft_helpers.machinery.scoring import expected_output, in_asked_form, is_correct, output_in_form


@dataclass(frozen=True)
class Reply:
    question: str
    reply: str
    ended: bool  # the model emitted its end-of-turn token within the budget
    correct: bool | None  # None: the question has no checkable answer
    reference: str | None = None  # the reply the held-out data gives, when it has one
    form: bool | None = None  # answered in the sentence a correct answer has, right or wrong (None: no such sentence)
    conversation: int | None = None  # which held-out record the turn comes from: resample its turns together


def _greedy(model, tokenizer, inputs, max_new_tokens: int) -> tuple[str, bool]:
    import torch

    inputs = inputs.to(model.device)
    # `is None`, not `or`: SmolLM2 pads with id 0, which `or` would silently replace by the end-of-turn token.
    pad_token_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    with torch.no_grad():
        output = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=pad_token_id)
    new_tokens = output[0, inputs["input_ids"].shape[1] :]
    ended = len(new_tokens) > 0 and new_tokens[-1].item() == tokenizer.eos_token_id
    return tokenizer.decode(new_tokens, skip_special_tokens=True), ended


def chat_reply(model, tokenizer, messages: Sequence[Mapping[str, str]], max_new_tokens: int = 64) -> tuple[str, bool]:
    """Greedy reply to ``messages`` (ending with a user turn) and whether it ended with ``tokenizer.eos_token``.

    >>> from sft_helpers.machinery.standins import standin_path
    >>> from sft_helpers.training import load_chat_model
    >>> model, tokenizer = load_chat_model(standin_path("tiny-smollm2"), "cpu")  # random weights, untrained
    >>> reply, ended = chat_reply(model, tokenizer, [{"role": "user", "content": "Hi there!"}], max_new_tokens=8)
    >>> len(tokenizer(reply)["input_ids"]) <= 8, ended  # it rambles until the budget runs out
    (True, False)
    """
    inputs = tokenizer.apply_chat_template(list(messages), add_generation_prompt=True, return_tensors="pt", return_dict=True)
    return _greedy(model, tokenizer, inputs, max_new_tokens)


def complete(model, tokenizer, prompt: str, max_new_tokens: int = 64) -> tuple[str, bool]:
    """Greedy continuation of a plain-text ``prompt``, and whether it ended with ``tokenizer.eos_token``.

    >>> from transformers import AutoModelForCausalLM, AutoTokenizer
    >>> from sft_helpers.formats import instruction_prompt
    >>> from sft_helpers.machinery.standins import standin_path
    >>> path = standin_path("tiny-gpt2")
    >>> model, tokenizer = AutoModelForCausalLM.from_pretrained(path), AutoTokenizer.from_pretrained(path)
    >>> text, ended = complete(model, tokenizer, instruction_prompt("Say hi."), max_new_tokens=8)
    >>> ended  # an untrained model never reaches its end-of-sequence token in 8 tokens
    False
    """
    return _greedy(model, tokenizer, tokenizer(prompt, return_tensors="pt"), max_new_tokens)


def greedy_batch(model, tokenizer, prompts: Sequence[Sequence[int]], max_new_tokens: int, batch_size: int = 16) -> list[tuple[str, bool]]:
    """Greedy replies to many tokenized ``prompts`` at once, left-padded; the same as one at a time, faster.

    Returns ``(text, ended)`` per prompt, in order, as ``chat_reply`` gives them. Prompts of similar length
    share a batch, so little is padding. Left padding keeps every prompt's last token next to its reply;
    on a CPU in fp32 the replies match those of one prompt at a time (``tests/test_evaluation.py`` checks
    it), while in fp16 a near-tie between two tokens can go the other way.

    >>> from sft_helpers.machinery.standins import standin_path
    >>> from sft_helpers.training import load_chat_model
    >>> model, tokenizer = load_chat_model(standin_path("tiny-smollm2"), "cpu")  # untrained
    >>> chats = [[{"role": "user", "content": "Hi there!"}], [{"role": "user", "content": "What is 4 plus 5?"}]]
    >>> prompts = [tokenizer.apply_chat_template(c, add_generation_prompt=True, return_dict=True)["input_ids"] for c in chats]
    >>> greedy_batch(model, tokenizer, prompts, max_new_tokens=8) == [chat_reply(model, tokenizer, c, 8) for c in chats]
    True
    """
    import torch

    # `is None`, not `or`: SmolLM2 pads with id 0, which `or` would silently replace by the end-of-turn token.
    pad_token_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    stop = model.generation_config.eos_token_id  # what generate stops at: an id, a list of ids, or None
    stop_ids = set() if stop is None else {stop} if isinstance(stop, int) else set(stop)
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
    results: list[tuple[str, bool]] = [("", False)] * len(prompts)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        longest = max(len(prompts[i]) for i in chunk)
        input_ids = torch.tensor([[pad_token_id] * (longest - len(prompts[i])) + list(prompts[i]) for i in chunk])
        attention_mask = torch.tensor([[0] * (longest - len(prompts[i])) + [1] * len(prompts[i]) for i in chunk])
        with torch.no_grad():
            output = model.generate(input_ids=input_ids.to(model.device), attention_mask=attention_mask.to(model.device),
                                    max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=pad_token_id)
        for row, i in zip(output[:, longest:].tolist(), chunk):
            # A reply that stopped early is padded to the batch's longest: it ends at its first stop token.
            end = next((k + 1 for k, token in enumerate(row) if token in stop_ids), len(row))
            new_tokens = row[:end]
            ended = bool(new_tokens) and new_tokens[-1] == tokenizer.eos_token_id
            results[i] = (tokenizer.decode(new_tokens, skip_special_tokens=True), ended)
    return results


def reply_to_conversations(
    model, tokenizer, conversations: Iterable[Mapping], max_new_tokens: int = 64, limit: int | None = None, batch_size: int = 16
) -> list[Reply]:
    """Answer every user turn of held-out ``conversations`` (rows with ``messages``), given the real history.

    The replies are generated ``batch_size`` at a time (``greedy_batch``): the same replies as
    ``chat_reply`` one by one, several times faster.

    >>> from sft_helpers.machinery.standins import standin_path
    >>> from sft_helpers.training import load_chat_model
    >>> model, tokenizer = load_chat_model(standin_path("tiny-smollm2"), "cpu")  # untrained
    >>> chat = [{"role": "user", "content": "What is 4 plus 5?"}, {"role": "assistant", "content": "4 plus 5 is 9."}]
    >>> reply = reply_to_conversations(model, tokenizer, [{"messages": chat}], max_new_tokens=8)[0]
    >>> reply.question, reply.reference, reply.ended, reply.correct  # the sum is checkable: recomputed from the words
    ('What is 4 plus 5?', '4 plus 5 is 9.', False, False)
    """
    model.eval()
    turns: list[tuple[str, str | None, int]] = []  # (question, reference, conversation) per user turn
    prompts: list[list[int]] = []
    for row_index, row in enumerate(conversations):
        messages = row["messages"]
        for i, message in enumerate(messages):
            if message["role"] != "user":
                continue
            if limit is not None and len(turns) >= limit:
                break
            following = messages[i + 1] if i + 1 < len(messages) else None
            reference = following["content"] if following is not None and following["role"] == "assistant" else None
            turns.append((message["content"], reference, row_index))
            prompts.append(tokenizer.apply_chat_template(list(messages[: i + 1]), add_generation_prompt=True, return_dict=True)["input_ids"])
        if limit is not None and len(turns) >= limit:
            break
    generated = greedy_batch(model, tokenizer, prompts, max_new_tokens, batch_size)
    return [Reply(question, text, ended, is_correct(question, text), reference, in_asked_form(question, text), row_index)
            for (question, reference, row_index), (text, ended) in zip(turns, generated)]


def answer_instructions(
    model, tokenizer, records: Iterable[Mapping], max_new_tokens: int = 64, limit: int | None = None, batch_size: int = 16
) -> list[Reply]:
    """Answer Alpaca-style ``records`` with the course's prompt template; correct means exactly the expected output.

    The answers are generated ``batch_size`` at a time (``greedy_batch``), the same as ``complete`` one by one.

    >>> from transformers import AutoModelForCausalLM, AutoTokenizer
    >>> from sft_helpers.machinery.standins import standin_path
    >>> path = standin_path("tiny-gpt2")
    >>> model, tokenizer = AutoModelForCausalLM.from_pretrained(path), AutoTokenizer.from_pretrained(path)
    >>> records = [{"instruction": "Add the two numbers.", "input": "4 and 9", "output": "13"},
    ...            {"instruction": "Write a poem.", "input": "", "output": "Rain on the roof."}]
    >>> [(r.reference, r.correct) for r in answer_instructions(model, tokenizer, records, max_new_tokens=4)]
    [('13', False), ('Rain on the roof.', None)]
    """
    model.eval()
    records = list(islice(records, limit))  # limit None: all of them
    prompts = [tokenizer(instruction_prompt(r["instruction"], r.get("input")))["input_ids"] for r in records]
    replies: list[Reply] = []
    for record, (text, ended) in zip(records, greedy_batch(model, tokenizer, prompts, max_new_tokens, batch_size)):
        expected = expected_output(record["instruction"], record.get("input") or "")
        correct = None if expected is None else text.strip() == expected
        form = output_in_form(record["instruction"], record.get("input") or "", text)
        replies.append(Reply(user_message(record["instruction"], record.get("input")), text, ended, correct, record["output"], form))
    return replies


def reply_metrics(replies: Sequence[Reply]) -> dict[str, float | None]:
    """Share of replies that ended their turn, and of checkable questions answered correctly and in the asked form.

    ``correct_share`` is ``None`` when no question was checkable (real everyday conversations have none):
    there is nothing to measure, which is not the same as a score of zero. ``form_share``: of the checkable
    questions, the share answered in the sentence a correct answer has, right or wrong ("12 plus 7 is 18.").

    >>> reply_metrics([Reply("Hi!", "Hello.", True, None), Reply("What is 2 plus 2?", "2 plus 2 is 5.", True, False, None, True)])
    {'replies': 2, 'ended_share': 1.0, 'checkable': 1, 'correct_share': 0.0, 'form_share': 1.0}
    >>> reply_metrics([Reply("Hi!", "Hello.", False, None)])["correct_share"] is None
    True
    """
    if not replies:
        raise ValueError("no replies to measure")
    checkable = [r.correct for r in replies if r.correct is not None]
    form = [r.form for r in replies if r.form is not None]
    return {
        "replies": len(replies),
        "ended_share": sum(r.ended for r in replies) / len(replies),
        "checkable": len(checkable),
        "correct_share": (sum(checkable) / len(checkable)) if checkable else None,
        "form_share": (sum(form) / len(form)) if form else None,
    }
