"""One home for the course's SmolLM2 fine-tunes: the model, the conversations, and the ``SFTConfig``.

Notebook 02 spells these steps out for teaching (a test checks that its configuration equals
``sft_config``'s, and ``keep_for_later_notebooks`` that its weights equal ``train_like_notebook_02``'s);
notebook 05, the loss-pattern runs of notebook 04, the starting point of solutions 02, notebook 07 and its solutions
(``sft_checkpoint``), the ``accelerate`` script and the tests take them from here, so that they cannot
drift apart.
"""

from __future__ import annotations

import os
from typing import Any

from sft_helpers.batching import LayoutChoice
from sft_helpers.machinery.profile import CourseRun
from sft_helpers.validation import conversation_lengths, drop_problem_records


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

    from sft_helpers.device import precision_kwargs

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

    from sft_helpers.chat import setup_chatml
    from sft_helpers.device import detect_device

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

    from sft_helpers.machinery.profile import held_out_count

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
    from sft_helpers.machinery.profile import TASKS

    standin = TASKS[run.task].standin
    if run.model_name == str(standins.standin_path(standin)):
        return str(standins.pretrained_standin_path(standin))
    return run.model_name


NOTEBOOK_02_MODEL = "outputs/02_sft_smollm2_smoltalk/final"  # where notebook 02 saves its fine-tune


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


def _recipe_cache(run: CourseRun, make):
    """The cache folder of the run's lesson model on the offline stand-in (notebook 02's, or 03's for
    Alpaca), made by ``make(folder)`` if absent.

    Keyed by the source of the code that trains it and the run's scale: a change to either trains anew.
    """
    import inspect

    from sft_helpers.machinery import standins
    from sft_helpers.machinery.profile import TASKS

    if run.task == "alpaca":
        label, functions = "tiny-gpt2-masked", (train_like_notebook_03, alpaca_splits)
    else:
        label, functions = "tiny-smollm2-sft", (train_like_notebook_02, sft_config, load_conversations, load_chat_model)
    recipe = "".join(inspect.getsource(f) for f in functions) + repr((run.max_steps, run.batch_size, run.learning_rate))
    return standins.cached_model(label, recipe, make, standin=TASKS[run.task].standin)


def _is_offline_recipe(run: CourseRun) -> bool:
    from sft_helpers.machinery import standins
    from sft_helpers.machinery.profile import TASKS

    return run.model_name == str(standins.standin_path(TASKS[run.task].standin)) and not run.smoke_run


def _save_recipe(folder, source, *, cached: bool = True) -> None:
    """Into ``folder``: the model of ``source`` (a trainer, or a saved folder) and, from a trainer, its log
    history (``log_history.json``); for the cache, its marker last."""
    import json
    import shutil
    from pathlib import Path

    folder = Path(folder)
    if isinstance(source, (str, os.PathLike)):
        for file in Path(source).iterdir():
            if file.is_file() and file.name != "README.md":  # not notebook 02's model card: its figures are 02's
                shutil.copy2(file, folder / file.name)
    else:
        source.save_model(str(folder))
        (folder / "log_history.json").write_text(json.dumps(source.state.log_history))
    if cached:
        (folder / "STANDIN.json").write_text(json.dumps({"name": folder.name, "recipe": "the lesson's run"}))


def _train_into(folder, train, *, cached: bool = True) -> None:
    """``train(output_dir)`` (a ``train_like_notebook_*`` call), its model saved in ``folder`` and its own
    output folder removed."""
    import shutil
    from pathlib import Path

    trainer = train(Path(folder) / "run")
    _save_recipe(folder, trainer, cached=cached)
    shutil.rmtree(Path(folder) / "run", ignore_errors=True)


def keep_for_later_notebooks(run: CourseRun, trained) -> str:
    """Leave a lesson's trained model where later notebooks look for it; say where.

    ``trained`` is notebook 02's saved folder (solutions 02, notebook 07 and its solutions start from it:
    ``sft_checkpoint``), or notebook 03's trainer (its solutions compare with its run: ``notebook_03_run``).
    Offline, the course keeps one copy of each in its cache, trained by whichever notebook asks first. If
    this run goes there, no other notebook trains it again; if another notebook trained it first, this run
    must have given the same weights, which is checked here (a mismatch means that the lesson and
    ``train_like_notebook_02`` or ``train_like_notebook_03`` no longer run the same recipe). The line it
    returns is the same either way. Nothing is cached in the full profile, where notebook 07 loads
    notebook 02's saved folder and solutions 03 trains notebook 03's run again, nor for a shortened run
    (``SFT_MAX_STEPS``), which no later notebook uses.
    """
    import shutil
    import tempfile
    from pathlib import Path

    if not _is_offline_recipe(run):
        if run.smoke_run:
            return "a shortened run (SFT_MAX_STEPS): no later notebook uses it"
        if run.task == "alpaca":
            return "its solutions train this run again, in their own folder"
        return f"notebook 07 and the solutions of 02 and 07 start from this model: {trained}"
    later = "its solutions compare with this run" if run.task == "alpaca" else "notebook 07 and the solutions of 02 and 07 start from this model"
    from safetensors.torch import load_file

    cached = _recipe_cache(run, lambda staging: _save_recipe(staging, trained))
    if isinstance(trained, (str, os.PathLike)):
        mine = load_file(Path(trained) / "model.safetensors")
    else:
        folder = Path(tempfile.mkdtemp(prefix="lesson-run-"))
        trained.save_model(str(folder))
        mine = load_file(folder / "model.safetensors")
        shutil.rmtree(folder, ignore_errors=True)
    theirs = load_file(cached / "model.safetensors")
    differ = sorted(name for name in mine if name not in theirs or not mine[name].equal(theirs[name]))
    if differ or mine.keys() != theirs.keys():
        raise RuntimeError(f"the lesson's model differs from the course cache's copy of its recipe ({cached}) in "
                           f"{len(differ)} tensors, {differ[:3]}...: the lesson and its train_like_notebook_* function "
                           "have drifted apart")
    return f"{later}: the course cache holds these weights (stored now, or checked bit for bit against the copy another notebook trained)"


