"""Decontamination: the helper on records made to leak, and the bundled data held out by construction."""

import pytest
from datasets import Dataset, DatasetDict

from sft_helpers.decontamination import decontaminate, drop_overlap, normalize, overlap, prompts, repeated
from sft_helpers.machinery import bundled_data
from sft_helpers.training import alpaca_splits, carve_held_out, carve_validation


def chat(*turns: str) -> dict:
    messages = []
    for turn in turns:
        messages += [{"role": "user", "content": turn}, {"role": "assistant", "content": "ok"}]
    return {"messages": messages}


def test_normalize_ignores_case_spacing_punctuation_and_articles():
    assert normalize("What is THE capital of  Peru?") == normalize("what is capital of peru") == "what is capital of peru"
    assert normalize("An apple, a day.") == "apple day"
    assert normalize("What is 3 plus 4?") != normalize("What is 4 plus 3?")  # another question, as far as strings go


def test_prompts_of_each_format():
    assert prompts(chat("Hi!", "What is 3 plus 4?", "Thanks a lot.")) == ["What is 3 plus 4?"]  # small talk left out
    assert prompts({"instruction": "Add.", "input": ""}) == ["Add."]
    assert prompts({"prompt": [{"role": "user", "content": "What is 3 plus 4?"}], "chosen": []}) == ["What is 3 plus 4?"]
    with pytest.raises(ValueError, match="no 'messages'"):
        prompts({"text": "a plain document"})


def test_overlap_finds_exact_and_near_copies_and_nothing_else():
    train = [chat("Hi!", "What is the capital of Peru?"), chat("How many meters are in 3 kilometers?")]
    held_out = [chat("Hello.", "What is the capital of Peru?"),  # exact, after a greeting of its own
                chat("what is capital of peru"),  # near: case, punctuation, article
                chat("Hi!", "What is the capital of Chile?"),  # new: shares only the greeting
                chat("How many meters are in 4 kilometers?")]  # new operands
    found = overlap(train, held_out)
    assert (found.exact, found.near, found.rows) == ([0], [1], [0, 1])
    assert found.examples == ["What is the capital of Peru?", "what is capital of peru"]


def test_drop_overlap_keeps_the_new_records_in_order():
    train = Dataset.from_list([{"instruction": f"Say {i}.", "input": ""} for i in range(5)])
    held_out = Dataset.from_list([{"instruction": q, "input": ""} for q in ("Say 7.", "say 2", "Say 9.", "SAY 4!")])
    kept, line = drop_overlap(held_out, train, "test")
    assert kept["instruction"] == ["Say 7.", "Say 9."]
    assert line.endswith("(exact 0, near-duplicate 2); dropped")


def test_a_random_carve_of_a_set_with_repeats_leaks_and_decontaminate_removes_it():
    rows = Dataset.from_list([{"instruction": f"Say {i % 50}.", "input": ""} for i in range(200)])  # each prompt four times
    assert repeated(rows) == 150
    splits = carve_validation(DatasetDict(train=rows))
    assert overlap(splits["train"], splits["validation"]).rows  # the carve put copies on both sides
    clean, lines = decontaminate(splits)
    assert not overlap(clean["train"], clean["validation"]).rows and lines[0].endswith("dropped")


def test_carve_held_out_gives_three_disjoint_splits():
    rows = Dataset.from_list([{"instruction": f"Say {i}.", "input": "", "n": i} for i in range(600)])
    splits, lines = carve_held_out(rows)
    sides = [set(splits[s]["n"]) for s in ("train", "validation", "test")]
    assert [len(s) for s in sides] == [480, 60, 60] and set().union(*sides) == set(range(600))
    assert not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])
    assert lines == [f"{s}: 0 of 60 held-out records share a prompt with training (exact 0, near-duplicate 0)"
                     for s in ("validation", "test")]


# --- the bundled data: held out by construction, counted -----------------------------------------------

TRAINING_POOLS = {  # what each held-out split must not share a prompt with: everything trained on before it is measured
    ("conversations", "test"): [("conversations", "train")],
    ("formats", "test"): [("formats", "train"), ("conversations", "train"), ("preferences", "train")],
    # notebook 07: the SFT conversations and the DPO training pairs are one training pool
    ("preferences", "test"): [("conversations", "train"), ("preferences", "train"), ("formats", "train")],
}


@pytest.mark.parametrize("held_out, pool", TRAINING_POOLS.items(), ids=lambda x: "/".join(x) if isinstance(x, tuple) else "")
def test_bundled_held_out_splits_share_no_prompt_with_training(held_out, pool):
    train = [r for kind, split in pool for r in bundled_data.read(kind, split)]
    found = overlap(train, bundled_data.read(*held_out))
    assert not found.rows, f"{held_out}: {found}; for example {found.examples}"


@pytest.mark.parametrize("kind, split", [(kind, split) for kind, files in bundled_data.ALL_FILES.items() for split in files])
def test_no_bundled_split_repeats_a_prompt(kind, split):
    records = bundled_data.read(kind, split)
    if (kind, split) == ("formats", "train"):
        # Only this split asks one prompt with different replies ("Name two fruits." and two other fruits); it is
        # never carved, and no record repeats whole.
        assert len({repr(r["messages"]) for r in records}) == len(records)
    else:
        assert repeated(records) == 0


def test_notebook_03s_carve_of_the_bundled_instructions_is_clean(monkeypatch):
    monkeypatch.setenv("SFT_PROFILE", "offline")
    from sft_helpers.machinery.profile import course_run

    splits = alpaca_splits(course_run("alpaca"))
    for held_out in ("validation", "test"):
        assert not overlap(splits["train"], splits[held_out]).rows
