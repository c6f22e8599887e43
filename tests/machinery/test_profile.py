import os
from pathlib import Path

import pytest

from sft_helpers.machinery import hub, profile
from sft_helpers.machinery.profile import HubUnavailableError, course_run
from sft_helpers.machinery.tasks import TASKS

PER_TASK = tuple(f"SFT_{task}_{name}" for task in ("SMOLTALK", "ALPACA") for name in ("MODEL", "DATASET", "DATASET_CONFIG"))
OVERRIDES = ("SFT_EVAL_REPLIES", "SFT_MAX_STEPS", "SFT_BATCH_SIZE", "SFT_MODEL", "SFT_DATASET", "SFT_DATASET_CONFIG",
             "HF_HUB_OFFLINE", "HF_ENDPOINT", *PER_TASK)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in OVERRIDES:
        monkeypatch.delenv(name, raising=False)
    hub._probe.cache_clear()
    yield
    hub._probe.cache_clear()


@pytest.fixture
def hub_answers(monkeypatch):
    monkeypatch.setattr(profile, "hub_problem", lambda repo_id: None)


@pytest.fixture
def hub_down(monkeypatch):
    monkeypatch.setattr(profile, "hub_problem", lambda repo_id: "Name or service not known")


def test_offline_profile_uses_standins_and_bundled_data(monkeypatch, capsys):
    monkeypatch.setenv("SFT_PROFILE", "offline")
    run = course_run("smoltalk")
    assert run.profile == "offline"
    assert Path(run.model_name).name.startswith("tiny-smollm2-")
    assert (Path(run.model_name) / "config.json").exists()
    assert run.dataset_path == "json" and set(run.data_files) == {"train", "test"}
    offline = TASKS["smoltalk"].offline  # the run takes its scale from the task's offline row, whatever its values
    assert (run.max_steps, run.batch_size, run.learning_rate, run.max_length) == (
        offline.max_steps, offline.batch_size, offline.learning_rate, offline.max_length)
    assert not run.smoke_run
    assert "stand-in for HuggingFaceTB/SmolLM2-135M" in run.summary()
    assert capsys.readouterr().err == ""  # chosen on purpose: no fallback banner


def test_full_profile_uses_the_hub(monkeypatch, hub_answers):
    monkeypatch.setenv("SFT_PROFILE", "full")
    run = course_run("alpaca")
    assert (run.model_name, run.dataset_path, run.dataset_config, run.data_files) == ("distilgpt2", "tatsu-lab/alpaca", None, None)
    run = course_run("smoltalk")
    assert (run.model_name, run.dataset_path, run.dataset_config) == (
        "HuggingFaceTB/SmolLM2-135M",
        "HuggingFaceTB/smoltalk",
        "everyday-conversations",
    )
    full = TASKS["smoltalk"].full
    assert (run.max_steps, run.batch_size, run.learning_rate, run.max_length) == (
        full.max_steps, full.batch_size, full.learning_rate, full.max_length)
    assert not run.smoke_run


def test_full_profile_stops_when_hub_is_down(monkeypatch, hub_down):
    monkeypatch.setenv("SFT_PROFILE", "full")
    with pytest.raises(HubUnavailableError, match="SFT_PROFILE=offline"):
        course_run("smoltalk")


def test_full_profile_with_hf_hub_offline_trusts_the_cache(monkeypatch, hub_down):
    monkeypatch.setenv("SFT_PROFILE", "full")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    run = course_run("smoltalk")
    assert run.profile == "full" and run.model_name == "HuggingFaceTB/SmolLM2-135M"


