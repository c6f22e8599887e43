"""Time to the same quality: the course's training configuration against the original tutorial's.

    python misc/tools/bench.py                 # CPU: the offline stand-ins, 5 seeds, about 4 minutes on 2 cores
    python misc/tools/bench.py --repeats 1     # one seed, about a minute and a half
    python misc/tools/bench.py --model real    # the real architectures at random init (for a GPU)

For each task, with each seed (``--repeats``, default 5), it trains one after the other, each in a fresh
process, on the same data shuffled the same way (each epoch anew, as the trainers' samplers do):

* the **original** tutorial's configuration (``smoltalk``: batch 4 padded to the longest; ``alpaca``:
  batch 1 with 100 accumulation steps) for its budget, one epoch of the bundled training data (600
  conversations, 540 instructions; ``--examples``), evaluating the validation loss 12 times on the way;
  its validation loss after the budget is the **target**;
* the **course**'s configuration on this device: the offline profile's batch
  (``sft_helpers.machinery.tasks.TASKS[task].offline.batch_size``, or ``--batch-size``) in the layout that
  ``sft_helpers.batching.choose_layout`` picks for the model's attention and device (grouped by length
  on a CPU), evaluated at the same interval in examples until its validation loss is at or below the
  target, or until it has trained 3 times the original's examples ("not reached").

The learning rate follows the **square-root rule for Adam**: ``--lr`` (3e-3) is the original's rate for
its effective batch, and an effective batch k times larger trains at ``lr x sqrt(k)`` (``--lr-rule
linear``: at ``lr x k``); constant, AdamW without weight decay. **Time to target** is training time only
(forward, backward, optimizer step; evaluation is timed apart) up to the first evaluation at or below the
target, interpolated linearly between it and the evaluation before. The time-to-quality ratio is the
original's time over the course's, per seed; the figure is the median over seeds, a seed that did not
reach the target counting as the slowest. Seeds differ in data order (and a real model's
initialisation): a single order's loss curve is noisy enough to swing the ratio (on the stand-in, one
configuration's per-seed ratios spread from 0.7x to 1.6x), hence five seeds.

Each training process uses one CPU thread (``--threads``): with two on a 2-core machine shared with
another process, OpenMP's threads wait on each other and a run took up to 100 times longer; the
stand-ins are too small to gain much from a second thread.

It prints, per task: each seed's target and times; both configurations' learning rate, useful-token
fraction (tokens that are not padding over all tokens processed), training tokens per second (tokens
that are not padding) and the model FLOP/s they amount to (``flops_per_token``), peak memory
(``torch.cuda.max_memory_allocated`` on a GPU, the growth of the process's peak resident memory on a
CPU) and evaluation time; on a CPU, the share of its matrix-multiply rate (``estimates.matmul_rate``) that each
reaches, the practical ceiling of any layout; a table of every layout (padded, grouped, padding-free)
at the course's batch, throughput only, with the one ``choose_layout`` picks here and why; and the GPU
line. GPU throughput is measured only on a GPU: there it prints the model FLOPs utilisation against the
GPU's dense peak in the precision trained (``estimates.PEAK_FLOPS`` holds the T4's fp16 peak, so a T4
needs ``--precision fp16``, its default); on a CPU it says so and prints the T4 throughput
*estimated* from FLOPs by ``sft_helpers.machinery.estimates``. Last, one line per task for scripts, in this form
(the values are examples, not results)::

    time-to-quality smoltalk: 2.31x
    time-to-quality alpaca: not reached
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench_batches import model_inputs, token_counts

from sft_helpers.batching import LAYOUTS, Layout, LayoutChoice, choose_layout, layout_for
from sft_helpers.machinery import estimates, tasks

TASKS = ("smoltalk", "alpaca")
STANDINS = {task: tasks.TASKS[task].standin for task in TASKS}  # the profile's own map, not a copy
# The original configuration's learning rate, for its effective batch: the offline profile's (3e-3 for both tasks).
BASE_LR = tasks.TASKS["smoltalk"].offline.learning_rate
EVALUATIONS = 12  # per original budget; the course evaluates at the same interval in examples
COURSE_CAP = 3  # the course may train up to this many times the original's examples
DEFAULT_ATTN = "sdpa"  # what transformers picks for both architectures when --attn is not given


@dataclass(frozen=True)
class Setup:
    """One training configuration: micro-batch, accumulation steps, batch layout."""

    label: str
    batch_size: int
    accumulation: int
    layout: Layout

    @property
    def effective_batch(self) -> int:
        return self.batch_size * self.accumulation


ORIGINAL: dict[str, Setup] = {
    "smoltalk": Setup("original: batch 4, padded to the longest", 4, 1, "padded"),
    "alpaca": Setup("original: batch 1, 100 accumulation steps", 1, 100, "padded"),
}
LAYOUT_NAMES: dict[Layout, str] = {"padded": "padded", "grouped": "grouped by length", "padding_free": "padding-free"}


def course_setup(task: str, choice: LayoutChoice, batch_size: int | None = None) -> Setup:
    """The course's configuration of ``task``: its offline profile's batch (or ``batch_size``) in ``choice``'s layout."""
    batch = batch_size or tasks.TASKS[task].offline.batch_size
    return Setup(f"course: batch {batch}, {LAYOUT_NAMES[choice.layout]}", batch, 1, choice.layout)


