"""How much of a score is chance? Bootstrap intervals for a share or a mean, and for a difference.

A score measured on a few dozen prompts moves a lot by chance: which prompts happened to be in the set
matters as much as the model. The bootstrap shows how much, without formulas: draw the prompts again,
with replacement, many times; recompute the score each time; the middle 95% of those scores is the
interval (the *percentile* bootstrap).

To compare two models, score both on the same prompts and resample the prompts together
(``paired_bootstrap_difference``): a prompt that is hard for one is usually hard for the other, and
pairing removes that shared part of the noise. Two separate intervals that overlap do not show that
the models are equal, and two that barely miss each other do not show that they differ.

Every function is seeded and uses its own ``random.Random``: the same call gives the same interval.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist


@dataclass(frozen=True)
class Interval:
    estimate: float  # the score on the prompts as they are
    low: float
    high: float
    confidence: float = 0.95
    n: int = field(default=0, compare=False)  # how many values (or groups) were resampled; 0: not known

    @property
    def half_width(self) -> float:
        """Half the interval's width: the "±" of "0.50 ± 0.12"."""
        return (self.high - self.low) / 2

    def __str__(self) -> str:
        text = f"{self.estimate:.2f} [{self.low:.2f}, {self.high:.2f}]"
        if self.low == self.high and self.n:
            # Every value alike: each resample is the same, and the bootstrap cannot see an outcome it never drew.
            # The rule of three: an outcome seen in none of n tries may still have a rate up to about 3/n (95%).
            text += f" width 0 (rule of 3: ±{3 / self.n:.2f})" if self.n > 3 else f" width 0 (only {self.n}: too few to tell)"
        return text


