"""What a full-profile run should cost on a Colab T4, or on this machine's CPU: estimates from FLOPs,
never measurements of the run itself.

No GPU has run this course's full profile for its authors, so every GPU time the notebooks quote comes
from here and is labelled an estimate. The model: training costs about 6 FLOPs per parameter per
token (forward and backward) plus attention's 12 x layers x width x context, and a GPU delivers a
share of its peak (the MFU). Small models at small batches reach a low share, because every step pays
fixed costs (kernel launches, the optimizer, data loading) that do not shrink with the model, so the
range below is wide on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

from sft_helpers.machinery.tasks import held_out_count

# Dense 16-bit tensor-core peaks in FLOP/s (vendor figures): bf16, except the T4, which has no bf16
# tensor cores; its figure is fp16, the precision the course trains it in.
PEAK_FLOPS = {"H100": 989e12, "H200": 989e12, "A100": 312e12, "L4": 121e12, "A10": 125e12, "T4": 65e12}

# Share of the peak assumed for small-model fine-tuning with the Hugging Face trainers (an assumption,
# not a measurement): the low end for a 100M model at a few thousand tokens per step.
ASSUMED_MFU = (0.05, 0.20)


# On a CPU: the share of this machine's measured matrix-multiply rate that training reaches (an
# assumption: the course's stand-ins reach 25-35% of it on one thread, a 135M model's larger matrices more).
ASSUMED_CPU_SHARE = (0.25, 0.6)
# Longer than this on a CPU, SFT_PROFILE=auto does not start the full profile (profile.py).
CPU_LIMIT_MINUTES = 15


@dataclass(frozen=True)
class FullRun:
    """The facts behind one task's full-profile estimate."""

    model: str
    parameters: int  # from the model's config.json
    layers: int
    width: int
    train_records: int  # records in the training split the notebook trains on
    mean_tokens: int  # assumed tokens per training example after the template (not measured here)


FULL_RUNS = {
    # everyday-conversations: 2,260 training conversations, less the validation split the notebooks carve
    # (training.carve_validation); a few short turns each, ~250 tokens assumed.
    "smoltalk": FullRun("HuggingFaceTB/SmolLM2-135M", 134_515_008, 30, 576, 2_260 - held_out_count(2_260), 250),
    # Alpaca: 52,002 records, less the validation and test splits notebook 03 holds out (its records with an
    # empty output, dropped too, are not counted); ~150 GPT-2 tokens with the template assumed.
    "alpaca": FullRun("distilgpt2", 81_912_576, 6, 768, 52_002 - 2 * held_out_count(52_002), 150),
}


def flops_per_token(parameters: int, layers: int, width: int, mean_context: float) -> float:
    """Training FLOPs per token: 6 per parameter, plus attention's 12 x layers x width x context.

    >>> flops_per_token(1_000, 2, 64, 10)
    21360.0
    """
    return float(6 * parameters + 12 * layers * width * mean_context)


def t4_minutes(task: str, steps: int, batch_size: int) -> tuple[float, float]:
    """Estimated training minutes on a T4 in fp16, fastest to slowest over ``ASSUMED_MFU``."""
    run = FULL_RUNS[task]
    tokens = steps * batch_size * run.mean_tokens
    flops = tokens * flops_per_token(run.parameters, run.layers, run.width, run.mean_tokens)
    high, low = (flops / (PEAK_FLOPS["T4"] * mfu) / 60 for mfu in reversed(ASSUMED_MFU))
    return high, low


def matmul_rate(threads: int, size: int = 1024, repeats: int = 10) -> float:
    """FLOP/s of a ``size``-cubed fp32 matrix multiply on this CPU with ``threads`` threads, measured now.

    A training run can at best do all its FLOPs at this rate: the ceiling that a faster batch layout
    approaches and cannot pass (the benchmark's ``ceiling`` line). The stand-ins' own matrix shapes, 680 x
    128 x 341 and the like, run at the same rate.
    """
    import time

    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        a, b = torch.randn(size, size), torch.randn(size, size)
        for _ in range(2):
            a @ b
        start = time.perf_counter()
        for _ in range(repeats):
            a @ b
        return 2 * size**3 * repeats / (time.perf_counter() - start)
    finally:
        torch.set_num_threads(before)


