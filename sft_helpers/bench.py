"""Training throughput of the course's configurations against the original tutorials', side by side.

    python -m sft_helpers.bench                 # CPU: the offline stand-ins, a minute or so
    python -m sft_helpers.bench --model real    # the real architectures at random init (for a GPU)

For each task it trains the same examples, in the same process order, once per configuration:

* ``smoltalk``: the original tutorial's batch 4 padded to the longest in the batch, against the
  course's padding-free batches (``padding_free=True``, notebook 02).
* ``alpaca``: the original tutorial's batch 1 with 100 accumulation steps, against the course's
  batches grouped by length and padded (``train_sampling_strategy="group_by_length"``, notebook 03).

and prints the useful-token fraction (tokens that are not padding over all tokens processed),
training tokens per second (tokens that are not padding, per second of forward, backward and
optimizer step), peak memory, the validation loss after the run, and the ratio of the two
configurations. Each configuration runs in its own fresh process, one after the other, so that
peak memory is that configuration's own; on a GPU it is ``torch.cuda.max_memory_allocated``, on a
CPU the growth of the process's peak resident memory during training.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

from . import estimates
from .batching import Layout, encode_conversation, make_batches, model_inputs, token_counts, useful_token_fraction


@dataclass(frozen=True)
class Setup:
    """One training configuration of a task."""

    label: str
    batch_size: int
    accumulation: int
    layout: Layout


# Batch sizes of the course are its offline profile's (sft_helpers.profile.TASKS); --batch-size changes them.
SETUPS: dict[str, tuple[Setup, Setup]] = {
    "smoltalk": (
        Setup("original: batch 4, padded to the longest", 4, 1, "padded"),
        Setup("course: batch 8, padding-free", 8, 1, "padding_free"),
    ),
    "alpaca": (
        Setup("original: batch 1, 100 accumulation steps", 1, 100, "padded"),
        Setup("course: batch 32, grouped by length", 32, 1, "grouped"),
    ),
}

# Facts from the real models' config.json files; the benchmark builds them at random initialisation.
REAL_CONFIGS: dict[str, dict[str, Any]] = {
    "smoltalk": dict(
        model_type="llama", vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
        num_attention_heads=9, num_key_value_heads=3, head_dim=64, max_position_embeddings=8192,
        rms_norm_eps=1e-5, rope_parameters={"rope_theta": 100000.0, "rope_type": "default"},
        tie_word_embeddings=True, hidden_act="silu", initializer_range=0.041666666666666664,
    ),
    "alpaca": dict(
        model_type="gpt2", vocab_size=50257, n_embd=768, n_layer=6, n_head=12, n_positions=1024,
        activation_function="gelu_new", layer_norm_epsilon=1e-5,
    ),
}


DEFAULT_EXAMPLES = {"smoltalk": 256, "alpaca": 540}  # alpaca: all 540 training records


def load_examples(task: str, model: str):
    """Tokenized training and validation examples of the bundled data, and the tokenizer."""
    from transformers import AutoTokenizer

    from . import bundled_data, offline_models
    from .chat import setup_chatml
    from .masking import encode_instruction_batch

    # Both real vocabularies are larger than the stand-ins', so the stand-in's token ids serve the
    # real architectures too; the lengths are those of the bundled data.
    standin = {"smoltalk": "tiny-smollm2", "alpaca": "tiny-gpt2"}[task]
    tokenizer = AutoTokenizer.from_pretrained(offline_models.standin_path(standin))
    if task == "smoltalk":
        setup_chatml(tokenizer)
        files = bundled_data.data_files("conversations")
        train = [encode_conversation(tokenizer, r["messages"]) for r in _read_jsonl(files["train"])]
        val = [encode_conversation(tokenizer, r["messages"]) for r in _read_jsonl(files["test"])]
        return train, val, tokenizer
    tokenizer.pad_token = tokenizer.eos_token
    records = _read_jsonl(bundled_data.data_files("instructions")["train"])
    columns = {k: [r[k] for r in records] for k in ("instruction", "input", "output")}
    encoded = encode_instruction_batch(columns, tokenizer, max_length=256)
    examples = [
        {"input_ids": i, "labels": lab} for i, lab, fits in zip(encoded["input_ids"], encoded["labels"], encoded["fits"]) if fits
    ]
    return examples[:-60], examples[-60:], tokenizer


def _read_jsonl(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def course_batches(task: str, setup: Setup, examples, tokenizer, seed: int = 0):
    return make_batches(
        examples, setup.batch_size, setup.layout, tokenizer.pad_token_id,
        hand_masked=task == "alpaca", tokenizer=tokenizer, seed=seed,
    )


def build_model(task: str, model: str, device: str, attn: str | None):
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from . import offline_models

    torch.manual_seed(0)
    kwargs = {"attn_implementation": attn} if attn else {}
    if model == "standin":
        path = offline_models.standin_path({"smoltalk": "tiny-smollm2", "alpaca": "tiny-gpt2"}[task])
        net = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32, **kwargs)
    else:
        spec = dict(REAL_CONFIGS[task])
        config = AutoConfig.for_model(spec.pop("model_type"), **spec)
        net = AutoModelForCausalLM.from_config(config, dtype=torch.float32, **kwargs)
    if task == "alpaca":
        net.loss_type = "ForCausalLM"  # GPT-2's class name is not in transformers' loss lookup
    return net.to(device)


def flops_per_token(model, mean_context: float) -> float:
    """About 6 FLOPs per parameter per trained token, plus attention's 12 x layers x width x context."""
    config = model.config
    layers = getattr(config, "num_hidden_layers", None) or config.n_layer
    width = getattr(config, "hidden_size", None) or config.n_embd
    return estimates.flops_per_token(sum(p.numel() for p in model.parameters()), layers, width, mean_context)


