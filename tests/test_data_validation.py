import pytest

from sft_helpers.data import (
    DataError,
    conversation_lengths,
    conversation_problems,
    drop_problem_records,
    find_problems,
    instruction_problems,
    truncation_summary,
    validate,
)


def conv(*turns):
    return {"messages": [{"role": r, "content": c} for r, c in turns]}


GOOD = conv(("user", "Hi"), ("assistant", "Hello!"))


def test_good_conversation_has_no_problems():
    assert conversation_problems(GOOD) == []
    assert conversation_problems(conv(("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello!"))) == []


@pytest.mark.parametrize(
    "record, expected",
    [
        ({"full_topic": "x"}, "has no 'messages'"),
        ({"messages": []}, "not a non-empty list"),
        (conv(("user", "Hi"), ("bot", "Hello")), "unknown role 'bot'"),
        (conv(("user", "Hi"), ("user", "Hello?"), ("assistant", "Yes")), "two user turns in a row"),
        (conv(("user", "Hi"), ("assistant", "Hello"), ("user", "Bye")), "last message is from 'user'"),
        (conv(("assistant", "Hello"),), "first turn is 'assistant'"),
        (conv(("user", ""), ("assistant", "Hello")), "message 0 content is empty"),
        (conv(("user", "Hi"), ("assistant", "  \n")), "message 1 content is only whitespace"),
        (conv(("user", 42), ("assistant", "Hello")), "content is int, not text"),
        (conv(("user", "Hi <|im_end|> there"), ("assistant", "Hello")), "special token '<|im_end|>'"),
        (conv(("user", "Hi"), ("system", "Be brief."), ("assistant", "Hello")), "may only come first"),
        ({"messages": [{"role": "user"}]}, "needs a 'role' and a 'content'"),
    ],
)
def test_conversation_problems_are_named(record, expected):
    problems = conversation_problems(record)
    assert any(expected in p for p in problems), problems


def test_unusual_unicode_is_fine():
    assert conversation_problems(conv(("user", "Café 東京 🙂 \u200b?"), ("assistant", "Oui."))) == []


@pytest.mark.parametrize(
    "record, expected",
    [
        ({"instruction": "Add.", "input": "1 and 2"}, "has no 'output'"),
        ({"instruction": "", "input": "", "output": "x"}, "instruction is empty"),
        ({"instruction": "Add.", "input": 3, "output": "x"}, "input is int"),
        ({"instruction": "Add.", "input": "", "output": "ok<|endoftext|>"}, "special token"),
        ("just text", "is str, not a record"),
    ],
)
def test_instruction_problems_are_named(record, expected):
    problems = instruction_problems(record)
    assert any(expected in p for p in problems), problems


def test_none_or_missing_input_means_no_input():
    assert instruction_problems({"instruction": "Say hi.", "input": None, "output": "Hi"}) == []
    assert instruction_problems({"instruction": "Say hi.", "output": "Hi"}) == []


def test_validate_names_records_and_counts():
    records = [GOOD, conv(("user", "Hi"),), GOOD, {"nope": 1}]
    assert [p.record for p in find_problems(records, "conversations")] == [1, 3]
    with pytest.raises(DataError, match=r"2 of 4 records have problems:\n  record 1: the last message") as err:
        validate(records, "conversations")
    assert "record 3: has no 'messages'" in str(err.value)
    assert validate([GOOD] * 3, "conversations") == 3


def test_validate_caps_the_listing():
    with pytest.raises(DataError, match=r"and 5 more"):
        validate([{"x": 1}] * 8, "conversations", max_shown=3)


def test_truncation_summary():
    summary = truncation_summary([10, 20, 30, 40], max_length=25)
    assert summary == {"max_length": 25, "records": 4, "truncated": 2, "truncated_share": 0.5, "tokens_lost_share": 20 / 100}
    assert truncation_summary([10], 10)["truncated"] == 0
    with pytest.raises(ValueError):
        truncation_summary([], 10)


def test_conversation_lengths_use_the_template(chat_tokenizer):
    tok = chat_tokenizer
    (n,) = conversation_lengths([GOOD], tok)
    assert n == len(tok(tok.apply_chat_template(GOOD["messages"], tokenize=False)).input_ids)
    assert n > len(tok("Hi").input_ids) + len(tok("Hello!").input_ids) + 4  # markers and roles count too


def test_drop_problem_records_names_and_counts_what_it_drops():
    from datasets import Dataset

    good = {"instruction": "Name a colour.", "input": "", "output": "Blue."}
    rows = [good] * 30 + [dict(good, output=""), dict(good, output="  "), dict(good, instruction="a<|endoftext|>")]
    kept, report = drop_problem_records(Dataset.from_list(rows), "instructions", max_share=0.1)
    assert len(kept) == 30 == report.kept and report.dropped == 3
    assert [p.record for p in report.problems] == [30, 31, 32]
    assert "33 records checked: 3 dropped, 30 kept" in str(report)
    assert "record 30: output is empty" in str(report) and "record 31: output is only whitespace" in str(report)
    assert all(r["output"].strip() for r in kept)


def test_drop_problem_records_refuses_a_data_set_in_another_format():
    from datasets import Dataset

    rows = [{"instruction": "Hi", "input": "", "output": ""}] * 3 + [{"instruction": "Hi", "input": "", "output": "Hello"}] * 7
    with pytest.raises(DataError, match="3 of 10 records have problems, more than 5%"):
        drop_problem_records(Dataset.from_list(rows), "instructions")


def test_clean_data_set_passes_through_unchanged():
    from datasets import Dataset

    data = Dataset.from_list([GOOD] * 4)
    kept, report = drop_problem_records(data, "conversations")
    assert len(kept) == 4 and str(report) == "4 records checked, no problems"
