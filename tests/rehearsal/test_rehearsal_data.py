"""The rehearsal data sets (``tests/data/rehearsal``) are current, shaped like the real ones, and have their defects.

They stand in for ``tatsu-lab/alpaca`` and ``HuggingFaceTB/smoltalk`` (``everyday-conversations``) when
``tests/rehearsal/`` runs the notebooks in the full profile offline. Token lengths are measured with
the real tokenizers in ``../shared/hub-fixtures`` when they are there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import make_rehearsal_data as rehearsal_data  # misc/tools/, on the import path from tests/conftest.py
import pytest

from sft_helpers.data import drop_problem_records, find_problems, instruction_prompt
from sft_helpers.machinery.scoring import expected_fact, expected_output
from sft_helpers.machinery.tasks import TASKS
from tests.conftest import HUB_FIXTURES

ALPACA_MAX_LENGTH = TASKS["alpaca"].full.max_length  # distilgpt2
CONVERSATION_MAX_LENGTH = TASKS["smoltalk"].full.max_length  # SmolLM2-135M

ALPACA = rehearsal_data.ALPACA_DIR / "train.jsonl"
EVERYDAY_TRAIN = rehearsal_data.EVERYDAY_DIR / "train.jsonl"
EVERYDAY_TEST = rehearsal_data.EVERYDAY_DIR / "test.jsonl"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def alpaca() -> list[dict]:
    return read_jsonl(ALPACA)


@pytest.fixture(scope="module")
def everyday() -> dict[str, list[dict]]:
    return {"train": read_jsonl(EVERYDAY_TRAIN), "test": read_jsonl(EVERYDAY_TEST)}


def tokenizer_from_fixtures(folder: str):
    path = HUB_FIXTURES / folder
    if not path.is_dir():
        pytest.skip(
            f"{path} is absent: the real {folder} tokenizer files are only beside the course's own checkout, "
            "so token lengths cannot be measured with the real BPE here"
        )
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path)


@pytest.fixture(scope="module")
def distilgpt2_tokenizer():
    return tokenizer_from_fixtures("distilgpt2")


@pytest.fixture(scope="module")
def smollm2_tokenizer():
    return tokenizer_from_fixtures("SmolLM2-135M")


# --- the files are current -------------------------------------------------------------------


def test_the_files_are_what_the_generator_writes():
    generated = rehearsal_data.generate()
    assert set(generated) == {ALPACA, EVERYDAY_TRAIN, EVERYDAY_TEST}
    for path, records in generated.items():
        expected = rehearsal_data.to_jsonl(records).encode("utf-8")
        assert path.read_bytes() == expected, f"{path} is stale: run python misc/tools/make_rehearsal_data.py"
    assert rehearsal_data.generate() == generated  # deterministic: a fixed seed, no other source of randomness


def test_the_files_are_utf8_json_lines_written_without_ascii_escapes():
    for path in (ALPACA, EVERYDAY_TRAIN, EVERYDAY_TEST):
        lines = path.read_text(encoding="utf-8").split("\n")
        assert lines[-1] == "" and all(lines[:-1]), path  # one record a line, a final newline, no blank lines
        for line in lines[:-1]:
            assert line == json.dumps(json.loads(line), ensure_ascii=False)
    assert "¿Dónde" in ALPACA.read_text(encoding="utf-8")


# --- shaped like the real data sets ----------------------------------------------------------


def test_the_columns_are_exactly_the_real_ones(alpaca, everyday):
    assert all(list(r) == ["instruction", "input", "output", "text"] for r in alpaca)
    for split, records in everyday.items():
        for i, r in enumerate(records):
            assert list(r) == ["full_topic", "messages"], (split, i)
            assert all(set(m) == {"content", "role"} for m in r["messages"]), (split, i)
            topic = r["full_topic"]
            assert "/" in topic and topic == topic.strip("/ ") and all(part.strip() for part in topic.split("/")), topic


def test_the_sizes_are_small(alpaca, everyday):
    # 4 of 85 unusable records stay within drop_problem_records' default 5%; 40 + 10 conversations.
    assert 80 <= len(alpaca) <= 100
    assert len(everyday["train"]) == 46 and len(everyday["test"]) == 4


def test_alpaca_text_is_the_whole_example_after_a_preamble_of_our_own(alpaca):
    for r in alpaca:
        preamble = rehearsal_data.PREAMBLE_WITH_INPUT if r["input"] else rehearsal_data.PREAMBLE
        assert r["text"] == f"{preamble}\n\n{instruction_prompt(r['instruction'], r['input'])}{r['output']}"
        assert "Below is an instruction that describes a task" not in r["text"]  # not Stanford's wording
    with_input = sum(bool(r["input"]) for r in alpaca)
    assert 0.3 < with_input / len(alpaca) < 0.7  # the input is often the empty string, as in Alpaca
    assert all(isinstance(r["input"], str) for r in alpaca)  # "" for none, never null


def test_alpaca_has_the_real_sets_empty_and_whitespace_outputs(alpaca):
    empty = [i for i, r in enumerate(alpaca) if r["output"] == ""]
    whitespace = [i for i, r in enumerate(alpaca) if r["output"] and not r["output"].strip()]
    assert len(empty) >= 3 and len(whitespace) >= 1


def test_find_problems_reports_exactly_the_deliberately_broken_records(alpaca, everyday):
    empty = {i[0] for i in rehearsal_data.ALPACA_EMPTY_OUTPUT_TASKS}
    whitespace = {i[0] for i in rehearsal_data.ALPACA_WHITESPACE_OUTPUT_TASKS}
    expected = {(i, "output is empty") for i, r in enumerate(alpaca) if r["instruction"] in empty}
    expected |= {(i, "output is only whitespace") for i, r in enumerate(alpaca) if r["instruction"] in whitespace}
    assert len(expected) == len(empty) + len(whitespace)
    assert {(p.record, p.message) for p in find_problems(alpaca, "instructions")} == expected
    assert len(find_problems(alpaca, "instructions")) == len(expected)  # one problem each, nothing else
    for split, records in everyday.items():
        assert find_problems(records, "conversations") == [], split  # real smoltalk is clean


def test_notebook_03_drops_the_broken_records_with_the_default_share(alpaca):
    from datasets import Dataset

    kept, report = drop_problem_records(Dataset.from_list(alpaca), "instructions")  # default max_share: no DataError
    assert report.dropped == 4 and len(kept) == len(alpaca) - 4


def test_conversations_are_multi_turn_small_talk(everyday):
    short_replies = set(rehearsal_data.GREETINGS_ASSISTANT) | set(rehearsal_data.THANKS_ASSISTANT)
    long_topic = rehearsal_data.LONG_CONVERSATION[0]
    for split, records in everyday.items():
        for i, r in enumerate(records):
            roles = [m["role"] for m in r["messages"]]
            assert roles == ["user", "assistant"] * (len(roles) // 2), (split, i)
            assert 2 <= roles.count("user") <= 4, (split, i)
            if r["full_topic"] == long_topic:
                continue
            for m in r["messages"]:
                if m["role"] == "assistant" and m["content"] not in short_replies:
                    assert 40 <= len(m["content"].split()) <= 120, (split, i, m["content"])
    train_topics = {r["full_topic"] for r in everyday["train"]}
    assert not train_topics & {r["full_topic"] for r in everyday["test"]}  # held-out topics


def test_nothing_is_checkable(alpaca, everyday):
    for split, records in everyday.items():
        for r in records:
            for m in r["messages"]:
                if m["role"] == "user":
                    assert expected_fact(m["content"]) is None, (split, m["content"])
    assert all(expected_output(r["instruction"], r["input"]) is None for r in alpaca)


# --- lengths in the real tokenizers' tokens --------------------------------------------------


def test_alpaca_has_answers_longer_than_max_length(alpaca, distilgpt2_tokenizer):
    lengths = [len(distilgpt2_tokenizer(r["output"])["input_ids"]) for r in alpaca]
    long = [i for i, n in enumerate(lengths) if n > ALPACA_MAX_LENGTH]
    assert len(long) >= 4 and max(lengths) >= 400, sorted(lengths)[-6:]
    assert {alpaca[i]["instruction"] for i in long} == {t[0] for t in rehearsal_data.ALPACA_LONG_TASKS}


def test_alpaca_outputs_survive_the_prompt_response_boundary(alpaca, distilgpt2_tokenizer):
    """What notebook 03 asserts: separate and joint encodings agree, and labels decode back to the output."""
    from sft_helpers.masking import boundary_mismatches

    usable = [r for r in alpaca if r["output"].strip()]
    prompts = [instruction_prompt(r["instruction"], r["input"]) for r in usable]
    assert boundary_mismatches(distilgpt2_tokenizer, prompts, [r["output"] for r in usable]) == []
    for r in usable:
        assert distilgpt2_tokenizer.decode(distilgpt2_tokenizer(r["output"])["input_ids"]) == r["output"]


def chatml_length(record: dict, tokenizer) -> int:
    text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in record["messages"])
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def test_one_conversation_is_longer_than_max_length(everyday, smollm2_tokenizer):
    train = [chatml_length(r, smollm2_tokenizer) for r in everyday["train"]]
    test = [chatml_length(r, smollm2_tokenizer) for r in everyday["test"]]
    too_long = [n for n in train if n > CONVERSATION_MAX_LENGTH]
    assert len(too_long) == 1 and max(train) < 10_000, sorted(train)[-3:]  # notebook 02 prints a 4-digit length
    assert max(test) <= CONVERSATION_MAX_LENGTH  # most stay short
    # The same with the course's own template, as the notebooks measure it.
    from sft_helpers.data import conversation_lengths, setup_chatml

    setup_chatml(smollm2_tokenizer)
    assert max(conversation_lengths(everyday["train"], smollm2_tokenizer)) > CONVERSATION_MAX_LENGTH


# --- load_dataset sees the splits and columns of the real ones, offline ----------------------

LOAD_SCRIPT = """
import json, sys
from datasets import load_dataset

shapes = {}
for folder in sys.argv[1:]:
    d = load_dataset(folder)
    shapes[folder] = {split: [d[split].column_names, d[split].num_rows] for split in d}
print(json.dumps(shapes))
"""


def test_load_dataset_reads_each_folder_offline(tmp_path, alpaca, everyday):
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf_home")}
    folders = [str(rehearsal_data.ALPACA_DIR), str(rehearsal_data.EVERYDAY_DIR)]
    result = subprocess.run([sys.executable, "-c", LOAD_SCRIPT, *folders], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    shapes = json.loads(result.stdout.strip().splitlines()[-1])
    assert shapes[folders[0]] == {"train": [rehearsal_data.ALPACA_COLUMNS, len(alpaca)]}
    assert shapes[folders[1]] == {
        "train": [rehearsal_data.EVERYDAY_COLUMNS, len(everyday["train"])],
        "test": [rehearsal_data.EVERYDAY_COLUMNS, len(everyday["test"])],
    }