def _max_rss_bytes() -> int:
    """Peak resident memory of this process so far: ru_maxrss is in KiB on Linux, in bytes on macOS."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _rss_bytes() -> int:
    """Resident memory now; where /proc is missing (macOS) the peak so far stands in for it."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return _max_rss_bytes()


def run_setup(task: str, index: int, examples_count: int, model: str, device: str, precision: str,
              attn: str | None, compile_model: bool, batch_size: int | None, lr: float) -> dict[str, Any]:
    """Train one configuration on the first ``examples_count`` examples; return its figures."""
    import torch

    setup = SETUPS[task][index]
    if batch_size and index == 1:
        setup = Setup(setup.label.replace(f"batch {setup.batch_size}", f"batch {batch_size}"), batch_size,
                      setup.accumulation, setup.layout)
    train, val, tokenizer = load_examples(task, model)
    train = train[:examples_count]
    batches = course_batches(task, setup, train, tokenizer)
    val_batches = make_batches(val, 16, "padded", tokenizer.pad_token_id, hand_masked=task == "alpaca", tokenizer=tokenizer)
    net = build_model(task, model, device, attn)
    step_fn = torch.compile(net) if compile_model else net
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.0)
    autocast = torch.autocast(device_type=device.split(":")[0], dtype=torch.bfloat16, enabled=precision == "bf16")

    def forward_backward(batch, scale: float) -> None:
        with autocast:
            loss = step_fn(**model_inputs(batch, device)).loss
        (loss * scale).backward()

    net.train()
    for batch in batches[:2]:  # warm-up: allocator, kernels, compilation; no optimizer step, weights unchanged
        forward_backward(batch, 1.0)
    optimizer.zero_grad(set_to_none=True)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    rss_before = _rss_bytes()
    peak_before = _max_rss_bytes()

    useful = processed = 0
    start = time.perf_counter()
    for i, batch in enumerate(batches):
        u, t = token_counts(batch)
        useful, processed = useful + u, processed + t
        forward_backward(batch, 1.0 / setup.accumulation)
        if (i + 1) % setup.accumulation == 0 or i + 1 == len(batches):
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start

    if device.startswith("cuda"):
        peak = torch.cuda.max_memory_allocated()
        memory_note = "max GPU memory allocated"
    else:
        peak = max(0, _max_rss_bytes() - max(rss_before, peak_before))
        memory_note = "growth of peak resident memory during training"

    net.eval()
    total_loss = total_tokens = 0.0
    with torch.no_grad(), autocast:
        for batch in val_batches:
            inputs = model_inputs(batch, device)
            n = int((inputs["labels"][:, 1:] != -100).sum())
            total_loss += float(net(**inputs).loss) * n
            total_tokens += n

    mean_context = useful / len(train)  # the mean example length: attention spans one example
    tokens_per_second = useful / seconds
    figures = {
        "task": task,
        "setup": asdict(setup),
        "examples": len(train),
        "optimizer_steps": math.ceil(len(batches) / setup.accumulation),
        "useful_tokens": useful,
        "processed_tokens": processed,
        "useful_fraction": useful / processed,
        "seconds": seconds,
        "tokens_per_second": tokens_per_second,
        "peak_memory_bytes": peak,
        "memory_note": memory_note,
        "validation_loss": total_loss / total_tokens,
        "parameters": sum(p.numel() for p in net.parameters()),
        "model_flops_per_second": tokens_per_second * flops_per_token(net, mean_context),
        "device": _device_name(device),
        "precision": precision,
    }
    return figures


