"""Name the shape of a training run's loss curves, with the numbers behind it and what to do.

The rules, in order (the first that matches wins):

1. **inconclusive**: fewer than ``MIN_POINTS`` training-loss points.
2. **diverged**: a NaN or infinite training loss.
3. **no learning**: the training loss fell by less than ``NO_LEARNING_IMPROVEMENT`` of its start.
4. **memorisation**: the training loss ended below ``MEMORISATION_LOSS``, near zero: the model
   reproduces its training replies token for token. (A validation loss as low as that points to
   validation data leaked from training, which hides how the model does on new conversations.)
5. **overfitting**: the validation loss rose clearly above its minimum, or fell far more slowly than
   the training loss.
6. **healthy**: none of the above.

Memorisation is the far end of overfitting; it comes first because its remedy starts elsewhere (the
data's size and variety), and because a leaked validation set can hide the overfitting signs.

Losses are averaged over the first and last tenth of the points, so one noisy step does not decide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sft_helpers.logs import Curves, LogSource, read_curves

MIN_POINTS = 3
NO_LEARNING_IMPROVEMENT = 0.10  # relative fall of the training loss
VALIDATION_RISE = 0.05  # relative rise of the validation loss above its minimum...
VALIDATION_RISE_ABSOLUTE = 0.02  # ...and by at least this much, so noise near zero does not count
SLOW_VALIDATION = 0.5  # validation improved by less than this share of the training improvement
MEMORISATION_LOSS = 0.05

ACTIONS = {
    "healthy": [
        "Keep the settings; compare checkpoints by validation loss and by generations, not by training loss.",
        "If the curves are still falling at the end, train longer; if they are flat, you can train less.",
    ],
    "overfitting": [
        "Stop earlier: fewer epochs, or keep the checkpoint with the lowest validation loss (load_best_model_at_end).",
        "Get more, and more varied, training data.",
        "Lower the learning rate, or regularise (weight decay, dropout, a LoRA adapter instead of full fine-tuning).",
    ],
    "no learning": [
        "Raise the learning rate (a pretrained model fine-tunes at about 1e-5 to 1e-4), and check the warm-up ends.",
        "Check the labels: if nearly all are -100 there is nothing to learn.",
        "Check the gradient norm: near zero means frozen parameters or a broken graph.",
    ],
    "memorisation": [
        "Check generations: replies recited from training word for word (parroted_share) confirm it; low diversity may, but recited replies spliced together can be varied.",
        "Use more, and more varied, data; train fewer epochs, or at a lower learning rate.",
        "If the validation loss is as low as the training loss, look for validation examples that also appear in training.",
    ],
    "diverged": [
        "Lower the learning rate, lengthen the warm-up, and keep gradient clipping on (max_grad_norm).",
        "With fp16, switch to bf16 where the device supports it; look for broken records.",
    ],
    "inconclusive": [
        "Log more often (logging_steps) or train longer, and add a validation split with eval_strategy='steps'.",
    ],
}


@dataclass(frozen=True)
class Diagnosis:
    pattern: str
    reason: str
    evidence: dict[str, float] = field(default_factory=dict)

    @property
    def actions(self) -> list[str]:
        return ACTIONS[self.pattern]

    def __str__(self) -> str:
        lines = [f"diagnosis: {self.pattern}: {self.reason}"]
        lines += [f"  {key}: {value:.4g}" for key, value in self.evidence.items()]
        lines += ["what to do:"] + [f"  - {action}" for action in self.actions]
        return "\n".join(lines)


def _ends(values: list[float]) -> tuple[float, float]:
    k = max(1, len(values) // 10)
    return sum(values[:k]) / k, sum(values[-k:]) / k


def diagnose(source: LogSource | Curves) -> Diagnosis:
    """Diagnose a run from its ``log_history``, a TensorBoard log folder, or ``Curves``."""
    curves = read_curves(source)
    train = curves.get("loss", ([], []))[1]
    if len(train) < MIN_POINTS:
        return Diagnosis("inconclusive", f"only {len(train)} training-loss points; at least {MIN_POINTS} are needed")
    if any(not math.isfinite(v) for v in train):
        step = curves["loss"][0][next(i for i, v in enumerate(train) if not math.isfinite(v))]
        return Diagnosis("diverged", f"the training loss is not a number from step {step} on")

    start, end = _ends(train)
    improvement = (start - end) / start if start > 0 else 0.0
    evidence = {"train loss at start": start, "train loss at end": end, "train improvement": improvement}
    if improvement < NO_LEARNING_IMPROVEMENT:
        return Diagnosis("no learning", f"the training loss fell by only {improvement:.1%}", evidence)

    evals = [v for v in curves.get("eval_loss", ([], []))[1] if math.isfinite(v)]
    validated = len(evals) >= MIN_POINTS
    if validated:
        e_start, e_min, e_end = evals[0], min(evals), evals[-1]
        rise = (e_end - e_min) / e_min if e_min > 0 else 0.0
        e_improvement = (e_start - e_end) / e_start if e_start > 0 else 0.0
        evidence.update(
            {
                "validation loss at start": e_start,
                "validation loss, lowest": e_min,
                "validation loss at end": e_end,
                "validation rise above its lowest": rise,
                "validation improvement": e_improvement,
                "gap at end (validation - train)": e_end - end,
            }
        )
    else:
        evidence["validation points"] = float(len(evals))

    if end < MEMORISATION_LOSS:
        reason = f"the training loss ended at {end:.3f}, near zero"
        if not validated:
            reason += " (no validation loss logged)"
        elif e_end < MEMORISATION_LOSS:
            reason += "; the validation loss is as low, so the validation data is probably leaked from training"
        else:
            reason += f", while the validation loss ended at {e_end:.3f}: it knows these examples, not the task"
        return Diagnosis("memorisation", reason, evidence)
    if validated:
        if rise > VALIDATION_RISE and e_end - e_min > VALIDATION_RISE_ABSOLUTE:
            return Diagnosis("overfitting", f"the validation loss rose {rise:.0%} above its lowest while training loss fell", evidence)
        if e_improvement < SLOW_VALIDATION * improvement:
            return Diagnosis(
                "overfitting",
                f"the validation loss improved by {e_improvement:.0%}, the training loss by {improvement:.0%}",
                evidence,
            )
        return Diagnosis("healthy", f"the training loss fell by {improvement:.0%} and the validation loss followed it", evidence)
    return Diagnosis(
        "healthy",
        f"the training loss fell by {improvement:.0%} (no validation loss logged: overfitting cannot be ruled out)",
        evidence,
    )
