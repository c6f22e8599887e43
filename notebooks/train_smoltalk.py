"""Notebook 02's SmolLM2 fine-tune as a script, for one process or many under ``accelerate launch``.

    python notebooks/train_smoltalk.py --output-dir outputs/smoltalk                 # one process
    accelerate launch --config_file notebooks/accelerate_configs/ddp.yaml --num_processes 4 \\
        notebooks/train_smoltalk.py --output-dir outputs/smoltalk                     # 4 GPUs, DDP
    SFT_PROFILE=offline CUDA_VISIBLE_DEVICES= accelerate launch --multi_gpu --num_processes 2 \\
        notebooks/train_smoltalk.py --max-steps 6                                    # 2 CPU processes (gloo)

Run from the course's folder.

(``accelerate launch --cpu --num_processes 2`` starts a single process unless MPI is set up; with no GPU
visible, ``--multi_gpu`` launches through torchrun and each process trains on the CPU.)

``SFTTrainer`` needs no change to run on several processes: ``accelerate launch`` starts one process
per device, each trains on batches of its own, and their gradients are averaged before
each step, so all copies of the model stay identical. ``--batch-size`` is per process: the
effective batch is that times the number of processes.
"""

from __future__ import annotations

import argparse
import os


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(prog="python notebooks/train_smoltalk.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--output-dir", default="outputs/train_smoltalk")
    parser.add_argument("--max-steps", type=int, default=None, help="default: SFT_MAX_STEPS, or the profile's")
    parser.add_argument("--batch-size", type=int, default=None, help="per process; default: SFT_BATCH_SIZE, or the profile's")
    return parser.parse_args(argv)


def make_trainer(args, trainer_class=None):
    """Notebook 02's ``SFTTrainer`` (or ``trainer_class``, a subclass) for the parsed ``args``, not yet trained."""
    from trl import SFTTrainer

    from sft_helpers.batching import layout_for
    from sft_helpers.machinery.profile import course_run
    from sft_helpers.training import load_chat_model, load_conversations, sft_config

    run = course_run("smoltalk", max_steps=args.max_steps, batch_size=args.batch_size)
    # On the CPU: accelerate places the model on each process's device when training starts.
    model, tokenizer = load_chat_model(run.model_name, device="cpu")
    dataset, _ = load_conversations(run, tokenizer)
    config = sft_config(
        run, args.output_dir, layout_for(model),
        per_device_eval_batch_size=run.batch_size,
        ddp_find_unused_parameters=False,  # every parameter gets a gradient; the search would cost a pass
    )
    trainer = (trainer_class or SFTTrainer)(
        model=model, args=config, train_dataset=dataset["train"], eval_dataset=dataset["validation"], processing_class=tokenizer
    )
    state = trainer.accelerator.state
    if trainer.accelerator.is_main_process:
        print(run.summary())
        print(f"{state.num_processes} process(es), distributed type {state.distributed_type}; "
              f"effective batch {run.batch_size * state.num_processes}")
    return trainer


def main(argv: list[str] | None = None, trainer_class=None):
    """Train and save into ``--output-dir``/final; returns the trainer."""
    args = parse_args(argv)
    trainer = make_trainer(args, trainer_class)
    trainer.train()
    # save_model writes from the main process only, after all processes reach this point.
    trainer.save_model(os.path.join(args.output_dir, "final"))
    if trainer.accelerator.is_main_process:
        losses = [row["loss"] for row in trainer.state.log_history if "loss" in row]
        evals = [row["eval_loss"] for row in trainer.state.log_history if "eval_loss" in row]
        print(f"training loss {losses[0]:.3f} -> {losses[-1]:.3f}; validation loss {evals[-1]:.3f}")
        print(f"saved to {os.path.join(args.output_dir, 'final')}")
    return trainer


if __name__ == "__main__":
    main()