LR_RULES = {
    "sqrt": "square-root rule for Adam, {lr:g} x sqrt(effective batch / the original's {batch})",
    "linear": "linear rule, {lr:g} x effective batch / the original's {batch}",
}


def scaled_lr(base_lr: float, effective_batch: int, base_effective_batch: int, rule: str = "sqrt") -> float:
    """The rate for ``effective_batch``, from ``base_lr`` at ``base_effective_batch``.

    ``sqrt``, the square-root rule for Adam (the default): the rate grows with the square root of the
    batch. ``linear``, the rule from SGD: in proportion to the batch.

    >>> round(scaled_lr(3e-3, 8, 4), 6), round(scaled_lr(3e-3, 32, 100), 6), scaled_lr(3e-3, 8, 4, "linear")
    (0.004243, 0.001697, 0.006)
    """
    ratio = effective_batch / base_effective_batch
    if rule not in LR_RULES:
        raise ValueError(f"unknown learning-rate rule {rule!r}; expected one of {', '.join(LR_RULES)}")
    return base_lr * (math.sqrt(ratio) if rule == "sqrt" else ratio)


def time_to_target(curve: list[dict[str, float]], target: float) -> float | None:
    """Training seconds until the validation loss first reaches ``target``, or None if it never does.

    ``curve`` holds the evaluations in order (``seconds`` of training so far, ``loss``); between the
    last one above the target and the first at or below it, the time is interpolated linearly.

    >>> curve = [{"seconds": 0.0, "loss": 7.0}, {"seconds": 2.0, "loss": 5.0}, {"seconds": 4.0, "loss": 3.0}]
    >>> time_to_target(curve, 4.0), time_to_target(curve, 3.0), time_to_target(curve, 2.9)
    (3.0, 4.0, None)
    """
    for before, point in zip([None, *curve], curve):
        if point["loss"] <= target:
            if before is None:
                return point["seconds"]
            share = (before["loss"] - target) / (before["loss"] - point["loss"])
            return before["seconds"] + share * (point["seconds"] - before["seconds"])
    return None


def time_to_quality_line(task: str, ratio: float | None) -> str:
    """The line scripts read: original time over course time to the original's validation loss.

    >>> time_to_quality_line("smoltalk", 2.3149), time_to_quality_line("alpaca", None)
    ('time-to-quality smoltalk: 2.31x', 'time-to-quality alpaca: not reached')
    """
    return f"time-to-quality {task}: " + ("not reached" if ratio is None else f"{ratio:.2f}x")


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


