"""Trained once, cached by recipe: the lesson models that later notebooks start from.

Notebook 02's fine-tune is where solutions 02, notebook 07 and its solutions start (``sft_checkpoint``);
notebook 03's run is what its solutions compare with (``notebook_03_run``). Offline, the course keeps one
copy of each in its cache (``SFT_CACHE_DIR``), keyed by the source of the code that trains it and the
run's scale: whichever notebook asks first trains it (``training.train_like_notebook_02`` or ``_03``, the
same steps as the lesson), or the lesson itself leaves its model there (``keep_for_later_notebooks``, which
checks that the two agree bit for bit). So no notebook's figures depend on which notebook ran first.
"""

from __future__ import annotations

import os

from sft_helpers.machinery.profile import CourseRun
from sft_helpers.training import (
    alpaca_splits,
    load_chat_model,
    load_conversations,
    sft_config,
    train_like_notebook_02,
    train_like_notebook_03,
)

NOTEBOOK_02_MODEL = "outputs/02_sft_smollm2_smoltalk/final"  # where notebook 02 saves its fine-tune


def _recipe_cache(run: CourseRun, make):
    """The cache folder of the run's lesson model on the offline stand-in (notebook 02's, or 03's for
    Alpaca), made by ``make(folder)`` if absent.

    Keyed by the source of the code that trains it and the run's scale: a change to either trains anew.
    """
    import inspect

    from sft_helpers.machinery import standins
    from sft_helpers.machinery.tasks import TASKS

    if run.task == "alpaca":
        label, functions = "tiny-gpt2-masked", (train_like_notebook_03, alpaca_splits)
    else:
        label, functions = "tiny-smollm2-sft", (train_like_notebook_02, sft_config, load_conversations, load_chat_model)
    recipe = "".join(inspect.getsource(f) for f in functions) + repr((run.max_steps, run.batch_size, run.learning_rate))
    return standins.cached_model(label, recipe, make, standin=TASKS[run.task].standin)


def _is_offline_recipe(run: CourseRun) -> bool:
    from sft_helpers.machinery import standins
    from sft_helpers.machinery.tasks import TASKS

    return run.model_name == str(standins.standin_path(TASKS[run.task].standin)) and not run.smoke_run


def _save_recipe(folder, source, *, cached: bool = True) -> None:
    """Into ``folder``: the model of ``source`` (a trainer, or a saved folder) and, from a trainer, its log
    history (``log_history.json``); for the cache, its marker last."""
    import json
    import shutil
    from pathlib import Path

    folder = Path(folder)
    if isinstance(source, (str, os.PathLike)):
        for file in Path(source).iterdir():
            if file.is_file() and file.name != "README.md":  # not notebook 02's model card: its figures are 02's
                shutil.copy2(file, folder / file.name)
    else:
        source.save_model(str(folder))
        (folder / "log_history.json").write_text(json.dumps(source.state.log_history))
    if cached:
        (folder / "STANDIN.json").write_text(json.dumps({"name": folder.name, "recipe": "the lesson's run"}))


def _train_into(folder, train, *, cached: bool = True) -> None:
    """``train(output_dir)`` (a ``train_like_notebook_*`` call), its model saved in ``folder`` and its own
    output folder removed."""
    import shutil
    from pathlib import Path

    trainer = train(Path(folder) / "run")
    _save_recipe(folder, trainer, cached=cached)
    shutil.rmtree(Path(folder) / "run", ignore_errors=True)


def keep_for_later_notebooks(run: CourseRun, trained) -> str:
    """Leave a lesson's trained model where later notebooks look for it; say where.

    ``trained`` is notebook 02's saved folder (solutions 02, notebook 07 and its solutions start from it:
    ``sft_checkpoint``), or notebook 03's trainer (its solutions compare with its run: ``notebook_03_run``).
    Offline, the course keeps one copy of each in its cache, trained by whichever notebook asks first. If
    this run goes there, no other notebook trains it again; if another notebook trained it first, this run
    must have given the same weights, which is checked here (a mismatch means that the lesson and
    ``train_like_notebook_02`` or ``train_like_notebook_03`` no longer run the same recipe). The line it
    returns is the same either way. Nothing is cached in the full profile, where notebook 07 loads
    notebook 02's saved folder and solutions 03 trains notebook 03's run again, nor for a shortened run
    (``SFT_MAX_STEPS``), which no later notebook uses.
    """
    import shutil
    import tempfile
    from pathlib import Path

    if not _is_offline_recipe(run):
        if run.smoke_run:
            return "a shortened run (SFT_MAX_STEPS): no later notebook uses it"
        if run.task == "alpaca":
            return "its solutions train this run again, in their own folder"
        return f"notebook 07 and the solutions of 02 and 07 start from this model: {trained}"
    later = "its solutions compare with this run" if run.task == "alpaca" else "notebook 07 and the solutions of 02 and 07 start from this model"
    from safetensors.torch import load_file

    cached = _recipe_cache(run, lambda staging: _save_recipe(staging, trained))
    if isinstance(trained, (str, os.PathLike)):
        mine = load_file(Path(trained) / "model.safetensors")
    else:
        folder = Path(tempfile.mkdtemp(prefix="lesson-run-"))
        trained.save_model(str(folder))
        mine = load_file(folder / "model.safetensors")
        shutil.rmtree(folder, ignore_errors=True)
    theirs = load_file(cached / "model.safetensors")
    differ = sorted(name for name in mine if name not in theirs or not mine[name].equal(theirs[name]))
    if differ or mine.keys() != theirs.keys():
        raise RuntimeError(f"the lesson's model differs from the course cache's copy of its recipe ({cached}) in "
                           f"{len(differ)} tensors, {differ[:3]}...: the lesson and its train_like_notebook_* function "
                           "have drifted apart")
    return f"{later}: the course cache holds these weights (stored now, or checked bit for bit against the copy another notebook trained)"


