"""Four small training runs, each made to show one shape of loss curve.

* ``healthy``: the whole training set, a suitable learning rate.
* ``overfitting``: 16 examples for dozens of epochs; validation loss turns up while training loss falls.
* ``no learning``: a learning rate far too low; the loss hardly moves.
* ``memorisation``: a handful of examples, repeated until the model reproduces them token for token:
  the training loss near zero, the validation loss far above it.

The names are the patterns ``sft_helpers.curves.diagnose`` names. Notebook 04 runs them; the maintainers'
``misc/tools/loss_pattern_figures.py`` runs them too and writes their figures in ``misc/`` and the logs
that the tests of ``diagnose`` read. With the fixed seeds, the offline profile gives the same curves every
time on the same machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from sft_helpers.machinery.profile import CourseRun

# Each run measures its validation loss 11 times; on the first 30 of the 60 validation conversations that
# costs half as much, and the curves keep their shapes (the validation loss of 30 is noisier, not biased).
VALIDATION_CONVERSATIONS = 30


def file_stem(pattern: str) -> str:
    """The pattern's name in file names.

    >>> file_stem("no learning")
    'no_learning'
    """
    return pattern.replace(" ", "_")


def figure_name(pattern: str) -> str:
    """The file that holds the pattern's figure, in the course's ``misc/`` folder (notebook 04 checks all four are there).

    >>> figure_name("memorisation")
    'sft_memorisation.png'
    """
    return f"sft_{file_stem(pattern)}.png"


@dataclass(frozen=True)
class Recipe:
    """How one run is set up to show its pattern."""

    name: str
    what: str
    train_examples: int | None  # None: the whole training split
    learning_rate: float
    max_steps: int
    validate_on_training_data: bool = False  # a leaked validation split: notebook 04's exercise


# The four runs' lengths in each profile, in optimizer steps. Each is as short as its shape allows, since
# notebook 04 trains all four: the healthy run needs about 300 steps offline for its three phases to show,
# overfitting a quarter of the full profile's 1,000 (16 conversations seen dozens of times), memorisation a
# sixth (4 conversations), and a few dozen steps show that nothing moves. They are the four runs' own, not
# notebook 02's: its offline recipe is shorter (``TASKS``), and the four shapes need these lengths.
PATTERN_STEPS: dict[str, dict[str, int]] = {
    "offline": {"healthy": 300, "overfitting": 150, "no learning": 40, "memorisation": 100},
    "full": {"healthy": 500, "overfitting": 250, "no learning": 66, "memorisation": 166},
}


def recipes(run: CourseRun) -> dict[str, Recipe]:
    """The four runs at ``run``'s profile (``PATTERN_STEPS``); a smoke run (``SFT_MAX_STEPS``) shortens them all alike.

    The full profile fine-tunes the pretrained model at 1e-4, twice notebook 02's rate, so that
    overfitting and memorisation show within those steps.

    >>> from sft_helpers.machinery.profile import course_run
    >>> {name: recipe.max_steps for name, recipe in recipes(course_run("smoltalk")).items()}
    {'healthy': 300, 'overfitting': 150, 'no learning': 40, 'memorisation': 100}
    >>> {name: recipe.max_steps for name, recipe in recipes(course_run("smoltalk", max_steps=2)).items()}
    {'healthy': 1, 'overfitting': 1, 'no learning': 1, 'memorisation': 1}
    """
    from sft_helpers.machinery.tasks import TASKS

    lr = run.learning_rate if run.profile == "offline" else 1e-4
    default = TASKS[run.task].scale(run.profile).max_steps  # what a smoke run's steps are a share of

    def steps(name: str) -> int:
        length = PATTERN_STEPS[run.profile][name]
        return max(1, length * run.max_steps // default) if run.smoke_run else length

    return {
        "healthy": Recipe("healthy", "all training conversations, a suitable learning rate", None, lr, steps("healthy")),
        "overfitting": Recipe("overfitting", "only 16 conversations, so each is seen dozens of times", 16, lr,
                              steps("overfitting")),
        "no learning": Recipe("no learning", "a learning rate 10,000 times too small", None, lr / 10_000,
                              steps("no learning")),
        "memorisation": Recipe("memorisation", "4 conversations, repeated until they are known by heart", 4, lr,
                               steps("memorisation")),
    }


def full_profile_estimate(run: CourseRun) -> str:
    """What the four runs cost in the full profile on a Colab T4: an estimate from FLOPs, never a measurement.

    >>> from sft_helpers.machinery.profile import course_run
    >>> print(full_profile_estimate(course_run("smoltalk")))
    full profile on a Colab T4 (estimate from FLOPs, not measured): the four runs take 982 steps at batch 4, about 1-4 min of training
    """
    from sft_helpers.machinery.estimates import t4_minutes
    from sft_helpers.machinery.tasks import TASKS

    full = TASKS[run.task].full
    steps = sum(PATTERN_STEPS["full"].values())
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
    """Train ``run``'s model from scratch following ``recipe``, as notebook 02 trains (``sft_helpers.training``).

    The validation loss is measured before the first step too, and logged at step 0.
    """
    from transformers import set_seed
    from trl import SFTTrainer

    from sft_helpers.batching import layout_for
    from sft_helpers.training import load_chat_model, load_conversations, sft_config, validation_loss

    set_seed(seed)
    model, tokenizer = load_chat_model(run.model_name)
    data, _ = load_conversations(run, tokenizer)  # notebook 02 shows what is dropped; here it only is
    train_set = data["train"].shuffle(seed=seed)
    if recipe.train_examples is not None:
        train_set = train_set.select(range(recipe.train_examples))
    validation = data["validation"].select(range(min(VALIDATION_CONVERSATIONS, len(data["validation"]))))
    eval_set = train_set if recipe.validate_on_training_data else validation
    config = sft_config(run, output_dir, layout_for(model), max_steps=recipe.max_steps, learning_rate=recipe.learning_rate,
                        seed=seed)
    trainer = SFTTrainer(model=model, args=config, train_dataset=train_set, eval_dataset=eval_set, processing_class=tokenizer)
    before = validation_loss(trainer)
    trainer.train()
    # trainer.train() starts a fresh log: put the evaluation before training back, at step 0.
    return PatternRun(recipe, trainer, [{"eval_loss": before, "step": 0}] + trainer.state.log_history, train_set)