def load_examples(task: str):
    """Tokenized training and validation examples of the bundled data, and the tokenizer."""
    from bench_batches import encode_conversation
    from transformers import AutoTokenizer

    from sft_helpers.data import setup_chatml
    from sft_helpers.machinery import bundled_data, standins
    from sft_helpers.masking import encode_instruction_batch

    # Both real vocabularies are larger than the stand-ins', so the stand-in's token ids serve the
    # real architectures too; the lengths are those of the bundled data.
    tokenizer = AutoTokenizer.from_pretrained(standins.standin_path(STANDINS[task]))
    if task == "smoltalk":
        setup_chatml(tokenizer)
        train = [encode_conversation(tokenizer, r["messages"]) for r in bundled_data.read("conversations", "train")]
        val = [encode_conversation(tokenizer, r["messages"]) for r in bundled_data.read("conversations", "test")]
        return train, val, tokenizer
    tokenizer.pad_token = tokenizer.eos_token
    records = bundled_data.read("instructions")
    columns = {k: [r[k] for r in records] for k in ("instruction", "input", "output")}
    encoded = encode_instruction_batch(columns, tokenizer, max_length=tasks.TASKS["alpaca"].offline.max_length)
    examples = [
        {"input_ids": i, "labels": lab} for i, lab, fits in zip(encoded["input_ids"], encoded["labels"], encoded["fits"]) if fits
    ]
    held_out = tasks.held_out_count(len(records))  # as notebook 03 splits the bundled instructions
    return examples[:-held_out], examples[-held_out:], tokenizer


def examples_in(batch: dict[str, Any]) -> int:
    """How many examples a collated batch holds: its rows, or the restarts of a padding-free row."""
    if "position_ids" in batch:
        return int((batch["position_ids"] == 0).sum())
    return batch["input_ids"].shape[0]


def epoch_batches(task: str, setup: Setup, examples, tokenizer, count: int, seed: int = 0) -> list[dict[str, Any]]:
    """Whole batches of ``setup`` covering ``count`` examples, in epochs each shuffled with its own seed."""
    import torch
    from bench_batches import make_batches

    batches, seen, epoch = [], 0, 0
    while seen < count:
        epoch_seed = 1000 * seed + epoch
        order = torch.randperm(len(examples), generator=torch.Generator().manual_seed(epoch_seed)).tolist()
        for batch in make_batches([examples[i] for i in order], setup.batch_size, setup.layout, tokenizer.pad_token_id,
                                  hand_masked=task == "alpaca", tokenizer=tokenizer, seed=epoch_seed):
            if seen >= count:
                break
            batches.append(batch)
            seen += examples_in(batch)
        epoch += 1
    return batches


