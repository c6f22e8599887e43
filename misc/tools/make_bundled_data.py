"""Writes the course's bundled data sets (``sft_helpers/machinery/data/``) from a fixed seed.

    python misc/tools/make_bundled_data.py        # or: make data

Every answer in them can be checked (sums, unit conversions, capitals, parity, opposites), and
``sft_helpers.machinery.scoring`` recomputes each from the question's own words, never from this
generator. A unit test checks that the committed files are what this program writes.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sft_helpers.constraints import constraint_from_dict, count_words
from sft_helpers.data import instruction_prompt
from sft_helpers.decontamination import MIN_WORDS, normalize
from sft_helpers.machinery.bundled_data import (
    CONVERSATION_FILES,
    DATA_DIR,
    FORMAT_FILES,
    INSTRUCTION_FILES,
    PREFERENCE_FILES,
)
from sft_helpers.machinery.facts import CAPITALS, CONVERSIONS, EXPLANATIONS, OPPOSITES
from sft_helpers.machinery.scoring import is_correct
from sft_helpers.replies import leaks_template

SEED = 1234

# Small talk: turns of fewer than four words, which ``sft_helpers.decontamination`` does not count as
# prompts. The held-out conversations greet and thank in words of their own all the same.
SMALL_TALK = {
    "train": (["Hi!", "Hello.", "Hey there!", "Good morning!", "Hi there.", "Hello again!"],
              ["Thanks!", "Thank you.", "Thanks a lot.", "Great, thanks!"]),
    "test": (["Good evening!", "Hiya!", "Howdy.", "Morning!"], ["Cheers!", "Much appreciated.", "Thanks so much!"]),
}
GREETINGS_USER = SMALL_TALK["train"][0]  # the preference pairs' greetings, all on the training side
GREETINGS_ASSISTANT = [
    "Hello! How can I help you today?",
    "Hi! What would you like to know?",
    "Hello! I am happy to help. What is your question?",
]
THANKS_ASSISTANT = [
    "You're welcome! Have a nice day.",
    "Glad I could help!",
    "Any time. Let me know if you have another question.",
]

# --- questions held out by construction ----------------------------------------------------------------
# Every checkable question is a key: ("add", a, b) with a <= b (asked in either order), ("sub", a, b),
# ("convert", unit, n), ("capital", country), ("explain", topic). A fifth of the arithmetic and conversion
# keys, drawn once from their own seed, are held out: only the held-out splits ask them, so a held-out
# question is always new, on operands the training data never combined. Capitals and explanations are
# facts a model cannot work out, so they are asked in training only. Each split draws its keys without
# replacement: no question repeats within a split, in any of its phrasings, and a split carved at random
# (notebook 02's validation split) cannot put one question on both sides.
OPERANDS = range(1, 31)
AMOUNTS = range(2, 41)
HELD_OUT_SHARE = 0.2
ADD_KEYS = [("add", a, b) for a in OPERANDS for b in OPERANDS if a <= b]
CONVERT_KEYS = [("convert", big, n) for big, _, _ in CONVERSIONS for n in AMOUNTS]
SMALLER = {big: (small, factor) for big, small, factor in CONVERSIONS}  # unit -> (smaller unit, factor)


def _split_keys() -> dict[str, dict[str, list[tuple]]]:
    rng = random.Random(SEED + 1)
    universe = {
        "add": list(ADD_KEYS),  # copies: shuffled below
        "sub": [("sub", a, b) for a in OPERANDS for b in OPERANDS if a >= b],
        "convert": list(CONVERT_KEYS),
    }
    sides: dict[str, dict[str, list[tuple]]] = {"train": {}, "test": {}}
    for kind, keys in universe.items():
        rng.shuffle(keys)
        cut = round(len(keys) * HELD_OUT_SHARE)
        sides["test"][kind], sides["train"][kind] = sorted(keys[:cut]), sorted(keys[cut:])
    sides["train"]["capital"] = [("capital", c) for c in sorted(CAPITALS)]
    sides["train"]["explain"] = [("explain", t) for t in sorted(EXPLANATIONS)]
    return sides


KEYS = _split_keys()


class QuestionPool:
    """Draws question keys of one side (``train`` or ``test``) without replacement, a kind at a time."""

    def __init__(self, side: str, kinds: tuple[str, ...]):
        self.left = {kind: list(KEYS[side][kind]) for kind in kinds}

    def draw(self, rng: random.Random) -> tuple:
        open_kinds = [k for k in self.left if self.left[k]]
        if not open_kinds:
            raise ValueError(f"no questions left of kinds {tuple(self.left)}: make fewer records")
        keys = self.left[rng.choice(open_kinds)]
        return keys.pop(rng.randrange(len(keys)))


def ask(rng: random.Random, key: tuple) -> tuple[str, str, str]:
    """A topic, a question and its answer, for one question key, in one of its phrasings."""
    kind = key[0]
    if kind == "add":
        a, b = key[1:] if rng.random() < 0.5 else key[:0:-1]
        question = rng.choice([f"What is {a} plus {b}?", f"Can you add {a} and {b}?", f"What do {a} and {b} make together?"])
        return "Math/Arithmetic/Addition", question, f"{a} plus {b} is {a + b}."
    if kind == "sub":
        a, b = key[1:]
        question = rng.choice([f"What is {a} minus {b}?", f"Can you subtract {b} from {a}?"])
        return "Math/Arithmetic/Subtraction", question, f"{a} minus {b} is {a - b}."
    if kind == "convert":
        big, n = key[1:]
        small, factor = SMALLER[big]
        question = rng.choice([f"How many {small} are in {n} {big}?", f"Can you convert {n} {big} to {small}?"])
        return "Science/Units/Conversions", question, f"{n} {big} is {n * factor} {small}."
    if kind == "capital":
        country = key[1]
        question = rng.choice(
            [f"What is the capital of {country}?", f"Which city is the capital of {country}?", f"Do you know the capital of {country}?"]
        )
        return "Geography/Capitals/World capitals", question, f"The capital of {country} is {CAPITALS[country]}."
    topic = key[1]
    question = rng.choice([f"Can you explain {topic} simply?", f"What is {topic}?", f"Explain {topic} in a few words."])
    return "Learning/Explanations/Everyday science", question, EXPLANATIONS[topic]


CONVERSATION_KINDS = {"train": ("add", "sub", "convert", "capital", "explain"), "test": ("add", "sub", "convert")}


def make_conversation(rng: random.Random, split: str, pool: QuestionPool) -> dict[str, Any]:
    """One smoltalk-style record: a greeting, one or two questions, sometimes a thank-you."""
    greetings, thanks = SMALL_TALK[split]
    messages: list[dict[str, str]] = [
        {"content": rng.choice(greetings), "role": "user"},
        {"content": rng.choice(GREETINGS_ASSISTANT), "role": "assistant"},
    ]
    topic = None
    for _ in range(rng.choice([1, 1, 2])):
        kind_topic, question, answer = ask(rng, pool.draw(rng))
        topic = topic or kind_topic
        messages += [{"content": question, "role": "user"}, {"content": answer, "role": "assistant"}]
    if rng.random() < 0.5:
        messages += [
            {"content": rng.choice(thanks), "role": "user"},
            {"content": rng.choice(THANKS_ASSISTANT), "role": "assistant"},
        ]
    return {"full_topic": topic, "messages": messages}


def generate_conversations(n_train: int = 600, n_test: int = 60) -> dict[str, list[dict]]:
    rng = random.Random(SEED)
    return {CONVERSATION_FILES[split]: [make_conversation(rng, split, pool) for _ in range(n)]
            for split, n in (("train", n_train), ("test", n_test))
            for pool in [QuestionPool(split, CONVERSATION_KINDS[split])]}


# Instructions: every (instruction, input) once in the file, so that notebook 03's random carve puts no
# question on both sides. Sums, parity and conversions follow a rule a model can learn and apply to new
# operands; capitals, opposites and explanations are facts, asked once each, so a held-out fact was never
# taught (notebook 03 reports the two kinds apart).
INSTRUCTION_KEYS = {
    "add": ADD_KEYS,
    "convert": CONVERT_KEYS,
    "parity": [("parity", n) for n in range(1, 1000)],
    "capital": [("capital", c) for c in sorted(CAPITALS)],
    "opposite": [("opposite", w) for w in sorted(OPPOSITES)],
    "explain": [("explain", t) for t in sorted(EXPLANATIONS)],
}
RULE_KINDS = ("add", "convert", "parity")


def _instruction_record(rng: random.Random, key: tuple) -> tuple[str, str, str]:
    # A rule kind is asked with an input or as one question (Alpaca's input is empty about 60% of the time);
    # the key, not the wording, is what is used once.
    kind, with_input = key[0], rng.random() < 0.5
    if kind == "add":
        a, b = key[1:] if rng.random() < 0.5 else key[:0:-1]
        if not with_input:
            return f"What is {a} plus {b}?", "", str(a + b)
        return "Add the two numbers.", f"{a} and {b}", str(a + b)
    if kind == "capital":
        country = key[1]
        return f"What is the capital of {country}?", "", f"The capital of {country} is {CAPITALS[country]}."
    if kind == "convert":
        big, n = key[1:]
        small, factor = SMALLER[big]
        if not with_input:
            return f"How many {small} are in {n} {big}?", "", f"{n * factor} {small}"
        return f"Convert the amount to {small}.", f"{n} {big}", f"{n * factor} {small}"
    if kind == "parity":
        n = key[1]
        if not with_input:
            return f"Is {n} even or odd?", "", "Even" if n % 2 == 0 else "Odd"
        return "Say whether the number is even or odd.", str(n), "Even" if n % 2 == 0 else "Odd"
    if kind == "opposite":
        word = key[1]
        return "Give the opposite of the word.", word, OPPOSITES[word]
    topic = key[1]
    return rng.choice([f"Explain {topic} in a few words.", f"Explain {topic} simply."]), "", EXPLANATIONS[topic]


def make_instruction(rng: random.Random, key: tuple) -> dict[str, str]:
    """One Alpaca-style record."""
    instruction, input, output = _instruction_record(rng, key)
    return {
        "instruction": instruction,
        "input": input,
        "output": output,
        # Like Alpaca's ``text``: the whole example as one string, here in the course's own template.
        "text": instruction_prompt(instruction, input) + output,
    }


def generate_instructions(n: int = 600) -> dict[str, list[dict]]:
    rng = random.Random(SEED + 3)
    left = {kind: list(keys) for kind, keys in INSTRUCTION_KEYS.items()}
    records = []
    for _ in range(n):
        keys = left[rng.choice([k for k in left if left[k]])]
        records.append(make_instruction(rng, keys.pop(rng.randrange(len(keys)))))
    return {INSTRUCTION_FILES["train"]: records}


# --- formats: replies that follow verifiable instructions (notebook 06) ---------------------------------
# Each record is one user turn (a task and the sentences of its constraints, as notebook 06 builds a
# prompt) and a reply that follows every constraint, by construction and checked below. The held-out
# split asks about other things (vegetables, trees, vehicles) with the same kinds of constraint.

FORMAT_TOPICS = {
    "train": [
        ("fruit", "fruits", ["apple", "pear", "plum", "cherry", "mango", "peach", "lemon", "grape"]),
        ("bird", "birds", ["robin", "owl", "swan", "crow", "eagle", "sparrow", "heron", "parrot"]),
        ("tool", "tools", ["hammer", "saw", "drill", "wrench", "chisel", "spade", "rake", "ladder"]),
        ("sport", "sports", ["tennis", "rugby", "golf", "hockey", "rowing", "boxing", "cricket", "judo"]),
        ("instrument", "instruments", ["violin", "flute", "drum", "harp", "guitar", "piano", "trumpet", "cello"]),
    ],
    "test": [
        ("vegetable", "vegetables", ["carrot", "onion", "leek", "potato", "turnip", "cabbage", "radish", "pea"]),
        ("tree", "trees", ["oak", "ash", "birch", "maple", "willow", "pine", "elm", "beech"]),
        ("vehicle", "vehicles", ["bus", "tram", "van", "truck", "bicycle", "scooter", "taxi", "ferry"]),
    ],
}
NUMBER_WORDS = {2: "two", 3: "three", 4: "four"}
CLOSING_PHRASES = ["Any other questions?", "I hope that helps.", "That is all for now."]
KEYWORDS_TO_INCLUDE = ["garden", "morning", "market", "winter", "friend"]
KEYWORDS_TO_AVOID = ["very", "really", "thing"]
SHOP_WORDS = ["Golden", "Little", "Happy", "Green", "Corner"]


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _sentences(item: str, singular: str, plural: str) -> list[str]:
    return [
        f"The {item} is {_a(singular)} that most people know.",
        f"Many people would name the {item} first when asked about {plural}.",
        f"You can read about the {item} in almost any book about {plural}.",
        f"{_a(item).capitalize()} is easy to tell apart from other {plural}.",
    ]


def _format_reply(rng: random.Random, kind: str, topic: tuple, others: list[tuple]) -> tuple[str, dict, str]:
    """A task, its constraint (as a dict) and a reply that follows it, for one ``kind``."""
    singular, plural, items = topic
    item = rng.choice(items)
    sentences = _sentences(item, singular, plural)
    if kind == "bullet_count":
        n = rng.choice([2, 3, 4])
        return f"Name {NUMBER_WORDS[n]} {plural}.", {"kind": kind, "n": n}, "\n".join(f"- {x}" for x in rng.sample(items, n))
    if kind == "json_keys":
        keys = rng.choice([["name", "type"], ["name", "group"], ["item", "kind"]])
        return (f"Describe one {singular} as a JSON object.", {"kind": kind, "keys": keys},
                json.dumps({keys[0]: item, keys[1]: singular}))
    if kind == "lowercase":
        return f"Describe the {item} in one sentence.", {"kind": kind}, rng.choice(sentences).lower()
    if kind == "no_commas":
        a, b = rng.sample(items, 2)
        task = rng.choice([f"Name two {plural} and say what they are.", f"Give two examples of {plural} in one sentence.",
                           f"Which two {plural} come to mind first?"])
        return task, {"kind": kind}, f"The {a} and the {b} are both {plural}."
    if kind == "starts_with_yes_no":
        if rng.random() < 0.5:
            return f"Is the {item} {_a(singular)}?", {"kind": kind}, f"Yes. The {item} is {_a(singular)}."
        other_singular, _, other_items = rng.choice(others)
        other = rng.choice(other_items)
        return f"Is the {other} {_a(singular)}?", {"kind": kind}, f"No. The {other} is {_a(other_singular)}, not {_a(singular)}."
    if kind == "max_words":
        n = rng.choice([12, 15, 20])
        return f"Tell me about the {item}.", {"kind": kind, "n": n}, rng.choice(sentences)
    if kind == "min_words":
        n = rng.choice([25, 30])
        return f"Tell me about the {item} in some detail.", {"kind": kind, "n": n}, " ".join(sentences[:3])
    if kind == "ends_with":
        phrase = rng.choice(CLOSING_PHRASES)
        return f"Tell me about the {item}.", {"kind": kind, "phrase": phrase}, f"{rng.choice(sentences)} {phrase}"
    if kind == "includes_keyword":
        keyword = rng.choice(KEYWORDS_TO_INCLUDE)
        return (f"Write a sentence about the {item}.", {"kind": kind, "keyword": keyword},
                f"I think of the {item} every time I am in the {keyword}.")
    if kind == "excludes_keyword":
        keyword = rng.choice(KEYWORDS_TO_AVOID)
        return f"Write a sentence about the {item}.", {"kind": kind, "keyword": keyword}, rng.choice(sentences)
    if kind == "title_in_double_angle_brackets":
        reply = f"<<The {item.title()}>>\nthe {item} is here again\nand every {singular} has its day"
        return f"Write a two-line poem about the {item}.", {"kind": kind}, reply
    if kind == "wrapped_in_quotes":
        return (f"Suggest a name for a shop that sells {plural}.", {"kind": kind},
                f'"The {rng.choice(SHOP_WORDS)} {item.title()}"')
    raise ValueError(f"no reply builder for {kind!r}")


# A second constraint, as a change to a reply that already follows the first; only where the two agree.
SECOND = {"lowercase": str.lower, "no_commas": lambda reply: reply.replace(",", "")}
_SENTENCE_KINDS = {"max_words", "min_words", "includes_keyword", "excludes_keyword", "starts_with_yes_no",
                   "bullet_count", "title_in_double_angle_brackets", "wrapped_in_quotes"}
SECOND_ALLOWED = {"lowercase": _SENTENCE_KINDS | {"json_keys"}, "no_commas": _SENTENCE_KINDS}  # commas hold JSON together


def make_format_record(rng: random.Random, split: str, kind: str) -> dict[str, Any]:
    """One notebook-06 record: ``messages`` (a user turn and its reply) and ``constraints`` (dicts)."""
    topics = FORMAT_TOPICS[split]
    topic = rng.choice(topics)
    task, first, reply = _format_reply(rng, kind, topic, [t for t in topics if t is not topic])
    constraints = [first]
    seconds = sorted(k for k, allowed in SECOND_ALLOWED.items() if kind in allowed)
    if seconds and rng.random() < 0.35:
        second = rng.choice(seconds)
        constraints.append({"kind": second})
        reply = SECOND[second](reply)
    parsed = [constraint_from_dict(c) for c in constraints]
    # By construction every reply follows its constraints; checked here, so that a change to a checker
    # or a template that breaks one stops the generator instead of teaching the model a wrong reply.
    if not all(c.check(reply) for c in parsed):
        raise AssertionError(f"generated reply does not follow {constraints}: {reply!r}")
    prompt = " ".join([task, *(c.describe() for c in parsed)])
    return {"messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": reply}],
            "constraints": constraints}


KINDS_WITH_REPLIES = {"bullet_count", "json_keys", "lowercase", "no_commas", "starts_with_yes_no", "max_words", "min_words",
                      "ends_with", "includes_keyword", "excludes_keyword", "title_in_double_angle_brackets", "wrapped_in_quotes"}


def generate_formats(n_train: int = 400, n_test: int = 60) -> dict[str, list[dict]]:
    """The notebook-06 format sets, from their own seed (the other bundled sets do not move when these change)."""
    rng = random.Random(SEED + 6)
    records = {}
    for split, n in (("train", n_train), ("test", n_test)):
        kinds = [sorted(KINDS_WITH_REPLIES)[i % len(KINDS_WITH_REPLIES)] for i in range(n)]  # each kind about as often
        rng.shuffle(kinds)
        rows, seen = [], set()
        for kind in kinds:
            # No record twice in a split, and no prompt twice in the held-out one (its replies are scored one per
            # prompt): a repeat is drawn again. Training may ask one prompt with two different replies.
            for _ in range(200):
                record = make_format_record(rng, split, kind)
                key = json.dumps(record["messages"][: 1 if split == "test" else 2])
                if key not in seen:
                    break
            else:
                raise AssertionError(f"formats {split}: no new {kind} record; make fewer records")
            seen.add(key)
            rows.append(record)
        records[FORMAT_FILES[split]] = rows
    return records


# --- preferences: pairs where the rejected reply has a fault notebook 07 can measure ---------------------
# Each record is one prompt, a chosen reply and a rejected one with exactly one fault, named in ``fault``:
# a wrong answer (scoring.is_correct says so), a turn that does not end (replies.leaks_template: the reply
# writes the next user turn itself) or a broken format (a constraint of the notebook-06 kind fails strictly).
# Every pair is checked against its rule as it is made, as the format replies are.

PREFERENCE_FAULTS = ["wrong_answer", "no_end", "broken_format"]
PREFERENCE_KINDS = {"train": ("add", "sub", "convert", "capital"), "test": ("add", "sub", "convert")}
# What a reply that does not stop writes after its answer: a user turn of its own, perhaps another answer.
RUN_ON_TURNS = [
    ("Are you sure about that?", "Yes, I checked it twice."),
    ("Thanks, that was all I needed.", "Glad to hear it. Goodbye!"),
    ("Can you say it in other words?", None),
    ("Great. Can I ask you something else?", "Of course, go ahead."),
]
FOLLOW_UP_LEADS = ["And {q}", "Thanks! {Q}", "One more, please. {Q}", "{Q}"]
# For max_words and excludes_keyword: sentences a talkative reply adds, true of anything the formats ask about.
PADDING = [
    "Most people learn about it when they are young.",
    "It turns up in stories and pictures all over the world.",
    "There is a lot more that could be said about it.",
]
ADDED_KEYWORD = {
    "very": "It is very easy to recognize.",
    "really": "People really seem to like it.",
    "thing": "It is the first thing many people think of.",
}
OTHER_PLACES = ["kitchen", "city", "park", "library", "evening"]


def _wrong(rng: random.Random, answer: str) -> str:
    """``answer`` with its number off by one to three, or with another country's capital."""
    if m := re.search(r"(?<= is )\d+", answer):
        right = int(m[0])
        wrong = rng.choice([v for v in range(right - 3, right + 4) if v != right and v >= 0])
        return f"{answer[:m.start()]}{wrong}{answer[m.end():]}"
    city = answer.removesuffix(".").rsplit(" is ", 1)[1]
    return answer.replace(f" is {city}.", f" is {rng.choice(sorted(set(CAPITALS.values()) - {city}))}.")


