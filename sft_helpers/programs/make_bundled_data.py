"""Writes the course's bundled data sets (``sft_helpers/machinery/data/``) from a fixed seed.

    python -m sft_helpers.programs.make_bundled_data        # or: make data

Every answer in them can be checked (sums, unit conversions, capitals, parity, opposites), and
``sft_helpers.machinery.scoring`` recomputes each from the question's own words, never from this
generator. A unit test checks that the committed files are what this program writes.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from sft_helpers.formats import instruction_prompt
from sft_helpers.machinery.bundled_data import CONVERSATION_FILES, DATA_DIR, INSTRUCTION_FILES
from sft_helpers.machinery.facts import CAPITALS, CONVERSIONS, EXPLANATIONS, OPPOSITES

SEED = 1234

GREETINGS_USER = ["Hi!", "Hello.", "Hey there!", "Good morning!", "Hi, are you there?", "Hello, can you help me?"]
GREETINGS_ASSISTANT = [
    "Hello! How can I help you today?",
    "Hi! What would you like to know?",
    "Hello! I am happy to help. What is your question?",
]
THANKS_USER = ["Thanks!", "Thank you.", "Great, thanks a lot.", "That helps, thank you!"]
THANKS_ASSISTANT = [
    "You're welcome! Have a nice day.",
    "Glad I could help!",
    "Any time. Let me know if you have another question.",
]


def _arithmetic(rng: random.Random) -> tuple[str, str, str]:
    a, b = rng.randint(1, 12), rng.randint(1, 12)
    if rng.random() < 0.6:
        question = rng.choice([f"What is {a} plus {b}?", f"Can you add {a} and {b}?", f"What do {a} and {b} make together?"])
        return "Math/Arithmetic/Addition", question, f"{a} plus {b} is {a + b}."
    a, b = max(a, b), min(a, b)
    question = rng.choice([f"What is {a} minus {b}?", f"Can you subtract {b} from {a}?"])
    return "Math/Arithmetic/Subtraction", question, f"{a} minus {b} is {a - b}."


def _capital(rng: random.Random) -> tuple[str, str, str]:
    country = rng.choice(sorted(CAPITALS))
    question = rng.choice(
        [f"What is the capital of {country}?", f"Which city is the capital of {country}?", f"Do you know the capital of {country}?"]
    )
    return "Geography/Capitals/World capitals", question, f"The capital of {country} is {CAPITALS[country]}."


def _conversion(rng: random.Random) -> tuple[str, str, str]:
    big, small, factor = rng.choice(CONVERSIONS)
    n = rng.randint(2, 9)
    question = rng.choice([f"How many {small} are in {n} {big}?", f"Can you convert {n} {big} to {small}?"])
    return "Science/Units/Conversions", question, f"{n} {big} is {n * factor} {small}."


def _explanation(rng: random.Random) -> tuple[str, str, str]:
    topic = rng.choice(sorted(EXPLANATIONS))
    question = rng.choice([f"Can you explain {topic} simply?", f"What is {topic}?", f"Explain {topic} in a few words."])
    return "Learning/Explanations/Everyday science", question, EXPLANATIONS[topic]


QUESTION_KINDS = [_arithmetic, _capital, _conversion, _explanation]


def make_conversation(rng: random.Random) -> dict[str, Any]:
    """One smoltalk-style record: a greeting, one or two questions, sometimes a thank-you."""
    messages: list[dict[str, str]] = [
        {"content": rng.choice(GREETINGS_USER), "role": "user"},
        {"content": rng.choice(GREETINGS_ASSISTANT), "role": "assistant"},
    ]
    topic = None
    for _ in range(rng.choice([1, 1, 2])):
        kind_topic, question, answer = rng.choice(QUESTION_KINDS)(rng)
        topic = topic or kind_topic
        messages += [{"content": question, "role": "user"}, {"content": answer, "role": "assistant"}]
    if rng.random() < 0.5:
        messages += [
            {"content": rng.choice(THANKS_USER), "role": "user"},
            {"content": rng.choice(THANKS_ASSISTANT), "role": "assistant"},
        ]
    return {"full_topic": topic, "messages": messages}


def _instruction_record(rng: random.Random) -> tuple[str, str, str]:
    kind = rng.randrange(6)
    if kind == 0:
        a, b = rng.randint(1, 12), rng.randint(1, 12)
        return "Add the two numbers.", f"{a} and {b}", str(a + b)
    if kind == 1:
        country = rng.choice(sorted(CAPITALS))
        return f"What is the capital of {country}?", "", f"The capital of {country} is {CAPITALS[country]}."
    if kind == 2:
        big, small, factor = rng.choice(CONVERSIONS)
        n = rng.randint(2, 9)
        return f"Convert the amount to {small}.", f"{n} {big}", f"{n * factor} {small}"
    if kind == 3:
        n = rng.randint(1, 99)
        return "Say whether the number is even or odd.", str(n), "Even" if n % 2 == 0 else "Odd"
    if kind == 4:
        word = rng.choice(sorted(OPPOSITES))
        return "Give the opposite of the word.", word, OPPOSITES[word]
    topic = rng.choice(sorted(EXPLANATIONS))
    return rng.choice([f"Explain {topic} in a few words.", f"Explain {topic} simply."]), "", EXPLANATIONS[topic]


def make_instruction(rng: random.Random) -> dict[str, str]:
    """One Alpaca-style record."""
    instruction, input, output = _instruction_record(rng)
    return {
        "instruction": instruction,
        "input": input,
        "output": output,
        # Like Alpaca's ``text``: the whole example as one string, here in the course's own template.
        "text": instruction_prompt(instruction, input) + output,
    }


def generate(n_train_conversations: int = 600, n_test_conversations: int = 60, n_instructions: int = 600) -> dict[str, list[dict]]:
    """All bundled records, keyed by file name. Deterministic for a given ``SEED``."""
    rng = random.Random(SEED)
    return {
        CONVERSATION_FILES["train"]: [make_conversation(rng) for _ in range(n_train_conversations)],
        CONVERSATION_FILES["test"]: [make_conversation(rng) for _ in range(n_test_conversations)],
        INSTRUCTION_FILES["train"]: [make_instruction(rng) for _ in range(n_instructions)],
    }


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