def build_model(task: str, model: str, device: str, attn: str | None, seed: int = 0, standin: str | None = None):
    """The stand-in as saved (in ``standin``, by default its current build), or the real architecture initialised
    from ``seed``; in float32 on ``device``."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from sft_helpers.machinery import standins

    torch.manual_seed(seed)
    kwargs = {"attn_implementation": attn} if attn else {}
    if model == "standin":
        path = standin or standins.standin_path(STANDINS[task])
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


@dataclass(frozen=True)
class Job:
    """One training run for a worker process."""

    task: str
    setup: Setup
    lr: float
    model: str = "standin"
    device: str = "cpu"
    precision: str = "fp32"
    attn: str | None = None
    compile: bool = False
    eval_every: int = 0  # examples between validation evaluations; 0: none (throughput only)
    target: float | None = None  # stop at the first evaluation at or below this validation loss
    seed: int = 0  # of the data order (set by whoever made the batches), dropout and a real model's initialisation
    threads: int = 1  # CPU threads of the worker process
    # The stand-in's folder, resolved once for the whole benchmark: an edit to the code that builds the
    # stand-ins mid-run changes their build, and every run must train the same model.
    standin: str | None = None


def train(job: Job, batches: list[dict[str, Any]], val_batches: list[dict[str, Any]]) -> dict[str, Any]:
    """Train ``job`` on ``batches``, evaluating on ``val_batches`` every ``job.eval_every`` examples; its figures."""
    import torch

    device = job.device
    device_type = device.split(":")[0]
    net = build_model(job.task, job.model, device, job.attn, job.seed, job.standin)
    choice = layout_for(net)
    step_fn = torch.compile(net) if job.compile else net
    optimizer = torch.optim.AdamW(net.parameters(), lr=job.lr, weight_decay=0.0)
    half = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(job.precision)
    autocast = torch.autocast(device_type=device_type, dtype=half or torch.float32, enabled=half is not None)
    # fp16 needs loss scaling, or small gradients underflow to zero; bf16 has fp32's range.
    scaler = torch.amp.GradScaler(device_type, enabled=job.precision == "fp16")

    def sync() -> None:  # GPUs run asynchronously: wait for the work before reading the clock
        if device_type == "cuda":
            torch.cuda.synchronize()
        elif device_type == "mps":
            torch.mps.synchronize()

    def evaluate() -> float:
        net.eval()
        total = count = 0.0
        with torch.no_grad(), autocast:
            for batch in val_batches:
                inputs = model_inputs(batch, device)
                n = int((inputs["labels"][:, 1:] != -100).sum())
                total += float(net(**inputs).loss) * n
                count += n
        net.train()
        return total / count

    net.train()
    for batch in batches[:2]:  # warm-up: allocator, kernels, compilation; no optimizer step, weights unchanged
        with autocast:
            step_fn(**model_inputs(batch, device)).loss.backward()
    optimizer.zero_grad(set_to_none=True)
    sync()
    if device_type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    rss_before, peak_before = _rss_bytes(), _max_rss_bytes()

    curve: list[dict[str, float]] = []
    seen = useful = processed = steps = 0
    train_seconds = eval_seconds = 0.0

    def checkpoint() -> float:
        nonlocal eval_seconds
        start = time.perf_counter()
        loss = evaluate()
        sync()
        eval_seconds += time.perf_counter() - start
        curve.append({"examples": seen, "seconds": train_seconds, "loss": loss})
        return loss

    if job.eval_every:
        checkpoint()
    next_eval = job.eval_every
    reached = False
    groups = [batches[i : i + job.setup.accumulation] for i in range(0, len(batches), job.setup.accumulation)]
    for g, group in enumerate(groups):
        start = time.perf_counter()
        for batch in group:
            u, t = token_counts(batch)
            useful, processed, seen = useful + u, processed + t, seen + examples_in(batch)
            with autocast:
                loss = step_fn(**model_inputs(batch, device)).loss
            scaler.scale(loss / len(group)).backward()
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
        steps += 1
        sync()
        train_seconds += time.perf_counter() - start
        if job.eval_every and (seen >= next_eval or g == len(groups) - 1):
            next_eval = (seen // job.eval_every + 1) * job.eval_every
            if checkpoint() <= (job.target if job.target is not None else -math.inf):
                reached = True
                break

    if device_type == "cuda":
        peak, memory_note = torch.cuda.max_memory_allocated(), "max GPU memory allocated"
    else:
        peak = max(0, _max_rss_bytes() - max(rss_before, peak_before))
        memory_note = "growth of peak resident memory during training"
    tokens_per_second = useful / train_seconds
    return {
        "task": job.task,
        "setup": asdict(job.setup),
        "lr": job.lr,
        "attn": net.config._attn_implementation,
        "layout_choice": asdict(choice),
        "examples": seen,
        "optimizer_steps": steps,
        "useful_tokens": useful,
        "processed_tokens": processed,
        "useful_fraction": useful / processed,
        "train_seconds": train_seconds,
        "eval_seconds": eval_seconds,
        "tokens_per_second": tokens_per_second,
        "peak_memory_bytes": peak,
        "memory_note": memory_note,
        "curve": curve,
        "reached": reached,
        "seed": job.seed,
        "parameters": sum(p.numel() for p in net.parameters()),
        # attention spans one example, so the mean example length is its context
        "model_flops_per_second": tokens_per_second * flops_per_token(net, useful / seen),
        "device": _device_name(device),
        "precision": job.precision,
    }


def _device_name(device: str) -> str:
    import torch

    if device.startswith("cuda"):
        return torch.cuda.get_device_name(device)
    threads = torch.get_num_threads()
    return f"CPU ({os.cpu_count()} cores, {threads} thread{'s' if threads > 1 else ''})"


def known_peak(device_name: str) -> tuple[str, float, tuple[str, ...]] | None:
    """(GPU, dense peak FLOP/s, precisions that peak holds for) of a GPU in ``estimates.PEAK_FLOPS``.

    The T4 has no bf16 tensor cores: its peak is fp16's only. From Ampere on, dense fp16 and bf16 peak alike.
    A whole-word match, so that an L40S is not taken for an L4, nor an A100 for an A10.

    >>> known_peak("Tesla T4"), known_peak("NVIDIA L40S")
    (('T4', 65000000000000.0, ('fp16',)), None)
    """
    for name, peak in estimates.PEAK_FLOPS.items():
        if re.search(rf"\b{name}\b", device_name):
            return name, peak, ("fp16",) if name == "T4" else ("bf16", "fp16")
    return None


def mfu(figures: dict[str, Any]) -> float | None:
    """Model FLOPs utilisation against the GPU's dense peak in the precision it trained in, when we know that peak."""
    known = known_peak(figures["device"])
    if known is None or figures["precision"] not in known[2]:
        return None
    return figures["model_flops_per_second"] / known[1]