def _run_on(rng: random.Random, reply: str, greeting: bool) -> str:
    """``reply``, then a next turn the model writes itself instead of stopping."""
    if greeting or rng.random() < 0.6:
        _, question, answer = ask(rng, rng.choice(KEYS["train"][rng.choice(("add", "sub", "convert"))]))
        lead = "{Q}" if greeting else rng.choice(FOLLOW_UP_LEADS)
        user, assistant = lead.format(q=question[0].lower() + question[1:], Q=question), answer
    else:
        user, assistant = rng.choice(RUN_ON_TURNS)
    text = f"{reply}\nuser\n{user}"
    if assistant and rng.random() < 0.5:
        text += f"\nassistant\n{assistant}"
    return text


def _too_many_bullets(rng: random.Random, reply: str, c: dict) -> str:
    named = [line.removeprefix("- ") for line in reply.splitlines()]
    items = next(items for topics in FORMAT_TOPICS.values() for _, _, items in topics if named[0] in items)
    return f"{reply}\n- {rng.choice([x for x in items if x not in named])}"


def _too_many_words(rng: random.Random, reply: str, c: dict) -> str:
    padding = rng.sample(PADDING, len(PADDING))
    while count_words(reply) <= c["n"] and padding:
        reply = f"{reply} {padding.pop()}"
    return reply