def matmul_rate_caveat(cpuinfo: str, mkl: bool) -> str | None:
    r"""A warning for the test report when ``matmul_rate`` understates this machine, else None.

    torch's CPU build multiplies matrices with Intel's MKL, whose choice of kernels can depend on the CPU's
    maker: on an AMD EPYC it ran at about half an Intel Xeon's rate while the course's tests ran only a
    little slower (``misc/maintainers.md``, "CI and its timing"), so budgets scaled by the rate come out
    generous.
    ``cpuinfo`` is the text of ``/proc/cpuinfo``; ``mkl`` whether torch uses MKL.

    >>> matmul_rate_caveat("vendor_id\t: GenuineIntel\n", mkl=True) is None
    True
    >>> matmul_rate_caveat("vendor_id\t: AuthenticAMD\n", mkl=False) is None  # another BLAS: no such bias known
    True
    >>> print(matmul_rate_caveat("vendor_id\t: AuthenticAMD\n", mkl=True))  # doctest: +ELLIPSIS
    note: an AuthenticAMD CPU, where MKL ... compare with runs on CPUs of the same maker
    """
    vendor = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("vendor_id")), None)
    if not mkl or vendor in (None, "GenuineIntel"):
        return None
    return (f"note: an {vendor} CPU, where MKL (torch's matrix library) may not take its fast path: the rate above can "
            "understate this machine and the budgets below be generous; compare with runs on CPUs of the same maker")


def cpu_minutes(task: str, steps: int, batch_size: int, flops_per_second: float) -> tuple[float, float]:
    """Estimated training minutes of the task's full-profile model on a CPU whose matrix multiply runs at
    ``flops_per_second``, fastest to slowest over ``ASSUMED_CPU_SHARE``.

    >>> fast, slow = cpu_minutes("smoltalk", 1000, 4, 100e9)  # notebook 02's full run, a 100 GFLOP/s laptop
    >>> round(fast), round(slow)
    (239, 573)
    """
    run = FULL_RUNS[task]
    flops = steps * batch_size * run.mean_tokens * flops_per_token(run.parameters, run.layers, run.width, run.mean_tokens)
    fast, slow = (flops / (flops_per_second * share) / 60 for share in reversed(ASSUMED_CPU_SHARE))
    return fast, slow


def epochs(task: str, steps: int, batch_size: int) -> float:
    """Passes over the training split that ``steps`` steps of ``batch_size`` examples make."""
    return steps * batch_size / FULL_RUNS[task].train_records


def full_run_estimate(task: str, steps: int | None = None, batch_size: int | None = None) -> str:
    """One line a notebook prints about its full-profile run on a Colab T4, marked as an estimate.

    ``steps`` and ``batch_size`` default to the task's full-profile scale (``sft_helpers.machinery.tasks.TASKS``).

    >>> print(full_run_estimate("smoltalk"))
    full profile on a Colab T4 (estimate from FLOPs, not measured): 1,000 steps x 4 conversations = 2.0 epochs of 2,034, about 1-4 min of training
    """
    from sft_helpers.machinery.tasks import TASKS

    steps = TASKS[task].full.max_steps if steps is None else steps
    batch_size = TASKS[task].full.batch_size if batch_size is None else batch_size
    fast, slow = t4_minutes(task, steps, batch_size)
    unit = "conversations" if task == "smoltalk" else "records"
    return (
        f"full profile on a Colab T4 (estimate from FLOPs, not measured): {steps:,} steps x {batch_size} {unit} = "
        f"{epochs(task, steps, batch_size):.1f} epochs of {FULL_RUNS[task].train_records:,}, "
        f"about {max(1, round(fast))}-{max(1, round(slow))} min of training"
    )
