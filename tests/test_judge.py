import re

import pytest

from sft_helpers.constraints import Lowercase, MaxWords, NoCommas, StartsWithYesNo
from sft_helpers.intervals import Interval
from sft_helpers.judge import (
    JudgedPair,
    both_orders,
    combine,
    judge_pairs,
    judge_prompt,
    judge_report,
    parse_verdict,
    verifiable_preference,
)


def shown(messages: list[dict[str, str]], letter: str) -> str:
    """The reply a judge prompt shows as ``letter``."""
    return re.search(rf"\[Reply {letter}\]\n(.*?)\n\[End of reply {letter}\]", messages[-1]["content"], re.DOTALL).group(1)


def test_judge_prompt():
    messages = judge_prompt("Answer in one word: a colour?", "Blue.", "The sky is blue.")
    assert [m["role"] for m in messages] == ["system", "user"]
    user = messages[1]["content"]
    assert user.startswith("Instruction:\nAnswer in one word: a colour?\n")
    assert user.index("[Reply A]\nBlue.\n[End of reply A]") < user.index("[Reply B]\nThe sky is blue.\n[End of reply B]")
    assert user.endswith("Answer with exactly one of: A, B, tie.")
    assert "Blue." not in messages[0]["content"]  # the system message is the same for every pair
    assert (shown(messages, "A"), shown(messages, "B")) == ("Blue.", "The sky is blue.")


def test_both_orders_show_each_reply_first_once():
    first, second = both_orders("Say hi.", "Hi!", "Hello there.")
    assert first == judge_prompt("Say hi.", "Hi!", "Hello there.")
    assert second == judge_prompt("Say hi.", "Hello there.", "Hi!")


@pytest.mark.parametrize(
    "text, verdict",
    [
        ("A", "A"),
        ("b", "B"),  # 1. case
        ("  B \n", "B"),  # 1. whitespace
        ("TIE", "tie"),
        ("**A**", "A"),  # 2. markdown emphasis
        ("`B`", "B"),  # 2. code marks
        ("[[A]]", "A"),  # 2. brackets
        ("(B)", "B"),
        ('"A"', "A"),  # 2. quotes
        ("Answer: B", "B"),  # 3. a label
        ("answer:A", "A"),
        ("Final verdict: tie", "tie"),
        ("**Answer:** A", "A"),
        ("A.", "A"),  # 4. a trailing full stop
        ("Tie!", "tie"),
        ("Reply A", "A"),  # 5. the reply's name
        ("Response B.", "B"),
        ("B\nReply B keeps to five words.", "B"),  # 6. a verdict, then an explanation
        ("Answer: A\n\nBecause it is shorter.", "A"),
    ],
)
def test_parse_verdict(text, verdict):
    assert parse_verdict(text) == verdict


@pytest.mark.parametrize(
    "text",
    [
        "A or B",  # both claimed
        "A and B",
        "A/B",
        "Both A and B are good.",
        "I think A is better.",  # prose: no guessing
        "The first one.",
        "C",
        "Answer:",
        "",
        "   \n",
        "Reply A or reply B\nA",  # the first line claims both, and the whole text is not a verdict
    ],
)
def test_unparsable_verdicts(text):
    assert parse_verdict(text) is None


@pytest.mark.parametrize(
    "first, second, outcome",
    [
        ("A", "B", "1"),  # reply 1 wins in both orders
        ("B", "A", "2"),
        ("tie", "tie", "tie"),
        ("A", "A", "inconsistent"),  # whichever is shown first wins
        ("B", "B", "inconsistent"),
        ("A", "tie", "inconsistent"),  # a win and a tie
        ("tie", "B", "inconsistent"),
        (None, "A", "unparsable"),
        ("A", None, "unparsable"),
        (None, None, "unparsable"),
    ],
)
def test_combine(first, second, outcome):
    assert combine(first, second) == outcome


# Four pairs whose better reply the verifiable checks decide.
PAIRS = [
    ("Answer in at most 3 words.", [MaxWords(3)], "Blue, I think.", "The sky is blue today."),  # "1"
    ("Do not use commas.", [NoCommas()], "Red, green.", "Red and green."),  # "2"
    ("Answer in lowercase.", [Lowercase()], "yes", "fine"),  # "tie": both follow it
    ("Start with yes or no; two words at most.", [StartsWithYesNo(), MaxWords(2)], "Yes.", "Yes indeed, I agree."),  # "1"
]
ITEMS = [{"question": q, "reply_1": r1, "reply_2": r2} for q, _, r1, r2 in PAIRS]
TRUTH = [verifiable_preference(r1, r2, constraints) for _, constraints, r1, r2 in PAIRS]


def test_verifiable_preference():
    assert TRUTH == ["1", "2", "tie", "1"]
    assert verifiable_preference("**Yes**", "Maybe", [StartsWithYesNo()]) == "tie"  # neither, strictly
    assert verifiable_preference("**Yes**", "Maybe", [StartsWithYesNo()], loose=True) == "1"
    with pytest.raises(ValueError, match="no constraints"):
        verifiable_preference("a", "b", [])


