import json

import pytest

from sft_helpers.constraints import (
    KINDS,
    BulletCount,
    Constraint,
    EndsWith,
    ExcludesKeyword,
    IncludesKeyword,
    JsonKeys,
    KindScore,
    Lowercase,
    MaxWords,
    MinWords,
    NoCommas,
    StartsWithYesNo,
    TitleInDoubleAngleBrackets,
    WrappedInQuotes,
    constraint_from_dict,
    count_words,
    loose_variants,
    score_replies,
)

# One instance of every kind, for the tests that go over all of them.
EXAMPLES: list[Constraint] = [
    MaxWords(20),
    MinWords(3),
    Lowercase(),
    NoCommas(),
    BulletCount(3),
    JsonKeys(("name", "age")),
    EndsWith("Any other questions?"),
    IncludesKeyword("cat"),
    ExcludesKeyword("very"),
    StartsWithYesNo(),
    TitleInDoubleAngleBrackets(),
    WrappedInQuotes(),
]


def test_the_examples_cover_every_kind():
    assert len(KINDS) >= 10
    assert sorted(c.kind for c in EXAMPLES) == sorted(KINDS)
    assert all(KINDS[kind].kind == kind for kind in KINDS)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", 0),
        ("Tea, please.", 2),
        ("A well-known fact.", 3),  # a hyphenated word is one word
        ("I don't know.", 3),  # so is a contraction
        ("It costs 3.5 or 1,000 dollars.", 6),  # a decimal and a thousands comma stay inside the number
        ("one,two", 2),  # a comma between letters separates words
        ("e.g. this", 3),  # an abbreviation's letters are words of their own
        ("**Bold** claim - or not — really", 5),  # markdown and lone dashes are not words
        ("Él está aquí", 3),  # letters beyond ASCII
    ],
)
def test_count_words(text, expected):
    assert count_words(text) == expected


def test_word_limits_at_their_boundary():
    assert MaxWords(3).check("One two three") and not MaxWords(3).check("One two three four")
    assert MinWords(3).check("One two three") and not MinWords(3).check("One two")
    assert MaxWords(4).check("It costs 3.5 dollars.") and not MaxWords(3).check("It costs 3.5 dollars.")
    assert MaxWords(1).check("Well-known.")  # one word, not two


def test_lowercase():
    assert Lowercase().check("all quiet here.")
    assert Lowercase().check("ça va, merci")
    assert Lowercase().check("42")  # no letters, hence no capital
    assert not Lowercase().check("All quiet here.")
    assert not Lowercase().check("all quiet in ÉTÉ")
    assert not Lowercase().check("i think so. I")


def test_no_commas():
    assert NoCommas().check("Yes it is.")
    assert not NoCommas().check("Yes, it is.")
    assert not NoCommas().check("It costs 1,000 dollars.")  # a comma in a number is a comma
    assert not NoCommas().check("你好，世界")  # the full-width comma


@pytest.mark.parametrize(
    "reply",
    [
        "- tea\n- coffee\n- water",
        "* tea\n* coffee\n* water",
        "- tea\n* coffee\n- water\n",  # mixed markers, a trailing newline
        "- tea\n  - green\n  - black\n- coffee\n- water",  # nested bullets belong to the one above
        "  - tea\n  - coffee\n  - water",  # the same indentation throughout is still the top level
        "Here you go:\n- tea\n- coffee\n- water\nEnjoy!",
        "**Drinks**\n---\n- tea\n- coffee\n- water",  # bold text and a rule are not bullets
    ],
)
def test_three_bullets(reply):
    assert BulletCount(3).check(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "- tea\n- coffee",
        "- tea\n- coffee\n- water\n- milk",
        "- tea\n  - green\n  - black\n- coffee",  # 2 top-level bullets, 4 bullet lines
        "1. tea\n2. coffee\n3. water",  # numbered items are not bullets
        "-tea\n-coffee\n-water",  # no space after the marker
        "- \n- \n- ",  # no text
        "tea, coffee, water",
    ],
)
def test_not_three_bullets(reply):
    assert not BulletCount(3).check(reply)


