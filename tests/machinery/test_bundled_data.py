import pytest
from datasets import load_dataset

from sft_helpers.machinery import bundled_data


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


def test_read_gives_the_records_load_dataset_gives(conversations):
    assert bundled_data.read("conversations", "test") == conversations["test"].to_list()


# Whether every answer is correct is checked in test_scoring.py, from the questions' own words; that the files
# are what their generator writes, in tests/programs/test_make_bundled_data.py.