def _floats(values: Iterable[bool | float], name: str = "values") -> list[float]:
    floats = [float(v) for v in values]
    if not floats:
        raise ValueError(f"{name} is empty: there is nothing to resample")
    for i, v in enumerate(floats):
        if not math.isfinite(v):
            raise ValueError(f"{name}[{i}] is {v}: every value must be a finite number")
    return floats


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    # Linear interpolation between the two nearest ranks, as numpy.percentile does by default.
    position = q * (len(sorted_values) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * (position - lower)


def bootstrap_ci(
    values: Iterable[bool | float],
    *,
    groups: Sequence[Hashable] | None = None,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> Interval:
    """The mean of ``values`` (a share, for booleans) with its percentile-bootstrap interval.

    At 60 prompts and a share near one half, the 95% interval spans about ±12 points:

    >>> interval = bootstrap_ci([True] * 30 + [False] * 30)
    >>> print(interval)
    0.50 [0.38, 0.62]
    >>> 0.11 < interval.half_width < 0.14
    True

    Careful at the edges: 10 passes out of 10 give [1.00, 1.00], as every resample is all passes too.
    The bootstrap cannot imagine a failure it never saw, so such an interval is flagged, with the bound of
    the rule of three (a failure seen in none of n prompts may still have a rate up to about 3/n):

    >>> print(bootstrap_ci([True] * 10))  # the rule of three: 0 failures in 10, a failure rate up to 0.30 still possible
    1.00 [1.00, 1.00] width 0 (rule of 3: ±0.30)

    ``groups`` names, per value, what it belongs to (the turns of one conversation): values of one group are
    resampled together (``cluster_bootstrap_ci``), as they are not independent draws.

    >>> turns = [True, True, True, False, False, False] * 10  # 20 conversations of three turns, all alike within each
    >>> print(bootstrap_ci(turns))
    0.50 [0.37, 0.62]
    >>> print(bootstrap_ci(turns, groups=[i // 3 for i in range(60)]))  # 20 draws, not 60: wider
    0.50 [0.30, 0.70]
    """
    if groups is not None:
        return cluster_bootstrap_ci(_grouped(values, groups), confidence=confidence, resamples=resamples, seed=seed)
    floats = _floats(values)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 1:
        raise ValueError(f"resamples must be a whole number >= 1, got {resamples!r}")
    rng = random.Random(seed)
    n = len(floats)
    means = sorted(sum(rng.choices(floats, k=n)) / n for _ in range(resamples))
    tail = (1 - confidence) / 2
    return Interval(sum(floats) / n, _percentile(means, tail), _percentile(means, 1 - tail), confidence, n)


def _grouped(values: Iterable[bool | float], groups: Sequence[Hashable]) -> list[list[bool | float]]:
    """``values`` gathered by ``groups`` (one group per value), the groups in order of first appearance."""
    values = list(values)
    if len(groups) != len(values):
        raise ValueError(f"groups has {len(groups)} entries for {len(values)} values: one group per value")
    by_group: dict[Hashable, list[bool | float]] = {}
    for group, value in zip(groups, values):
        by_group.setdefault(group, []).append(value)
    return list(by_group.values())


def cluster_bootstrap_ci(
    groups: Sequence[Sequence[bool | float]], *, confidence: float = 0.95, resamples: int = 2000, seed: int = 0
) -> Interval:
    """A share counted over ``groups`` of values that belong together, resampled group by group.

    When one prompt gives several values (a judge's two verdicts on one pair, in both orders), they are
    not independent draws: resampling them one by one misstates the noise. Resample the prompts instead.
    A judge that always prefers the same reply, whichever order it is shown in, gives each pair one
    first-shown win and one loss: 0.5 per pair, with no noise at all.

    >>> print(cluster_bootstrap_ci([[True, False]] * 30))  # consistent and fair: exactly 0.5, every resample alike
    0.50 [0.50, 0.50] width 0 (rule of 3: ±0.10)
    >>> print(bootstrap_ci([True, False] * 30))  # the same verdicts resampled one by one
    0.50 [0.38, 0.63]
    """
    sums, counts = [], []
    for i, group in enumerate(groups):
        values = list(group)
        sums.append(sum(_floats(values, f"groups[{i}]")) if values else 0.0)
        counts.append(len(values))
    if not sum(counts):
        raise ValueError("every group is empty: there is nothing to resample")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    rng = random.Random(seed)
    n = len(counts)
    shares = []
    for _ in range(resamples):
        picks = rng.choices(range(n), k=n)
        total = sum(counts[j] for j in picks)
        if total:  # a resample of only empty groups has no share; it is left out
            shares.append(sum(sums[j] for j in picks) / total)
    shares.sort()
    tail = (1 - confidence) / 2
    return Interval(sum(sums) / sum(counts), _percentile(shares, tail), _percentile(shares, 1 - tail), confidence, n)


def paired_bootstrap_difference(
    a: Sequence[bool | float],
    b: Sequence[bool | float],
    *,
    groups: Sequence[Hashable] | None = None,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> Interval:
    """mean(b) - mean(a), where ``a[i]`` and ``b[i]`` score two models on the same prompt ``i``.

    Resampling prompts together is resampling the per-prompt differences ``b[i] - a[i]``: a prompt both
    models pass or both fail adds nothing to the noise.

    >>> base = [True] * 30 + [False] * 30
    >>> tuned = [True] * 36 + [False] * 24  # passes six more prompts and fails none that the base passed
    >>> difference = paired_bootstrap_difference(base, tuned)
    >>> print(difference)
    0.10 [0.03, 0.18]
    >>> within_noise(difference)  # the interval excludes 0: better beyond the noise of 60 prompts
    False

    ``groups`` names, per prompt, what it belongs to (the turns of one conversation): prompts of one group
    are resampled together (``cluster_bootstrap_ci``), as they are not independent draws. Fewer, larger
    draws: the interval widens.

    >>> conversations = [i // 3 for i in range(60)]  # 20 conversations of three turns: the six gains are in two
    >>> print(paired_bootstrap_difference(base, tuned, groups=conversations))
    0.10 [0.00, 0.25]
    """
    if len(a) != len(b):
        raise ValueError(f"a has {len(a)} values and b has {len(b)}: a paired comparison needs the same prompts in both")
    a_floats, b_floats = _floats(a, "a"), _floats(b, "b")
    differences = [y - x for x, y in zip(a_floats, b_floats)]
    return bootstrap_ci(differences, groups=groups, confidence=confidence, resamples=resamples, seed=seed)


def within_noise(difference: Interval) -> bool:
    """True when the interval of a difference contains 0: the data cannot tell the two models apart.

    >>> within_noise(Interval(0.05, -0.02, 0.12)), within_noise(Interval(0.10, 0.03, 0.18))
    (True, False)

    An interval of width 0 (every prompt changed alike) is read with the rule of three, ±3/n around it, when
    it knows its n: a change of 1.00 on 23 conversations is beyond the noise, one of 0.10 on 20 prompts is not.

    >>> within_noise(Interval(1.0, 1.0, 1.0, n=23)), within_noise(Interval(0.1, 0.1, 0.1, n=20))
    (False, True)
    """
    low, high = difference.low, difference.high
    if low == high and difference.n:
        low, high = low - 3 / difference.n, high + 3 / difference.n
    return low <= 0 <= high


def normal_margin(n: int, share: float = 0.5, confidence: float = 0.95) -> float:
    """The ± of a share measured on ``n`` prompts, by the normal approximation ``z * sqrt(p (1 - p) / n)``.

    A quick check on the bootstrap, and a way to ask how many prompts a comparison needs:

    >>> round(normal_margin(60), 3), round(normal_margin(600), 3)  # ten times the prompts: a third of the noise
    (0.127, 0.04)
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a whole number >= 1, got {n!r}")
    if not 0 <= share <= 1:
        raise ValueError(f"share must be between 0 and 1, got {share}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    return z * math.sqrt(share * (1 - share) / n)
