"""Notebook 04 against ``sft_helpers.loss_patterns``: the run it builds by hand is the run ``train`` makes,
its text states ``diagnose``'s own thresholds, and the recipes are what its table and text say."""

import dataclasses
import inspect
import re
from pathlib import Path

import nbformat
import pytest

from sft_helpers import curves
from sft_helpers.batching import layout_for
from sft_helpers.loss_patterns import PATTERN_STEPS, file_stem, recipes, train
from sft_helpers.machinery.profile import course_run
from sft_helpers.machinery.tasks import TASKS
from sft_helpers.training import load_chat_model, sft_config

NOTEBOOK_04 = Path(__file__).resolve().parents[1] / "notebooks" / "04_monitoring_loss_curves.ipynb"
CONFIG_MARKER = "# The healthy run's SFTConfig, written out"
FIRST_CELL_OF_THE_RUN = 'recipe = RECIPES["healthy"]'  # section 1: from loading the model...
LAST_CELL_OF_THE_RUN = 'runs["healthy"] = PatternRun('  # ...to the history with the measurement before training
RULES_HEADING = "### How `diagnose` decides"
TIMING_KEYS = ("runtime", "per_second", "preparation_time")


def cells(kind: str) -> list[str]:
    return [c.source for c in nbformat.read(NOTEBOOK_04, as_version=4).cells if c.cell_type == kind]


def cell_index(sources: list[str], marker: str) -> int:
    found = [i for i, source in enumerate(sources) if marker in source]
    assert len(found) == 1, f"{len(found)} cells of {NOTEBOOK_04.name} hold {marker!r}"
    return found[0]


def healthy_run(profile: str, max_steps: int):
    """The course's run at ``max_steps``; ``full`` keeps the stand-in model but takes the full profile's recipes."""
    run = course_run("smoltalk", max_steps=max_steps)
    return dataclasses.replace(run, profile=profile) if profile != run.profile else run


@pytest.mark.parametrize("profile", ["offline", "full"])
@pytest.mark.parametrize("max_steps", [400, 2, 37])
def test_notebook_04_spells_out_the_helpers_configuration(monkeypatch, tmp_path, profile, max_steps):
    """The healthy run's ``SFTConfig`` is written out for teaching; every field must be the one ``train`` gets."""
    monkeypatch.setenv("SFT_PROFILE", "offline")
    monkeypatch.chdir(tmp_path)
    run = healthy_run(profile, max_steps)
    recipe = recipes(run)["healthy"]
    model, _ = load_chat_model(run.model_name, device="cpu")
    namespace = {"run": run, "model": model, "recipe": recipe}
    code = cells("code")
    exec(code[cell_index(code, CONFIG_MARKER)], namespace)
    spelled_out = namespace["config"].to_dict()
    # What loss_patterns.train builds, in the folder run_pattern gives it.
    helper = sft_config(run, f"outputs/04_monitoring/{file_stem('healthy')}", layout_for(model), max_steps=recipe.max_steps,
                        learning_rate=recipe.learning_rate, seed=42).to_dict()
    differences = {k: (spelled_out.get(k), helper.get(k)) for k in spelled_out.keys() | helper.keys() if spelled_out.get(k) != helper.get(k)}
    assert differences == {}


def without_timings(history: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if not any(t in k for t in TIMING_KEYS)} for row in history]


def test_notebook_04_trains_the_run_that_train_makes(monkeypatch, tmp_path):
    """Section 1's cells, run as they are for a few steps, give the log history and training set of ``train``."""
    monkeypatch.setenv("SFT_PROFILE", "offline")
    monkeypatch.chdir(tmp_path)
    run = course_run("smoltalk", max_steps=4)
    code = cells("code")
    namespace = {"run": run, "RECIPES": recipes(run), "runs": {}}
    for source in code[cell_index(code, FIRST_CELL_OF_THE_RUN):cell_index(code, LAST_CELL_OF_THE_RUN) + 1]:
        exec(source, namespace)
    by_hand = namespace["runs"]["healthy"]
    helper = train(run, recipes(run)["healthy"], tmp_path / "helper")
    assert by_hand.recipe == helper.recipe
    assert by_hand.train_set["messages"] == helper.train_set["messages"]
    assert len(by_hand.history) == len(helper.history) and by_hand.history[0]["step"] == 0
    for mine, theirs in zip(without_timings(by_hand.history), without_timings(helper.history)):
        assert mine.keys() == theirs.keys()
        assert mine == pytest.approx(theirs, rel=1e-5)