def _first_sentence(reply: str) -> str:
    return reply.split(". ")[0].removesuffix(".") + "."


def _without_keyword(rng: random.Random, reply: str, c: dict) -> str:
    return re.sub(rf"\b{c['keyword']}\b", rng.choice(OTHER_PLACES), reply)


PREAMBLE = "Sure! Here it is:\n"
# How a reply breaks each kind of constraint, as models do: (rng, chosen reply, its constraint dict) -> rejected.
BREAKERS: dict[str, list[Callable[[random.Random, str, dict], str]]] = {
    "bullet_count": [_too_many_bullets, lambda rng, reply, c: reply.rsplit("\n", 1)[0]],
    "json_keys": [lambda rng, reply, c: f"```json\n{reply}\n```",
                  lambda rng, reply, c: json.dumps(dict(list(json.loads(reply).items())[:-1]))],
    "lowercase": [lambda rng, reply, c: reply[0].upper() + reply[1:], lambda rng, reply, c: PREAMBLE + reply],
    "no_commas": [lambda rng, reply, c: "Sure, " + reply[0].lower() + reply[1:],
                  lambda rng, reply, c: reply.removesuffix(".") + ", of course."],
    "starts_with_yes_no": [lambda rng, reply, c: re.sub(r"^(yes|no)", r"**\1**", reply, flags=re.IGNORECASE),
                           lambda rng, reply, c: reply.split(". ", 1)[1]],
    "max_words": [_too_many_words],
    "min_words": [lambda rng, reply, c: _first_sentence(reply)],
    "ends_with": [lambda rng, reply, c: reply.removesuffix(c["phrase"]).rstrip(),
                  lambda rng, reply, c: f"{reply} Hope this helps!"],
    "includes_keyword": [_without_keyword],
    "excludes_keyword": [lambda rng, reply, c: f"{reply} {ADDED_KEYWORD[c['keyword']]}"],
    "title_in_double_angle_brackets": [lambda rng, reply, c: reply.split("\n", 1)[1],
                                       lambda rng, reply, c: reply.replace("<<", "").replace(">>", "")],
    "wrapped_in_quotes": [lambda rng, reply, c: reply.strip('"'), lambda rng, reply, c: PREAMBLE + reply],
}