def test_json_keys():
    keys = JsonKeys(("name", "age"))
    assert keys.check('{"name": "Ada", "age": 36}')
    assert keys.check('{"age": 36, "name": "Ada"}\n')  # order does not matter, a trailing newline neither
    assert not keys.check('{"name": "Ada"}')  # a key missing
    assert not keys.check('{"name": "Ada", "age": 36, "city": "London"}')  # exactly these keys
    assert not keys.check('[{"name": "Ada", "age": 36}]')  # not an object
    assert not keys.check('{"name": "Ada", "age": 36,}')  # not JSON
    assert not keys.check("{'name': 'Ada', 'age': 36}")  # a Python dict, single quotes: not JSON either
    assert not keys.check('Here it is: {"name": "Ada", "age": 36}')


def test_json_in_a_code_fence_fails_strictly_and_passes_loosely():
    keys = JsonKeys(("name", "age"))
    fenced = '```json\n{"name": "Ada", "age": 36}\n```'
    assert not keys.check(fenced) and keys.check_loose(fenced)
    assert keys.check_loose(fenced + "\n")  # the trailing newline does not become the "last line"
    introduced = 'Here it is:\n```json\n{"name": "Ada", "age": 36}\n```'  # three lines to drop: too many
    assert not keys.check_loose(introduced)


def test_ends_with():
    end = EndsWith("Any other questions?")
    assert end.check("That is all. Any other questions?")
    assert end.check("That is all. Any other questions?\n\n")  # trailing whitespace is stripped
    assert end.check("That is all. any other questions?")  # case is ignored
    assert end.check("Any other questions?")  # the phrase alone ends with itself
    assert not end.check("That is all. Any other questions?.")  # nothing may follow, not even a full stop
    assert not end.check('That is all. "Any other questions?".')
    assert not end.check("That is all. 'Any other questions?'")  # a single quote is not a quotation mark here
    assert not end.check("Any other questions? Bye.")
    signed = "That is all. Any other questions?\n\nBest wishes!"
    assert not end.check(signed) and end.check_loose(signed)  # loose drops the last line
    assert not end.check("**Any other questions?**") and end.check_loose("**Any other questions?**")


@pytest.mark.parametrize(
    "reply",
    [
        'That is all. "Any other questions?"',  # closing quotation marks are ignored, as IFEval strips them
        '"That is all. Any other questions?"',  # the whole reply in quotes, as wrapped_in_quotes asks
        "“That is all. Any other questions?”",  # typographic ones too, as wrapped_in_quotes accepts them
        'That is all. Any other questions?"\n',
    ],
)
def test_ends_with_ignores_closing_quotation_marks(reply):
    assert EndsWith("Any other questions?").check(reply)


def test_ends_with_and_wrapped_in_quotes_can_both_be_followed():
    reply = '"That is all. Any other questions?"'
    assert EndsWith("Any other questions?").check(reply) and WrappedInQuotes().check(reply)
    assert EndsWith('say "cheese"').check('Smile and say "cheese"')  # a phrase that ends with a quotation mark


def test_keywords_on_word_boundaries_and_in_any_case():
    cat = IncludesKeyword("cat")
    assert all(cat.check(t) for t in ["The Cat sat.", "CAT!", "a cat-like grin", "the cat's toy"])
    assert not any(cat.check(t) for t in ["a category", "two cats", "concatenate"])
    assert IncludesKeyword("machine learning").check("Machine learning is fun.")
    assert IncludesKeyword("C++").check("I write c++ daily.")  # the keyword is matched literally
    very = ExcludesKeyword("very")
    assert very.check("Everything is fine.") and not very.check("Very good.") and not very.check("very-fine")


@pytest.mark.parametrize(
    "reply", ["Yes, it does.", "Yes. It does.", "yes it does", "YES!", "No", "No.", "  \nNo, never.", "Yes—mostly."]
)
def test_starts_with_yes_or_no(reply):
    assert StartsWithYesNo().check(reply)


@pytest.mark.parametrize(
    "reply", ["Yesterday it did.", "Nope.", "No-one knows.", "Yeah.", "Well, yes.", '"Yes," she said.', "Noted."]
)
def test_does_not_start_with_yes_or_no(reply):
    assert not StartsWithYesNo().check(reply)


def test_yes_in_bold_or_after_a_preamble_passes_loosely_only():
    for reply in ["**Yes**, it does.", "Sure!\nYes, it does."]:
        assert not StartsWithYesNo().check(reply) and StartsWithYesNo().check_loose(reply)