def gpu_line(figures: dict[str, Any], task: str) -> str:
    """The measured MFU on a known GPU; otherwise why there is none, and the T4 estimate from FLOPs."""
    known = known_peak(figures["device"])
    if known is not None:
        name, peak, precisions = known
        if figures["precision"] in precisions:
            return (f"GPU: measured on {figures['device']}; MFU against the {name}'s dense "
                    f"{figures['precision']} peak of {peak / 1e12:.0f} TFLOP/s")
        return (f"GPU: {figures['device']}: no MFU, its {peak / 1e12:.0f} TFLOP/s peak is "
                f"{'/'.join(precisions)} (use --precision {precisions[0]})")
    run = estimates.FULL_RUNS[task]
    per_token = estimates.flops_per_token(run.parameters, run.layers, run.width, run.mean_tokens)
    low, high = (estimates.PEAK_FLOPS["T4"] * share / per_token for share in estimates.ASSUMED_MFU)
    where = "no GPU here" if figures["device"].startswith("CPU") else f"{figures['device']} has no known peak"
    return (
        f"GPU: not measured ({where}). Estimate from FLOPs (sft_helpers.machinery.estimates), not a measurement: {run.model} "
        f"on a T4 in fp16 (peak {estimates.PEAK_FLOPS['T4'] / 1e12:.0f} TFLOP/s fp16) at "
        f"{estimates.ASSUMED_MFU[0]:.0%}-{estimates.ASSUMED_MFU[1]:.0%} MFU: {low:,.0f}-{high:,.0f} tokens/s"
    )