def perfect_judge(messages):
    """Reads the question and both replies from the prompt, and answers as the checks do."""
    question = re.search(r"Instruction:\n(.*?)\n\n\[Reply A\]", messages[-1]["content"], re.DOTALL).group(1)
    constraints = next(c for q, c, _, _ in PAIRS if q == question)
    return {"1": "A", "2": "B", "tie": "tie"}[verifiable_preference(shown(messages, "A"), shown(messages, "B"), constraints)]


def test_a_perfect_judge():
    results = judge_pairs(perfect_judge, ITEMS)
    assert [r.outcome for r in results] == TRUTH
    report = judge_report(results, TRUTH)
    # Each decided pair gives one "A" and one "B": the reply shown first wins exactly half the time.
    assert report.position_bias.estimate == 0.5
    assert report.consistency == Interval(1.0, 1.0, 1.0)
    assert report.agreement == Interval(1.0, 1.0, 1.0)
    assert (report.items, report.known, report.ties, report.unparsable) == (4, 4, 2, 0)


def test_a_judge_that_always_says_a():
    results = judge_pairs(lambda messages: "A", ITEMS)
    assert [r.outcome for r in results] == ["inconsistent"] * 4
    report = judge_report(results, TRUTH)
    assert report.position_bias == Interval(1.0, 1.0, 1.0)
    assert report.consistency == Interval(0.0, 0.0, 0.0)
    assert report.agreement == Interval(0.0, 0.0, 0.0)
    assert (report.ties, report.unparsable) == (0, 0)


def test_a_judge_that_always_says_tie():
    report = judge_report(judge_pairs(lambda messages: "Tie.", ITEMS), TRUTH)
    assert report.position_bias is None  # no verdict picked a reply: nothing to measure
    assert report.consistency.estimate == 1.0
    assert report.agreement.estimate == 0.25  # right only on the pair that is a tie
    assert "n/a (nothing to measure)" in str(report)


def scripted(answers):
    """A judge that gives ``answers`` in turn, whatever it is asked."""
    answers = list(answers)
    return lambda messages: answers.pop(0)


def test_a_report_computed_by_hand():
    items = ITEMS[:3]
    answers = ["A", "**B**", "Answer: A", "A", "tie", "I'm not sure."]  # -> "1", inconsistent, unparsable
    results = judge_pairs(scripted(answers), items)
    assert [(r.verdict_first_order, r.verdict_second_order, r.outcome) for r in results] == [
        ("A", "B", "1"),
        ("A", "A", "inconsistent"),
        ("tie", None, "unparsable"),
    ]
    assert results[0] == JudgedPair(items[0]["question"], "A", "**B**", "A", "B", "1")
    report = judge_report(results, ["1", "2", None])
    assert report.position_bias.estimate == 0.75  # A, B, A, A: the first shown won 3 of 4
    assert report.consistency.estimate == 0.5  # of the two pairs with both answers parsed, one agrees
    assert report.agreement.estimate == 0.5  # right on pair 0, inconsistent on pair 1
    assert (report.items, report.known, report.ties, report.unparsable) == (3, 2, 1, 1)
    assert "unparsable answers 1 of 6" in str(report)


def test_an_unparsable_judge():
    results = judge_pairs(scripted(["A", "hmm", "A", "hmm"]), ITEMS[:2])
    assert [r.outcome for r in results] == ["unparsable", "unparsable"]
    report = judge_report(results, ["1", "2"])
    assert report.consistency is None  # no pair has two parsed answers
    assert report.agreement.estimate == 0.0  # no answer is a miss
    assert report.unparsable == 2


def test_the_judge_sees_both_orders_in_turn():
    seen = []
    judge_pairs(lambda messages: seen.append(messages) or "tie", ITEMS[:1])
    assert seen == list(both_orders(ITEMS[0]["question"], ITEMS[0]["reply_1"], ITEMS[0]["reply_2"]))


def test_judge_pairs_input_errors():
    with pytest.raises(ValueError, match="item 1: missing 'reply_2'"):
        judge_pairs(lambda m: "A", [ITEMS[0], {"question": "q", "reply_1": "r"}])
    with pytest.raises(TypeError, match="item 0: generate returned a tuple, not a string"):
        judge_pairs(lambda m: ("A", True), ITEMS[:1])  # chat_reply returns (text, ended)


def test_judge_report_input_errors():
    results = judge_pairs(lambda m: "A", ITEMS[:2])
    with pytest.raises(ValueError, match="2 judged pairs but 1 known answers"):
        judge_report(results, ["1"])
    with pytest.raises(ValueError, match=r"truth\[1\] is 'B'"):
        judge_report(results, ["1", "B"])
    with pytest.raises(ValueError, match="no judged pairs"):
        judge_report([], [])


@pytest.mark.parametrize("pairs", [1, 4, 12, 150])
def test_report_lines_up_its_three_measures(pairs):
    items = [{"question": "q", "reply_1": "x", "reply_2": "y"}] * pairs
    text = str(judge_report(judge_pairs(lambda messages: "A", items), ["1"] * pairs))
    measures = text.splitlines()[1:4]
    assert [line.strip().split("  ")[0] for line in measures][2] == f"agreement with the known answer ({pairs} pairs)"
    assert len({line.index("1.00 [") if "1.00 [" in line else line.index("0.00 [") for line in measures}) == 1