def test_title_in_double_angle_brackets():
    title = TitleInDoubleAngleBrackets()
    assert all(title.check(t) for t in ["<<A day at sea>>\nThe waves rose.", "Poem: <<Sea>>", "**<<Sea>>**"])
    assert not any(title.check(t) for t in ["<Sea>\nWaves.", "«Sea»\nWaves.", "<<>>", "<< >>", "<<Sea\nSong>>", "Sea"])


def test_wrapped_in_quotes():
    quotes = WrappedInQuotes()
    assert all(quotes.check(t) for t in ['"Hello there."', "“Hello there.”", '"Hello"\n', '  "Hello"'])
    assert not any(quotes.check(t) for t in ['He said "hello".', '"Hello', '""', '" "', "'Hello'", '"', '“Hello"'])


@pytest.mark.parametrize("constraint", EXAMPLES, ids=lambda c: c.kind)
def test_an_empty_reply_follows_nothing(constraint):
    for reply in ["", "   ", "\n\n"]:
        assert not constraint.check(reply) and not constraint.check_loose(reply)


def test_loose_mode_does_not_pass_a_one_line_reply_by_dropping_it():
    # Without the empty-reply rule, dropping the only line would leave "", which has no commas.
    assert not NoCommas().check_loose("Yes, it is.")
    assert not ExcludesKeyword("very").check_loose("Very good.")


def test_loose_variants():
    assert loose_variants("a\n*b*\nc\n") == ["a\n*b*\nc", "*b*\nc", "a\n*b*", "*b*", "a\nb\nc", "b\nc", "a\nb", "b"]
    assert loose_variants("one line") == ["one line", "", "", "", "one line", "", "", ""]


def test_loose_never_fails_what_strict_passes():
    replies = ["- tea\n- coffee\n- water", '{"name": "Ada", "age": 36}', "Yes, a cat.", "<<Sea>>", '"hi"', "no"]
    for constraint in EXAMPLES:
        for reply in replies:
            assert constraint.check_loose(reply) or not constraint.check(reply), (constraint, reply)


def test_describe_is_one_english_sentence():
    assert MaxWords(20).describe() == "Answer in at most 20 words."
    assert JsonKeys(("name", "age")).describe() == 'Answer with a JSON object only, with exactly these keys: "name", "age".'
    assert 'phrase "Any other questions?"' in EndsWith("Any other questions?").describe()
    for constraint in EXAMPLES:
        text = constraint.describe()
        assert "\n" not in text and text[0].isupper() and text.endswith("."), text


@pytest.mark.parametrize("constraint", EXAMPLES, ids=lambda c: c.kind)
def test_dicts_round_trip_through_json(constraint):
    data = json.loads(json.dumps(constraint.to_dict()))
    assert data["kind"] == constraint.kind
    assert constraint_from_dict(data) == constraint


def test_to_dict_and_back():
    assert JsonKeys(("a", "b")).to_dict() == {"kind": "json_keys", "keys": ["a", "b"]}  # a list, as JSON has
    assert constraint_from_dict({"kind": "json_keys", "keys": ["a", "b"]}) == JsonKeys(("a", "b"))
    assert Lowercase().to_dict() == {"kind": "lowercase"}
    assert constraint_from_dict({"kind": "ends_with", "phrase": "Bye."}) == EndsWith("Bye.")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"n": 3}, "must be a dict with a 'kind'"),
        ("max_words", "must be a dict with a 'kind'"),
        ({"kind": "max_word", "n": 3}, "unknown constraint kind 'max_word'"),
        ({"kind": "max_words"}, "max_words: missing parameter 'n'"),
        ({"kind": "lowercase", "n": 3}, "lowercase: unknown parameter 'n'"),
        ({"kind": "max_words", "n": 3, "m": 4}, "max_words: unknown parameter 'm'"),
        ({"kind": "max_words", "n": 0}, "max_words: parameter 'n' must be a whole number >= 1, got 0"),
        ({"kind": "min_words", "n": "3"}, "min_words: parameter 'n' must be a whole number"),
        ({"kind": "bullet_count", "n": 2.0}, "bullet_count: parameter 'n' must be a whole number"),
        ({"kind": "bullet_count", "n": True}, "bullet_count: parameter 'n' must be a whole number"),
        ({"kind": "json_keys", "keys": []}, "json_keys: parameter 'keys' must be a non-empty list"),
        ({"kind": "json_keys", "keys": "name"}, "json_keys: parameter 'keys' must be a non-empty list"),
        ({"kind": "json_keys", "keys": ["a", "a"]}, "json_keys: parameter 'keys' repeats a key"),
        ({"kind": "json_keys", "keys": ["a", 1]}, "json_keys: parameter 'keys' must be a non-empty string"),
        ({"kind": "ends_with", "phrase": ""}, "ends_with: parameter 'phrase' must be a non-empty string"),
        ({"kind": "includes_keyword", "keyword": "  "}, "includes_keyword: parameter 'keyword' must be a non-empty"),
    ],
)
def test_bad_dicts_name_the_kind_and_the_parameter(data, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("+", r"\+")):
        constraint_from_dict(data)


