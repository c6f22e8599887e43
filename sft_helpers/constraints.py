"""Verifiable instructions, IFEval-style: "answer in at most 20 words", checked by code rather than a judge.

Each constraint is a small frozen dataclass: a ``kind`` name, its parameters, ``describe()`` (the sentence
a prompt carries) and ``check(reply)``. As a plain dict, ``{"kind": "max_words", "n": 20}``, it fits in a
JSON lines data set next to its prompt (``to_dict``, ``constraint_from_dict``).

Two rules hold for every check:

* trailing whitespace is stripped first, so a reply ending in a newline still "ends with" its phrase;
  checks about the start of a reply ignore leading whitespace too;
* an empty (or all-whitespace) reply follows nothing, not even "no commas" or "lowercase": it did not
  do the task, and in loose mode dropping the only line of a reply must not earn a free pass.

Strict and loose, in IFEval's sense. Strict checks the reply as it is. Loose passes a reply if any of
eight variants passes: the reply, the reply without its first line, without its last line, without
both, and each of those four with every ``*`` removed (markdown emphasis). Loose forgives a
"Sure! Here it is:" line before the answer, a ```json fence around it, and **bold**; it never makes a
reply that passes strictly fail.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

# --- words ---------------------------------------------------------------------------------------------
# A word is a run of letters or digits. A hyphen or an apostrophe inside it does not split it ("well-known",
# "don't": one word each), nor does a point or comma between digits ("3.5", "1,000": one word). Punctuation,
# markdown symbols and a lone "-" or "—" are not words. (IFEval counts with a tokenizer; the totals differ a little.)
_WORD = re.compile(r"[^\W_]+(?:(?:[-'’]|(?<=\d)[.,](?=\d))[^\W_]+)*")


def count_words(text: str) -> int:
    """The number of words in ``text``, as the word-count constraints count them.

    >>> count_words("A well-known fact: 1,000 cats don't sleep 3.5 hours - or do they?")
    12
    """
    return len(_WORD.findall(text))


def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    # Case ignored, and on word boundaries: "cat" is found in "Cat." and "cat-like", not in "category" or "cats".
    return re.compile(rf"(?<!\w){re.escape(keyword)}(?!\w)", re.IGNORECASE)


# --- the constraints -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Constraint:
    """One verifiable instruction. Subclasses set ``kind`` and define ``describe`` and ``_check``."""

    kind: ClassVar[str] = ""

    def describe(self) -> str:
        raise NotImplementedError

    def _check(self, text: str) -> bool:
        raise NotImplementedError

    def check(self, reply: str) -> bool:
        """Strict: does ``reply`` itself follow the instruction? Trailing whitespace is ignored."""
        if not reply.strip():
            return False  # an empty reply follows nothing (see the module's docstring)
        return self._check(reply.rstrip())

    def check_loose(self, reply: str) -> bool:
        """Loose: does the reply itself, or any of ``loose_variants(reply)``, follow the instruction?"""
        # The reply itself first: the variants are stripped and split into lines, which can change it
        # (an indented list loses its first indent), and loose must never fail what strict passes.
        return self.check(reply) or any(self.check(variant) for variant in loose_variants(reply))

    def to_dict(self) -> dict[str, Any]:
        """``{"kind": ..., **parameters}``, ready for ``json.dumps``; ``constraint_from_dict`` reverses it."""
        params = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {"kind": self.kind, **{k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}}


def _whole_number(kind: str, name: str, value: object, minimum: int) -> None:
    # bool is a subclass of int in Python: True would otherwise pass as 1.
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{kind}: parameter {name!r} must be a whole number >= {minimum}, got {value!r}")


def _text(kind: str, name: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{kind}: parameter {name!r} must be a non-empty string, got {value!r}")


@dataclass(frozen=True)
class MaxWords(Constraint):
    """At most ``n`` words, counted by ``count_words``.

    >>> MaxWords(3).check("Tea, please."), MaxWords(3).check("A cup of tea, please.")
    (True, False)
    """

    kind: ClassVar[str] = "max_words"
    n: int

    def __post_init__(self) -> None:
        _whole_number(self.kind, "n", self.n, 1)

    def describe(self) -> str:
        return f"Answer in at most {self.n} words."

    def _check(self, text: str) -> bool:
        return count_words(text) <= self.n


@dataclass(frozen=True)
class MinWords(Constraint):
    """At least ``n`` words, counted by ``count_words``.

    >>> MinWords(3).check("Tea, please."), MinWords(3).check("A cup of tea, please.")
    (False, True)
    """

    kind: ClassVar[str] = "min_words"
    n: int

    def __post_init__(self) -> None:
        _whole_number(self.kind, "n", self.n, 1)

    def describe(self) -> str:
        return f"Answer in at least {self.n} words."

    def _check(self, text: str) -> bool:
        return count_words(text) >= self.n


@dataclass(frozen=True)
class Lowercase(Constraint):
    """No capital letter anywhere.

    >>> Lowercase().check("all quiet here."), Lowercase().check("All quiet here.")
    (True, False)
    """

    kind: ClassVar[str] = "lowercase"

    def describe(self) -> str:
        return "Write your whole answer in lowercase letters, with no capital letters at all."

    def _check(self, text: str) -> bool:
        # No capital letter anywhere. A reply with no letters at all ("42") passes: it has no capital.
        return not any(ch.isupper() for ch in text)


@dataclass(frozen=True)
class NoCommas(Constraint):
    """No comma anywhere.

    >>> NoCommas().check("Yes it is."), NoCommas().check("Yes, it is.")
    (True, False)
    """

    kind: ClassVar[str] = "no_commas"

    def describe(self) -> str:
        return "Do not use any commas in your answer."

    def _check(self, text: str) -> bool:
        # Any comma fails, the one in "1,000" too, and the full-width "，" of Chinese and Japanese text.
        return "," not in text and "，" not in text


@dataclass(frozen=True)
class BulletCount(Constraint):
    """Exactly ``n`` top-level markdown bullets; nested ones belong to the bullet above them.

    >>> BulletCount(2).check("- tea\\n  - green\\n- coffee"), BulletCount(2).check("- tea")
    (True, False)
    """

    kind: ClassVar[str] = "bullet_count"
    n: int

    def __post_init__(self) -> None:
        _whole_number(self.kind, "n", self.n, 1)

    def describe(self) -> str:
        return f"Answer with exactly {self.n} bullet points, each on its own line starting with '- '."

    def _check(self, text: str) -> bool:
        # A bullet is a line starting with "-" or "*", then a space and some text: "**bold**" and a "---" rule
        # are not bullets, nor are numbered items ("1."). Only the least indented bullets count: the indented
        # ones under them are nested bullets, part of a top-level point.
        indents = re.findall(r"^([ \t]*)[-*][ \t]+\S", text, re.MULTILINE)
        top = min((len(indent) for indent in indents), default=0)
        return sum(len(indent) == top for indent in indents) == self.n


@dataclass(frozen=True)
class JsonKeys(Constraint):
    """The whole reply is a JSON object with exactly ``keys``.

    >>> JsonKeys(("name", "age")).check('{"name": "Ada", "age": 36}'), JsonKeys(("name",)).check("name: Ada")
    (True, False)
    """

    kind: ClassVar[str] = "json_keys"
    keys: tuple[str, ...]

    def __post_init__(self) -> None:
        if isinstance(self.keys, str) or not isinstance(self.keys, Sequence) or not self.keys:
            raise ValueError(f"{self.kind}: parameter 'keys' must be a non-empty list of strings, got {self.keys!r}")
        for key in self.keys:
            _text(self.kind, "keys", key)
        if len(set(self.keys)) != len(self.keys):
            raise ValueError(f"{self.kind}: parameter 'keys' repeats a key: {list(self.keys)!r}")
        # A dataclass is frozen after __init__: object.__setattr__ is the way to normalise a field.
        # A tuple, not the list JSON gives, so the constraint stays hashable and compares equal either way.
        object.__setattr__(self, "keys", tuple(self.keys))

    def describe(self) -> str:
        names = ", ".join(f'"{key}"' for key in self.keys)
        return f"Answer with a JSON object only, with exactly these keys: {names}."

    def _check(self, text: str) -> bool:
        # The whole reply must be the object: in a ```json fence it fails strictly and passes loosely
        # (the loose variant without its first and last lines is the bare object).
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return False
        return isinstance(value, dict) and set(value) == set(self.keys)


@dataclass(frozen=True)
class EndsWith(Constraint):
    """The reply ends with ``phrase``, case ignored, nothing after it but closing quotation marks.

    >>> EndsWith("Any questions?").check("That is all. any questions?\\n"), EndsWith("Any questions?").check("Any questions?.")
    (True, False)
    >>> EndsWith("Any questions?").check('Done. "Any questions?"')  # the closing quotation mark is ignored, as in IFEval
    True
    """

    kind: ClassVar[str] = "ends_with"
    phrase: str

    def __post_init__(self) -> None:
        _text(self.kind, "phrase", self.phrase)

    def describe(self) -> str:
        return f'End your answer with the exact phrase "{self.phrase.strip()}". Nothing may follow it.'

    def _check(self, text: str) -> bool:
        # Case is ignored and so is trailing whitespace. Closing quotation marks are ignored too, as IFEval strips
        # them: a reply wrapped in quotes as a whole (what wrapped_in_quotes asks) could otherwise never end with
        # the phrase. Nothing else may follow it, not even a full stop. Tried both ways, so that a phrase that
        # itself ends with a quotation mark is still found.
        text, phrase = text.lower(), self.phrase.strip().lower()
        return text.endswith(phrase) or text.rstrip('"”').endswith(phrase)


@dataclass(frozen=True)
class IncludesKeyword(Constraint):
    """``keyword`` appears as a whole word, case ignored.

    >>> IncludesKeyword("tea").check("I like Tea."), IncludesKeyword("tea").check("I like teapots.")
    (True, False)
    """

    kind: ClassVar[str] = "includes_keyword"
    keyword: str

    def __post_init__(self) -> None:
        _text(self.kind, "keyword", self.keyword)

    def describe(self) -> str:
        return f'Include the word "{self.keyword.strip()}" in your answer.'

    def _check(self, text: str) -> bool:
        return _keyword_pattern(self.keyword.strip()).search(text) is not None


@dataclass(frozen=True)
class ExcludesKeyword(Constraint):
    """``keyword`` does not appear as a whole word, case ignored.

    >>> ExcludesKeyword("very").check("Everything is fine."), ExcludesKeyword("very").check("Very fine.")
    (True, False)
    """

    kind: ClassVar[str] = "excludes_keyword"
    keyword: str

    def __post_init__(self) -> None:
        _text(self.kind, "keyword", self.keyword)

    def describe(self) -> str:
        return f'Do not use the word "{self.keyword.strip()}" anywhere in your answer.'

    def _check(self, text: str) -> bool:
        # The same matching as includes_keyword: "every" does not contain the word "very".
        return _keyword_pattern(self.keyword.strip()).search(text) is None


@dataclass(frozen=True)
class StartsWithYesNo(Constraint):
    """The first word is Yes or No.

    >>> StartsWithYesNo().check("Yes, it does."), StartsWithYesNo().check("Yesterday it did.")
    (True, False)
    """

    kind: ClassVar[str] = "starts_with_yes_no"

    def describe(self) -> str:
        return 'Begin your answer with the word "Yes" or "No".'

    def _check(self, text: str) -> bool:
        # The first word is "yes" or "no" in any case ("Yes", "yes", "NO"), followed by anything that is not part
        # of a word: "Yes," "Yes." "No!" and a bare "No" pass; "Yesterday", "Nope", "No-one", "Yeah" do not.
        # Leading whitespace is ignored; "**Yes**" fails strictly and passes loosely (asterisks removed).
        return re.match(r"(?:yes|no)(?![\w'’-])", text.lstrip(), re.IGNORECASE) is not None


@dataclass(frozen=True)
class TitleInDoubleAngleBrackets(Constraint):
    """A title such as <<Sea>> somewhere in the reply.

    >>> TitleInDoubleAngleBrackets().check("<<Sea>>\\nWaves."), TitleInDoubleAngleBrackets().check("<Sea>\\nWaves.")
    (True, False)
    """

    kind: ClassVar[str] = "title_in_double_angle_brackets"

    def describe(self) -> str:
        return "Give your answer a title wrapped in double angle brackets, such as <<A day at sea>>."

    def _check(self, text: str) -> bool:
        # Anywhere in the reply, on one line, with some text inside: "<<>>", "<< >>", "<Sea>" and the
        # guillemets "«Sea»" fail (the instruction asks for two "<" and two ">").
        return re.search(r"<<[^<>\n]*[^\s<>][^<>\n]*>>", text) is not None


@dataclass(frozen=True)
class WrappedInQuotes(Constraint):
    """The whole reply is in double quotation marks.

    >>> WrappedInQuotes().check('"Hello there."'), WrappedInQuotes().check('He said "hello".')
    (True, False)
    """

    kind: ClassVar[str] = "wrapped_in_quotes"

    def describe(self) -> str:
        return "Wrap your entire answer in double quotation marks."

    def _check(self, text: str) -> bool:
        # Straight quotes '"..."' or typographic ones '“...”' (models trained on edited text write those),
        # with something inside: '""' is an empty answer in quotes.
        text = text.strip()
        wrapped = (text[:1], text[-1:]) in {('"', '"'), ("“", "”")}
        return len(text) >= 2 and wrapped and bool(text[1:-1].strip())


KINDS: dict[str, type[Constraint]] = {
    cls.kind: cls
    for cls in (
        MaxWords,
        MinWords,
        Lowercase,
        NoCommas,
        BulletCount,
        JsonKeys,
        EndsWith,
        IncludesKeyword,
        ExcludesKeyword,
        StartsWithYesNo,
        TitleInDoubleAngleBrackets,
        WrappedInQuotes,
    )
}


def constraint_from_dict(data: Mapping[str, Any]) -> Constraint:
    """The constraint a plain dict ``{"kind": ..., **parameters}`` describes (as ``to_dict`` writes it).

    >>> c = constraint_from_dict({"kind": "max_words", "n": 20})
    >>> c, c.describe(), c.to_dict()
    (MaxWords(n=20), 'Answer in at most 20 words.', {'kind': 'max_words', 'n': 20})
    >>> constraint_from_dict({"kind": "max_word", "n": 20})
    Traceback (most recent call last):
    ...
    ValueError: unknown constraint kind 'max_word'; known kinds: bullet_count, ends_with, ...
    """
    if not isinstance(data, Mapping) or "kind" not in data:
        raise ValueError(f"a constraint must be a dict with a 'kind', got {data!r}")
    kind = data["kind"]
    if kind not in KINDS:
        known = ", ".join(sorted(KINDS))
        raise ValueError(f"unknown constraint kind {kind!r}; known kinds: {known}")
    cls = KINDS[kind]
    names = [f.name for f in dataclasses.fields(cls)]
    params = {k: v for k, v in data.items() if k != "kind"}
    for name in params:
        if name not in names:
            raise ValueError(f"{kind}: unknown parameter {name!r}; it takes {names or 'no parameters'}")
    for name in names:
        if name not in params:
            raise ValueError(f"{kind}: missing parameter {name!r}")
    return cls(**params)  # each class checks its parameters' values in __post_init__


def loose_variants(reply: str) -> list[str]:
    """The eight versions of ``reply`` that loose checking tries; the reply passes if any of them does.

    The reply, without its first line, without its last line, without both; then the same four with every
    ``*`` removed. Surrounding whitespace is stripped before the lines are split, so that a trailing newline
    does not make an empty "last line" (dropping it would leave a ```json fence's closing line in place).

    >>> loose_variants("Sure:\\n**yes**\\n")[:4]
    ['Sure:\\n**yes**', '**yes**', 'Sure:', '']
    >>> loose_variants("Sure:\\n**yes**\\n")[5]
    'yes'
    """
    lines = reply.strip().splitlines()
    cut = ["\n".join(lines), "\n".join(lines[1:]), "\n".join(lines[:-1]), "\n".join(lines[1:-1])]
    return cut + [variant.replace("*", "") for variant in cut]


# --- scoring -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindScore:
    count: int  # how many instructions of this kind the prompts carry
    strict: float  # share of them followed, checked strictly
    loose: float


@dataclass(frozen=True)
class ConstraintScores:
    prompt_strict: float  # share of prompts whose every constraint is met
    prompt_loose: float
    instruction_strict: float  # share of all constraints met, each on its own
    instruction_loose: float
    by_kind: dict[str, KindScore]  # which kinds the model fails
    passed_strict: list[bool]  # per prompt, all its constraints met: resample these for an interval
    passed_loose: list[bool]

    def __str__(self) -> str:
        instructions = sum(score.count for score in self.by_kind.values())
        lines = [
            f"{len(self.passed_strict)} prompts, {instructions} instructions",
            f"  prompt-level       strict {self.prompt_strict:.2f}  loose {self.prompt_loose:.2f}",
            f"  instruction-level  strict {self.instruction_strict:.2f}  loose {self.instruction_loose:.2f}",
            "by kind:",
        ]
        width = max(len(kind) for kind in self.by_kind)
        for kind, score in self.by_kind.items():
            lines.append(f"  {kind:<{width}}  {score.count:>4}  strict {score.strict:.2f}  loose {score.loose:.2f}")
        return "\n".join(lines)


def _as_constraint(item: Constraint | Mapping[str, Any], where: str) -> Constraint:
    if isinstance(item, Constraint):
        return item
    try:
        return constraint_from_dict(item)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def score_replies(
    replies: Sequence[str], constraint_lists: Sequence[Sequence[Constraint | Mapping[str, Any]]]
) -> ConstraintScores:
    """Prompt-level and instruction-level accuracy, strict and loose, of ``replies`` to prompts that carried
    ``constraint_lists`` (constraints or their dicts, one list per prompt, in the same order).

    >>> scores = score_replies(
    ...     ["hello there", "Yes, and it has commas, sadly."],
    ...     [[Lowercase(), MaxWords(5)], [{"kind": "starts_with_yes_no"}, {"kind": "no_commas"}]],
    ... )
    >>> scores.passed_strict, scores.prompt_strict, scores.instruction_strict
    ([True, False], 0.5, 0.75)
    >>> scores.by_kind["no_commas"]
    KindScore(count=1, strict=0.0, loose=0.0)
    """
    if isinstance(replies, str):
        raise ValueError("replies must be a list of strings, one per prompt, not a single string")
    if len(replies) != len(constraint_lists):
        raise ValueError(f"{len(replies)} replies but {len(constraint_lists)} constraint lists: one list per reply")
    if not replies:
        raise ValueError("no replies to score")
    passed_strict, passed_loose = [], []
    followed: dict[str, list[tuple[bool, bool]]] = {}
    for i, (reply, items) in enumerate(zip(replies, constraint_lists)):
        if not isinstance(reply, str):
            raise ValueError(f"record {i}: the reply is {type(reply).__name__}, not a string")
        if not items:
            raise ValueError(f"record {i}: no constraints: a prompt with nothing to check cannot be scored")
        results = []
        for j, item in enumerate(items):
            constraint = _as_constraint(item, f"record {i}, constraint {j}")
            result = (constraint.check(reply), constraint.check_loose(reply))
            followed.setdefault(constraint.kind, []).append(result)
            results.append(result)
        passed_strict.append(all(strict for strict, _ in results))
        passed_loose.append(all(loose for _, loose in results))
    every = [result for results in followed.values() for result in results]
    return ConstraintScores(
        prompt_strict=sum(passed_strict) / len(passed_strict),
        prompt_loose=sum(passed_loose) / len(passed_loose),
        instruction_strict=sum(strict for strict, _ in every) / len(every),
        instruction_loose=sum(loose for _, loose in every) / len(every),
        by_kind={
            kind: KindScore(len(results), sum(s for s, _ in results) / len(results), sum(lo for _, lo in results) / len(results))
            for kind, results in sorted(followed.items())
        },
        passed_strict=passed_strict,
        passed_loose=passed_loose,
    )
