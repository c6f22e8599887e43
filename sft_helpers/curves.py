"""Loss curves (notebooks 02 to 05): read them from a run's logs, draw them, and name their pattern.

* **Reading**: ``read_curves`` takes ``trainer.state.log_history`` or a TensorBoard log directory and
  returns ``Curves``, metric name to ``(steps, values)``; ``fresh_tensorboard_dir`` gives a run an empty
  TensorBoard folder.
* **Drawing**: ``plot_loss`` (optionally smoothed, ``smooth``), ``plot_training`` (loss, learning rate,
  gradient norm), and ``plot_lengths`` (notebook 01's histogram of example lengths).
* **Diagnosis**: ``diagnose`` names the pattern (healthy, no learning, overfitting, memorisation, diverged,
  or inconclusive when there are too few points) with the numbers behind it and what to do.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

# ------------------------------------------------------------------------------------------------
# Logs: Reading a run's logs: ``trainer.state.log_history`` or a TensorBoard log directory.
#
# Both sources are turned into the same thing, a ``Curves`` mapping of metric name to
# ``(steps, values)``, with the names ``log_history`` uses: ``loss``, ``eval_loss``,
# ``learning_rate``, ``grad_norm``. TensorBoard files are read with tensorboard's own
# ``EventAccumulator``. The ``plot_*`` functions below draw them and ``diagnose`` reads them.
# ------------------------------------------------------------------------------------------------

Curve = tuple[list[int], list[float]]
Curves = dict[str, Curve]
LogSource = Union[Sequence[Mapping[str, Any]], str, os.PathLike]


def curves_from_log_history(log_history: Sequence[Mapping[str, Any]]) -> Curves:
    """Every numeric metric of a ``log_history``, by step (the final summary row is skipped).

    >>> history = [{"loss": 2.5, "step": 10}, {"eval_loss": 2.7, "step": 10}, {"loss": 1.5, "step": 20},
    ...            {"train_runtime": 9.1, "train_loss": 2.0, "step": 20}]
    >>> curves = curves_from_log_history(history)
    >>> curves["loss"], curves["eval_loss"]
    (([10, 20], [2.5, 1.5]), ([10], [2.7]))
    """
    curves: Curves = {}
    for row in log_history:
        if "step" not in row or "train_runtime" in row:
            continue
        for key, value in row.items():
            if key in ("step", "epoch") or isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            steps, values = curves.setdefault(key, ([], []))
            steps.append(int(row["step"]))
            values.append(float(value))
    return curves


def _tag_to_key(tag: str) -> str:
    prefix, _, name = tag.partition("/")
    if not name:
        return tag
    return name if prefix == "train" else f"{prefix}_{name}"


def curves_from_tensorboard(logdir: str | os.PathLike) -> Curves:
    """Scalar curves from all event files under ``logdir`` (``train/loss`` becomes ``loss``, ``eval/loss`` ``eval_loss``).

    >>> import tempfile
    >>> from torch.utils.tensorboard import SummaryWriter
    >>> logdir = tempfile.mkdtemp()
    >>> with SummaryWriter(logdir) as writer:  # what the trainer writes with report_to="tensorboard"
    ...     writer.add_scalar("train/loss", 2.5, 10)
    ...     writer.add_scalar("eval/loss", 2.75, 10)
    >>> curves_from_tensorboard(logdir)
    {'loss': ([10], [2.5]), 'eval_loss': ([10], [2.75])}
    """
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    logdir = Path(logdir)
    run_dirs = sorted({p.parent for p in logdir.rglob("events.out.tfevents.*")})
    if not run_dirs:
        raise FileNotFoundError(f"no TensorBoard event files under {logdir}")
    if len(run_dirs) > 1:
        # Each training run writes its own folder; mixing them would draw two runs as one curve.
        listing = "\n  ".join(str(d) for d in run_dirs)
        raise ValueError(f"{len(run_dirs)} runs under {logdir}; pass one of them:\n  {listing}")
    acc = EventAccumulator(str(run_dirs[0]), size_guidance={"scalars": 0})
    acc.Reload()
    curves: Curves = {}
    for tag in acc.Tags()["scalars"]:
        events = sorted(acc.Scalars(tag), key=lambda e: e.step)
        curves[_tag_to_key(tag)] = ([int(e.step) for e in events], [float(e.value) for e in events])
    return curves


def read_curves(source: LogSource | Curves) -> Curves:
    """``Curves`` from a log history (a list of dicts), a TensorBoard directory, or ``Curves`` already."""
    if isinstance(source, (str, os.PathLike)):
        return curves_from_tensorboard(source)
    if isinstance(source, Mapping):
        return dict(source)
    return curves_from_log_history(source)


def fresh_tensorboard_dir(output_dir: str | os.PathLike) -> Path:
    """``output_dir/runs``, emptied, and set as the folder transformers' TensorBoard writer uses.

    Transformers 5 takes that folder from ``TENSORBOARD_LOGGING_DIR`` (``logging_dir`` is gone); without
    it, each writer picks a new time-stamped folder, so an evaluation before training and the training
    itself would log to two places. Emptying it first keeps one run per folder, which
    ``curves_from_tensorboard`` needs.

    >>> import tempfile
    >>> folder = fresh_tensorboard_dir(tempfile.mkdtemp())
    >>> folder.name, list(folder.iterdir()), os.environ["TENSORBOARD_LOGGING_DIR"] == str(folder)
    ('runs', [], True)
    >>> del os.environ["TENSORBOARD_LOGGING_DIR"]  # (only so that this example leaves nothing behind)
    """
    logdir = Path(output_dir) / "runs"
    shutil.rmtree(logdir, ignore_errors=True)
    logdir.mkdir(parents=True)
    os.environ["TENSORBOARD_LOGGING_DIR"] = str(logdir)
    return logdir


# ------------------------------------------------------------------------------------------------
# Plotting: Drawing training curves (from any source ``read_curves`` takes) and example lengths.
# ------------------------------------------------------------------------------------------------

def smooth(values: Sequence[float], weight: float) -> list[float]:
    """Exponential moving average with bias correction, as TensorBoard's smoothing slider does.

    ``weight`` is in ``[0, 1)``: 0 leaves the values unchanged. NaN values are kept as NaN and skipped.
    """
    if not 0 <= weight < 1:
        raise ValueError(f"smoothing weight must be in [0, 1), got {weight}")
    out, average, count = [], 0.0, 0
    for value in values:
        if math.isnan(value):
            out.append(value)
            continue
        count += 1
        average = weight * average + (1 - weight) * value
        out.append(average / (1 - weight**count))
    return out


def plot_loss(
    source: LogSource | Curves,
    smoothing: float = 0.0,
    title: str = "Loss",
    ax=None,
    save_to: str | os.PathLike | None = None,
):
    """Train and validation loss against steps on one chart. Returns the matplotlib figure.

    With ``smoothing`` > 0 the raw training loss is drawn faintly behind its smoothed line.

    >>> history = [{"loss": 2.5, "step": 10}, {"eval_loss": 2.7, "step": 10}, {"loss": 1.5, "step": 20}]
    >>> fig = plot_loss(history)  # or a TensorBoard folder, or trainer.state.log_history
    >>> [line.get_label() for line in fig.axes[0].get_lines()], float(fig.axes[0].get_ylim()[0])  # from zero
    (['train', 'validation'], 0.0)
    """
    import matplotlib.pyplot as plt

    curves = read_curves(source)
    if "loss" not in curves and "eval_loss" not in curves:
        raise ValueError(f"no 'loss' or 'eval_loss' in the logs; found: {', '.join(sorted(curves)) or 'nothing'}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4))
    else:
        fig = ax.figure
    if "loss" in curves:
        steps, values = curves["loss"]
        if smoothing:
            ax.plot(steps, values, color="tab:blue", alpha=0.25, linewidth=1)
            values = smooth(values, smoothing)
        ax.plot(steps, values, color="tab:blue", label="train" + (f" (smoothed {smoothing})" if smoothing else ""))
    if "eval_loss" in curves:
        steps, values = curves["eval_loss"]
        ax.plot(steps, values, color="tab:orange", marker="o", markersize=3, label="validation")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    # From zero: an autoscaled axis would stretch a loss that moved by 0.3% over the whole height.
    shown = [v for key in ("loss", "eval_loss") if key in curves for v in curves[key][1] if math.isfinite(v)]
    ax.set_ylim(0, 1.08 * max(shown) if shown and max(shown) > 0 else None)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    if save_to is not None:
        fig.savefig(save_to, dpi=120, bbox_inches="tight")
    return fig


def plot_training(
    source: LogSource | Curves,
    smoothing: float = 0.0,
    title: str = "Training",
    save_to: str | os.PathLike | None = None,
):
    """Three panels: train/validation loss, learning rate, gradient norm. Returns the figure.

    >>> history = [{"loss": 2.5, "learning_rate": 3e-3, "grad_norm": 1.2, "step": 10}, {"loss": 1.5, "step": 20}]
    >>> [ax.get_title() for ax in plot_training(history).axes]
    ['loss', 'learning rate', 'gradient norm']
    """
    import matplotlib.pyplot as plt

    curves = read_curves(source)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    plot_loss(curves, smoothing=smoothing, title="loss", ax=axes[0])
    for ax, key, label in ((axes[1], "learning_rate", "learning rate"), (axes[2], "grad_norm", "gradient norm")):
        if key in curves:
            ax.plot(*curves[key], color="tab:green")
        else:
            ax.text(0.5, 0.5, f"no {key!r} logged", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(label)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    if save_to is not None:
        fig.savefig(save_to, dpi=120, bbox_inches="tight")
    return fig


def plot_lengths(lengths: Sequence[int], max_length: int | None = None, title: str = "Lengths in tokens", bins: int = 40):
    """Histogram of example lengths, with ``max_length`` marked: whatever lies right of the line gets truncated.

    >>> fig = plot_lengths([120, 300, 480, 900], max_length=512)
    >>> fig.axes[0].get_legend().get_texts()[0].get_text()
    'max_length=512: 1 of 4 truncated'
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.hist(lengths, bins=bins, color="tab:blue", alpha=0.8)
    if max_length is not None:
        cut = sum(n > max_length for n in lengths)
        ax.axvline(max_length, color="tab:red", linestyle="--", label=f"max_length={max_length}: {cut} of {len(lengths)} truncated")
        ax.legend()
    ax.set_xlabel("tokens")
    ax.set_ylabel("examples")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return fig


# ------------------------------------------------------------------------------------------------
# Diagnosis: Name the shape of a training run's loss curves, with the numbers behind it and what to do.
#
# The rules, in order (the first that matches wins):
#
# 1. **inconclusive**: fewer than ``MIN_POINTS`` training-loss points.
# 2. **diverged**: a NaN or infinite training loss.
# 3. **no learning**: the training loss fell by less than ``NO_LEARNING_IMPROVEMENT`` of its start.
# 4. **memorisation**: the training loss ended below ``MEMORISATION_LOSS``, near zero: the model
#    reproduces its training replies token for token. (A validation loss as low as that points to
#    validation data leaked from training, which hides how the model does on new conversations.)
# 5. **overfitting**: the validation loss rose clearly above its minimum, or fell far more slowly than
#    the training loss.
# 6. **healthy**: none of the above.
#
# Memorisation is the far end of overfitting; it comes first because its remedy starts elsewhere (the
# data's size and variety), and because a leaked validation set can hide the overfitting signs.
#
# Losses are averaged over the first and last tenth of the points, so one noisy step does not decide.
# ------------------------------------------------------------------------------------------------

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
