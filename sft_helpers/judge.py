"""A model as a pairwise judge: which of two replies follows the instruction better, and can we trust it?

The plumbing around the judge, which any chat model can fill in (``generate`` takes chat messages and
returns the judge's text):

* ``judge_prompt`` asks for exactly "A", "B" or "tie"; ``parse_verdict`` reads the answer.
* ``both_orders``: every pair is judged twice, each reply shown first once. Judges, small ones most,
  tend to prefer the reply shown first (position bias); asking twice exposes it, and ``combine`` keeps a
  verdict only when both orders agree.
* ``judge_report``: position bias, consistency and agreement with a known answer (here, which reply the
  verifiable checks of ``sft_helpers.constraints`` prefer), each with a bootstrap interval.

A judge that has not been measured against known answers measures nothing you can rely on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from sft_helpers.constraints import Constraint
from sft_helpers.intervals import Interval, bootstrap_ci, cluster_bootstrap_ci

Verdict = Literal["A", "B", "tie"]
Outcome = Literal["1", "2", "tie", "inconsistent", "unparsable"]
Messages = list[dict[str, str]]

SYSTEM = (
    "You compare two replies written by AI assistants to the same instruction, and decide which one "
    "does what the instruction asks more faithfully. You answer with a single word."
)


def judge_prompt(question: str, reply_a: str, reply_b: str) -> Messages:
    """Chat messages asking which of two replies to ``question`` follows it better: "A", "B" or "tie".

    >>> messages = judge_prompt("Name a colour in one word.", "Blue.", "I would say the sky is blue.")
    >>> [m["role"] for m in messages]
    ['system', 'user']
    >>> print(messages[1]["content"])  # doctest: +ELLIPSIS
    Instruction:
    Name a colour in one word.
    <BLANKLINE>
    [Reply A]
    Blue.
    [End of reply A]
    ...
    Answer with exactly one of: A, B, tie.
    """
    user = (
        f"Instruction:\n{question}\n\n"
        f"[Reply A]\n{reply_a}\n[End of reply A]\n\n"
        f"[Reply B]\n{reply_b}\n[End of reply B]\n\n"
        "Which reply follows the instruction better? Check every requirement it states, such as length, "
        "format and words to use or avoid. The order of the replies and their length are not reasons to "
        "prefer one. Answer A if reply A is better, B if reply B is better, tie if neither is.\n"
        "Answer with exactly one of: A, B, tie."
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


# A label before the verdict, "Answer:" or "Final verdict:" (up to three words and a colon).
_LABEL = re.compile(r"^(?:[a-z]+ ){0,2}[a-z]+\s*:\s*")
# "Reply B", "Response A", "Option A": the name of the reply rather than its letter alone.
_NAME = re.compile(r"^(?:reply|response|option|assistant)\s+(?=[ab]$)")


def _clean(text: str) -> str:
    text = text.strip().lower()
    text = re.sub(r"[*_`\"'“”‘’\[\]()]", "", text)  # markdown emphasis, code marks, quotes, brackets
    text = _LABEL.sub("", text)
    text = text.strip().rstrip(".!").strip()  # a trailing full stop or exclamation mark
    return _NAME.sub("", text)


def parse_verdict(text: str) -> Verdict | None:
    """The judge's verdict in ``text``, or None when it gives none, or more than one.

    The rules, in order:

    1. Case and surrounding whitespace are ignored: " b " is B.
    2. Markdown emphasis, code marks, quotes and brackets are removed: "**A**", "`A`", "[[B]]", "(A)".
    3. A label ending in a colon is dropped: "Answer: B", "Final verdict: tie".
    4. A trailing full stop or exclamation mark is dropped: "A." and "Tie!".
    5. "Reply A", "Response B" and "Option A" name a reply: A, B, A.
    6. What is left must be exactly "a", "b" or "tie". If it is not, rules 1 to 5 are tried on the
       first line alone, so a verdict followed by an explanation on the next lines counts.
    7. Anything else is None, never a guess: "A or B", "A and B" (both claimed), "I think A is
       better" (prose; the prompt asked for one word), an empty answer. The report counts these, so
       you see how often a judge ignores the format.

    >>> [parse_verdict(t) for t in [" b ", "**A**", "Answer: B", "Tie.", "Reply A", "A\\nIt is shorter."]]
    ['B', 'A', 'B', 'tie', 'A', 'A']
    >>> [parse_verdict(t) for t in ["A or B", "I think A is better.", ""]]
    [None, None, None]
    """
    candidates = [text]
    if text.strip():
        candidates.append(text.strip().splitlines()[0])
    for candidate in candidates:
        cleaned = _clean(candidate)
        if cleaned in ("a", "b"):
            return "A" if cleaned == "a" else "B"
        if cleaned == "tie":
            return "tie"
    return None


def both_orders(question: str, reply_1: str, reply_2: str) -> tuple[Messages, Messages]:
    """The two judge prompts for one pair: reply 1 shown as A, then reply 2 shown as A.

    >>> first, second = both_orders("Say hi.", "Hi!", "Hello there.")
    >>> "[Reply A]\\nHi!" in first[1]["content"], "[Reply A]\\nHello there." in second[1]["content"]
    (True, True)
    """
    return judge_prompt(question, reply_1, reply_2), judge_prompt(question, reply_2, reply_1)


def combine(verdict_first_order: Verdict | None, verdict_second_order: Verdict | None) -> Outcome:
    """Map the verdicts of ``both_orders``' two prompts back to the replies: "1", "2", "tie", or why not.

    In the first order reply 1 is A; in the second, reply 2 is A. The outcome is kept only when both
    orders say the same: a win in one order and a tie in the other is "inconsistent" too (some judging
    setups count that as half a win; here a judge that changes its mind has not decided).

    >>> combine("A", "B"), combine("B", "A"), combine("tie", "tie")  # the same verdict, seen from both sides
    ('1', '2', 'tie')
    >>> combine("A", "A"), combine("A", "tie"), combine(None, "B")  # the first shown always wins; a change; no answer
    ('inconsistent', 'inconsistent', 'unparsable')
    """
    if verdict_first_order is None or verdict_second_order is None:
        return "unparsable"
    first = {"A": "1", "B": "2", "tie": "tie"}[verdict_first_order]
    second = {"A": "2", "B": "1", "tie": "tie"}[verdict_second_order]
    return first if first == second else "inconsistent"


@dataclass(frozen=True)
class JudgedPair:
    question: str
    answer_first_order: str  # the judge's raw text, reply 1 shown as A
    answer_second_order: str  # reply 2 shown as A
    verdict_first_order: Verdict | None
    verdict_second_order: Verdict | None
    outcome: Outcome  # combine() of the two verdicts, in terms of reply 1 and reply 2


def judge_pairs(generate: Callable[[Messages], str], items: Sequence[Mapping[str, str]]) -> list[JudgedPair]:
    """Judge each item ``{"question", "reply_1", "reply_2"}`` in both orders with ``generate(messages) -> text``.

    >>> always_a = lambda messages: "A"  # a judge with nothing but position bias
    >>> [pair.outcome for pair in judge_pairs(always_a, [{"question": "Hi?", "reply_1": "Hi!", "reply_2": "Yo."}])]
    ['inconsistent']
    """
    judged = []
    for i, item in enumerate(items):
        missing = [key for key in ("question", "reply_1", "reply_2") if key not in item]
        if missing:
            raise ValueError(f"item {i}: missing {', '.join(repr(k) for k in missing)}")
        answers = []
        for messages in both_orders(item["question"], item["reply_1"], item["reply_2"]):
            answer = generate(messages)
            # A common slip: sft_helpers.replies.chat_reply returns (text, ended), not text.
            if not isinstance(answer, str):
                raise TypeError(f"item {i}: generate returned a {type(answer).__name__}, not a string")
            answers.append(answer)
        first, second = parse_verdict(answers[0]), parse_verdict(answers[1])
        judged.append(JudgedPair(item["question"], answers[0], answers[1], first, second, combine(first, second)))
    return judged


def verifiable_preference(
    reply_1: str, reply_2: str, constraints: Sequence[Constraint], *, loose: bool = False
) -> Literal["1", "2", "tie"]:
    """The known answer for a judge: the reply that follows more of ``constraints`` ("1" or "2"), else "tie".

    >>> from sft_helpers.constraints import MaxWords, NoCommas
    >>> verifiable_preference("Red, mostly.", "Red.", [MaxWords(3), NoCommas()])
    '2'
    """
    if not constraints:
        raise ValueError("no constraints: nothing decides between the two replies")
    check = (lambda c, r: c.check_loose(r)) if loose else (lambda c, r: c.check(r))
    met_1 = sum(check(c, reply_1) for c in constraints)
    met_2 = sum(check(c, reply_2) for c in constraints)
    return "1" if met_1 > met_2 else "2" if met_2 > met_1 else "tie"


@dataclass(frozen=True)
class JudgeReport:
    items: int
    position_bias: Interval | None  # share of decisive single-order verdicts won by the reply shown first; 0.5 is fair
    consistency: Interval | None  # share of items whose two orders agree, among those with both verdicts parsed
    agreement: Interval | None  # share of items with a known answer where the judge's outcome is that answer
    known: int  # items with a known answer
    ties: int  # single-order verdicts that were "tie"
    unparsable: int  # single-order answers parse_verdict could not read, out of 2 * items

    def __str__(self) -> str:
        def show(interval: Interval | None) -> str:
            return "n/a (nothing to measure)" if interval is None else str(interval)

        rows = {
            "position bias (first shown wins; 0.50 is fair)": self.position_bias,
            "consistency (both orders agree)": self.consistency,
            f"agreement with the known answer ({self.known} pairs)": self.agreement,
        }
        width = max(len(label) for label in rows)  # the known-pair count changes the last label's length
        return "\n".join(
            [
                f"{self.items} pairs, each judged in both orders",
                *(f"  {label:<{width}}  {show(interval)}" for label, interval in rows.items()),
                f"  ties {self.ties}, unparsable answers {self.unparsable} of {2 * self.items}",
            ]
        )


def judge_report(
    results: Sequence[JudgedPair],
    truth: Sequence[str | None],
    *,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> JudgeReport:
    """How far to trust the judge behind ``results``; ``truth[i]`` is "1", "2", "tie" or None (not known).

    * position bias: among the single-order verdicts that pick a reply (ties left out), the share that
      pick the one shown first. A fair judge is near 0.5, since each reply is shown first once; always
      "A" gives 1.0. A pair's two verdicts are resampled together (``cluster_bootstrap_ci``): a judge that
      is consistent gives every pair one first-shown win and one loss, hence 0.5 with no noise.
    * consistency: the share of pairs, among those with both answers parsed, whose two orders agree.
    * agreement: the share of pairs with a known answer where the outcome is that answer. An
      "inconsistent" or "unparsable" outcome counts as a miss: the judge did not give the answer.

    A measure with nothing to count is None, not 0.

    >>> always_a = judge_pairs(lambda messages: "A", [{"question": "q", "reply_1": "x", "reply_2": "y"}] * 4)
    >>> report = judge_report(always_a, ["1", "2", None, None])
    >>> str(report.position_bias), str(report.consistency), str(report.agreement)
    ('1.00 [1.00, 1.00] width 0 (rule of 3: ±0.75)', '0.00 [0.00, 0.00] width 0 (rule of 3: ±0.75)', '0.00 [0.00, 0.00] width 0 (only 2: too few to tell)')
    """
    if len(results) != len(truth):
        raise ValueError(f"{len(results)} judged pairs but {len(truth)} known answers: give None where it is not known")
    if not results:
        raise ValueError("no judged pairs to report on")
    for i, answer in enumerate(truth):
        if answer not in ("1", "2", "tie", None):
            raise ValueError(f"truth[{i}] is {answer!r}: it must be '1', '2', 'tie' or None")

    def interval(values: list[bool]) -> Interval | None:
        return bootstrap_ci(values, confidence=confidence, resamples=resamples, seed=seed) if values else None

    verdicts = [v for r in results for v in (r.verdict_first_order, r.verdict_second_order)]
    first_wins = [[v == "A" for v in (r.verdict_first_order, r.verdict_second_order) if v in ("A", "B")] for r in results]
    decisive = any(first_wins)
    parsed = [r for r in results if r.outcome != "unparsable"]
    agrees = [r.outcome == answer for r, answer in zip(results, truth) if answer is not None]
    return JudgeReport(
        items=len(results),
        position_bias=cluster_bootstrap_ci(first_wins, confidence=confidence, resamples=resamples, seed=seed) if decisive else None,
        consistency=interval([r.outcome != "inconsistent" for r in parsed]),
        agreement=interval(agrees),
        known=len(agrees),
        ties=sum(v == "tie" for v in verdicts),
        unparsable=sum(v is None for v in verdicts),
    )
