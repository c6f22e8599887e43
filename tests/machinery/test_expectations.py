import dataclasses

import pytest

from sft_helpers.machinery.expectations import EVERY_PROFILE, OFFLINE, Expectation, LearningCheckFailed, check_learning
from sft_helpers.machinery.profile import CourseRun

OFFLINE_RUN = CourseRun("smoltalk", "offline", "offline", "set explicitly", "m", "m", "json", None, max_steps=400)
FULL_RUN = dataclasses.replace(OFFLINE_RUN, profile="full", requested="full")


def claims(holds: bool) -> list[Expectation]:
    return [Expectation("the stand-in halved its loss", holds, OFFLINE, "it starts at random")]


def test_an_asserted_claim_that_fails_stops_the_notebook(capsys):
    with pytest.raises(LearningCheckFailed, match="the stand-in halved its loss"):
        check_learning(OFFLINE_RUN, claims(False))
    assert "[FAILED]" in capsys.readouterr().out


def test_a_claim_outside_its_profile_is_reported_not_asserted(capsys):
    check_learning(FULL_RUN, claims(False))
    out = capsys.readouterr().out
    assert out.startswith("[reported] the stand-in halved its loss: no (asserted in the offline profile only")


def test_a_smoke_run_asserts_nothing_and_says_so(capsys):
    smoke = dataclasses.replace(OFFLINE_RUN, max_steps=4, smoke_run=True)
    check_learning(smoke, claims(False) + [Expectation("loss fell", False, EVERY_PROFILE, "always")])
    out = capsys.readouterr().out
    assert "[FAILED]" not in out and "too short to show learning" in out


def test_a_claim_for_every_profile_is_asserted_in_the_full_profile(capsys):
    with pytest.raises(LearningCheckFailed):
        check_learning(FULL_RUN, [Expectation("loss fell", False, EVERY_PROFILE, "always")])
    check_learning(FULL_RUN, [Expectation("loss fell", True, EVERY_PROFILE, "always")])
    assert "[checked]  loss fell: yes (asserted in every profile: always)" in capsys.readouterr().out
