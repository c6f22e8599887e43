import pytest

from sft_helpers.machinery.estimates import FULL_RUNS, epochs, full_run_estimate, t4_minutes
from sft_helpers.machinery.tasks import TASKS


def test_every_task_has_its_full_run_facts():
    assert set(FULL_RUNS) == set(TASKS)
    for task, run in FULL_RUNS.items():
        assert run.model == TASKS[task].hub_model


def test_estimates_scale_with_the_work():
    fast, slow = t4_minutes("smoltalk", 1000, 4)
    assert 0 < fast < slow
    assert t4_minutes("smoltalk", 2000, 4) == pytest.approx((2 * fast, 2 * slow))


def test_alpaca_full_profile_is_about_one_epoch():
    assert epochs("alpaca", TASKS["alpaca"].full.max_steps, TASKS["alpaca"].full.batch_size) == pytest.approx(1.0, abs=0.02)


def test_the_line_says_it_is_an_estimate():
    assert "estimate from FLOPs, not measured" in full_run_estimate("alpaca", 3250, 16)


def test_loss_pattern_estimate_counts_the_four_runs_at_the_full_profiles_scale():
    from sft_helpers.loss_patterns import full_profile_estimate, recipes
    from sft_helpers.machinery.profile import CourseRun

    offline = CourseRun("smoltalk", "offline", "offline", "test", "m", "m", "json", None, max_steps=400, learning_rate=3e-3)
    full = TASKS["smoltalk"].full
    at_full = CourseRun("smoltalk", "full", "full", "test", "m", "m", "d", None, max_steps=full.max_steps)
    steps = sum(r.max_steps for r in recipes(at_full).values())
    # Asked from an offline run, it prices the full profile's four runs, not the offline ones it was given.
    assert steps != sum(r.max_steps for r in recipes(offline).values())
    line = full_profile_estimate(offline)
    assert f"the four runs take {steps:,} steps at batch {full.batch_size}" in line
    fast, slow = t4_minutes("smoltalk", steps, full.batch_size)
    assert f"about {max(1, round(fast))}-{max(1, round(slow))} min of training" in line
