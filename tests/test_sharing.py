import dataclasses

from sft_helpers.machinery.profile import CourseRun
from sft_helpers.sharing import model_card, push_to_hub_if_token

FULL = CourseRun("smoltalk", "full", "full", "test", "HuggingFaceTB/SmolLM2-135M", "HuggingFaceTB/SmolLM2-135M",
                 "HuggingFaceTB/smoltalk", "everyday-conversations", max_steps=1000, batch_size=4, learning_rate=5e-5,
                 max_length=1024)
OFFLINE = dataclasses.replace(FULL, profile="offline", model_name="/cache/tiny-smollm2-abc", model_label="tiny-smollm2: offline stand-in",
                              dataset_path="json", data_files={"train": "x.jsonl"})


def test_card_records_base_data_scale_and_figures():
    card = model_card(FULL, {"validation loss": (2.412, 1.037), "share of 60 replies ending": (0.1, 0.95), "correct": (None, None)})
    assert card.data.base_model == "HuggingFaceTB/SmolLM2-135M" and card.data.datasets == ["HuggingFaceTB/smoltalk"]
    assert "steps: 1,000 at batch 4, learning rate 5e-05, max length 1024 tokens" in card.text
    assert "| validation loss | 2.412 | 1.037 |" in card.text and "| correct | not measured | not measured |" in card.text
    assert "Offline stand-in" not in card.text


def test_offline_card_says_it_is_a_stand_in_and_names_no_hub_model():
    card = model_card(OFFLINE, {"validation loss": (6.9, 0.2)})
    assert card.data.base_model is None and card.data.datasets is None
    assert "**Offline stand-in:**" in card.text


def test_card_round_trips_through_a_file(tmp_path):
    from huggingface_hub import ModelCard

    model_card(FULL, {"validation loss": (2.0, 1.0)}).save(tmp_path / "README.md")
    assert ModelCard.load(tmp_path / "README.md").data.base_model == "HuggingFaceTB/SmolLM2-135M"


def test_no_push_offline_in_smoke_runs_or_without_a_token(monkeypatch, tmp_path):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    assert push_to_hub_if_token(tmp_path, "m", OFFLINE).startswith("not pushed: the offline stand-in")
    assert push_to_hub_if_token(tmp_path, "m", dataclasses.replace(FULL, smoke_run=True)).startswith("not pushed: a smoke run")
    assert "never asks you to log in" in push_to_hub_if_token(tmp_path, "m", FULL)


def test_push_with_a_token_uploads_the_folder(monkeypatch, tmp_path):
    import huggingface_hub

    calls = []

    class FakeApi:
        def __init__(self, token):
            calls.append(("token", token))

        def whoami(self):
            return {"name": "student"}

        def create_repo(self, repo_id, exist_ok):
            calls.append(("create", repo_id, exist_ok))

        def upload_folder(self, folder_path, repo_id, ignore_patterns):
            calls.append(("upload", folder_path, repo_id))

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    line = push_to_hub_if_token(tmp_path, "smollm2-sft", FULL)
    assert line == "pushed to https://huggingface.co/student/smollm2-sft (token from the HF_TOKEN environment variable)"
    assert calls == [("token", "hf_test"), ("create", "student/smollm2-sft", True), ("upload", str(tmp_path), "student/smollm2-sft")]