def sft_checkpoint(run: CourseRun, output_dir: str | os.PathLike = "outputs/07_preference_tuning_dpo/sft") -> tuple[str, str]:
    """The folder of an SFT model to tune further (notebook 07's DPO starts here), and where it came from.

    * Offline: notebook 02's model on the stand-in, from the course's cache: saved there by notebook 02
      (``keep_for_later_notebooks``) or, if another notebook asks first, trained there by
      ``train_like_notebook_02`` (the same weights). Solutions 02, notebook 07 and solutions 07 all start
      from that one copy, whichever of them runs first. A shortened run (``SFT_MAX_STEPS``) is trained
      into ``output_dir`` instead, as in the full profile.
    * Full profile: notebook 02's saved model (``NOTEBOOK_02_MODEL``, looked for from ``notebooks/`` and
      from ``notebooks/solutions/``) if you ran notebook 02, for however many steps you ran it; otherwise its recipe, trained now and saved in
      ``output_dir``, which the next run reuses if it was trained for as many steps.

    A folder, because without ``precompute_ref_log_probs`` or a LoRA adapter TRL's ``DPOTrainer`` loads
    its reference model from the policy's ``config._name_or_path``.
    """
    import json
    from pathlib import Path

    if _is_offline_recipe(run):
        folder = _recipe_cache(run, lambda staging: _train_into(staging, lambda out: train_like_notebook_02(run, out)))
        return str(folder), "notebook 02's model on the stand-in: trained once, by whichever notebook came first, and cached"
    if run.profile == "full":
        for saved in (Path(NOTEBOOK_02_MODEL), Path("..") / NOTEBOOK_02_MODEL):  # from notebooks/ or notebooks/solutions/
            if (saved / "model.safetensors").exists():
                return str(saved), f"notebook 02's saved model ({saved})"
    marker = Path(output_dir) / "SFT_RECIPE.json"
    recipe = {"model": run.model_name, "steps": run.max_steps, "batch_size": run.batch_size}
    if marker.exists() and json.loads(marker.read_text()) == recipe:
        return str(output_dir), f"notebook 02's recipe, trained earlier ({run.max_steps} steps) and kept in {output_dir}"
    _train_into(output_dir, lambda out: train_like_notebook_02(run, out), cached=False)
    marker.write_text(json.dumps(recipe))
    return str(output_dir), f"notebook 02's recipe, trained now ({run.max_steps} steps) and saved in {output_dir}"


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
    from sft_helpers.machinery.profile import held_out_count

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

    from sft_helpers.validation import drop_problem_records

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
    from transformers import AutoModelForCausalLM, AutoTokenizer, DataCollatorForSeq2Seq, Trainer, TrainingArguments, set_seed

    from sft_helpers.device import detect_device, precision_kwargs
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


def notebook_03_run(run: CourseRun, output_dir: str | os.PathLike = "outputs/03_solutions/masked") -> tuple[str, list[dict], str]:
    """Notebook 03's trained model (a folder), its log history (the validation losses during training), and
    where they came from.

    Offline, the course cache's copy (saved there by notebook 03, or trained there on first use by
    ``train_like_notebook_03``: the same weights); in the full profile, and for a shortened run
    (``SFT_MAX_STEPS``), its run trained now in ``output_dir``.
    """
    import json
    from pathlib import Path

    if _is_offline_recipe(run):
        folder = _recipe_cache(run, lambda staging: _train_into(staging, lambda out: train_like_notebook_03(run, out)))
        where = "notebook 03's run on the stand-in: trained once, by whichever notebook came first, and cached"
    else:
        folder = Path(output_dir)
        _train_into(folder, lambda out: train_like_notebook_03(run, out), cached=False)
        where = f"notebook 03's run, trained now ({run.max_steps} steps) and saved in {folder}"
    return str(folder), json.loads((Path(folder) / "log_history.json").read_text()), where
