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


def is_correct(question: str, reply: str) -> bool | None:
    """Whether ``reply`` answers ``question`` correctly; ``None`` when the question is not checkable."""
    fact = expected_fact(question)
    return None if fact is None else fact in reply


def expected_output(instruction: str, input: str) -> str | None:
    """The exact ``output`` an instruction record asks for, or ``None`` if not checkable."""
    if instruction == "Add the two numbers." and (m := re.fullmatch(r"(\d+) and (\d+)", input)):
        return str(int(m[1]) + int(m[2]))
    if instruction == "Say whether the number is even or odd." and input.isdigit():
        return "Even" if int(input) % 2 == 0 else "Odd"
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
