import math
import random

import pytest

from sft_helpers.intervals import (
    Interval,
    bootstrap_ci,
    cluster_bootstrap_ci,
    normal_margin,
    paired_bootstrap_difference,
    within_noise,
)

HALF = [True] * 30 + [False] * 30  # 60 prompts, a share of one half


def test_interval_prints_estimate_and_bounds():
    assert str(Interval(0.62, 0.5, 0.73)) == "0.62 [0.50, 0.73]"
    assert Interval(0.5, 0.375, 0.625).half_width == 0.125


def test_the_estimate_is_the_plain_mean():
    assert bootstrap_ci([1.0, 2.0, 4.0]).estimate == pytest.approx(7 / 3)
    assert bootstrap_ci([True, False, False, False]).estimate == 0.25
    interval = bootstrap_ci([0.2, 0.9, 0.4, 0.7, 0.1])
    assert interval.low <= interval.estimate <= interval.high


def test_bootstrap_is_seeded_and_ignores_the_global_random_state():
    first = bootstrap_ci(HALF, seed=3)
    random.seed(12345)
    random.random()
    assert bootstrap_ci(HALF, seed=3) == first


def test_at_60_prompts_a_share_near_one_half_moves_by_about_12_points():
    assert normal_margin(60) == pytest.approx(1.96 * math.sqrt(0.25 / 60), abs=1e-3)  # 0.127
    for seed in range(5):
        interval = bootstrap_ci(HALF, seed=seed)
        assert 0.10 < interval.half_width < 0.14, (seed, interval)
        assert interval.half_width == pytest.approx(normal_margin(60), abs=0.015)


def test_four_times_the_prompts_halve_the_interval():
    small, large = bootstrap_ci(HALF), bootstrap_ci(HALF * 4)
    assert 0.4 < large.half_width / small.half_width < 0.6


def test_a_lower_confidence_gives_a_narrower_interval():
    assert bootstrap_ci(HALF, confidence=0.5).half_width < bootstrap_ci(HALF, confidence=0.95).half_width


def test_all_passes_give_a_zero_width_interval():
    assert bootstrap_ci([True] * 10) == Interval(1.0, 1.0, 1.0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"values": []}, "values is empty"),
        ({"values": [1.0, float("nan")]}, r"values\[1\] is nan"),
        ({"values": [1.0], "confidence": 1.0}, "confidence must be between 0 and 1"),
        ({"values": [1.0], "resamples": 0}, "resamples must be a whole number"),
    ],
)
def test_bad_input(kwargs, message):
    values = kwargs.pop("values")
    with pytest.raises(ValueError, match=message):
        bootstrap_ci(values, **kwargs)


def test_paired_difference_sees_what_two_overlapping_intervals_hide():
    base = HALF
    tuned = [True] * 36 + [False] * 24  # six more prompts passed, none lost
    alone_base, alone_tuned = bootstrap_ci(base), bootstrap_ci(tuned)
    assert alone_base.high > alone_tuned.low  # the separate intervals overlap...
    difference = paired_bootstrap_difference(base, tuned)
    assert difference.estimate == pytest.approx(0.1)
    assert difference.low > 0 and not within_noise(difference)  # ...yet the paired difference is clear of 0


def test_paired_difference_of_a_swap_is_within_noise():
    a = [True, False] * 30
    b = [False, True] * 30  # the same share, won on other prompts
    difference = paired_bootstrap_difference(a, b)
    assert difference.estimate == 0 and within_noise(difference)
    assert paired_bootstrap_difference(a, a) == Interval(0.0, 0.0, 0.0)


def test_paired_difference_is_b_minus_a():
    assert paired_bootstrap_difference([0.0, 0.0], [1.0, 0.5]).estimate == 0.75
    assert paired_bootstrap_difference([1.0, 0.5], [0.0, 0.0]).estimate == -0.75


def test_paired_difference_needs_the_same_prompts():
    with pytest.raises(ValueError, match="a has 2 values and b has 3"):
        paired_bootstrap_difference([True, False], [True, False, True])
    with pytest.raises(ValueError, match="a is empty"):
        paired_bootstrap_difference([], [])


def test_within_noise_at_the_edges():
    assert within_noise(Interval(0.1, 0.0, 0.2))  # 0 is inside, just
    assert within_noise(Interval(-0.1, -0.2, 0.0))
    assert not within_noise(Interval(-0.1, -0.2, -0.01))


def test_normal_margin_checks_its_input():
    assert normal_margin(100, share=0.0) == 0.0
    with pytest.raises(ValueError, match="n must be a whole number"):
        normal_margin(0)
    with pytest.raises(ValueError, match="share must be between 0 and 1"):
        normal_margin(10, share=1.5)


def test_cluster_bootstrap_resamples_groups_not_values():
    from sft_helpers.intervals import cluster_bootstrap_ci

    fair = cluster_bootstrap_ci([[True, False]] * 40)
    assert (fair.low, fair.high) == (0.5, 0.5)  # each group is exactly one half
    assert bootstrap_ci([True, False] * 40).half_width > 0.08  # one by one: as if 80 independent verdicts
    mixed = cluster_bootstrap_ci([[True, True]] * 20 + [[False, False]] * 20 + [[]] * 5)
    assert mixed.estimate == 0.5 and mixed.half_width > bootstrap_ci([True, False] * 40).half_width  # correlated: wider
    assert cluster_bootstrap_ci([[True], [], [False, False]]).estimate == 1 / 3  # a share of values, not of groups
    with pytest.raises(ValueError, match="every group is empty"):
        cluster_bootstrap_ci([[], []])


def test_bootstrap_with_groups_resamples_each_group_whole():
    values = [True, False, True, True, False, False, True, False]
    groups = ["a", "a", "b", "c", "c", "b", "d", "d"]
    grouped = bootstrap_ci(values, groups=groups, seed=3)
    # The same as resampling the gathered groups, in order of first appearance.
    assert grouped == cluster_bootstrap_ci([[True, False], [True, False], [True, False], [True, False]], seed=3)
    assert grouped.n == 4 and str(grouped).startswith("0.50 [0.50, 0.50] width 0")  # every group scores 0.5
    with pytest.raises(ValueError, match="groups has 3 entries for 8 values"):
        bootstrap_ci(values, groups=groups[:3])
