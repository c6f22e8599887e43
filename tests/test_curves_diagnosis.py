import json
import math
from pathlib import Path

import pytest

from sft_helpers.curves import ACTIONS, diagnose
from sft_helpers.loss_patterns import file_stem, recipes
from sft_helpers.machinery.profile import course_run

LOGS = Path(__file__).parent / "data" / "loss_patterns"


def history(train, evals=None, start_step=10, every=10):
    rows = [{"loss": v, "step": start_step + i * every} for i, v in enumerate(train)]
    if evals is not None:
        rows += [{"eval_loss": v, "step": i * every * 2} for i, v in enumerate(evals)]
    return rows


# Logs of the four real runs of `python misc/tools/loss_pattern_figures.py` (offline profile).
@pytest.mark.parametrize(
    "pattern",
    ["healthy", "overfitting", "no learning", "memorisation"],
)
def test_real_runs_are_diagnosed_as_made(pattern):
    log_history = json.loads((LOGS / f"{file_stem(pattern)}.json").read_text())
    result = diagnose(log_history)
    assert result.pattern == pattern, str(result)
    assert result.actions == ACTIONS[pattern]
    assert f"diagnosis: {pattern}" in str(result)


def test_healthy_synthetic():
    d = diagnose(history([4.0, 3.0, 2.2, 1.8, 1.6, 1.5], [4.1, 2.4, 1.7]))
    assert d.pattern == "healthy" and "validation loss followed" in d.reason
    assert d.evidence["train loss at end"] == 1.5


def test_overfitting_when_validation_turns_up():
    d = diagnose(history([4.0, 3.0, 2.0, 1.0, 0.5, 0.3], [4.0, 2.0, 1.5, 1.9]))
    assert d.pattern == "overfitting" and "rose" in d.reason
    assert d.evidence["validation rise above its lowest"] == pytest.approx(0.4 / 1.5)


def test_overfitting_when_validation_lags_far_behind():
    d = diagnose(history([4.0, 3.0, 2.0, 1.0, 0.5, 0.3], [4.0, 3.9, 3.8, 3.7]))
    assert d.pattern == "overfitting" and "improved by" in d.reason


def test_no_learning():
    d = diagnose(history([6.9, 6.95, 6.88, 6.9, 6.87], [6.9, 6.9, 6.89]))
    assert d.pattern == "no learning"
    assert d.evidence["train improvement"] < 0.1


def test_memorisation_with_a_leaked_validation_set():
    d = diagnose(history([3.0, 1.0, 0.2, 0.03, 0.01, 0.01], [3.0, 0.1, 0.01]))
    assert d.pattern == "memorisation" and "leaked from training" in d.reason


def test_memorisation_without_validation():
    d = diagnose(history([3.0, 1.0, 0.2, 0.03, 0.01, 0.01]))
    assert d.pattern == "memorisation" and d.evidence["validation points"] == 0


def test_noise_near_zero_is_not_overfitting():
    d = diagnose(history([3.0, 1.0, 0.2, 0.03, 0.01, 0.01], [3.0, 0.01, 0.010, 0.012]))
    assert d.pattern == "memorisation"


def test_too_few_points():
    assert diagnose(history([3.0, 2.0])).pattern == "inconclusive"
    assert diagnose([]).pattern == "inconclusive"


def test_no_eval_entries_still_diagnoses_training():
    d = diagnose(history([4.0, 3.0, 2.0, 1.5, 1.2]))
    assert d.pattern == "healthy" and "cannot be ruled out" in d.reason


def test_nan_loss_is_divergence():
    d = diagnose(history([4.0, 3.0, math.nan, math.nan]))
    assert d.pattern == "diverged" and "step 30" in d.reason


def test_nan_in_validation_is_skipped():
    d = diagnose(history([4.0, 3.0, 2.2, 1.8, 1.6, 1.5], [4.1, math.nan, 2.4, 1.7]))
    assert d.pattern == "healthy"


def test_reads_tensorboard_folders(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(tmp_path / "run"))
    for i, v in enumerate([6.9, 6.95, 6.88, 6.9]):
        writer.add_scalar("train/loss", v, (i + 1) * 10)
    writer.close()
    assert diagnose(tmp_path).pattern == "no learning"


def test_memorisation_with_an_honest_validation_set_comes_before_overfitting():
    # The validation loss rises too, but a training loss near zero is the stronger sign.
    d = diagnose(history([3.0, 1.0, 0.2, 0.03, 0.01, 0.01], [3.0, 1.5, 2.5]))
    assert d.pattern == "memorisation" and "knows these examples, not the task" in d.reason


def test_one_vocabulary_for_recipes_diagnoses_and_files(monkeypatch):
    monkeypatch.setenv("SFT_PROFILE", "offline")
    names = set(recipes(course_run("smoltalk")))
    assert names <= set(ACTIONS)
    assert {r.name for r in recipes(course_run("smoltalk")).values()} == names
    assert {p.stem for p in LOGS.glob("*.json")} == {file_stem(n) for n in names}
