"""Notebook 07's table of DPO settings, remade: one DPO run per setting, measured on the validation pairs.

    SFT_PROFILE=offline OMP_NUM_THREADS=1 python misc/tools/choose_dpo_settings.py            # the ten rows of notebook 07
    SFT_PROFILE=offline OMP_NUM_THREADS=1 python misc/tools/choose_dpo_settings.py --rows 2   # the chosen row and the next

With one thread, as the tests run the notebooks: the thread count changes the order of float sums, and the
figures then differ from notebook 07's in their last digits.

Offline profile only: the stand-in SFT model of notebook 02 (``sft_checkpoint``), the bundled preference
pairs carved as notebook 07 carves them (``carve_by_prompt``, 60 validation pairs; the test pairs are never
read). Each run trains on the 240 other pairs, 8 a batch, and is logged and evaluated every 6 steps. It
prints a Markdown table, one row per setting, then each row against the chosen one on the same 60
validation pairs (``paired_bootstrap_difference``): the validation loss, the pairs won and the drift.

Columns, per run:
* training loss: the highest logged row after step 1, and its step (above ln 2: the run overshot);
* validation loss at the end, and its largest rise above the lowest value before it, with the step;
* validation pairs won: the share whose implicit reward margin is above 0;
* drift: the mean absolute change of the replies' log-probabilities from the reference's.
"""

from __future__ import annotations

import argparse
import math
import warnings
from dataclasses import dataclass

# The chosen setting first (notebook 07's DPO_BETA, DPO_LEARNING_RATE, DPO_WARMUP, DPO_STEPS offline), then
# each other row changing one of them; then the large rate with the shorter warm-up (two changes: what the
# longer warm-up protects against), and last the rate, warm-up and steps the notebook used before it was tuned.
SETTINGS = [  # (beta, learning rate, warm-up, steps)
    (0.5, 3e-4, 0.1, 30),
    (0.5, 1e-4, 0.1, 30),
    (0.5, 1e-3, 0.1, 30),
    (0.5, 3e-4, 0.05, 30),
    (0.5, 3e-4, 0.25, 30),
    (0.5, 3e-4, 0.1, 60),
    (0.5, 3e-4, 0.1, 90),
    (0.1, 3e-4, 0.1, 30),
    (0.5, 1e-3, 0.05, 30),
    (0.5, 1e-3, 0.05, 60),
]
EVERY = 6  # log and evaluate every 6 steps, whatever the length of the run
BATCH = 8


@dataclass
class Measured:
    """One run's figures; the per-pair lists are paired across runs (the same validation pairs, in order)."""

    setting: tuple[float, float, float, int]
    highest_training_loss: tuple[float, int]
    validation_losses: dict[int, float]
    pair_losses: list[float]
    won: list[bool]
    drift: list[float]

    def largest_rise(self) -> tuple[float, int] | None:
        """The largest rise of the validation loss above its lowest value so far, and where (None: it never rose)."""
        best, rise = math.inf, None
        for step, loss in sorted(self.validation_losses.items()):
            if loss > best and (rise is None or loss - best > rise[0]):
                rise = (loss - best, step)
            best = min(best, loss)
        return rise


def dpo_loss(policy_chosen: float, policy_rejected: float, ref_chosen: float, ref_rejected: float, beta: float) -> float:
    """-log sigmoid(implicit reward margin), as notebook 07 writes it.

    >>> round(dpo_loss(-5.0, -7.0, -5.0, -7.0, beta=0.5), 6) == round(math.log(2), 6)  # policy = reference
    True
    """
    from sft_helpers.preference import implicit_reward_margins

    (margin,) = implicit_reward_margins([(policy_chosen, policy_rejected)], [(ref_chosen, ref_rejected)], beta)
    return max(-margin, 0.0) + math.log1p(math.exp(-abs(margin)))  # written so that exp never overflows


