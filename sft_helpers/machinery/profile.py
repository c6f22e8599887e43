"""Which model, data and scale a notebook uses: the ``full`` profile (the Hub) or ``offline``.

One environment variable, ``SFT_PROFILE``, picks the profile:

* ``full``: the real models and data sets from the Hugging Face Hub, at the scale a student
  would train on a GPU. Stops with a clear message when the Hub cannot be reached (with
  ``HF_HUB_OFFLINE=1`` it trusts the local Hugging Face cache instead of asking the Hub).
* ``offline``: no network at all. Tiny stand-ins of the same architecture families, built
  locally (``sft_helpers.machinery.standins``), and the course's bundled data sets.
* ``auto`` (default): ``full`` when the Hub answers within a few seconds, otherwise ``offline``
  with a loud banner. ``HF_HUB_OFFLINE=1`` means offline. On a machine without a GPU, ``auto`` also
  falls back, loudly and with the estimate, when the full run is estimated at more than 15 minutes on
  this CPU (``cpu_too_slow``): a student's laptop never starts hours of training unannounced.

A student's overrides, read when ``course_run`` is called: ``SFT_MAX_STEPS`` (the default of
``course_run``'s ``max_steps``, which a script passes instead), and per task a model and a data set:
``SFT_SMOLTALK_MODEL``, ``SFT_SMOLTALK_DATASET``, ``SFT_ALPACA_MODEL``, ``SFT_ALPACA_DATASET``. A model is a
Hub id or a local folder; a data set is a Hub id, optionally with its configuration after a colon
(``HuggingFaceTB/smoltalk:smol-magpie-ultra``), a local folder of ``train.jsonl`` (and ``test.jsonl``)
files, or ``bundled``. There is no override for all tasks at once: notebook 01 loads both tasks, and one
data set for both would feed one of them the wrong columns, so ``SFT_MODEL``, ``SFT_DATASET`` and
``SFT_DATASET_CONFIG`` stop with a message naming the per-task variables.

For maintainers and the tests (``misc/maintainers.md``): ``SFT_BATCH_SIZE`` (the default of
``batch_size``), ``SFT_EVAL_REPLIES`` (how many held-out replies the notebooks generate to measure a
model) and ``SFT_HUB_TIMEOUT`` (seconds for the Hub check, default 5).

A run with fewer steps than its profile's default is a *smoke run*: the notebooks then skip the
checks that training worked, since a few steps cannot show it, say so, and generate short replies.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from sft_helpers.machinery import bundled_data, standins
from sft_helpers.machinery.hub import hub_offline_requested, hub_problem
from sft_helpers.machinery.tasks import TASKS, Profile, Task

PROFILES = ("auto", "full", "offline")


# A smoke run only shows that the code runs; its replies are cut short to keep it quick.
SMOKE_MAX_NEW_TOKENS = 16


class HubUnavailableError(RuntimeError):
    """``SFT_PROFILE=full`` was asked for, but the Hub does not answer."""


@dataclass(frozen=True)
class CourseRun:
    """Everything a notebook needs to load its model and data, and the scale to train at."""

    task: str
    profile: Profile
    requested: str
    reason: str
    model_name: str  # what from_pretrained gets: a Hub id or a local folder
    model_label: str  # what to show a student
    dataset_path: str  # the first argument of datasets.load_dataset
    dataset_config: str | None
    data_files: dict[str, str] | None = field(default=None)
    max_steps: int = 0
    batch_size: int = 0
    learning_rate: float = 0.0
    max_length: int = 0
    max_new_tokens: int = 48
    eval_replies: int = 60
    smoke_run: bool = False  # fewer steps than the profile's default: too short to check learning

    @property
    def dataset_label(self) -> str:
        if self.data_files is not None:
            return f"bundled {TASKS[self.task].bundled} set (sft_helpers/machinery/data, formatted like {TASKS[self.task].hub_dataset})"
        return self.dataset_path + (f" ({self.dataset_config})" if self.dataset_config else "")

    def summary(self) -> str:
        """The lines every notebook prints first."""
        return "\n".join(
            [
                f"profile:    {self.profile} (SFT_PROFILE={self.requested}: {self.reason})",
                f"model:      {self.model_label}",
                f"data set:   {self.dataset_label}",
                f"max steps:  {self.max_steps}"
                + (f" (a smoke run: learning checks are skipped, replies cut at {self.max_new_tokens} tokens)" if self.smoke_run else ""),
                f"batch size: {self.batch_size}, learning rate: {self.learning_rate:g}, max length: {self.max_length} tokens",
            ]
        )


def requested_profile() -> str:
    value = os.environ.get("SFT_PROFILE", "auto").strip().lower() or "auto"
    if value not in PROFILES:
        raise ValueError(f"SFT_PROFILE={value!r} is not a profile; use one of {', '.join(PROFILES)}")
    return value


def _int_override(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a whole number") from None
    if value < 1:
        raise ValueError(f"{name}={raw!r} must be at least 1")
    return value


def _override(name: str, task: str) -> str | None:
    """The value of ``SFT_<TASK>_<NAME>``, or ``None`` when it is unset or empty."""
    return os.environ.get(f"SFT_{task.upper()}_{name}") or None


def _refuse_settings_without_a_task() -> None:
    example = f"SFT_SMOLTALK_DATASET={TASKS['smoltalk'].hub_dataset}:{TASKS['smoltalk'].hub_dataset_config}"
    for variable in ("SFT_DATASET_CONFIG", *(f"SFT_{task.upper()}_DATASET_CONFIG" for task in TASKS)):
        if os.environ.get(variable):
            raise ValueError(f"{variable} is no longer read: write the configuration after the data set's name, as in {example}")
    for variable in ("SFT_MODEL", "SFT_DATASET"):
        if os.environ.get(variable):
            per_task = " or ".join(f"SFT_{task.upper()}_{variable[4:]}" for task in TASKS)
            raise ValueError(
                f"{variable} is set, but the course reads a model and a data set per task: use {per_task} "
                f"(notebook 01 loads both tasks, and one setting for both would give one of them the wrong data)"
            )


def split_dataset(value: str) -> tuple[str, str | None]:
    """A data-set setting as (path or Hub id, configuration): ``repo:config``, a Hub id, or a local folder.

    >>> split_dataset("HuggingFaceTB/smoltalk:smol-magpie-ultra")
    ('HuggingFaceTB/smoltalk', 'smol-magpie-ultra')
    >>> split_dataset("tatsu-lab/alpaca")
    ('tatsu-lab/alpaca', None)
    """
    if os.path.exists(value) or ":" not in value:
        return value, None
    path, _, config = value.rpartition(":")
    return path, config or None


def cpu_too_slow(name: str) -> str | None:
    """Why ``auto`` should not start task ``name``'s full profile here, or None: on a machine without a GPU,
    a run estimated (from its FLOPs and this CPU's matrix-multiply rate, measured now) at more than
    ``CPU_LIMIT_MINUTES`` would run for hours unannounced.

    ``SFT_MAX_STEPS`` and ``SFT_BATCH_SIZE`` count: a shortened run may be short enough. A model of the
    student's own (``SFT_<TASK>_MODEL``) has no estimate, and is left to run.
    """
    from sft_helpers.machinery.device import detect_device

    if detect_device() != "cpu" or _override("MODEL", name):
        return None
    import torch

    from sft_helpers.machinery.estimates import CPU_LIMIT_MINUTES, cpu_minutes, matmul_rate

    full = TASKS[name].full
    steps, batch = _int_override("SFT_MAX_STEPS", full.max_steps), _int_override("SFT_BATCH_SIZE", full.batch_size)
    rate = matmul_rate(torch.get_num_threads())
    fast, slow = cpu_minutes(name, steps, batch, rate)
    if fast <= CPU_LIMIT_MINUTES:
        return None
    return (f"no GPU here, and the full run ({steps:,} steps at batch {batch}) is estimated at {fast:,.0f}-{slow:,.0f} "
            f"minutes on this CPU (from its FLOPs and this machine's matrix multiply, measured now at "
            f"{rate / 1e9:.0f} GFLOP/s; an estimate, not a measurement of the run). To run it anyway, set "
            f"SFT_PROFILE=full; to try the real model for a few steps, also set SFT_MAX_STEPS")


def _resolve_profile(task: Task, name: str) -> tuple[Profile, str, str]:
    requested = requested_profile()
    if requested == "offline":
        return "offline", requested, "set explicitly"
    if hub_offline_requested():
        if requested == "full":
            return "full", requested, "HF_HUB_OFFLINE=1, so models load from the local Hugging Face cache"
        return "offline", requested, "HF_HUB_OFFLINE=1"
    problem = hub_problem(task.hub_model)
    if problem is None:
        too_slow = cpu_too_slow(name) if requested == "auto" else None
        if too_slow:
            return "offline", requested, too_slow
        return "full", requested, "the Hugging Face Hub answered"
    if requested == "full":
        raise HubUnavailableError(
            f"SFT_PROFILE=full, but the Hugging Face Hub did not answer ({problem}).\n"
            "Check the network connection, or run offline with SFT_PROFILE=offline (or auto, which falls back by itself)."
        )
    return "offline", requested, f"the Hugging Face Hub did not answer: {problem}"


def fallback_banner(task: Task, reason: str, model_label: str) -> str:
    """The loud notice printed when ``auto`` falls back to the offline profile."""
    bar = "!" * 78
    return "\n".join(
        [
            bar,
            "!! OFFLINE FALLBACK: the real model and data set are NOT used in this run.",
            f"!! Why: {reason}.",
            f"!! Instead of {task.hub_model} this notebook trains the stand-in {model_label}.",
            f"!! Instead of {task.hub_dataset} it uses the course's small bundled data set.",
            "!! The code is the same, but the results show the method, not what the real model can do.",
            "!! To insist on the real model, set SFT_PROFILE=full before starting Jupyter",
            "!! (or run os.environ['SFT_PROFILE'] = 'full' in the first cell) and check your connection.",
            bar,
        ]
    )


def quiet_progress_bars() -> None:
    """Progress bars off for the data sets' ``map`` and ``filter`` and for transformers' weight loading.

    The course's stored outputs are made with them off (``tests/conftest.py``), so with them off for you too
    a notebook shows what its stored outputs show. The trainer's own progress table stays, and so do
    download bars, which only the full profile has (transformers' switch turns those off as well: they are
    turned back on unless ``HF_HUB_DISABLE_PROGRESS_BARS`` is set).
    """
    import datasets
    import huggingface_hub.utils as hub_utils
    from transformers.utils import logging as transformers_logging

    datasets.disable_progress_bars()
    downloads_shown = not hub_utils.are_progress_bars_disabled()
    transformers_logging.disable_progress_bar()
    if downloads_shown:
        hub_utils.enable_progress_bars()


def course_run(task: str, *, max_steps: int | None = None, batch_size: int | None = None) -> CourseRun:
    """Resolve the profile and the overrides for ``task`` (``smoltalk`` or ``alpaca``).

    ``max_steps`` and ``batch_size`` default to ``SFT_MAX_STEPS`` and ``SFT_BATCH_SIZE``, and those to the
    profile's scale.

    >>> run = course_run("smoltalk", max_steps=10)  # the tests run with SFT_PROFILE=offline
    >>> run.profile, run.max_steps, run.batch_size, run.learning_rate
    ('offline', 10, 4, 0.003)
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; known: {', '.join(TASKS)}")
    quiet_progress_bars()
    spec = TASKS[task]
    profile, requested, reason = _resolve_profile(spec, task)

    _refuse_settings_without_a_task()
    model_name = _override("MODEL", task)
    if model_name:
        model_label = f"{model_name} (from SFT_{task.upper()}_MODEL)"
    elif profile == "full":
        model_name = model_label = spec.hub_model
    else:
        standin = standins.STANDINS[spec.standin]
        model_name = str(standins.standin_path(spec.standin))
        model_label = f"{standin.name}: offline stand-in for {standin.replaces}, built locally with random weights"

    dataset, dataset_config = split_dataset(_override("DATASET", task) or ("bundled" if profile == "offline" else spec.hub_dataset))
    if dataset == "bundled":
        dataset_path, dataset_config, data_files = "json", None, bundled_data.data_files(spec.bundled)
    else:
        dataset_path, data_files = dataset, None
        if dataset_config is None and dataset == spec.hub_dataset:
            dataset_config = spec.hub_dataset_config

    scale = spec.scale(profile)
    if max_steps is None:
        max_steps = _int_override("SFT_MAX_STEPS", scale.max_steps)
    if batch_size is None:
        batch_size = _int_override("SFT_BATCH_SIZE", scale.batch_size)
    if max_steps < 1 or batch_size < 1:
        raise ValueError(f"max_steps and batch_size must be at least 1, got {max_steps} and {batch_size}")
    smoke_run = max_steps < scale.max_steps
    run = CourseRun(
        task=task,
        profile=profile,
        requested=requested,
        reason=reason,
        model_name=model_name,
        model_label=model_label,
        dataset_path=dataset_path,
        dataset_config=dataset_config,
        data_files=data_files,
        max_steps=max_steps,
        batch_size=batch_size,
        learning_rate=scale.learning_rate,
        max_length=scale.max_length,
        max_new_tokens=min(scale.max_new_tokens, SMOKE_MAX_NEW_TOKENS) if smoke_run else scale.max_new_tokens,
        eval_replies=_int_override("SFT_EVAL_REPLIES", 60),
        smoke_run=smoke_run,
    )
    if profile == "offline" and requested == "auto":
        print(fallback_banner(spec, reason, model_label), file=sys.stderr)
    return run
