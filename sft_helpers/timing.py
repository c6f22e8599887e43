"""How long will this run take here? Measured on the run itself, after its first few steps.

The course's GPU figures are estimates from FLOPs (``sft_helpers.machinery.estimates``); this is the
measurement that replaces them once training starts. ``RunDuration`` is a ``TrainerCallback``: pass it to
any trainer (``SFTTrainer``, ``Trainer``, ``DPOTrainer``) in ``callbacks=[...]`` and, after a few
optimizer steps, it prints how long one step took on this machine and what the whole run will take at
that pace. The first step is left out (it pays one-time costs: data loading, memory allocation, kernel
choice), and so are evaluations and checkpoints, which happen between steps.

>>> duration = RunDuration(steps=3)
>>> duration.message(seconds_per_step=0.05, max_steps=600)
'measured on this machine: 0.05 s per optimizer step (steps 2 to 4); all 600 steps: about 30 s (evaluations and checkpoints not counted)'
>>> duration.message(seconds_per_step=9.0, max_steps=1000)
'measured on this machine: 9.00 s per optimizer step (steps 2 to 4); all 1,000 steps: about 2.5 hours (evaluations and checkpoints not counted)'
"""

from __future__ import annotations

import time

from transformers import TrainerCallback


def _readable(seconds: float) -> str:
    """``45 s``, ``12 min``, ``2.5 hours``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} hours"


class RunDuration(TrainerCallback):
    """Prints, after ``steps`` optimizer steps (not counting the first), the measured time of the whole run."""

    def __init__(self, steps: int = 3):
        if steps < 1:
            raise ValueError(f"steps must be at least 1, got {steps}")
        self.steps = steps
        self.seconds: list[float] = []  # one per timed step
        self._started: float | None = None

    def message(self, seconds_per_step: float, max_steps: int) -> str:
        return (f"measured on this machine: {seconds_per_step:.2f} s per optimizer step (steps 2 to {self.steps + 1}); "
                f"all {max_steps:,} steps: about {_readable(seconds_per_step * max_steps)} (evaluations and checkpoints not counted)")

    def on_step_begin(self, args, state, control, **kwargs):
        # state.global_step counts the steps already done: 1 here is the second step starting.
        if 1 <= state.global_step <= self.steps:
            self._started = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        # Called before the trainer logs, evaluates or saves: those are not in the step's time.
        if self._started is None:
            return
        self.seconds.append(time.perf_counter() - self._started)
        self._started = None
        if len(self.seconds) == self.steps:
            print(self.message(sum(self.seconds) / self.steps, state.max_steps), flush=True)
