"""Reading a run's logs: ``trainer.state.log_history`` or a TensorBoard log directory.

Both sources are turned into the same thing, a ``Curves`` mapping of metric name to
``(steps, values)``, with the names ``log_history`` uses: ``loss``, ``eval_loss``,
``learning_rate``, ``grad_norm``. TensorBoard files are read with tensorboard's own
``EventAccumulator``. ``sft_helpers.plotting`` draws them and ``sft_helpers.diagnosis`` reads them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Union

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
