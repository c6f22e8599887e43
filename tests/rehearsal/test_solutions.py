"""The solutions notebooks in the full profile: a student who opens them in Colab takes that path.

Only those whose code depends on the profile are rehearsed: the others run the same code in every profile,
which the offline tests (nbval) already execute. The decision is written below, one line per notebook, and
``test_the_choice_of_solutions_to_rehearse_follows_their_code`` fails when a notebook's code no longer
matches it (a skipped notebook that gains profile-dependent code, or a new solutions notebook).
"""

import re

import pytest

from tests.conftest import SOLUTIONS, code_cells, needs_hub_fixtures
from tests.rehearsal.conftest import assert_smoke_run_reports_without_asserting, outputs_of, rehearse, unexplained_warnings

# Code that makes a notebook run or behave differently in the full profile. The Colab cell's
# SFT_COURSE_DIR, in every notebook, says where the course is cloned, not which profile runs.
PROFILE_DEPENDENT = {
    "takes the profile's model, data and scale": r"\bcourse_run\b|\bCourseRun\b|\brun\.\w+",
    "reads the profile or its settings": r"\.profile\b|machinery\.profile|\bSFT_(?!COURSE_DIR\b)\w+",
    "branches on a smoke run or on the full profile": r"\bsmoke_run\b|[\"']full[\"']",
    "loads a model or tokenizer, from the Hub in the full profile":
        r"from_pretrained|load_chat_model|lora_base|sft_checkpoint|\bstandin|STANDINS",
    "loads a data set chosen by the profile": r"load_dataset|load_conversations|dataset_path",
}

# Rehearsed, and why: what the full profile changes in each.
REHEARSED = {
    "01_chat_templates_and_data_solutions.ipynb": "SmolLM2's real tokenizer with the course's template (assistant masks with "
    "and without {% generation %}), TRL refusing the unmarked template on the real model, max_length measured in real "
    "tokens on the rehearsal's small talk",
    "02_sft_smollm2_smoltalk_solutions.ipynb": "sft_checkpoint trains notebook 02's recipe on SmolLM2 (no saved model in "
    "the rehearsal's folder), then shorter runs of it (a quarter of the steps, packed and unpacked epochs, an interrupted "
    "run resumed from its checkpoint with both samplers, a template with <|im_end|> outside the markers), a branch on "
    "run.smoke_run, sampling over the real vocabulary",
    "03_alpaca_masking_by_hand_solutions.ipynb": "distilgpt2's real BPE at the boundary without the newline (the lesson "
    "checks only with it), the collators on its real eos = pad, training distilgpt2 on Alpaca's defects",
    "04_monitoring_loss_curves_solutions.ipynb": "recipes(run) at the full profile's scale on SmolLM2: a leaked "
    "validation set and a learning rate 100 times too large",
    "05_lora_small_gpu_solutions.ipynb": "lora_base(run) is SmolLM2 itself in the full profile (a pretrained stand-in "
    "offline): adapters of rank 4 and 16, all-linear and attention-only, on its real module names",
    "07_preference_tuning_dpo_solutions.ipynb": "branches on run.profile (the learning rate) and run.smoke_run (steps, "
    "batch, pairs); sft_checkpoint trains notebook 02's recipe on SmolLM2 first; DPO with and without LoRA on it",
}

# Not rehearsed, and why: the same code runs in every profile, and nbval runs it offline.
NOT_REHEARSED = {
    "06_evaluating_a_fine_tune_solutions.ipynb": "no model, tokenizer, data set or course run: constraint checkers, "
    "a length judge and bootstrap arithmetic on replies written in the notebook",
}


def profile_dependent_code(notebook: str) -> list[str]:
    """What in a solutions notebook's code cells depends on the profile: one line per kind, naming the match."""
    source = "\n".join(code_cells(SOLUTIONS[0].parent / notebook))
    found = []
    for kind, pattern in PROFILE_DEPENDENT.items():
        match = re.search(pattern, source)
        if match:
            found.append(f"{kind}: {match.group(0)!r}")
    return found


def test_the_choice_of_solutions_to_rehearse_follows_their_code():
    names = {p.name for p in SOLUTIONS}
    assert names == REHEARSED.keys() | NOT_REHEARSED.keys(), "a solutions notebook is in neither list (or in both)"
    assert not REHEARSED.keys() & NOT_REHEARSED.keys()
    for notebook in NOT_REHEARSED:
        found = profile_dependent_code(notebook)
        assert not found, f"{notebook} now has profile-dependent code, so it must be rehearsed: {found}"
    for notebook in REHEARSED:
        assert profile_dependent_code(notebook), f"{notebook} no longer depends on the profile: rehearsing it tests nothing"


@needs_hub_fixtures
@pytest.mark.parametrize("notebook", sorted(REHEARSED), ids=lambda name: name[:2])
def test_solutions_full_profile(notebook, hf_home, tmp_path):
    nb = rehearse(f"solutions/{notebook}", tmp_path, hf_home)
    text = outputs_of(nb)
    assert "[FAILED]" not in text
    if "check_learning" in "".join(c.source for c in nb.cells if c.cell_type == "code"):
        assert_smoke_run_reports_without_asserting(text)
    assert unexplained_warnings(nb) == []