def train_one(sft_model: str, tokenizer, setting, fit_pairs, val_pairs, reference, output_dir: str) -> Measured:
    """Notebook 07's DPO run at ``setting``, from the SFT model, measured on ``val_pairs``."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, set_seed
    from trl import DPOConfig, DPOTrainer

    from sft_helpers.machinery.device import precision_kwargs
    from sft_helpers.preference import implicit_reward_margins, pair_logps

    beta, learning_rate, warmup, steps = setting

    def as_dataset(pairs):
        return Dataset.from_list([{k: p[k] for k in ("prompt", "chosen", "rejected")} for p in pairs])

    config = DPOConfig(output_dir=output_dir, beta=beta, learning_rate=learning_rate, max_steps=steps,
                       per_device_train_batch_size=BATCH, per_device_eval_batch_size=12, lr_scheduler_type="cosine",
                       warmup_steps=warmup, logging_steps=EVERY, logging_first_step=True, eval_strategy="steps",
                       eval_steps=EVERY, precompute_ref_log_probs=True, activation_checkpointing=False,
                       save_strategy="no", report_to="none", seed=42, disable_tqdm=True,
                       **precision_kwargs())  # DPOConfig defaults to bf16, which a CPU does not train in
    policy = AutoModelForCausalLM.from_pretrained(sft_model, dtype=torch.float32)
    set_seed(42)
    with warnings.catch_warnings():
        # As in notebook 07: TRL 1.16 still reads `is_gradient_checkpointing`, renamed in transformers 5; harmless.
        warnings.filterwarnings("ignore", message="`is_gradient_checkpointing` is deprecated", category=FutureWarning)
        trainer = DPOTrainer(model=policy, args=config, train_dataset=as_dataset(fit_pairs),
                             eval_dataset=as_dataset(val_pairs), processing_class=tokenizer)
        validation = {0: trainer.evaluate()["eval_loss"]}
        trainer.train()
    history = trainer.state.log_history
    validation.update({h["step"]: h["eval_loss"] for h in history if "eval_loss" in h})
    highest = max(((h["loss"], h["step"]) for h in history if "loss" in h and h["step"] > 1), default=(math.nan, 0))
    after = pair_logps(trainer.model, tokenizer, val_pairs)
    pair_losses = [dpo_loss(pc, pr, rc, rr, beta) for (pc, pr), (rc, rr) in zip(after, reference)]
    won = [margin > 0 for margin in implicit_reward_margins(after, reference, beta)]
    drift = [(abs(pc - rc) + abs(pr - rr)) / 2 for (pc, pr), (rc, rr) in zip(after, reference)]
    return Measured(setting, highest, validation, pair_losses, won, drift)


def table(rows: list[Measured]) -> str:
    """The Markdown table of notebook 07, the first row (the chosen setting) in bold."""
    lines = [("| `beta` | learning rate | warm-up | steps | training loss: highest row after step 1 | validation loss at the end "
              "| validation loss: largest rise | validation pairs won | drift: mean absolute change of log-probability |"),
             "| ---: " * 9 + "|"]
    for i, row in enumerate(rows):
        beta, rate, warmup, steps = row.setting
        setting = [f"{beta:g}", f"{rate:.0e}".replace("e-0", "e-"), f"{warmup:g}", f"{steps}"]
        if i == 0:
            setting = [f"**{s}**" for s in setting]
        loss, step = row.highest_training_loss
        highest = f"{loss:.3f} (step {step})"
        if loss > math.log(2):
            highest = f"**{highest}**"  # above ln 2: the run overshot
        rise = row.largest_rise()
        last = row.validation_losses[max(row.validation_losses)]
        cells = setting + [highest, f"{last:.3f}", "none" if rise is None else f"{rise[0]:.2f} (step {rise[1]})",
                           f"{sum(row.won) / len(row.won):.2f}", f"{sum(row.drift) / len(row.drift):.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def against_the_chosen(rows: list[Measured]) -> str:
    """Each row minus the chosen row on the same validation pairs, with the paired 95% interval (notebook 06)."""
    from sft_helpers.intervals import paired_bootstrap_difference

    chosen, lines = rows[0], []
    for row in rows[1:]:
        parts = []
        for name in ("pair_losses", "won", "drift"):
            difference = paired_bootstrap_difference(getattr(chosen, name), getattr(row, name), seed=0)
            parts.append(f"{name.replace('_', ' ')} {difference}")
        lines.append(f"{row.setting}: " + "; ".join(parts))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[Measured]:
    parser = argparse.ArgumentParser(prog="python misc/tools/choose_dpo_settings.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=len(SETTINGS), help="the first ROWS settings only (the first is the chosen one)")
    parser.add_argument("--output-dir", default="outputs/choose_dpo_settings")
    args = parser.parse_args(argv)

    from transformers import AutoModelForCausalLM, AutoTokenizer

    from sft_helpers.cached_runs import sft_checkpoint
    from sft_helpers.machinery import bundled_data
    from sft_helpers.machinery.profile import course_run
    from sft_helpers.preference import carve_by_prompt, pair_logps

    run = course_run("smoltalk")
    if run.profile != "offline" or run.smoke_run:
        raise SystemExit(f"the table is the offline profile's, at full length; this is profile {run.profile!r}"
                         f"{' (a smoke run)' if run.smoke_run else ''}: set SFT_PROFILE=offline and unset SFT_MAX_STEPS")
    sft_model, where = sft_checkpoint(run, f"{args.output_dir}/sft")
    print(f"starting point: {where}")
    tokenizer = AutoTokenizer.from_pretrained(sft_model)
    fit_pairs, val_pairs = carve_by_prompt(bundled_data.read("preferences", "train"), 60, seed=42)  # as notebook 07
    reference = pair_logps(AutoModelForCausalLM.from_pretrained(sft_model), tokenizer, val_pairs)
    rows = []
    for i, setting in enumerate(SETTINGS[: args.rows]):
        rows.append(train_one(sft_model, tokenizer, setting, fit_pairs, val_pairs, reference, f"{args.output_dir}/run{i}"))
        print(f"trained {setting}", flush=True)
    print(f"\n{len(fit_pairs)} training pairs, {len(val_pairs)} validation pairs; one run per row\n")
    print(table(rows))
    if len(rows) > 1:
        print("\nEach row minus the chosen one, on the same validation pairs (95% paired intervals):")
        print(against_the_chosen(rows))
    return rows


if __name__ == "__main__":
    main()
