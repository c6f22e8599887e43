"""Checks that training worked, each with the profile it holds in and why its threshold is right there.

A threshold tuned on the offline stand-ins (a random model trained on templated, checkable data) says
nothing about the real model on real data, and a guess presented as a check would stop a student's
good run or pass a bad one. So each ``Expectation`` names the profiles where it is asserted; elsewhere
its outcome is reported, not asserted. A smoke run (fewer steps than the profile's default) asserts
nothing, since a few steps cannot show learning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sft_helpers.machinery.profile import CourseRun
from sft_helpers.machinery.tasks import Profile

OFFLINE: tuple[Profile, ...] = ("offline",)
EVERY_PROFILE: tuple[Profile, ...] = ("offline", "full")


@dataclass(frozen=True)
class Expectation:
    """One claim about a finished run, whether it holds, and where it is asserted."""

    claim: str
    holds: bool
    profiles: tuple[Profile, ...]
    why: str


class LearningCheckFailed(AssertionError):
    """A run did not show what its profile requires of it."""


def check_learning(run: CourseRun, expectations: Sequence[Expectation]) -> None:
    """Print one line per expectation and raise ``LearningCheckFailed`` if an asserted one does not hold.

    >>> from sft_helpers.machinery.profile import CourseRun
    >>> run = CourseRun("smoltalk", "full", "full", "test", "m", "m", "d", None, max_steps=1000)
    >>> check_learning(run, [
    ...     Expectation("the validation loss fell", True, EVERY_PROFILE, "any real training lowers it"),
    ...     Expectation("90% of replies end", False, OFFLINE, "the bundled replies are short"),
    ... ])
    [checked]  the validation loss fell: yes (asserted in every profile: any real training lowers it)
    [reported] 90% of replies end: no (asserted in the offline profile only: the bundled replies are short)
    """
    failures = []
    for e in expectations:
        where = "every profile" if set(e.profiles) >= set(EVERY_PROFILE) else f"the {' and '.join(e.profiles)} profile only"
        asserted = run.profile in e.profiles and not run.smoke_run
        if not asserted:
            status = "[reported]"
        elif e.holds:
            status = "[checked] "
        else:
            status = "[FAILED]  "
            failures.append(e.claim)
        print(f"{status} {e.claim}: {'yes' if e.holds else 'no'} (asserted in {where}: {e.why})")
    if run.smoke_run:
        print(f"a smoke run of {run.max_steps} steps is too short to show learning: nothing above was asserted")
    if failures:
        raise LearningCheckFailed("training did not do what this profile requires: " + "; ".join(failures))