def thresholds_in_the_text() -> list[tuple[str, float]]:
    rules = [source for source in cells("markdown") if RULES_HEADING in source]
    assert len(rules) == 1, f"{len(rules)} markdown cells hold {RULES_HEADING!r}"
    return [(name, float(value)) for name, value in re.findall(r"`([A-Z][A-Z_]+) = ([0-9.]+)`", rules[0])]


def test_notebook_04_states_the_thresholds_of_diagnose_in_its_order():
    # The thresholds in the order the rules use them: the first place each appears in diagnose().
    used = list(dict.fromkeys(re.findall(r"\b[A-Z][A-Z_]+\b", inspect.getsource(curves.diagnose))))
    thresholds = [name for name in used if isinstance(getattr(curves, name, None), (int, float))]
    assert len(thresholds) == 6, thresholds
    stated = thresholds_in_the_text()
    assert [name for name, _ in stated] == thresholds
    assert {name: value for name, value in stated} == {name: getattr(curves, name) for name in thresholds}
    # The cell that prints them from the module names the same six.
    code = cells("code")
    printing = code[cell_index(code, "from sft_helpers import curves")]
    assert re.findall(r'"([A-Z][A-Z_]+)"', printing) == thresholds


def test_recipes_are_what_notebook_04_says(monkeypatch):
    monkeypatch.setenv("SFT_PROFILE", "offline")
    run = course_run("smoltalk")  # the offline profile's own steps
    offline = recipes(run)
    healthy, overfitting, no_learning, memorisation = (offline[n] for n in ("healthy", "overfitting", "no learning", "memorisation"))
    # One setting changed in each: the data's size, or the learning rate (and the steps each needs).
    assert (healthy.train_examples, healthy.learning_rate) == (None, run.learning_rate)
    # Their lengths are their own (PATTERN_STEPS), not a share of notebook 02's steps, which is shorter.
    assert {name: r.max_steps for name, r in offline.items()} == PATTERN_STEPS["offline"]
    assert healthy.max_steps < run.max_steps and max(PATTERN_STEPS["offline"].values()) == healthy.max_steps
    assert recipes(course_run("smoltalk", max_steps=10 * run.max_steps)) == offline  # more steps: not a smoke run
    assert (overfitting.train_examples, overfitting.learning_rate) == (16, healthy.learning_rate)
    assert (memorisation.train_examples, memorisation.learning_rate) == (4, healthy.learning_rate)
    assert no_learning.train_examples is None and no_learning.learning_rate == pytest.approx(healthy.learning_rate / 10_000)
    assert not any(r.validate_on_training_data for r in offline.values())  # only exercise 1 leaks
    assert 24 <= overfitting.max_steps * run.batch_size / 16 < 100  # "each seen dozens of times"
    # The full profile: 1e-4 for all but the no-learning run, and 62 epochs of the 16 conversations.
    scale = TASKS["smoltalk"].full
    full = recipes(dataclasses.replace(run, profile="full", max_steps=scale.max_steps, batch_size=scale.batch_size))
    assert {name: r.learning_rate for name, r in full.items()} == pytest.approx(
        {"healthy": 1e-4, "overfitting": 1e-4, "no learning": 1e-8, "memorisation": 1e-4})
    assert full["overfitting"].max_steps * scale.batch_size / 16 == 62.5
    # A smoke run still gives every recipe a step to take.
    assert all(r.max_steps >= 1 for r in recipes(course_run("smoltalk", max_steps=1)).values())
