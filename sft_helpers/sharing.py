"""Sharing a fine-tuned model: a model card that records how it was made, and an upload gated on a token.

A model without a card is a file nobody can judge. The card records the base model, the data, the
training scale and the measured before/after figures. The upload happens only when a token is already
there (``HF_TOKEN`` or Colab's secrets): the course never asks for a login.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sft_helpers.machinery.hub import hub_token
from sft_helpers.machinery.profile import CourseRun
from sft_helpers.machinery.tasks import TASKS


def model_card(run: CourseRun, measured: Mapping[str, tuple[float | None, float | None]]):
    """A ``huggingface_hub.ModelCard`` for ``run``'s fine-tune; ``measured`` maps a figure to (before, after).

    >>> from sft_helpers.machinery.profile import CourseRun
    >>> run = CourseRun("smoltalk", "full", "full", "test", "HuggingFaceTB/SmolLM2-135M", "HuggingFaceTB/SmolLM2-135M",
    ...                 "HuggingFaceTB/smoltalk", "everyday-conversations", max_steps=1000, batch_size=4, learning_rate=5e-5)
    >>> card = model_card(run, {"test loss": (2.5, 1.1)})
    >>> card.data.base_model, card.data.datasets
    ('HuggingFaceTB/SmolLM2-135M', ['HuggingFaceTB/smoltalk'])
    >>> print(card.text.splitlines()[-1])
    | test loss | 2.500 | 1.100 |
    """
    from huggingface_hub import ModelCard, ModelCardData

    task = TASKS[run.task]
    real = run.profile == "full"

    def on_hub(name: str) -> bool:  # card metadata names Hub repositories, not local folders
        return real and not Path(name).exists()

    data = ModelCardData(
        base_model=run.model_name if on_hub(run.model_name) else None,
        datasets=[run.dataset_path] if on_hub(run.dataset_path) and run.data_files is None else None,
        library_name="transformers",
        pipeline_tag="text-generation",
        tags=["sft", "trl", "sft-course"],
    )

    def shown(value: float | None) -> str:
        return "not measured" if value is None else f"{value:.3f}"

    rows = "\n".join(f"| {name} | {shown(before)} | {shown(after)} |" for name, (before, after) in measured.items())
    caveat = (
        ""
        if real
        else f"\n**Offline stand-in:** {run.model_label}. It shows the method, not what {task.hub_model} can do.\n"
    )
    text = f"""---
{data.to_yaml()}
---

# {run.model_label.split(':')[0]} fine-tuned on {run.dataset_label}

Supervised fine-tuning with TRL's `SFTTrainer`, made by the SFT course's notebook for the `{run.task}` task.
{caveat}
## Training

- base model: {run.model_label}
- data: {run.dataset_label}
- steps: {run.max_steps:,} at batch {run.batch_size}, learning rate {run.learning_rate:g}, max length {run.max_length} tokens
- profile: {run.profile}{" (a smoke run: too short to learn)" if run.smoke_run else ""}

## Measured on held-out data

| figure | before | after |
| --- | --- | --- |
{rows}"""
    return ModelCard(text)


def push_to_hub_if_token(folder: str | Path, repo_name: str, run: CourseRun) -> str:
    """Upload ``folder`` to the Hub as ``<your user>/<repo_name>`` when a token is set; say why not otherwise.

    Never asks for a login: without a token it only says how to push.

    >>> from sft_helpers.machinery.profile import course_run
    >>> push_to_hub_if_token("outputs/final", "smollm2-chat", course_run("smoltalk"))
    'not pushed: the offline stand-in is not worth sharing; in the full profile, set HF_TOKEN to push'
    """
    if run.profile != "full":
        return "not pushed: the offline stand-in is not worth sharing; in the full profile, set HF_TOKEN to push"
    if run.smoke_run:
        return "not pushed: a smoke run is too short to have learned anything worth sharing"
    token, source = hub_token()
    if token is None:
        return "not pushed: no Hub token (set HF_TOKEN, or add it to Colab's secrets) - the course never asks you to log in"
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    repo_id = f"{api.whoami()['name']}/{repo_name}"
    api.create_repo(repo_id, exist_ok=True)
    api.upload_folder(folder_path=str(folder), repo_id=repo_id, ignore_patterns=["training_args.bin", "checkpoint-*"])
    return f"pushed to https://huggingface.co/{repo_id} (token from {source})"
