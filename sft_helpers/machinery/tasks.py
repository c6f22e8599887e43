"""The course's two fine-tuning tasks: where each one's model and data come from, and its scale in each profile.

``profile.course_run`` picks one of them for a notebook; ``estimates`` prices their full profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Profile = Literal["full", "offline"]


@dataclass(frozen=True)
class Scale:
    """How big a run is in one profile: steps, batch, step size, lengths."""

    max_steps: int
    batch_size: int
    learning_rate: float
    max_length: int  # training tokens per example
    max_new_tokens: int  # generation budget per reply when measuring the model


@dataclass(frozen=True)
class Task:
    """One fine-tuning task of the course: where its model and data come from, and its scale per profile."""

    hub_model: str
    standin: str
    hub_dataset: str
    hub_dataset_config: str | None
    bundled: str
    full: Scale
    offline: Scale

    def scale(self, profile: Profile) -> Scale:
        return self.full if profile == "full" else self.offline


TASKS: dict[str, Task] = {
    # Full: the first tutorial's scale, 1,000 steps at batch 4 and learning rate 5e-5, which suits a
    # pretrained 135M model; real everyday-conversation replies run to 150 tokens, hence the budget.
    # Offline: a randomly initialised ~1M-parameter model needs a far higher learning rate. 400 steps at
    # batch 4 (about 3 epochs of the 540 training conversations) keep notebook 02 within its minute on one
    # core; measured 2026-12-07 on the stand-in (seed 42): validation loss 0.66, every reply ended, 0.78 of
    # the checkable ones in the asked form, against 0.56, 1.00 and 1.00 after 600 steps (23.6 s of training
    # against 16.5 s) and 0.73, 1.00 and 0.52 after 300. Batch 4 reached the original tutorial's loss sooner
    # than batch 8 (misc/benchmark.md). Its replies are short.
    "smoltalk": Task(
        hub_model="HuggingFaceTB/SmolLM2-135M", standin="tiny-smollm2",
        hub_dataset="HuggingFaceTB/smoltalk", hub_dataset_config="everyday-conversations", bundled="conversations",
        full=Scale(max_steps=1000, batch_size=4, learning_rate=5e-5, max_length=1024, max_new_tokens=256),
        offline=Scale(max_steps=400, batch_size=4, learning_rate=3e-3, max_length=512, max_new_tokens=48),
    ),
    # Full: about one epoch of Alpaca's 52,002 records at batch 16; an example fits in 256 tokens, so a
    # reply gets at most about 200. Offline: the tiny GPT-2 learns to use its prompt only with larger
    # batches (batch 8 stalls). 300 steps at 32 (about 20 epochs) keep notebook 03 within its minute;
    # measured 2026-12-08 on the 96-wide stand-in: validation loss on response tokens 6.96 -> 4.53, 0.64
    # of the new questions of a taught kind in the asked form and 0.12 exactly right (parity guesses),
    # against 4.31, 0.75 and 0.14 on the 128-wide stand-in it replaced, whose training took 30% longer.
    "alpaca": Task(
        hub_model="distilgpt2", standin="tiny-gpt2",
        hub_dataset="tatsu-lab/alpaca", hub_dataset_config=None, bundled="instructions",
        full=Scale(max_steps=3250, batch_size=16, learning_rate=5e-5, max_length=256, max_new_tokens=192),
        offline=Scale(max_steps=300, batch_size=32, learning_rate=3e-3, max_length=256, max_new_tokens=48),
    ),
}


def held_out_count(records: int) -> int:
    """How many records to hold out of a split: a tenth, at most 500 (notebook 03's test split, every validation split).

    >>> held_out_count(600), held_out_count(52_002)  # the bundled instructions, Alpaca
    (60, 500)
    """
    return min(500, records // 10)