def _preference(prompt: str, chosen: str, rejected: str, fault: str, constraints: list[dict]) -> dict[str, Any]:
    return {"prompt": [{"role": "user", "content": prompt}], "chosen": [{"role": "assistant", "content": chosen}],
            "rejected": [{"role": "assistant", "content": rejected}], "fault": fault, "constraints": constraints}


def make_preference_record(rng: random.Random, split: str, fault: str, format_kind: str, pool: QuestionPool) -> dict[str, Any]:
    """One notebook-07 pair whose rejected reply has ``fault`` (``format_kind``: which constraint, for broken_format;
    ``pool``: where its question comes from, for the other two faults)."""
    if fault == "broken_format":
        record = make_format_record(rng, split, format_kind)
        (user, chosen), constraints = (m["content"] for m in record["messages"]), record["constraints"]
        rejected = rng.choice(BREAKERS[format_kind])(rng, chosen, constraints[0])
        # The second constraint (lowercase, no commas) is applied again, so the rejected reply breaks the first only.
        for c in constraints[1:]:
            rejected = SECOND[c["kind"]](rejected)
        return _preference(user, chosen, rejected, fault, constraints)
    if fault == "no_end" and split == "train" and rng.random() < 0.25:  # held-out prompts are all questions
        user, chosen = rng.choice(GREETINGS_USER), rng.choice(GREETINGS_ASSISTANT)
        return _preference(user, chosen, _run_on(rng, chosen, greeting=True), fault, [])
    _, user, chosen = ask(rng, pool.draw(rng))
    rejected = _wrong(rng, chosen) if fault == "wrong_answer" else _run_on(rng, chosen, greeting=False)
    return _preference(user, chosen, rejected, fault, [])


