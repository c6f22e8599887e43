import math

import matplotlib

matplotlib.use("Agg")  # unit tests draw off screen; notebooks keep their inline backend

import pytest
import torch
from datasets import Dataset
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainingArguments,
)

from sft_helpers.curves import (
    curves_from_log_history,
    curves_from_tensorboard,
    plot_loss,
    plot_training,
    read_curves,
    smooth,
)
from sft_helpers.machinery.device import precision_kwargs

LOG_HISTORY = [
    {"loss": 4.0, "grad_norm": 2.0, "learning_rate": 1e-3, "epoch": 0.1, "step": 2},
    {"loss": 3.0, "grad_norm": 1.5, "learning_rate": 8e-4, "epoch": 0.2, "step": 4},
    {"eval_loss": 3.2, "eval_runtime": 0.1, "epoch": 0.2, "step": 4},
    {"loss": 2.5, "grad_norm": 1.0, "learning_rate": 5e-4, "epoch": 0.3, "step": 6},
    {"eval_loss": 2.9, "eval_runtime": 0.1, "epoch": 0.3, "step": 6},
    {"train_runtime": 1.0, "train_loss": 3.1, "epoch": 0.3, "step": 6},
]


def test_curves_from_log_history():
    curves = curves_from_log_history(LOG_HISTORY)
    assert curves["loss"] == ([2, 4, 6], [4.0, 3.0, 2.5])
    assert curves["eval_loss"] == ([4, 6], [3.2, 2.9])
    assert curves["learning_rate"][1] == [1e-3, 8e-4, 5e-4]
    assert "train_loss" not in curves and "epoch" not in curves


def test_smoothing_matches_debiased_ema():
    assert smooth([1.0, 2.0, 3.0], 0.0) == [1.0, 2.0, 3.0]
    out = smooth([2.0, 4.0], 0.5)
    assert out[0] == pytest.approx(2.0)  # debiased: the first point is not pulled to 0
    assert out[1] == pytest.approx((0.5 * 0.5 * 2 + 0.5 * 4) / 0.75)
    with_nan = smooth([1.0, math.nan, 1.0], 0.9)
    assert math.isnan(with_nan[1]) and with_nan[2] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        smooth([1.0], 1.0)


def test_plot_loss_draws_train_and_validation(tmp_path):
    fig = plot_loss(LOG_HISTORY, smoothing=0.6, save_to=tmp_path / "loss.png")
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert "validation" in labels and any(label.startswith("train (smoothed") for label in labels)
    assert (tmp_path / "loss.png").stat().st_size > 1000


def test_plot_loss_without_loss_says_what_it_found():
    with pytest.raises(ValueError, match="found: learning_rate"):
        plot_loss([{"learning_rate": 1.0, "step": 1}])


def test_plot_training_has_three_panels(tmp_path):
    fig = plot_training(LOG_HISTORY, save_to=tmp_path / "t.png")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "learning rate", "gradient norm"]
    assert len(fig.axes[2].get_lines()) == 1


def test_missing_tensorboard_dir_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no TensorBoard event files"):
        curves_from_tensorboard(tmp_path)


@pytest.fixture(scope="module")
def real_run(tmp_path_factory, gpt2_path):
    """A few real Trainer steps on the tiny GPT-2 stand-in, logged to TensorBoard."""
    out = tmp_path_factory.mktemp("run")
    path = gpt2_path
    tok = AutoTokenizer.from_pretrained(path)
    tok.pad_token = tok.eos_token
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(path)
    texts = [f"{a} plus {b} is {a + b}." for a in range(8) for b in range(8)]
    data = Dataset.from_dict({"text": texts}).map(lambda b: tok(b["text"]), batched=True, remove_columns=["text"])
    args = TrainingArguments(
        output_dir=str(out),
        max_steps=6,
        per_device_train_batch_size=8,
        learning_rate=1e-3,
        logging_steps=2,
        eval_strategy="steps",
        eval_steps=3,
        report_to="tensorboard",
        save_strategy="no",
        disable_tqdm=True,
        **precision_kwargs(),
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=data,
        eval_dataset=data.select(range(16)),
        data_collator=DataCollatorForLanguageModeling(tok, mlm=False),
    )
    trainer.train()
    return out, trainer.state.log_history


def test_tensorboard_and_log_history_agree(real_run):
    out, log_history = real_run
    from_tb = curves_from_tensorboard(out)
    from_history = read_curves(log_history)
    for key in ("loss", "eval_loss", "learning_rate", "grad_norm"):
        steps, values = from_history[key]
        assert from_tb[key][0] == steps, key
        assert from_tb[key][1] == pytest.approx(values, rel=1e-6), key
    assert from_tb["loss"][0] == [2, 4, 6] and from_tb["eval_loss"][0] == [3, 6]
    fig = plot_loss(out)
    assert len(fig.axes[0].get_lines()) == 2


def test_several_runs_are_not_mixed(real_run, tmp_path):
    import shutil

    out, _ = real_run
    (run_dir,) = {p.parent for p in out.rglob("events.out.tfevents.*")}
    shutil.copytree(run_dir, tmp_path / "runs" / "first")
    shutil.copytree(run_dir, tmp_path / "runs" / "second")
    with pytest.raises(ValueError, match="2 runs under"):
        curves_from_tensorboard(tmp_path)
    assert curves_from_tensorboard(tmp_path / "runs" / "first")["loss"][0] == [2, 4, 6]


def test_a_flat_loss_looks_flat():
    # No learning: the loss moves by 0.3%. Autoscaled, that would fill the whole panel and look like a fall.
    history = [{"loss": 6.97 - 0.0002 * i, "step": i} for i in range(1, 101)]
    ax = plot_loss(history).axes[0]
    bottom, top = ax.get_ylim()
    assert bottom == 0 and 6.97 < top < 8  # from zero, with room above the curve