def sft_checkpoint(run: CourseRun, output_dir: str | os.PathLike = "outputs/07_preference_tuning_dpo/sft") -> tuple[str, str]:
    """The folder of an SFT model to tune further (notebook 07's DPO starts here), and where it came from.

    * Offline: notebook 02's model on the stand-in, from the course's cache: saved there by notebook 02
      (``keep_for_later_notebooks``) or, if another notebook asks first, trained there by
      ``train_like_notebook_02`` (the same weights). Solutions 02, notebook 07 and solutions 07 all start
      from that one copy, whichever of them runs first. A shortened run (``SFT_MAX_STEPS``) is trained
      into ``output_dir`` instead, as in the full profile.
    * Full profile: notebook 02's saved model (``NOTEBOOK_02_MODEL``, looked for from ``notebooks/`` and
      from ``notebooks/solutions/``) if you ran notebook 02, for however many steps you ran it; otherwise its recipe, trained now and saved in
      ``output_dir``, which the next run reuses if it was trained for as many steps.

    A folder, because without ``precompute_ref_log_probs`` or a LoRA adapter TRL's ``DPOTrainer`` loads
    its reference model from the policy's ``config._name_or_path``.
    """
    import json
    from pathlib import Path

    if _is_offline_recipe(run):
        folder = _recipe_cache(run, lambda staging: _train_into(staging, lambda out: train_like_notebook_02(run, out)))
        return str(folder), "notebook 02's model on the stand-in: trained once, by whichever notebook came first, and cached"
    if run.profile == "full":
        for saved in (Path(NOTEBOOK_02_MODEL), Path("..") / NOTEBOOK_02_MODEL):  # from notebooks/ or notebooks/solutions/
            if (saved / "model.safetensors").exists():
                return str(saved), f"notebook 02's saved model ({saved})"
    marker = Path(output_dir) / "SFT_RECIPE.json"
    recipe = {"model": run.model_name, "steps": run.max_steps, "batch_size": run.batch_size}
    if marker.exists() and json.loads(marker.read_text()) == recipe:
        return str(output_dir), f"notebook 02's recipe, trained earlier ({run.max_steps} steps) and kept in {output_dir}"
    _train_into(output_dir, lambda out: train_like_notebook_02(run, out), cached=False)
    marker.write_text(json.dumps(recipe))
    return str(output_dir), f"notebook 02's recipe, trained now ({run.max_steps} steps) and saved in {output_dir}"


def notebook_03_run(run: CourseRun, output_dir: str | os.PathLike = "outputs/03_solutions/masked") -> tuple[str, list[dict], str]:
    """Notebook 03's trained model (a folder), its log history (the validation losses during training), and
    where they came from.

    Offline, the course cache's copy (saved there by notebook 03, or trained there on first use by
    ``train_like_notebook_03``: the same weights); in the full profile, and for a shortened run
    (``SFT_MAX_STEPS``), its run trained now in ``output_dir``.
    """
    import json
    from pathlib import Path

    if _is_offline_recipe(run):
        folder = _recipe_cache(run, lambda staging: _train_into(staging, lambda out: train_like_notebook_03(run, out)))
        where = "notebook 03's run on the stand-in: trained once, by whichever notebook came first, and cached"
    else:
        folder = Path(output_dir)
        _train_into(folder, lambda out: train_like_notebook_03(run, out), cached=False)
        where = f"notebook 03's run, trained now ({run.max_steps} steps) and saved in {folder}"
    return str(folder), json.loads((Path(folder) / "log_history.json").read_text()), where