@pytest.fixture
def a_gpu(monkeypatch):
    """A machine with a CUDA GPU, whatever machine runs the tests."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)


def test_auto_uses_full_when_hub_answers(monkeypatch, hub_answers, a_gpu, capsys):
    monkeypatch.setenv("SFT_PROFILE", "auto")
    assert course_run("smoltalk").profile == "full"
    assert capsys.readouterr().err == ""


def test_auto_on_a_laptop_cpu_does_not_start_hours_of_training(monkeypatch, hub_answers, no_gpu, capsys):
    from sft_helpers.machinery import estimates

    monkeypatch.setenv("SFT_PROFILE", "auto")
    monkeypatch.setattr(estimates, "matmul_rate", lambda threads: 100e9)  # a laptop's cores, measured
    run = course_run("smoltalk")
    assert run.profile == "offline" and run.requested == "auto"
    banner = capsys.readouterr().err
    assert "OFFLINE FALLBACK" in banner and "no GPU here" in banner
    full = TASKS["smoltalk"].full
    fast, slow = estimates.cpu_minutes("smoltalk", full.max_steps, full.batch_size, 100e9)
    assert fast > estimates.CPU_LIMIT_MINUTES  # the reason it fell back
    assert f"({full.max_steps:,} steps at batch {full.batch_size}) is estimated at {fast:,.0f}-{slow:,.0f} minutes on this CPU" in banner
    assert "measured now at 100 GFLOP/s; an estimate, not a measurement of the run" in banner
    assert "SFT_PROFILE=full" in banner and "SFT_MAX_STEPS" in banner


def test_auto_on_a_cpu_runs_the_real_model_when_the_run_is_short(monkeypatch, hub_answers, no_gpu, capsys):
    from sft_helpers.machinery import estimates

    monkeypatch.setenv("SFT_PROFILE", "auto")
    monkeypatch.setenv("SFT_MAX_STEPS", "20")  # 20 of the full run's steps: a few minutes at this rate
    monkeypatch.setattr(estimates, "matmul_rate", lambda threads: 100e9)
    assert estimates.cpu_minutes("smoltalk", 20, TASKS["smoltalk"].full.batch_size, 100e9)[0] <= estimates.CPU_LIMIT_MINUTES
    run = course_run("smoltalk")
    assert run.profile == "full" and run.max_steps == 20 and run.smoke_run
    assert capsys.readouterr().err == ""


def test_full_on_a_cpu_is_the_students_choice_and_is_not_second_guessed(monkeypatch, hub_answers, no_gpu):
    from sft_helpers.machinery import estimates

    monkeypatch.setenv("SFT_PROFILE", "full")
    monkeypatch.setattr(estimates, "matmul_rate", lambda threads: pytest.fail("SFT_PROFILE=full needs no estimate"))
    assert course_run("alpaca").profile == "full"


def test_auto_falls_back_loudly(monkeypatch, hub_down, capsys):
    monkeypatch.delenv("SFT_PROFILE", raising=False)  # auto is the default
    run = course_run("smoltalk")
    assert run.profile == "offline" and run.requested == "auto"
    banner = capsys.readouterr().err
    assert "OFFLINE FALLBACK" in banner
    assert "tiny-smollm2" in banner and "HuggingFaceTB/SmolLM2-135M" in banner
    assert "SFT_PROFILE=full" in banner
    assert "Name or service not known" in banner


def test_auto_honours_hf_hub_offline(monkeypatch, capsys):
    monkeypatch.setenv("SFT_PROFILE", "auto")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(profile, "hub_problem", lambda repo_id: pytest.fail("must not ask the Hub"))
    run = course_run("alpaca")
    assert run.profile == "offline" and "HF_HUB_OFFLINE=1" in run.reason
    assert "OFFLINE FALLBACK" in capsys.readouterr().err


def test_auto_really_probes_an_unreachable_hub(monkeypatch, capsys):
    monkeypatch.setenv("SFT_PROFILE", "auto")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    run = course_run("smoltalk")
    assert run.profile == "offline"
    assert "refused" in run.reason.lower()


def test_overrides(monkeypatch, hub_answers, tmp_path):
    monkeypatch.setenv("SFT_PROFILE", "full")
    monkeypatch.setenv("SFT_MAX_STEPS", "7")
    monkeypatch.setenv("SFT_BATCH_SIZE", "2")
    monkeypatch.setenv("SFT_SMOLTALK_MODEL", str(tmp_path))
    monkeypatch.setenv("SFT_SMOLTALK_DATASET", "bundled")
    run = course_run("smoltalk")
    assert (run.max_steps, run.batch_size, run.model_name) == (7, 2, str(tmp_path))
    assert run.smoke_run and "smoke run" in run.summary()
    assert run.dataset_path == "json" and "bundled conversations set" in run.dataset_label
    assert "from SFT_SMOLTALK_MODEL" in run.model_label


def test_a_data_set_carries_its_configuration_after_a_colon(monkeypatch, hub_answers, tmp_path):
    monkeypatch.setenv("SFT_PROFILE", "full")
    monkeypatch.setenv("SFT_SMOLTALK_DATASET", "someone/chats:small")
    assert (course_run("smoltalk").dataset_path, course_run("smoltalk").dataset_config) == ("someone/chats", "small")
    monkeypatch.setenv("SFT_SMOLTALK_DATASET", "HuggingFaceTB/smoltalk")  # the real set keeps its configuration
    assert course_run("smoltalk").dataset_config == "everyday-conversations"
    monkeypatch.setenv("SFT_SMOLTALK_DATASET", "HuggingFaceTB/smoltalk:smol-magpie-ultra")
    assert course_run("smoltalk").dataset_config == "smol-magpie-ultra"
    folder = tmp_path / "chats:v2"  # a local folder is a folder, colon or not
    folder.mkdir()
    monkeypatch.setenv("SFT_SMOLTALK_DATASET", str(folder))
    assert (course_run("smoltalk").dataset_path, course_run("smoltalk").dataset_config) == (str(folder), None)


def test_each_task_reads_only_its_own_settings(monkeypatch, hub_answers, tmp_path):
    """Notebook 01 loads both tasks: a setting for one must never reach the other."""
    monkeypatch.setenv("SFT_PROFILE", "full")
    monkeypatch.setenv("SFT_SMOLTALK_DATASET", "someone/chats")
    monkeypatch.setenv("SFT_ALPACA_DATASET", "someone/instructions")
    monkeypatch.setenv("SFT_ALPACA_MODEL", str(tmp_path))
    alpaca, smoltalk = course_run("alpaca"), course_run("smoltalk")
    assert (alpaca.dataset_path, smoltalk.dataset_path) == ("someone/instructions", "someone/chats")
    assert alpaca.model_name == str(tmp_path) and "from SFT_ALPACA_MODEL" in alpaca.model_label
    assert smoltalk.model_name == "HuggingFaceTB/SmolLM2-135M"


@pytest.mark.parametrize("name", ["SFT_MODEL", "SFT_DATASET"])
def test_a_setting_without_a_task_stops_and_names_the_ones_to_use(monkeypatch, name):
    """The trap it closes: a plain SFT_DATASET fed notebook 01's Alpaca run the conversations (KeyError 'input')."""
    monkeypatch.setenv("SFT_PROFILE", "offline")
    monkeypatch.setenv(name, "someone/chats")
    per_task = name.replace("SFT_", "")
    with pytest.raises(ValueError, match=f"{name} is set.*SFT_SMOLTALK_{per_task} or SFT_ALPACA_{per_task}"):
        course_run("alpaca")


