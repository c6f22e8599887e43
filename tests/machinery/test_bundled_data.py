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
# are what their generator writes, in tests/tools/test_make_bundled_data.py.


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
    assert set(bundled_data.FILES) == {"conversations", "instructions"}
    assert "formats" in bundled_data.ALL_FILES and "preferences" in bundled_data.ALL_FILES


# --- preferences (notebook 07) ---------------------------------------------------------------------------
FAULTS = ("wrong_answer", "no_end", "broken_format")


@pytest.fixture(scope="module")
def preferences():
    return {split: bundled_data.read("preferences", split) for split in ("train", "test")}


def test_preference_pairs_have_trls_conversational_layout_and_every_fault_in_both_splits(preferences):
    assert len(preferences["train"]) >= 300 and len(preferences["test"]) >= 60
    for split, rows in preferences.items():
        for i, row in enumerate(rows):
            assert list(row) == ["prompt", "chosen", "rejected", "fault", "constraints"], (split, i)
            assert [m["role"] for m in row["prompt"]] == ["user"], (split, i)
            assert [m["role"] for m in row["chosen"]] == [m["role"] for m in row["rejected"]] == ["assistant"], (split, i)
            assert all(m["content"].strip() for key in ("prompt", "chosen", "rejected") for m in row[key]), (split, i)
        counts = {fault: sum(row["fault"] == fault for row in rows) for fault in FAULTS}
        assert sum(counts.values()) == len(rows), split  # no other fault
        assert all(count >= len(rows) / 4 for count in counts.values()), (split, counts)


def test_every_rejected_reply_has_its_fault_and_the_chosen_one_does_not(preferences):
    from sft_helpers.constraints import constraint_from_dict
    from sft_helpers.machinery.scoring import is_correct
    from sft_helpers.replies import leaks_template

    for split, rows in preferences.items():
        for i, row in enumerate(rows):
            prompt, chosen, rejected = (row[key][0]["content"] for key in ("prompt", "chosen", "rejected"))
            assert chosen != rejected, (split, i)
            if row["fault"] == "wrong_answer":
                assert is_correct(prompt, chosen) is True and is_correct(prompt, rejected) is False, (split, i, rejected)
            elif row["fault"] == "no_end":
                assert not leaks_template(chosen) and leaks_template(rejected), (split, i, rejected)
            else:
                constraints = [constraint_from_dict(c) for c in row["constraints"]]
                assert constraints and all(c.describe() in prompt for c in constraints), (split, i)
                assert all(c.check(chosen) for c in constraints), (split, i, chosen)
                assert not all(c.check(rejected) for c in constraints), (split, i, rejected)
            if row["fault"] != "broken_format":
                assert row["constraints"] == [], (split, i)


def test_no_test_prompt_is_a_training_prompt(preferences):
    train_prompts = {row["prompt"][0]["content"] for row in preferences["train"]}
    assert not [row["prompt"][0]["content"] for row in preferences["test"] if row["prompt"][0]["content"] in train_prompts]


def test_the_preference_pairs_make_a_dataset_trls_dpo_trainer_reads():
    from datasets import Dataset

    rows = bundled_data.read("preferences", "test")
    dataset = Dataset.from_list([{key: row[key] for key in ("prompt", "chosen", "rejected")} for row in rows])
    assert dataset.column_names == ["prompt", "chosen", "rejected"] and dataset.num_rows == len(rows)
    assert dataset[0]["chosen"] == rows[0]["chosen"]
