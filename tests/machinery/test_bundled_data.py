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


def test_every_format_reply_follows_its_constraints_and_the_held_out_set_is_about_other_things():
    from sft_helpers.constraints import KINDS, constraint_from_dict

    train, test = bundled_data.read("formats", "train"), bundled_data.read("formats", "test")
    assert len(train) >= 300 and len(test) >= 60
    for split, rows in (("train", train), ("test", test)):
        kinds = set()
        for i, row in enumerate(rows):
            assert [m["role"] for m in row["messages"]] == ["user", "assistant"], (split, i)
            prompt, reply = (m["content"] for m in row["messages"])
            constraints = [constraint_from_dict(c) for c in row["constraints"]]
            assert all(c.check(reply) for c in constraints), (split, i, reply)
            assert all(c.describe() in prompt for c in constraints), (split, i)  # the prompt says what is checked
            kinds |= {c.kind for c in constraints}
        assert kinds == set(KINDS), split  # every kind, in both splits
    # Held out: no test prompt is a training prompt, and the things asked about differ.
    train_prompts = {r["messages"][0]["content"] for r in train}
    assert not any(r["messages"][0]["content"] in train_prompts for r in test)
    for word in ("carrot", "oak", "bus"):
        assert not any(f" {word}" in r["messages"][0]["content"] for r in train)


def test_the_stand_ins_vocabulary_comes_from_the_conversations_and_instructions_only():
    # A new data set must not retrain the stand-ins' tokenizers (and move every trained figure of the course).
    assert set(bundled_data.FILES) == {"conversations", "instructions"} and "formats" in bundled_data.ALL_FILES
