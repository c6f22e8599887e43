"""The program behind notebook 07's table of DPO settings: its measures, and one short run against TRL's figures."""

import math
import re

import pytest
from choose_dpo_settings import SETTINGS, Measured, dpo_loss, table, train_one

from sft_helpers.machinery import bundled_data
from tests.conftest import NOTEBOOKS, code_cells


def measured(validation_losses, setting=(0.5, 3e-4, 0.05, 30), highest=(0.5, 6)):
    return Measured(setting, highest, validation_losses, [0.2, 0.4], [True, False], [1.0, 3.0])


def test_largest_rise_is_measured_from_the_lowest_value_before_it():
    assert measured({0: 0.69, 6: 0.34, 12: 0.37, 18: 0.25, 24: 0.30}).largest_rise() == pytest.approx((0.05, 24))
    assert measured({0: 0.69, 6: 0.5, 12: 0.4}).largest_rise() is None  # it never rose


def test_the_table_puts_the_chosen_setting_first_in_bold_and_flags_a_loss_above_ln_2():
    rows = [measured({0: 0.69, 30: 0.23}), measured({0: 0.69, 30: 0.4}, setting=(0.5, 1e-3, 0.05, 60), highest=(0.72, 24))]
    lines = table(rows).splitlines()
    assert lines[2].startswith("| **0.5** | **3e-4** | **0.05** | **30** | 0.500 (step 6) | 0.230 | none | 0.50 | 2.0 |")
    assert "| 0.5 | 1e-3 | 0.05 | 60 | **0.720 (step 24)** | 0.400 |" in lines[3]


def test_the_chosen_row_is_what_notebook_07_and_its_solutions_train_offline():
    """The settings are spelled in three places: this program's first row, notebook 07 and solutions 07."""
    beta, rate, warmup, steps = SETTINGS[0]
    lesson = "\n".join(code_cells(NOTEBOOKS / "07_preference_tuning_dpo.ipynb"))
    solutions = "\n".join(code_cells(NOTEBOOKS / "solutions" / "07_preference_tuning_dpo_solutions.ipynb"))

    def found(pattern: str, source: str) -> tuple[float, ...]:
        match = re.search(pattern, source, re.MULTILINE)
        assert match, f"no line matches {pattern!r}: the notebook spells its settings another way now"
        return tuple(float(value) for value in match.groups())

    assert found(r'^DPO_BETA = \{"offline": ([\d.e-]+),', lesson) == (beta,)
    assert found(r'^DPO_LEARNING_RATE = \{"offline": ([\d.e-]+),', lesson) == (rate,)
    assert found(r"^DPO_STEPS, DPO_WARMUP = (\d+), ([\d.]+)", lesson) == (steps, warmup)
    assert found(r'^BETA = \{"offline": ([\d.e-]+),.*# notebook 07\'s', solutions) == (beta,)
    assert found(r'learning_rate = \{"offline": ([\d.e-]+),.*# notebook 07\'s rates', solutions) == (rate,)
    assert found(r"else (\d+)  # notebook 07's run", solutions) == (steps,)
    assert found(r"^ +warmup_steps=([\d.]+), logging_steps=", solutions) == (warmup,)


def test_a_short_run_starts_at_ln_2_and_its_pair_losses_give_trls_validation_loss(chat_model, tmp_path):
    from sft_helpers.preference import carve_by_prompt, pair_logps

    model, tokenizer = chat_model  # a chat template, random weights
    model.save_pretrained(tmp_path / "start")
    tokenizer.save_pretrained(tmp_path / "start")
    fit, val = carve_by_prompt(bundled_data.read("preferences", "train"), 12, seed=42)
    reference = pair_logps(model, tokenizer, val)
    row = train_one(str(tmp_path / "start"), tokenizer, (0.5, 3e-4, 0.05, 2), fit[:16], val, reference, str(tmp_path / "run"))
    assert row.validation_losses[0] == pytest.approx(math.log(2), abs=1e-5)  # the policy is still the reference
    assert sum(row.pair_losses) / len(row.pair_losses) == pytest.approx(row.validation_losses[2], rel=1e-3)
    assert len(row.won) == len(row.drift) == 12 and min(row.drift) >= 0
    assert dpo_loss(-5.0, -7.0, -5.0, -7.0, 0.5) == pytest.approx(math.log(2))