def run_in_subprocess(jobs: list[tuple[Job, Path]], val_path: Path, folder: Path) -> list[dict[str, Any]]:
    """``train`` each job on the batches saved at its path, one after the other in a fresh Python process."""
    job_path = folder / "jobs.json"
    job_path.write_text(json.dumps({"jobs": [(asdict(job), str(path)) for job, path in jobs], "val": str(val_path)}))
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(job_path)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        labels = ", ".join(job.setup.label for job, _ in jobs)
        raise RuntimeError(f"benchmark of {labels} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def worker(job_path: str) -> list[dict[str, Any]]:
    import torch

    spec = json.loads(Path(job_path).read_text())
    val_batches = torch.load(spec["val"])
    figures = []
    for fields, batches_path in spec["jobs"]:
        job = Job(**{**fields, "setup": Setup(**fields["setup"])})
        torch.set_num_threads(job.threads)
        figures.append(train(job, torch.load(batches_path), val_batches))
    return figures


def run_options(args, task: str) -> dict[str, Any]:
    """The ``Job`` fields that the command line sets, for ``task``."""
    return dict(task=task, model=args.model, device=args.device, precision=args.precision, attn=args.attn,
                compile=args.compile, threads=args.threads)


def median_ratio(ratios: list[float | None]) -> float | None:
    """The median over repeats, a "not reached" (None) counting as the slowest; None if the median one is.

    >>> median_ratio([2.0, None, 3.0]), median_ratio([None, None, 3.0]), median_ratio([1.0, 2.0, 3.0, 4.0])
    (2.0, None, 2.0)
    """
    return statistics.median_low([r or 0.0 for r in ratios]) or None


def benchmark(task: str, args) -> dict[str, Any]:
    """The original then the course, once per seed (``args.repeats``), then every layout; all figures."""
    import torch
    from bench_batches import make_batches

    train_examples, val_examples, tokenizer = load_examples(task)
    budget = args.examples or len(train_examples)  # the original's budget: one epoch of the bundled training data
    choice = choose_layout(args.attn or DEFAULT_ATTN, args.device.split(":")[0])
    original, course = ORIGINAL[task], course_setup(task, choice, args.batch_size or None)
    course_lr = scaled_lr(args.lr, course.effective_batch, original.effective_batch, args.lr_rule)
    eval_every = max(1, budget // EVALUATIONS)
    common = {**run_options(args, task), "standin": tokenizer.name_or_path}
    repeats = []
    with tempfile.TemporaryDirectory(prefix="sft-bench-") as tmp:
        folder = Path(tmp)
        val_path = folder / "val.pt"
        val_rows = val_examples[: args.val_examples or None]
        torch.save(make_batches(val_rows, 16, "padded", tokenizer.pad_token_id, hand_masked=task == "alpaca",
                                tokenizer=tokenizer), val_path)

        def saved(job: Job, count: int) -> tuple[Job, Path]:
            path = folder / f"{job.setup.layout}-{job.setup.batch_size}-{count}-{job.seed}.pt"
            if not path.exists():
                torch.save(epoch_batches(task, job.setup, train_examples, tokenizer, count, job.seed), path)
            return job, path

        def run(job: Job, count: int) -> dict[str, Any]:
            """One job in its own process, so that its peak memory is its own."""
            return run_in_subprocess([saved(job, count)], val_path, folder)[0]

        # Each seed is one pair, run back to back, so that a busy moment of the machine hits both alike.
        for seed in range(args.repeats):
            first = run(Job(setup=original, lr=args.lr, eval_every=eval_every, seed=seed, **common), budget)
            target = first["curve"][-1]["loss"]
            second = run(Job(setup=course, lr=course_lr, eval_every=eval_every, target=target, seed=seed, **common),
                         COURSE_CAP * budget)
            if second["layout_choice"]["layout"] != course.layout:
                raise RuntimeError(f"the course's model chose {second['layout_choice']['layout']}, not {course.layout}: "
                                   "pass --attn")
            original_seconds = time_to_target(first["curve"], target)
            course_seconds = time_to_target(second["curve"], target)
            repeats.append({
                "seed": seed, "target": target, "original": first, "course": second,
                "original_seconds": original_seconds, "course_seconds": course_seconds,
                "ratio": original_seconds / course_seconds if course_seconds else None,
            })
        # Throughput only, so one process for the three (each with a fresh model) saves two start-ups.
        layouts = dict(zip(LAYOUTS, run_in_subprocess([
            saved(Job(setup=Setup(f"batch {course.batch_size}, {LAYOUT_NAMES[layout]}", course.batch_size, 1, layout),
                      lr=course_lr, **common), budget)
            for layout in LAYOUTS
        ], val_path, folder)))
    ceiling = estimates.matmul_rate(args.threads) if args.device.startswith("cpu") else None
    return {"budget": budget, "eval_every": eval_every, "choice": asdict(choice), "repeats": repeats, "layouts": layouts,
            "matmul_flops_per_second": ceiling, "time_to_quality": median_ratio([r["ratio"] for r in repeats])}


def _mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def _seconds(value: float | None) -> str:
    return "not reached" if value is None else f"{value:.1f} s"


def report(task: str, result: dict[str, Any], args) -> str:
    """The figures of one task, as text."""
    repeats = result["repeats"]
    first = repeats[0]["original"]
    model = (f"{STANDINS[task]} stand-in" if args.model == "standin"
             else f"{estimates.FULL_RUNS[task].model} architecture, random init")
    budget = result["budget"]
    lines = [
        f"== {task}: {model}, {first['parameters']:,} parameters, {first['device']}, {first['precision']}, "
        f"attention {first['attn']} ==",
        f"learning rate: {LR_RULES[args.lr_rule].format(lr=args.lr, batch=ORIGINAL[task].effective_batch)}; "
        "constant, AdamW",
        f"target: the original's validation loss after its {budget} examples; the course trains until it reaches "
        f"it, {COURSE_CAP * budget} examples at most",
        f"time to target: training seconds (evaluation excluded) to the first of the evaluations every "
        f"{result['eval_every']} examples at or below it, interpolated linearly from the one before",
    ]
    for r in repeats:
        course_examples = r["course"]["curve"][-1]["examples"]
        lines.append(
            f"  seed {r['seed']}: target {r['target']:.3f} (before training {r['original']['curve'][0]['loss']:.3f}) | "
            f"original {_seconds(r['original_seconds'])} | course {_seconds(r['course_seconds'])}"
            + (f" ({course_examples} examples)" if r["course"]["reached"] else "")
            + (f" | x{r['ratio']:.2f}" if r["ratio"] else "")
        )
    for name in ("original", "course"):
        runs = [r[name] for r in repeats]
        f = runs[0]
        lines.append(
            f"{f['setup']['label']:<42} lr {f['lr']:.3g} | useful tokens {f['useful_fraction']:.3f} | "
            f"{statistics.median(r['tokens_per_second'] for r in runs):>7,.0f} tokens/s "
            f"({statistics.median(r['model_flops_per_second'] for r in runs) / 1e9:.0f} GFLOP/s) | "
            f"peak memory {_mib(statistics.median(r['peak_memory_bytes'] for r in runs))} | "
            f"evaluation {statistics.median(r['eval_seconds'] for r in runs):.1f} s"
            + (f" | MFU {mfu(f):.1%}" if mfu(f) is not None else "")
        )
    lines.append(f"  (medians over {len(repeats)} seeds; memory: {first['memory_note']}; "
                 "tokens/s counts tokens that are not padding)")
    ceiling = result["matmul_flops_per_second"]
    if ceiling:  # measured on a CPU only
        shares = [statistics.median(r[name]["model_flops_per_second"] for r in repeats) / ceiling
                  for name in ("original", "course")]
        lines.append(f"ceiling: a 1024^3 fp32 matrix multiply runs at {ceiling / 1e9:.0f} GFLOP/s on {args.threads} "
                     f"thread{'s' if args.threads > 1 else ''} here; the original trains at {shares[0]:.0%} of it, "
                     f"the course at {shares[1]:.0%}")
    choice = result["choice"]
    lines.append(f"layouts at batch {repeats[0]['course']['setup']['batch_size']}, {budget} examples each, training only:")
    for layout, f in result["layouts"].items():
        mark = "  <- choose_layout's pick here" if layout == choice["layout"] else ""
        lines.append(f"  {LAYOUT_NAMES[layout]:<18} useful tokens {f['useful_fraction']:.3f} | "
                     f"{f['tokens_per_second']:>7,.0f} tokens/s{mark}")
    lines.append(f"  why: {choice['why']}")
    lines.append(gpu_line(first, task))
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(prog="python misc/tools/bench.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", nargs="+", choices=TASKS, default=list(TASKS))
    parser.add_argument("--model", choices=["standin", "real"], default="standin",
                        help="the offline stand-ins, or the real architectures at random initialisation")
    parser.add_argument("--examples", type=int, default=0,
                        help="the original's budget of training examples (default: one epoch, 600 conversations or 540 instructions)")
    parser.add_argument("--repeats", type=int, default=5, help="seeds: pairs of runs; the ratio is their median")
    parser.add_argument("--val-examples", type=int, default=0, help="validation examples (default: all the held-out ones)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--precision", choices=["fp32", "bf16", "fp16"], default=None,
                        help="default: bf16 on a GPU with bf16 tensor cores, fp16 on an older one (a T4), fp32 on a CPU")
    parser.add_argument("--attn", default=None, help="attention implementation, for example sdpa, eager or flash_attention_2")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads per training process (default 1: two stall when another process shares 2 cores)")
    parser.add_argument("--batch-size", type=int, default=0, help="the course's batch size (default: its offline profile's)")
    parser.add_argument("--lr", type=float, default=BASE_LR, help="the original's learning rate, for its effective batch")
    parser.add_argument("--lr-rule", choices=list(LR_RULES), default="sqrt",
                        help="how the course's rate follows its batch: sqrt (for Adam, the default) or linear")
    parser.add_argument("--json", default=None, help="also write all figures to this file")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    from sft_helpers.machinery.device import detect_device, detect_precision

    if args.device is None:
        args.device = detect_device()  # cuda, then mps, then cpu
    if args.precision is None:
        args.precision = detect_precision(args.device.split(":")[0])
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return
    results = {}
    for task in args.task:
        results[task] = benchmark(task, args)
        print(report(task, results[task], args), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    for task in args.task:
        print(time_to_quality_line(task, results[task]["time_to_quality"]))


if __name__ == "__main__":
    main()
