import json
from pathlib import Path

import nbformat
import pytest
from datasets import Dataset, DatasetDict

from sft_helpers.batching import choose_layout, layout_for
from sft_helpers.decontamination import decontaminate
from sft_helpers.machinery.profile import CourseRun, course_run
from sft_helpers.training import (
    cadence,
    carve_validation,
    load_chat_model,
    load_conversations,
    sft_config,
    validation_loss,
)


def conversation(reply: str) -> dict:
    return {"full_topic": "Chat", "messages": [{"role": "user", "content": "Hi!"}, {"role": "assistant", "content": reply}]}


def test_load_conversations_drops_and_counts_what_cannot_train(tmp_path, chat_tokenizer):
    rows = {
        "train": [conversation("Hello there.")] * 40 + [conversation(""), conversation("word " * 400)],
        "test": [conversation("Good day.")] * 3,
    }
    for split, records in rows.items():
        (tmp_path / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    tokenizer = chat_tokenizer
    run = CourseRun("smoltalk", "full", "full", "test", "m", "m", str(tmp_path), None, max_length=64)
    dataset, lines = load_conversations(run, tokenizer)
    assert {split: len(rows) for split, rows in dataset.items()} == {"train": 36, "validation": 4, "test": 3}
    assert lines == [
        "train: 42 records checked: 1 dropped, 41 kept\n  record 40: message 1 content is empty",
        "train: 1 of 41 longer than 64 tokens dropped",
        "test: 3 records checked, no problems",
        "test: 0 of 3 longer than 64 tokens dropped",
        "validation: 4 of the 40 training conversations carved from train",
        # "Hello there." is small talk (under four words), not a prompt: nothing shared, nothing dropped
        "validation: 0 of 4 held-out records share a prompt with training (exact 0, near-duplicate 0)",
        "test: 0 of 3 held-out records share a prompt with training (exact 0, near-duplicate 0)",
    ]


def test_validation_is_carved_from_train_and_never_overlaps_it():
    rows = Dataset.from_list([{"n": i} for i in range(50)])
    carved = carve_validation(DatasetDict(train=rows, test=Dataset.from_list([{"n": 100}])))
    train, validation = set(carved["train"]["n"]), set(carved["validation"]["n"])
    assert len(validation) == 5 and not train & validation and train | validation == set(range(50))
    assert carved["test"]["n"] == [100]
    assert carve_validation(DatasetDict(train=rows))["validation"]["n"] == carved["validation"]["n"]  # seeded


def test_notebook_02_carves_the_validation_split_as_the_helper_does():
    """Notebook 02 writes the split out; the other lessons take it from ``load_conversations``: the same rows,
    and the same held-out rows dropped for sharing a prompt with train (here: 40 of the 60 test rows)."""
    rows = Dataset.from_list([{"n": i, "messages": [{"role": "user", "content": f"Tell me about the number {i}."},
                                                    {"role": "assistant", "content": "It is a number."}]} for i in range(600)])
    dataset = DatasetDict(train=rows, test=Dataset.from_list([{**rows[i], "n": 1000 + i} for i in range(40)] +
                                                             [{**rows[0], "n": 2000 + i, "messages": [{"role": "user", "content": f"Count to {i} please."},
                                                                                                     {"role": "assistant", "content": "1."}]}
                                                              for i in range(20)]))
    namespace = {"dataset": dataset}
    exec(notebook_cell(NOTEBOOK_02, "carved = dataset["), namespace)
    expected, _ = decontaminate(carve_validation(dataset))
    got = {split: rows["n"] for split, rows in namespace["dataset"].items()}
    assert got == {split: rows["n"] for split, rows in expected.items()}
    assert len(got["test"]) == 20 + sum(n - 1000 in got["validation"] for n in range(1000, 1040))  # only train's copies go


NOTEBOOK_02 = Path(__file__).resolve().parents[1] / "notebooks" / "02_sft_smollm2_smoltalk.ipynb"


def notebook_cell(path: Path, marker: str) -> str:
    cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code" and marker in c.source]
    assert len(cells) == 1, f"{len(cells)} cells of {path.name} hold {marker!r}"
    return cells[0]


@pytest.mark.parametrize("max_steps", [400, 2, 37])
def test_notebook_02_spells_out_the_helpers_configuration(monkeypatch, tmp_path, max_steps):
    """Notebook 02 writes every argument out for teaching; they must be those ``sft_config`` gives."""
    monkeypatch.setenv("SFT_PROFILE", "offline")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TENSORBOARD_LOGGING_DIR", "")  # recorded, so that the value the cell sets is undone
    run = course_run("smoltalk", max_steps=max_steps)
    model, _ = load_chat_model(run.model_name, device="cpu")
    namespace = {"run": run, "model": model, "device": "cpu", "precision": "fp32"}
    exec(notebook_cell(NOTEBOOK_02, "config = SFTConfig("), namespace)
    spelled_out = namespace["config"].to_dict()
    helper = sft_config(run, "outputs/02_sft_smollm2_smoltalk", layout_for(model), save_strategy="steps",
                        save_steps=max(max_steps // 2, 1), save_total_limit=2, report_to="tensorboard").to_dict()
    assert {k: v for k, v in spelled_out.items() if spelled_out[k] != helper[k]} == {}


def test_cadence_gives_every_run_the_same_resolution():
    for steps in (160, 400, 1000, 3250):
        c = cadence(steps)
        assert 19 <= steps // c["logging_steps"] <= 20 and 10 <= steps // c["eval_steps"] <= 11
    assert cadence(5) == {"logging_steps": 1, "eval_steps": 5}  # a smoke run: one evaluation, at its end


def test_sft_config_follows_the_layout_and_the_run(monkeypatch):
    monkeypatch.setenv("SFT_PROFILE", "offline")
    run = course_run("smoltalk")
    grouped = sft_config(run, "out", choose_layout("sdpa", "cpu"))
    packed = sft_config(run, "out", choose_layout("flash_attention_2", "cuda"), max_steps=10, learning_rate=1e-4)
    assert (grouped.padding_free, grouped.train_sampling_strategy, grouped.max_length) == (False, "group_by_length", run.max_length)
    assert (packed.padding_free, packed.train_sampling_strategy, packed.max_length) == (True, "random", None)
    assert (packed.max_steps, packed.learning_rate, packed.eval_steps) == (10, 1e-4, 10)
    assert grouped.assistant_only_loss and grouped.report_to in ([], "none", ["none"])


def test_validation_loss_sets_the_display_aside_for_that_call_only(chat_model, monkeypatch):
    from datasets import Dataset
    from transformers.utils.notebook import NotebookProgressCallback
    from trl import SFTTrainer

    shown = []
    monkeypatch.setattr(NotebookProgressCallback, "on_evaluate", lambda self, *args, **kwargs: shown.append("table"))
    model, tokenizer = chat_model
    monkeypatch.setenv("SFT_PROFILE", "offline")
    run = course_run("smoltalk")
    chats = Dataset.from_list([{"messages": [{"role": "user", "content": "Hi!"}, {"role": "assistant", "content": "Hello."}]}])
    trainer = SFTTrainer(model=model, args=sft_config(run, "outputs/test_validation_loss", layout_for(model)),
                         train_dataset=chats, eval_dataset=chats, processing_class=tokenizer)
    trainer.add_callback(NotebookProgressCallback)  # what a Jupyter kernel gets
    loss = validation_loss(trainer)
    assert shown == [] and loss == trainer.evaluate()["eval_loss"]  # the same evaluation, shown only the second time
    assert shown == ["table"]
    assert any(isinstance(c, NotebookProgressCallback) for c in trainer.callback_handler.callbacks)
