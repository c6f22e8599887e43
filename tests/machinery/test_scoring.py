import make_bundled_data
import pytest

from sft_helpers.machinery import facts
from sft_helpers.machinery.scoring import expected_fact, expected_output, is_correct


@pytest.mark.parametrize(
    "question, reply, ok",
    [
        ("What is 7 plus 5?", "7 plus 5 is 12.", True),
        ("What is 7 plus 5?", "7 plus 5 is 13.", False),
        ("What is 7 plus 5?", "7 plus 5 is 125.", False),
        ("What is 1 plus 9?", "1 plus 1 is 10.", False),  # right sum, wrong question
        ("Which city is the capital of Portugal?", "The capital of Egypt is Lisbon.", False),
        ("Can you add 2 and 3?", "2 plus 3 is 5.", True),
        ("What do 11 and 2 make together?", "11 plus 2 is 13.", True),
        ("What is 10 minus 4?", "10 minus 4 is 6.", True),
        ("Can you subtract 3 from 9?", "9 minus 3 is 6.", True),
        ("Can you subtract 3 from 9?", "9 minus 3 is -6.", False),
        ("Which city is the capital of Peru?", "The capital of Peru is Lima.", True),
        ("Which city is the capital of Peru?", "The capital of Peru is Quito.", False),
        ("How many minutes are in 3 hours?", "3 hours is 180 minutes.", True),
        ("Can you convert 3 hours to minutes?", "3 hours is 120 minutes.", False),
        ("Explain gravity in a few words.", facts.EXPLANATIONS["gravity"], True),
        ("What is a battery?", "A battery is a small box.", False),
        ("Hi!", "Hello!", None),
        ("What is the capital of Atlantis?", "Poseidonia.", None),
    ],
)
def test_is_correct(question, reply, ok):
    assert is_correct(question, reply) is ok


def test_every_bundled_answer_is_scored_correct():
    checked = 0
    for name, records in make_bundled_data.generate().items():
        for r in records:
            if "messages" in r:
                for q, a in zip(r["messages"][::2], r["messages"][1::2]):
                    result = is_correct(q["content"], a["content"])
                    assert result in (True, None), (q, a)
                    checked += result is True
            elif "chosen" in r:  # a preference pair: its chosen reply is right wherever the question is checkable
                result = is_correct(r["prompt"][-1]["content"], r["chosen"][0]["content"])
                assert result in (True, None), r
                checked += result is True
            else:
                assert expected_output(r["instruction"], r["input"]) == r["output"], r
                checked += 1
    assert checked > 1000


def test_greetings_are_not_checkable():
    for greetings, thanks in make_bundled_data.SMALL_TALK.values():
        for small_talk in greetings + thanks:
            assert expected_fact(small_talk) is None


@pytest.mark.parametrize(
    "instruction, input, output",
    [
        ("Add the two numbers.", "4 and 9", "13"),
        ("Say whether the number is even or odd.", "7", "Odd"),
        ("Give the opposite of the word.", "hot", "cold"),
        ("Convert the amount to grams.", "3 kilograms", "3000 grams"),
        ("Convert the amount to grams.", "3 meters", None),
        ("What is the capital of Japan?", "", "The capital of Japan is Tokyo."),
        ("Explain rain simply.", "", facts.EXPLANATIONS["rain"]),
        ("Write a poem.", "", None),
    ],
)
def test_expected_output(instruction, input, output):
    assert expected_output(instruction, input) == output