def _device_name(device: str) -> str:
    import torch

    if device.startswith("cuda"):
        return torch.cuda.get_device_name(device)
    return f"CPU ({os.cpu_count()} cores, {torch.get_num_threads()} threads)"


def mfu(figures: dict[str, Any]) -> float | None:
    """Model FLOPs utilisation against the GPU's dense 16-bit peak, when the GPU is one we know."""
    for name, peak in estimates.PEAK_FLOPS.items():
        if name in figures["device"] and figures["precision"] == "bf16":
            return figures["model_flops_per_second"] / peak
    return None


def _worker_command(args, task: str, index: int) -> list[str]:
    command = [sys.executable, "-m", "sft_helpers.bench", "--worker", f"{task}:{index}", "--model", args.model,
               "--device", args.device, "--precision", args.precision, "--lr", str(args.lr)]
    if args.examples:
        command += ["--examples", str(args.examples)]
    if args.attn:
        command += ["--attn", args.attn]
    if args.compile:
        command.append("--compile")
    if args.batch_size:
        command += ["--batch-size", str(args.batch_size)]
    return command


def run_in_subprocess(args, task: str, index: int) -> dict[str, Any]:
    done = subprocess.run(_worker_command(args, task, index), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark of {task} configuration {index} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def report(task: str, original: dict[str, Any], course: dict[str, Any]) -> str:
    """The side-by-side table of one task."""
    lines = [f"== {task}: {original['examples']} training examples, {original['parameters']:,} parameters, "
             f"{original['device']}, {original['precision']} =="]
    for f in (original, course):
        lines.append(
            f"{f['setup']['label']:<48} useful tokens {f['useful_fraction']:.3f} | "
            f"{f['tokens_per_second']:>10,.0f} tokens/s | peak memory {_mib(f['peak_memory_bytes'])} | "
            f"{f['optimizer_steps']} optimizer steps | validation loss {f['validation_loss']:.3f}"
            + (f" | MFU {mfu(f):.1%}" if mfu(f) is not None else "")
        )
    lines.append(
        f"course / original: tokens/s x{course['tokens_per_second'] / original['tokens_per_second']:.2f}, "
        f"useful-token fraction x{course['useful_fraction'] / original['useful_fraction']:.2f}, "
        f"peak memory x{course['peak_memory_bytes'] / max(original['peak_memory_bytes'], 1):.2f}"
    )
    lines.append(f"  (memory: {original['memory_note']}; tokens/s counts tokens that are not padding)")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(prog="python -m sft_helpers.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", nargs="+", choices=sorted(SETUPS), default=["smoltalk", "alpaca"])
    parser.add_argument("--model", choices=["standin", "real"], default="standin",
                        help="the offline stand-ins, or the real architectures at random initialisation")
    parser.add_argument("--examples", type=int, default=0, help="training examples per configuration")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--precision", choices=["fp32", "bf16"], default=None, help="default: bf16 on a GPU, fp32 on a CPU")
    parser.add_argument("--attn", default=None, help="attention implementation, for example sdpa or flash_attention_2")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    parser.add_argument("--batch-size", type=int, default=0, help="the course configuration's batch size")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--json", default=None, help="also write all figures to this file")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.device is None:
        import torch

        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.precision is None:
        args.precision = "bf16" if args.device.startswith("cuda") else "fp32"
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        task, index = args.worker.split(":")
        figures = run_setup(task, int(index), args.examples or DEFAULT_EXAMPLES[task], args.model, args.device,
                            args.precision, args.attn, args.compile, args.batch_size or None, args.lr)
        print(json.dumps(figures))
        return
    results = {}
    for task in args.task:
        original, course = (run_in_subprocess(args, task, i) for i in (0, 1))
        results[task] = {"original": original, "course": course}
        print(report(task, original, course), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