def follows_its_rule(record: dict[str, Any]) -> bool:
    """Does the pair show its fault: the chosen reply free of it, the rejected one with it?"""
    user, chosen, rejected = (record[k][0]["content"] for k in ("prompt", "chosen", "rejected"))
    if chosen == rejected:
        return False
    if record["fault"] == "wrong_answer":
        return is_correct(user, chosen) is True and is_correct(user, rejected) is False
    if record["fault"] == "no_end":
        return not leaks_template(chosen) and leaks_template(rejected)
    parsed = [constraint_from_dict(c) for c in record["constraints"]]
    return bool(parsed) and all(c.check(chosen) for c in parsed) and not all(c.check(rejected) for c in parsed)


def generate_preferences(n_train: int = 300, n_test: int = 60) -> dict[str, list[dict]]:
    """The notebook-07 preference pairs, a third of each split per fault, from their own seed.

    Held out by construction: a test pair asks a held-out question (``KEYS``) or a format prompt about the
    held-out format topics; no prompt repeats within a split (a format prompt that would is drawn again).
    """
    rng = random.Random(SEED + 7)
    format_kinds = sorted(KINDS_WITH_REPLIES)
    records: dict[str, list[dict]] = {}
    for split, n in (("train", n_train), ("test", n_test)):
        pool = QuestionPool(split, PREFERENCE_KINDS[split])
        faults = [PREFERENCE_FAULTS[i % len(PREFERENCE_FAULTS)] for i in range(n)]
        rng.shuffle(faults)
        rows: list[dict] = []
        prompts: set[str] = set()
        n_broken = 0  # broken_format pairs so far: each constraint kind comes about as often
        for i, fault in enumerate(faults):
            for attempt in range(200):
                kind = format_kinds[(n_broken + attempt) % len(format_kinds)]
                record = make_preference_record(rng, split, fault, kind, pool)
                prompt = normalize(record["prompt"][0]["content"])
                if prompt not in prompts or len(prompt.split()) < MIN_WORDS:  # small talk may repeat
                    break
            else:
                raise AssertionError(f"preferences {split}: no new prompt for record {i} ({fault}); make fewer records")
            n_broken += fault == "broken_format"
            prompts.add(prompt)
            if not follows_its_rule(record):
                raise AssertionError(f"preferences {split} record {i} does not show its fault {fault!r}: {record!r}")
            rows.append(record)
        records[PREFERENCE_FILES[split]] = rows
    return records


def generate() -> dict[str, list[dict]]:
    """All bundled records, keyed by file name. Deterministic: each set from its own seed."""
    return {**generate_conversations(), **generate_instructions(), **generate_formats(), **generate_preferences()}


def to_jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def write(directory: Path = DATA_DIR) -> list[Path]:
    """Write the bundled data sets as JSON Lines into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, records in generate().items():
        path = directory / name
        path.write_text(to_jsonl(records), encoding="utf-8")
        paths.append(path)
    return paths



if __name__ == "__main__":
    for p in write():
        print(f"wrote {p}")