@pytest.mark.parametrize("name", ["SFT_DATASET_CONFIG", "SFT_SMOLTALK_DATASET_CONFIG", "SFT_ALPACA_DATASET_CONFIG"])
def test_a_configuration_variable_stops_and_shows_the_colon(monkeypatch, name):
    monkeypatch.setenv("SFT_PROFILE", "offline")
    monkeypatch.setenv(name, "small")
    with pytest.raises(ValueError, match=f"{name} is no longer read.*SFT_SMOLTALK_DATASET=HuggingFaceTB/smoltalk:everyday-conversations"):
        course_run("alpaca")


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("SFT_PROFILE", "online", "not a profile"),
        ("SFT_MAX_STEPS", "ten", "not a whole number"),
        ("SFT_MAX_STEPS", "0", "at least 1"),
        ("SFT_BATCH_SIZE", "-4", "at least 1"),
    ],
)
def test_bad_overrides_are_named(monkeypatch, name, value, message):
    monkeypatch.setenv("SFT_PROFILE", "offline")
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=f"{name}.*{message}"):
        course_run("smoltalk")


def test_unknown_task():
    with pytest.raises(ValueError, match="unknown task"):
        course_run("imagenet")


def test_more_steps_is_not_a_smoke_run(monkeypatch):
    monkeypatch.setenv("SFT_PROFILE", "offline")
    monkeypatch.setenv("SFT_MAX_STEPS", "800")
    monkeypatch.setenv("SFT_EVAL_REPLIES", "5")
    run = course_run("smoltalk")
    assert (run.max_steps, run.smoke_run, run.eval_replies) == (800, False, 5)


def test_explicit_arguments_win_over_the_environment_and_leave_it_alone(monkeypatch):
    monkeypatch.setenv("SFT_PROFILE", "offline")
    monkeypatch.setenv("SFT_MAX_STEPS", "7")
    run = course_run("smoltalk", max_steps=3, batch_size=5)
    assert (run.max_steps, run.batch_size, run.smoke_run) == (3, 5, True)
    assert os.environ["SFT_MAX_STEPS"] == "7" and "SFT_BATCH_SIZE" not in os.environ
    assert course_run("smoltalk").max_steps == 7
    with pytest.raises(ValueError, match="at least 1"):
        course_run("smoltalk", max_steps=0)


def test_a_student_sees_no_progress_bar_that_the_stored_outputs_lack(tmp_path):
    # The stored outputs are made with the bars off (tests/conftest.py's NOTEBOOK_ENV); a student's
    # environment has none of those switches, so course_run turns the same bars off: a data set's map
    # and a model's loading print nothing. Downloads keep their bars (only the full profile has them).
    import subprocess
    import sys

    script = """
import huggingface_hub.utils as hub_utils
from datasets import Dataset
from transformers import AutoModelForCausalLM
from sft_helpers.machinery.profile import course_run
run = course_run("smoltalk")
Dataset.from_list([{"n": i} for i in range(50)]).map(lambda row: {"m": row["n"] + 1})
AutoModelForCausalLM.from_pretrained(run.model_name)
print("downloads show bars:", not hub_utils.are_progress_bars_disabled())
"""
    student = {k: v for k, v in os.environ.items()
               if k not in ("TQDM_DISABLE", "HF_HUB_DISABLE_PROGRESS_BARS", "HF_DATASETS_DISABLE_PROGRESS_BARS")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path,
                          env={**student, "SFT_PROFILE": "offline"}, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "%|" not in done.stderr and "it/s]" not in done.stderr, done.stderr[-2000:]
    assert "downloads show bars: True" in done.stdout
