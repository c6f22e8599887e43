"""Drawing training curves (from any source ``sft_helpers.logs`` reads) and example lengths."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

from sft_helpers.logs import Curves, LogSource, read_curves


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
