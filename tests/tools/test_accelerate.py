"""The SmolLM2 script (``notebooks/train_smoltalk.py``) under `accelerate launch` with two processes, on the CPU."""

import json
import os
import subprocess
import warnings
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from sft_helpers.replies import chat_reply
from tests.conftest import ROOT, free_port

CONFIGS = ROOT / "notebooks" / "accelerate_configs"
PROBE = Path(__file__).with_name("accelerate_probe.py")  # the script, with a trainer that counts what each process did


def test_two_processes_train_in_step_and_save_a_loadable_model(tmp_path):
    env = dict(os.environ, SFT_PROFILE="offline", HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    accelerate = Path(os.sys.executable).with_name("accelerate")
    # accelerate 1.15's `--cpu` launcher starts a single process unless MPI is set up; `--multi_gpu`
    # starts one process per slot through torchrun, and with no GPU visible each trains on the CPU
    # (distributed type MULTI_CPU, gloo backend).
    def launch():
        command = [str(accelerate), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
                   "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", str(free_port()),
                   str(PROBE), "--output-dir", str(tmp_path), "--max-steps", "6"]
        return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)

    done = launch()
    if done.returncode != 0 and "terminate called without an active exception" in done.stderr and not list(tmp_path.iterdir()):
        # Seen once, with the machine loaded by the parallel test run: a process aborted inside
        # torch's gloo set-up before any of the script's code had run (nothing written). One more try;
        # a failure of the course's own code fails both times.
        warnings.warn(f"accelerate launch aborted while setting up gloo; launched again: {done.stderr[-300:]}")
        done = launch()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-4000:]
    assert "2 process(es), distributed type DistributedType.MULTI_CPU" in done.stdout

    reports = [json.loads((tmp_path / f"process-{rank}.json").read_text()) for rank in (0, 1)]
    for rank, r in enumerate(reports):
        assert r["rank"] == rank and r["world_size"] == 2
        assert r["global_steps"] == r["local_batches"] == 6  # each process ran every step on its own batch
        assert r["final_weights"] != r["initial_weights"]
        assert r["local_tokens"] > 0
    # The two processes saw different data yet ended with identical weights: gradients were averaged.
    assert reports[0]["final_weights"] == reports[1]["final_weights"]
    losses = reports[0]["train_losses"]
    assert losses[-1] < losses[0]

    final = tmp_path / "final"
    tokenizer = AutoTokenizer.from_pretrained(final)
    model = AutoModelForCausalLM.from_pretrained(final, dtype=torch.float32)
    from tests.tools.accelerate_probe import weights_checksum

    assert weights_checksum(model) == reports[0]["final_weights"]
    # The saved folder is a chat model: template, end-of-turn token, and generation that stops at it.
    im_end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert tokenizer.eos_token == "<|im_end|>" and model.generation_config.eos_token_id == im_end
    assert "<|im_start|>assistant" in tokenizer.apply_chat_template([{"role": "user", "content": "Hi"}], tokenize=False,
                                                                     add_generation_prompt=True)
    reply, _ = chat_reply(model, tokenizer, [{"role": "user", "content": "Hi there!"}], 8)
    assert reply == chat_reply(model, tokenizer, [{"role": "user", "content": "Hi there!"}], 8)[0]  # greedy: repeatable


@pytest.mark.parametrize("name,kind", [("ddp.yaml", "MULTI_GPU"), ("fsdp.yaml", "FSDP")])
def test_accelerate_configs_load(name, kind):
    from accelerate.commands.config.config_args import load_config_from_file

    config = load_config_from_file(str(CONFIGS / name))
    assert config.distributed_type.value == kind
    assert config.mixed_precision == "bf16" and config.num_processes == 2
    if kind == "FSDP":
        assert config.fsdp_config["fsdp_transformer_layer_cls_to_wrap"] == "LlamaDecoderLayer"
