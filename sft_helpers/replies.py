"""What a model's replies show that its loss does not (notebooks 02 to 07): generate them, score them, check
their behaviour.

* **Generating and scoring**: ``chat_reply`` (one conversation) and ``complete`` (one plain-text prompt)
  generate a greedy reply; ``reply_to_conversations`` and ``answer_instructions`` do it for held-out prompts,
  16 at a time (``greedy_batch``), as ``Reply`` records; ``reply_metrics`` counts how many end their turn and
  how many are right (scored by the machinery's answer key, ``machinery.scoring``).
* **Diversity**: ``distinct_n``, ``copied_share`` and ``parroted_share``: are the replies varied, and are they
  copied from training?
* **Behaviour** (notebooks 06 and 07): ``behaviour`` checks each reply for what needs no reference answer: ended,
  empty, template leak, repetition, length.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice

from sft_helpers.constraints import count_words
from sft_helpers.data import instruction_prompt, user_message
from sft_helpers.intervals import Interval, bootstrap_ci
from sft_helpers.machinery.scoring import expected_output, in_asked_form, is_correct, output_in_form

# ------------------------------------------------------------------------------------------------
# Evaluation: Measuring a chat model on held-out conversations: does it end its turn, and is it right?
# ------------------------------------------------------------------------------------------------

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
    >>> from sft_helpers.data import instruction_prompt
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
    on a CPU in fp32 the replies match those of one prompt at a time (``tests/test_replies_evaluation.py`` checks
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


# ------------------------------------------------------------------------------------------------
# Diversity: Two checks on generations that loss curves cannot make: are they varied, and are they copied?
#
# * ``distinct_n``: unique word n-grams over all n-grams, across a set of generations. Near 1: varied;
#   low: the model says the same few things whatever it is asked.
# * ``copied_share``: for each generation, the share of its word n-grams that occur verbatim in the
#   training texts. Near 1: the generation is stitched from training examples. On templated data right
#   answers share many phrases with training replies too, so this alone does not show memorisation.
# * ``parroted_share``: the share of replies that are, word for word, a training reply other than the
#   one the held-out conversation expects: the model recited something it was trained on instead of
#   answering. A model that memorised its examples scores well above one that learned the task.
# ------------------------------------------------------------------------------------------------

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


# ------------------------------------------------------------------------------------------------
# Behaviour: Behaviour checks that need no reference answer, for any chat model: one row of notebook 06's table.
#
# Each reply is checked for five things a fine-tune can change, for better or worse:
#
# * **ended**: the model emitted its end-of-turn token within the budget (``Reply.ended``);
# * **empty**: nothing but whitespace came before it;
# * **template leak**: the reply writes the chat template itself, the next turn included. The replies
#   are decoded without special tokens, so ``<|im_start|>user`` shows as a line that is only a role
#   name; a literal marker (decoded with them) or a ``User:`` line counts too;
# * **repeats itself**: some run of four words comes twice or more, the loop of a model that does not stop;
# * **words**: the reply's length, as ``sft_helpers.constraints.count_words`` counts it.
#
# Across the replies, ``distinct_n`` (above) says how varied they are.
# ------------------------------------------------------------------------------------------------

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