# A small set, scored by hand:
#   0  lowercase ✓, max_words ✓, no_commas ✗ (strict and loose)        prompt ✗ / ✗
#   1  json_keys in a fence: ✗ strict, ✓ loose                          prompt ✗ / ✓
#   2  "**Yes**": starts_with ✗ strict, ✓ loose; includes "it" ✓        prompt ✗ / ✓
#   3  bullet_count ✓, ends_with ✓                                      prompt ✓ / ✓
REPLIES = [
    "hello there, friend",
    '```json\n{"name": "Ada"}\n```',
    "**Yes**, it is.",
    "- tea\n- coffee\n",
]
CONSTRAINTS = [
    [Lowercase(), MaxWords(5), NoCommas()],
    [JsonKeys(("name",))],
    [StartsWithYesNo(), {"kind": "includes_keyword", "keyword": "it"}],
    [BulletCount(2), {"kind": "ends_with", "phrase": "coffee"}],
]


def test_score_replies_on_a_set_scored_by_hand():
    scores = score_replies(REPLIES, CONSTRAINTS)
    assert scores.passed_strict == [False, False, False, True]
    assert scores.passed_loose == [False, True, True, True]
    assert (scores.prompt_strict, scores.prompt_loose) == (0.25, 0.75)
    assert (scores.instruction_strict, scores.instruction_loose) == (5 / 8, 7 / 8)
    assert scores.by_kind == {
        "bullet_count": KindScore(1, 1.0, 1.0),
        "ends_with": KindScore(1, 1.0, 1.0),
        "includes_keyword": KindScore(1, 1.0, 1.0),
        "json_keys": KindScore(1, 0.0, 1.0),
        "lowercase": KindScore(1, 1.0, 1.0),
        "max_words": KindScore(1, 1.0, 1.0),
        "no_commas": KindScore(1, 0.0, 0.0),
        "starts_with_yes_no": KindScore(1, 0.0, 1.0),
    }
    assert "prompt-level       strict 0.25  loose 0.75" in str(scores)
    assert "json_keys" in str(scores) and "4 prompts, 8 instructions" in str(scores)


def test_per_kind_shares_count_each_instruction():
    scores = score_replies(["one two", "one two three four", "one"], [[MaxWords(3)], [MaxWords(3)], [MaxWords(3), MinWords(2)]])
    assert scores.by_kind["max_words"] == KindScore(3, 2 / 3, 2 / 3)
    assert scores.by_kind["min_words"] == KindScore(1, 0.0, 0.0)
    assert scores.passed_strict == [True, False, False]
    assert scores.instruction_strict == 0.5


def test_score_replies_names_the_bad_record():
    with pytest.raises(ValueError, match="1 replies but 0 constraint lists"):
        score_replies(["a"], [])
    with pytest.raises(ValueError, match="no replies to score"):
        score_replies([], [])
    with pytest.raises(ValueError, match="record 1: no constraints"):
        score_replies(["a", "b"], [[Lowercase()], []])
    with pytest.raises(ValueError, match="record 1, constraint 0: unknown constraint kind 'nope'"):
        score_replies(["a", "b"], [[Lowercase()], [{"kind": "nope"}]])
    with pytest.raises(ValueError, match="record 0: the reply is NoneType, not a string"):
        score_replies([None], [[Lowercase()]])
    with pytest.raises(ValueError, match="not a single string"):
        score_replies("ab", [[Lowercase()], [Lowercase()]])


def test_loose_keeps_a_reply_that_stripping_would_change():
    indented = "  - a\n  - b"  # stripping it for the variants changes its first bullet's indent
    assert BulletCount(2).check(indented) and BulletCount(2).check_loose(indented)
