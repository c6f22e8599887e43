"""The bad-input corpus: malformed and hostile records students bring, in both formats.

Each record of ``data/bad_input.json`` says what must happen to it: an ``error`` that names the
problem, a ``dropped`` record (counted), or ``accepted`` (valid, and it must then go through
tokenizing, masking and a training step without trouble). ``__LONG__`` stands for a 20,000-word text.
"""

import json
import math
from pathlib import Path

import pytest
from datasets import Dataset

from sft_helpers.data import DataError, find_problems, validate
from sft_helpers.masking import build_masked_dataset, check_dataset_labels

LONG = ("word " * 20_000).strip()


def expand(value):
    if value == "__LONG__":
        return LONG
    if isinstance(value, list):
        return [expand(v) for v in value]
    if isinstance(value, dict):
        return {k: expand(v) for k, v in value.items()}
    return value


CORPUS = [dict(case, record=expand(case["record"])) for case in json.loads((Path(__file__).parent / "data" / "bad_input.json").read_text())]


def cases(kind):
    return [pytest.param(c, id=f"{c['format']}: {c['name']}") for c in CORPUS if kind in c["expect"]]


def test_the_corpus_is_big_enough():
    assert len(CORPUS) >= 20
    assert {c["format"] for c in CORPUS} == {"conversations", "instructions"}


@pytest.mark.parametrize("case", cases("error"))
def test_bad_records_are_named_with_their_problem(case):
    records = [CORPUS_GOOD[case["format"]], case["record"]]
    problems = find_problems(records, case["format"])
    assert problems and {p.record for p in problems} == {1}, problems
    assert any(case["expect"]["error"] in p.message for p in problems), problems
    with pytest.raises(DataError, match=r"1 of 2 records have problems:\n  record 1: "):
        validate(records, case["format"])


CORPUS_GOOD = {
    "conversations": {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]},
    "instructions": {"instruction": "Say hello.", "input": "", "output": "Hello!"},
}


@pytest.mark.parametrize("case", cases("accepted") + cases("dropped"))
def test_records_that_pass_validation(case):
    assert find_problems([case["record"]], case["format"]) == []


def test_instruction_records_that_cannot_fit_are_dropped_and_counted(gpt2_tokenizer):
    dropped = [c["record"] for c in CORPUS if c["format"] == "instructions" and "dropped" in c["expect"]]
    accepted = [c["record"] for c in CORPUS if c["format"] == "instructions" and "accepted" in c["expect"]]
    records = [{"instruction": r["instruction"], "input": r.get("input") or "", "output": r["output"]} for r in dropped + accepted]
    masked, report = build_masked_dataset(Dataset.from_list(records), gpt2_tokenizer, max_length=256)
    assert (report.kept, report.dropped) == (len(accepted), len(dropped))
    assert check_dataset_labels(masked, gpt2_tokenizer.eos_token_id) > 0


def test_accepted_conversations_train_without_nan(tmp_path, chat_model):
    """Unicode and an over-long reply go through SFTTrainer: no crash, a finite loss, nothing garbled."""
    from trl import SFTTrainer

    from sft_helpers.batching import LayoutChoice
    from sft_helpers.machinery.profile import course_run
    from sft_helpers.training import sft_config

    model, tok = chat_model
    records = [c["record"] for c in CORPUS if c["format"] == "conversations" and "accepted" in c["expect"]]
    unicode = next(r for r in records if "🙂" in r["messages"][0]["content"])
    text = tok.apply_chat_template(unicode["messages"], tokenize=False)
    assert tok.decode(tok(text).input_ids) == text
    config = sft_config(course_run("smoltalk", max_steps=2, batch_size=2), tmp_path, LayoutChoice("padded", "two steps"),
                        max_length=128, eval_strategy="no", logging_steps=1, disable_tqdm=True)
    dataset = Dataset.from_list([{"messages": r["messages"]} for r in records] + [CORPUS_GOOD["conversations"]])
    trainer = SFTTrainer(model=model, args=config, train_dataset=dataset, processing_class=tok)
    # The long reply keeps assistant tokens after truncation to 128, so nothing is dropped here.
    assert len(trainer.train_dataset) == 3
    trainer.train()
    losses = [row["loss"] for row in trainer.state.log_history if "loss" in row]
    assert losses and all(math.isfinite(v) for v in losses)
