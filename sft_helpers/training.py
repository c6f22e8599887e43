"""The lessons' recipes in one place: the model, the conversations, the ``SFTConfig``, and the runs of
notebooks 02 and 03 step for step.

Notebook 02 spells these steps out for teaching (a test checks that its configuration equals
``sft_config``'s, and ``cached_runs.keep_for_later_notebooks`` that its weights equal
``train_like_notebook_02``'s); notebook 05, the loss-pattern runs of notebook 04, the ``accelerate`` script,
the cached starting points of later notebooks (``sft_helpers.cached_runs``) and the tests take them from
here, so that they cannot drift apart.
"""

from __future__ import annotations

import os
from typing import Any

from sft_helpers.batching import LayoutChoice
from sft_helpers.data import conversation_lengths, drop_problem_records
from sft_helpers.machinery.profile import CourseRun


def cadence(max_steps: int) -> dict[str, int]:
    """How often a run of ``max_steps`` logs its training loss and measures its validation loss.

    About 20 logged losses and 10 evaluations, whatever the length, so that every curve has the same
    resolution; a run under 10 steps (a smoke run) evaluates only at its end, which the trainer always does.

    >>> cadence(400)
    {'logging_steps': 20, 'eval_steps': 40}
    >>> cadence(2)
    {'logging_steps': 1, 'eval_steps': 2}
    """
    return {"logging_steps": max(1, max_steps // 20), "eval_steps": max(max_steps // 10, min(max_steps, 10))}


def sft_config(
    run: CourseRun,
    output_dir: str | os.PathLike,
    layout: LayoutChoice,
    *,
    max_steps: int | None = None,
    learning_rate: float | None = None,
    **overrides: Any,
):
    """The course's ``SFTConfig`` for ``run``: its scale, ``cadence``, the batch ``layout``, this device's precision.

    Learns from the assistant's tokens only; cosine decay after a 5% warm-up; no checkpoints and no
    tracker unless ``overrides`` ask for them (``save_strategy="steps"``, ``report_to="tensorboard"``).

    >>> from sft_helpers.batching import choose_layout
    >>> from sft_helpers.machinery.profile import course_run
    >>> config = sft_config(course_run("smoltalk"), "outputs/example", choose_layout("sdpa"), max_steps=100)
    >>> config.max_steps, config.logging_steps, config.eval_steps, config.train_sampling_strategy, config.padding_free
    (100, 5, 10, 'group_by_length', False)
    """
    from trl import SFTConfig

    from sft_helpers.machinery.device import precision_kwargs

    steps = run.max_steps if max_steps is None else max_steps
    args: dict[str, Any] = dict(
        output_dir=str(output_dir),
        max_steps=steps,
        per_device_train_batch_size=run.batch_size,
        learning_rate=run.learning_rate if learning_rate is None else learning_rate,
        lr_scheduler_type="cosine",
        warmup_steps=0.05,  # below 1: a fraction of the steps
        eval_strategy="steps",
        **cadence(steps),
        save_strategy="no",
        assistant_only_loss=True,
        activation_checkpointing=False,  # a 135M model fits without recomputing activations
        report_to="none",
        seed=42,
        **layout.sft_args(run.max_length),
        **precision_kwargs(),
    )
    args.update(overrides)
    return SFTConfig(**args)


def load_chat_model(model_name: str | os.PathLike, device: str | None = None):
    """Model and tokenizer of ``model_name`` in float32, with the course's ChatML template and end-of-turn token.

    Float32 whatever the device: on a GPU the trainer's mixed precision computes in bf16 or fp16 and
    keeps these weights for the updates, so that small updates are not rounded away.

    >>> from sft_helpers.machinery.standins import standin_path
    >>> model, tokenizer = load_chat_model(standin_path("tiny-smollm2"), "cpu")
    >>> model.dtype, model.generation_config.eos_token_id == tokenizer.convert_tokens_to_ids("<|im_end|>")
    (torch.float32, True)
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from sft_helpers.data import setup_chatml
    from sft_helpers.machinery.device import detect_device

    tokenizer = AutoTokenizer.from_pretrained(model_name)
    model = AutoModelForCausalLM.from_pretrained(model_name, dtype=torch.float32).to(device or detect_device())
    setup_chatml(tokenizer, model)
    return model, tokenizer


def carve_validation(dataset, seed: int = 42):
    """``dataset`` with a ``validation`` split carved from its ``train`` split: a tenth of it, at most 500.

    Two jobs need held-out data, and they need different data. Choosing (the checkpoint with the lowest
    validation loss, a learning rate, a run) looks at the validation split; a set that was used to choose
    is no longer unseen, so the final before/after figures come from the ``test`` split, which nothing
    uses to choose.

    >>> from datasets import Dataset, DatasetDict
    >>> rows = Dataset.from_list([{"n": i} for i in range(600)])
    >>> {split: len(rows) for split, rows in carve_validation(DatasetDict(train=rows, test=rows.select(range(60)))).items()}
    {'train': 540, 'validation': 60, 'test': 60}
    """
    from datasets import DatasetDict

    from sft_helpers.machinery.tasks import held_out_count

    carved = dataset["train"].train_test_split(test_size=held_out_count(len(dataset["train"])), seed=seed)
    rest = {split: rows for split, rows in dataset.items() if split not in ("train", "validation")}
    return DatasetDict(train=carved["train"], validation=carved["test"], **rest)


def load_conversations(run: CourseRun, chat_tokenizer, max_length: int | None = None):
    """The run's conversations without unusable records or conversations over ``max_length`` tokens, in
    three splits: ``train``, a ``validation`` split carved from it (``carve_validation``) and ``test``.

    ``chat_tokenizer`` must already have the chat template (``setup_chatml``), so that lengths are those
    the trainer will see. Returns the ``DatasetDict`` and lines saying, per split, what was dropped and why:
    a conversation cut to fit would lose its last reply and the ``<|im_end|>`` that teaches the model to
    stop (and padding-free batches are never cut at all), so one that does not fit is dropped whole.

    >>> from sft_helpers.machinery.profile import course_run
    >>> run = course_run("smoltalk")  # the tests run the offline profile: the bundled conversations
    >>> _, tokenizer = load_chat_model(run.model_name, "cpu")
    >>> dataset, lines = load_conversations(run, tokenizer, max_length=80)  # too short, to show the drop
    >>> print("\\n".join(lines[:2] + lines[4:]))  # the bundled held-out splits share no prompt with train
    train: 600 records checked, no problems
    train: 215 of 600 longer than 80 tokens dropped
    validation: 38 of the 385 training conversations carved from train
    validation: 0 of 38 held-out records share a prompt with training (exact 0, near-duplicate 0)
    test: 0 of 47 held-out records share a prompt with training (exact 0, near-duplicate 0)
    """
    from datasets import load_dataset

    from sft_helpers.decontamination import decontaminate

    max_length = run.max_length if max_length is None else max_length
    dataset = load_dataset(run.dataset_path, run.dataset_config, data_files=run.data_files)
    lines = []
    for split in dataset:
        dataset[split], problems = drop_problem_records(dataset[split], "conversations")
        lengths = conversation_lengths(dataset[split], chat_tokenizer)
        keep = [i for i, n in enumerate(lengths) if n <= max_length]
        lines.append(f"{split}: {problems}")
        lines.append(f"{split}: {len(lengths) - len(keep)} of {len(lengths)} longer than {max_length} tokens dropped")
        dataset[split] = dataset[split].select(keep)
    kept = len(dataset["train"])
    dataset = carve_validation(dataset)
    lines.append(f"validation: {len(dataset['validation'])} of the {kept} training conversations carved from train")
    dataset, dropped = decontaminate(dataset)  # held out means held out: no prompt shared with train
    return dataset, lines + dropped


def validation_loss(trainer, dataset=None) -> float:
    """``trainer.evaluate(dataset)["eval_loss"]``, without what the trainer shows for an evaluation outside training.

    ``dataset`` defaults to the trainer's ``eval_dataset``; pass the test split for a final figure.

    In a notebook, transformers' ``NotebookProgressCallback`` draws a progress bar and a one-row table
    ("Training Loss: No log") for every ``evaluate()`` called on its own, such as the measurement before
    the first step; elsewhere a progress bar or the printed metrics. Those display callbacks are set aside
    for that call only; the evaluation itself is unchanged, and training is shown as usual.

    >>> from datasets import Dataset
    >>> from trl import SFTTrainer
    >>> from sft_helpers.batching import layout_for
    >>> from sft_helpers.machinery.profile import course_run
    >>> run = course_run("smoltalk")
    >>> model, tokenizer = load_chat_model(run.model_name, "cpu")
    >>> chats = Dataset.from_list([{"messages": [{"role": "user", "content": "Hi!"}, {"role": "assistant", "content": "Hello."}]}])
    >>> trainer = SFTTrainer(model=model, args=sft_config(run, "outputs/example", layout_for(model), disable_tqdm=True),
    ...                      train_dataset=chats, eval_dataset=chats, processing_class=tokenizer)
    >>> 6.0 < validation_loss(trainer) < 8.0  # untrained: about ln(1024), a uniform guess over the vocabulary
    True
    """
    from transformers import PrinterCallback, ProgressCallback
    from transformers.utils.notebook import NotebookProgressCallback

    shown = [trainer.pop_callback(kind) for kind in (NotebookProgressCallback, ProgressCallback, PrinterCallback)]
    try:
        return trainer.evaluate(dataset)["eval_loss"]
    finally:
        for callback in shown:
            if callback is not None:
                trainer.add_callback(callback)


def lora_base(run: CourseRun) -> str:
    """The model notebook 05 adapts with LoRA: the run's model, or, for the random stand-in, the stand-in
    after a short plain-text pretraining (``standins.pretrained_standin_path``).

    LoRA steers what a model already knows; from random weights there is nothing to steer.

    >>> from sft_helpers.machinery.profile import course_run
    >>> lora_base(course_run("smoltalk")).split("/")[-1].startswith("tiny-smollm2-pretrained-")  # offline
    True
    """
    from sft_helpers.machinery import standins
    from sft_helpers.machinery.tasks import TASKS

    standin = TASKS[run.task].standin
    if run.model_name == str(standins.standin_path(standin)):
        return str(standins.pretrained_standin_path(standin))
    return run.model_name


def train_like_notebook_02(run: CourseRun, output_dir: str | os.PathLike, *, max_steps: int | None = None, **overrides: Any):
    """Notebook 02's run for ``run``, step for step; returns the trained ``SFTTrainer``.

    The same model, data, ``sft_config`` (validation on the carved split included) and seed, and the two
    losses notebook 02 measures before training. Those are not for show: every evaluation's data loader
    draws a seed from torch's global generator, and with batches grouped by length (the layout on a CPU,
    MPS or a T4) every epoch's order is drawn from it too, so a run without them would be another run of
    the recipe. (With random sampling, the padding-free layout, accelerate seeds each epoch's order on its
    own and they change nothing.) On the same machine the weights equal notebook
    02's bit for bit (``keep_for_later_notebooks`` checks it whenever both exist). ``overrides`` go to
    ``sft_config`` (checkpoints, say); ``max_steps`` shortens the run, which then differs from 02's.
    """
    from transformers import set_seed
    from trl import SFTTrainer

    from sft_helpers.batching import layout_for

    set_seed(42)
    model, tokenizer = load_chat_model(run.model_name)
    dataset, _ = load_conversations(run, tokenizer)
    config = sft_config(run, output_dir, layout_for(model), max_steps=max_steps, **overrides)
    trainer = SFTTrainer(model=model, args=config, train_dataset=dataset["train"], eval_dataset=dataset["validation"],
                         processing_class=tokenizer)
    validation_loss(trainer)  # notebook 02's loss before training, on the validation split
    validation_loss(trainer, dataset["test"])  # and on the test split
    trainer.train()
    return trainer


def carve_held_out(records, seed: int = 42):
    """``records`` (a ``datasets.Dataset``) in three splits, as notebook 03 carves them: ``test`` and ``validation``
    each ``held_out_count(len(records))`` records drawn with ``seed``, ``train`` the rest; then each held-out
    split without the records that share a prompt with train (``decontamination.decontaminate``).

    Returns the ``DatasetDict`` and a line per held-out split saying what was dropped.

    >>> from datasets import Dataset
    >>> rows = Dataset.from_list([{"instruction": f"Say {i}.", "input": ""} for i in range(600)])
    >>> splits, lines = carve_held_out(rows)
    >>> {split: len(rows) for split, rows in splits.items()}
    {'train': 480, 'validation': 60, 'test': 60}
    """
    from datasets import DatasetDict

    from sft_helpers.decontamination import decontaminate
    from sft_helpers.machinery.tasks import held_out_count

    n = held_out_count(len(records))
    carved = records.train_test_split(test_size=2 * n, seed=seed)
    held_out = carved["test"].train_test_split(test_size=n, seed=seed)
    return decontaminate(DatasetDict(train=carved["train"], validation=held_out["train"], test=held_out["test"]))


def alpaca_splits(run: CourseRun):
    """Notebook 03's records without the unusable ones, split as notebook 03 splits them (``carve_held_out``):
    ``train``, ``validation`` and ``test``.

    >>> from sft_helpers.machinery.profile import course_run
    >>> {split: len(rows) for split, rows in alpaca_splits(course_run("alpaca")).items()}  # the bundled set
    {'train': 480, 'validation': 60, 'test': 60}
    """
    from datasets import load_dataset

    from sft_helpers.data import drop_problem_records

    alpaca, _ = drop_problem_records(load_dataset(run.dataset_path, run.dataset_config, data_files=run.data_files)["train"],
                                     "instructions")
    return carve_held_out(alpaca)[0]


def train_like_notebook_03(run: CourseRun, output_dir: str | os.PathLike, *, max_steps: int | None = None):
    """Notebook 03's run for ``run`` (an ``alpaca`` run), step for step; returns the trained ``Trainer``.

    The same model, masked data, collator, ``TrainingArguments`` and seed, and the validation and test losses
    measured before training, which draws from torch's random generator as notebook 03's does (see
    ``train_like_notebook_02``); without TensorBoard, which draws nothing.
    """
    import torch
    from transformers import (
        AutoModelForCausalLM,
        AutoTokenizer,
        DataCollatorForSeq2Seq,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    from sft_helpers.machinery.device import detect_device, precision_kwargs
    from sft_helpers.masking import build_masked_dataset

    steps = run.max_steps if max_steps is None else max_steps
    set_seed(42)
    tokenizer = AutoTokenizer.from_pretrained(run.model_name)
    model = AutoModelForCausalLM.from_pretrained(run.model_name, dtype=torch.float32).to(detect_device())
    model.loss_type = "ForCausalLM"
    splits = alpaca_splits(run)
    train_set, _ = build_masked_dataset(splits["train"], tokenizer, run.max_length)
    val_set, _ = build_masked_dataset(splits["validation"], tokenizer, run.max_length)
    test_set, _ = build_masked_dataset(splits["test"], tokenizer, run.max_length)
    tokenizer.pad_token = tokenizer.eos_token
    args = TrainingArguments(
        output_dir=str(output_dir), max_steps=steps, per_device_train_batch_size=run.batch_size,
        per_device_eval_batch_size=run.batch_size, learning_rate=run.learning_rate, lr_scheduler_type="cosine",
        warmup_steps=0.05, train_sampling_strategy="group_by_length", eval_strategy="steps", **cadence(steps),
        save_strategy="no", report_to="none", seed=42, **precision_kwargs(),
    )
    trainer = Trainer(model=model, args=args, train_dataset=train_set, eval_dataset=val_set,
                      data_collator=DataCollatorForSeq2Seq(tokenizer, label_pad_token_id=-100))
    validation_loss(trainer)  # notebook 03's losses before training
    validation_loss(trainer, test_set)
    trainer.train()
    return trainer


