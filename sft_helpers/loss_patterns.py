"""Four small training runs, each made to show one shape of loss curve.

* ``healthy``: the whole training set, a suitable learning rate.
* ``overfitting``: a few dozen examples for many epochs; validation loss turns up while training loss falls.
* ``no_learning``: a learning rate far too low; the loss hardly moves.
* ``memorisation``: a handful of examples, repeated until the training loss is near zero, and a
  validation set drawn from those same examples (a leaked split), so the validation loss cannot warn.

Notebook 04 runs them; ``python -m sft_helpers.loss_patterns`` runs them too and writes the figures
in ``misc/`` and the logs that the unit tests of ``sft_helpers.diagnosis`` read. With the fixed
seeds, the offline profile gives the same curves every time on the same machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .profile import CourseRun

# The course's misc/ folder, found from the package rather than the working directory, which differs
# between JupyterLab (notebooks/), Colab and the tests.
MISC_DIR = Path(__file__).resolve().parent.parent / "misc"

FIGURE_NAMES = {
    "healthy": "sft_perfect_convergence.png",
    "overfitting": "sft_bad_validation.png",
    "no_learning": "sft_no_learning.png",
    "memorisation": "sft_memorization.png",
}


@dataclass(frozen=True)
class Recipe:
    """How one run is set up to show its pattern."""

    name: str
    what: str
    train_examples: int | None  # None: the whole training split
    learning_rate: float
    max_steps: int
    validate_on_training_data: bool = False  # a leaked validation split


def recipes(run: CourseRun) -> dict[str, Recipe]:
    """The four runs, scaled from ``run.max_steps`` (so ``SFT_MAX_STEPS`` shortens them all for a smoke run).

    The healthy run trains as long as notebook 02, so that its replies are worth comparing; the others
    need only three fifths of that to show their shape. Offline that is 400 and 240 steps, seconds each
    on a CPU. The full profile fine-tunes the pretrained model at 1e-4, twice notebook 02's rate, so
    that overfitting and memorisation show within those steps.
    """
    lr = run.learning_rate if run.profile == "offline" else 1e-4
    steps = max(1, run.max_steps * 3 // 5)
    return {
        "healthy": Recipe("healthy", "all training conversations, a suitable learning rate", None, lr, run.max_steps),
        "overfitting": Recipe("overfitting", "only 32 conversations, so each is seen dozens of times", 32, lr, steps),
        "no_learning": Recipe("no_learning", "a learning rate 10,000 times too small", None, lr / 10_000, max(1, steps // 2)),
        "memorisation": Recipe(
            "memorisation", "4 conversations, validated on themselves", 4, lr, steps, validate_on_training_data=True
        ),
    }


def full_profile_estimate(run: CourseRun) -> str:
    """What the four runs cost in the full profile on a Colab T4: an estimate from FLOPs, never a measurement."""
    from .estimates import t4_minutes
    from .profile import TASKS

    full = TASKS[run.task].full
    steps = sum(r.max_steps for r in recipes(dataclasses.replace(run, profile="full", max_steps=full.max_steps)).values())
    fast, slow = t4_minutes(run.task, steps, full.batch_size)
    return (
        f"full profile on a Colab T4 (estimate from FLOPs, not measured): the four runs take {steps:,} steps "
        f"at batch {full.batch_size}, about {max(1, round(fast))}-{max(1, round(slow))} min of training"
    )


@dataclass
class PatternRun:
    """A finished run: its trainer (model and tokenizer), its log history, and the data it trained on."""

    recipe: Recipe
    trainer: Any
    history: list[dict[str, Any]]
    train_set: Any


def train(run: CourseRun, recipe: Recipe, output_dir: str | os.PathLike, seed: int = 42) -> PatternRun:
    """Train ``run``'s model from scratch following ``recipe``.

    The validation loss is measured before the first step too, and logged at step 0.
    """
    import torch
    from datasets import load_dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer, set_seed
    from trl import SFTConfig, SFTTrainer

    from .chat import setup_chatml
    from .device import precision_kwargs
    from .validation import drop_problem_records

    set_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(run.model_name)
    model = AutoModelForCausalLM.from_pretrained(run.model_name, dtype=torch.float32)
    setup_chatml(tokenizer, model)
    data = load_dataset(run.dataset_path, run.dataset_config, data_files=run.data_files)
    # Real data may hold a few unusable records; notebook 02 shows them, here they are only dropped.
    train_set = drop_problem_records(data["train"], "conversations")[0].shuffle(seed=seed)
    if recipe.train_examples is not None:
        train_set = train_set.select(range(recipe.train_examples))
    test_set = drop_problem_records(data["test"], "conversations")[0]
    eval_set = train_set if recipe.validate_on_training_data else test_set.select(range(min(60, len(test_set))))
    config = SFTConfig(
        output_dir=str(output_dir),
        max_steps=recipe.max_steps,
        per_device_train_batch_size=run.batch_size,
        learning_rate=recipe.learning_rate,
        lr_scheduler_type="cosine",
        warmup_steps=0.05,
        logging_steps=max(recipe.max_steps // 24, 1),
        eval_strategy="steps",
        eval_steps=max(recipe.max_steps // 12, 1),
        save_strategy="no",
        assistant_only_loss=True,
        max_length=run.max_length,
        activation_checkpointing=False,
        report_to="none",
        seed=seed,
        **precision_kwargs(),
    )
    trainer = SFTTrainer(model=model, args=config, train_dataset=train_set, eval_dataset=eval_set, processing_class=tokenizer)
    before = trainer.evaluate()["eval_loss"]
    trainer.train()
    # trainer.train() starts a fresh log: put the evaluation before training back, at step 0.
    return PatternRun(recipe, trainer, [{"eval_loss": before, "step": 0}] + trainer.state.log_history, train_set)


TIMING_KEYS = ("runtime", "per_second", "preparation_time")


def without_timings(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The log history less its wall-clock figures, so that a rerun writes the same file."""
    return [{k: v for k, v in row.items() if not any(t in k for t in TIMING_KEYS)} for row in history]


def main(argv: list[str] | None = None) -> None:
    """Run the four patterns, write the figures and the logs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", default="misc", help="folder for the four PNG figures")
    parser.add_argument("--logs", default="tests/data/loss_patterns", help="folder for the four log histories (JSON)")
    parser.add_argument("--work", default="outputs/loss_patterns", help="folder for the runs' outputs")
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    from .diagnosis import diagnose
    from .plotting import plot_training
    from .profile import course_run

    run = course_run("smoltalk")
    print(run.summary())
    for name, recipe in recipes(run).items():
        history = train(run, recipe, Path(args.work) / name).history
        Path(args.logs).mkdir(parents=True, exist_ok=True)
        Path(args.figures).mkdir(parents=True, exist_ok=True)
        (Path(args.logs) / f"{name}.json").write_text(json.dumps(without_timings(history), indent=1) + "\n")
        figure = Path(args.figures) / FIGURE_NAMES[name]
        plot_training(history, title=f"{name.replace('_', ' ')}: {recipe.what}", save_to=figure)
        print(f"{name}: {diagnose(history).pattern}; wrote {figure}")


if __name__ == "__main__":
    main()
