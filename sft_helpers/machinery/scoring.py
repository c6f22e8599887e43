"""Scoring replies to the bundled data's checkable questions, from the questions' own words.

The answer is recomputed from the question (a sum, a conversion, a capital, ...), never looked up
from the reference reply, so a scorer bug cannot hide behind the data.
"""

from __future__ import annotations

import re

from sft_helpers.machinery.facts import CAPITALS, CONVERSIONS, EXPLANATIONS, OPPOSITES


def expected_fact(question: str) -> str | None:
    """The sentence a correct reply to a conversational question must contain, or ``None`` if not checkable."""
    q = question.strip()
    if m := re.search(r"(\d+) (?:plus|and) (\d+)", q):
        a, b = int(m[1]), int(m[2])
        return f"{a} plus {b} is {a + b}."
    if m := re.search(r"(\d+) minus (\d+)|subtract (\d+) from (\d+)", q):
        a, b = (int(m[1]), int(m[2])) if m[1] else (int(m[4]), int(m[3]))
        return f"{a} minus {b} is {a - b}."
    if (m := re.search(r"capital of (\w+)", q)) and m[1] in CAPITALS:
        return f"The capital of {m[1]} is {CAPITALS[m[1]]}."
    for big, small, factor in CONVERSIONS:
        if (m := re.search(rf"(\d+) {big}\b", q)) and re.search(rf"\b{small}\b", q):
            return f"{m[1]} {big} is {int(m[1]) * factor} {small}."
    for topic, text in EXPLANATIONS.items():
        if re.search(rf"(explain|What is) {re.escape(topic)}\b", q, flags=re.IGNORECASE):
            return text
    return None


def in_asked_form(question: str, reply: str) -> bool | None:
    """Whether ``reply`` has the sentence a correct reply has, whatever its numbers or city: a sum for a sum
    ("12 plus 7 is 18."), a conversion into the asked unit, a capital. ``None`` when the question is not checkable
    or its answer has no such slot (an explanation). It measures the *form* of an answer, not its truth.

    >>> in_asked_form("What is 12 plus 7?", "12 plus 7 is 18."), in_asked_form("What is 12 plus 7?", "12 minus 7 is 5.")
    (True, False)
    """
    fact = expected_fact(question)
    if fact is None or fact in EXPLANATIONS.values():
        return None
    if fact.startswith("The capital of "):
        return re.search(r"The capital of [A-Z]\w* is [A-Z][\w ]*\.", reply) is not None
    return re.search(r"\d+".join(re.escape(part) for part in re.split(r"\d+", fact)), reply) is not None


def is_correct(question: str, reply: str) -> bool | None:
    """Whether ``reply`` answers ``question`` correctly; ``None`` when the question is not checkable."""
    fact = expected_fact(question)
    return None if fact is None else fact in reply


def expected_output(instruction: str, input: str) -> str | None:
    """The exact ``output`` an instruction record asks for, or ``None`` if not checkable."""
    if instruction == "Add the two numbers." and (m := re.fullmatch(r"(\d+) and (\d+)", input)):
        return str(int(m[1]) + int(m[2]))
    if not input and (m := re.fullmatch(r"What is (\d+) plus (\d+)\?", instruction)):
        return str(int(m[1]) + int(m[2]))
    if instruction == "Say whether the number is even or odd." and input.isdigit():
        return "Even" if int(input) % 2 == 0 else "Odd"
    if not input and (m := re.fullmatch(r"Is (\d+) even or odd\?", instruction)):
        return "Even" if int(m[1]) % 2 == 0 else "Odd"
    if not input and (m := re.fullmatch(r"How many (\w+) are in (\d+) (\w+)\?", instruction)):
        for big, small, factor in CONVERSIONS:
            if (small, big) == (m[1], m[3]):
                return f"{int(m[2]) * factor} {small}"
        return None
    if instruction == "Give the opposite of the word.":
        return OPPOSITES.get(input)
    if m := re.fullmatch(r"Convert the amount to (\w+)\.", instruction):
        for big, small, factor in CONVERSIONS:
            if small == m[1] and (n := re.fullmatch(rf"(\d+) {big}", input)):
                return f"{int(n[1]) * factor} {small}"
        return None
    if m := re.fullmatch(r"What is the capital of (\w+)\?", instruction):
        return f"The capital of {m[1]} is {CAPITALS[m[1]]}." if m[1] in CAPITALS else None
    if m := re.fullmatch(r"Explain (.+?) (?:in a few words|simply)\.", instruction):
        return EXPLANATIONS.get(m[1])
    return None


def output_in_form(instruction: str, input: str, output: str) -> bool | None:
    """Whether ``output`` has the shape of the answer an instruction record asks for, right or wrong: a number for
    a sum, Even or Odd for parity, a number and the asked unit for a conversion, a capital's sentence, one word
    for an opposite. ``None`` when not checkable, or when the answer has no such shape (an explanation).

    >>> output_in_form("Add the two numbers.", "4 and 9", "12"), output_in_form("Convert the amount to grams.", "3 kilograms", "3000 meters")
    (True, False)
    """
    expected = expected_output(instruction, input)
    if expected is None or expected in EXPLANATIONS.values():
        return None
    text = output.strip()
    if expected in ("Even", "Odd"):
        return text in ("Even", "Odd")
    if expected.startswith("The capital of "):
        return re.fullmatch(r"The capital of [A-Z]\w* is [A-Z][\w ]*\.", text) is not None
    if expected.isdigit():
        return text.isdigit()
    if m := re.fullmatch(r"\d+ (\w+)", expected):
        return re.fullmatch(rf"\d+ {m[1]}", text) is not None
    return re.fullmatch(r"[a-z]+", text) is not None  # an opposite: one word
