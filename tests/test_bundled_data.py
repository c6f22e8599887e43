import re

import pytest
from datasets import load_dataset

from sft_helpers import bundled_data
from sft_helpers.bundled_data import CAPITALS, CONVERSIONS, OPPOSITES


def test_committed_files_are_what_the_generator_writes():
    for name, records in bundled_data.generate().items():
        committed = (bundled_data.DATA_DIR / name).read_text(encoding="utf-8")
        assert committed == bundled_data.to_jsonl(records), f"{name} is stale: run python -m sft_helpers.bundled_data"


@pytest.fixture(scope="module")
def conversations():
    return load_dataset("json", data_files=bundled_data.data_files("conversations"))


@pytest.fixture(scope="module")
def instructions():
    return load_dataset("json", data_files=bundled_data.data_files("instructions"))


def test_conversations_have_smoltalks_layout(conversations):
    assert set(conversations) == {"train", "test"}
    for split in conversations.values():
        assert split.column_names == ["full_topic", "messages"]
    assert 400 <= conversations["train"].num_rows and 40 <= conversations["test"].num_rows


def test_conversations_are_well_formed(conversations):
    for split, rows in conversations.items():
        for i, row in enumerate(rows):
            roles = [m["role"] for m in row["messages"]]
            assert roles == ["user", "assistant"] * (len(roles) // 2), (split, i)
            assert all(m["content"].strip() for m in row["messages"]), (split, i)
            assert set(row["messages"][0]) == {"content", "role"}


def test_instructions_have_alpacas_layout(instructions):
    assert set(instructions) == {"train"}
    assert instructions["train"].column_names == ["instruction", "input", "output", "text"]
    rows = instructions["train"]
    assert rows.num_rows >= 400
    empty_inputs = sum(not r for r in rows["input"])
    assert 0.2 < empty_inputs / rows.num_rows < 0.8  # "often empty", as in Alpaca
    for r in rows:
        assert r["instruction"] in r["text"] and r["text"].endswith(r["output"])


def _check_answer(question: str, answer: str) -> bool:
    """Recompute the answer of a checkable question from its own words."""
    if m := re.fullmatch(r".*?(\d+) (?:plus|and) (\d+).*", question):
        return str(int(m[1]) + int(m[2])) in answer
    if m := re.fullmatch(r".*?(\d+) minus (\d+).*|Can you subtract (\d+) from (\d+)\?", question):
        a, b = (m[1], m[2]) if m[1] else (m[4], m[3])
        return f"is {int(a) - int(b)}." in answer
    if m := re.search(r"capital of (\w+)", question):
        return CAPITALS[m[1]] in answer
    for big, small, factor in CONVERSIONS:
        if m := re.search(rf"(\d+) {big}", question):
            if small in question:
                return f"{int(m[1]) * factor} {small}" in answer
    return True  # greetings and explanations


def test_conversation_answers_are_correct(conversations):
    for rows in conversations.values():
        for row in rows:
            msgs = row["messages"]
            for q, a in zip(msgs[::2], msgs[1::2]):
                assert _check_answer(q["content"], a["content"]), (q, a)


def test_instruction_answers_are_correct(instructions):
    for r in instructions["train"]:
        if r["instruction"] == "Add the two numbers.":
            a, b = map(int, r["input"].split(" and "))
            assert r["output"] == str(a + b)
        elif r["instruction"] == "Say whether the number is even or odd.":
            assert r["output"] == ("Even" if int(r["input"]) % 2 == 0 else "Odd")
        elif r["instruction"] == "Give the opposite of the word.":
            assert r["output"] == OPPOSITES[r["input"]]
        elif "capital" in r["instruction"]:
            assert _check_answer(r["instruction"], r["output"])


def test_answer_checker_catches_a_wrong_answer():
    assert not _check_answer("What is 7 plus 5?", "7 plus 5 is 13.")
    assert not _check_answer("What is the capital of Peru?", "The capital of Peru is Quito.")
    assert not _check_answer("How many minutes are in 3 hours?", "3 hours is 120 minutes.")
