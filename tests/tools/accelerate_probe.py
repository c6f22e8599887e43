"""``notebooks/train_smoltalk.py`` with a trainer that counts what each process trained on.

``tests/tools/test_accelerate.py`` launches this file under ``accelerate launch``; each process writes
``process-<rank>.json`` into the output folder (its steps, batches, tokens and a checksum of its weights
before and after), so that the test can check that every process took part and that they ended in step.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from trl import SFTTrainer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "notebooks"))  # the script sits beside notebook 05
import train_smoltalk  # noqa: E402


def weights_checksum(model) -> str:
    """A hash of every weight: equal on all processes when data-parallel training kept them in sync."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().float().cpu().numpy().tobytes())
    return digest.hexdigest()[:16]


class CountingTrainer(SFTTrainer):
    """Counts the batches and tokens this process trains on, and remembers its weights before training."""

    local_batches = 0
    local_tokens = 0

    def train(self, *args, **kwargs):
        self.initial_weights = weights_checksum(self.model)
        return super().train(*args, **kwargs)

    def training_step(self, model, inputs, num_items_in_batch=None):
        self.local_batches += 1
        self.local_tokens += int(inputs["input_ids"].numel())
        return super().training_step(model, inputs, num_items_in_batch)


def main(argv: list[str]) -> None:
    trainer = train_smoltalk.main(argv, trainer_class=CountingTrainer)
    state = trainer.accelerator.state
    history = trainer.state.log_history
    report = {
        "rank": state.process_index,
        "world_size": state.num_processes,
        "distributed_type": str(state.distributed_type),
        "global_steps": trainer.state.global_step,
        "local_batches": trainer.local_batches,
        "local_tokens": trainer.local_tokens,
        "initial_weights": trainer.initial_weights,
        "final_weights": weights_checksum(trainer.accelerator.unwrap_model(trainer.model)),
        "train_losses": [row["loss"] for row in history if "loss" in row],
    }
    output_dir = Path(train_smoltalk.parse_args(argv).output_dir)
    (output_dir / f"process-{state.process_index}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
