"""Device and precision detection, in the form ``TrainingArguments`` and ``SFTConfig`` take.

TRL's ``SFTConfig`` defaults to ``bf16=True``. On a CPU that stops with an error; on a CUDA card
older than compute capability 8.0 (a Colab T4 is 7.5) torch 2.13 *emulates* bf16, so training runs,
but slowly and off the tensor cores. ``precision_kwargs()`` gives the right flags for whatever machine
runs the notebook, so one notebook runs everywhere and fast.
"""

from __future__ import annotations

from typing import Literal

Device = Literal["cuda", "mps", "cpu"]
Precision = Literal["bf16", "fp16", "fp32"]

PRECISION_MEANING = {
    "bf16": "bfloat16 mixed precision: half the memory traffic of fp32, fp32's range, no loss scaling needed",
    "fp16": "float16 mixed precision with loss scaling: the fast path on GPUs without bfloat16 tensor cores (for example a T4)",
    "fp32": "full float32: the safe choice on a CPU, where mixed precision brings little and bf16 may be slow",
}


def detect_device() -> Device:
    """The best available device: ``cuda``, then ``mps`` (Apple GPUs), then ``cpu``.

    >>> detect_device() in ("cuda", "mps", "cpu")  # which one is your machine's; tests/machinery/test_device.py mocks each
    True
    """
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


# bf16 tensor cores arrived with Ampere (compute capability 8.0: A100, RTX 30xx, L4 is 8.9).
BF16_MIN_CAPABILITY = (8, 0)


def detect_precision(device: Device | None = None) -> Precision:
    """The training precision ``device`` runs fast: bf16 from compute capability 8.0, fp16 below it, else fp32.

    >>> detect_precision("cpu")  # tests/machinery/test_device.py mocks the GPUs (T4, V100, A100, L4, H100)
    'fp32'
    """
    import torch

    device = device or detect_device()
    if device == "cuda":
        if torch.version.hip:  # AMD GPUs under ROCm: every one torch supports runs bf16 natively
            return "bf16"
        # Not torch.cuda.is_bf16_supported(): in torch 2.13 it counts emulation and answers True on a T4,
        # where bf16 runs without tensor cores, several times slower than fp16.
        return "bf16" if torch.cuda.get_device_capability() >= BF16_MIN_CAPABILITY else "fp16"
    if device == "mps":
        # Apple GPUs run bf16 from macOS 14 on (the same test transformers uses); before that, fp32.
        return "bf16" if torch.backends.mps.is_macos_or_newer(14, 0) else "fp32"
    return "fp32"


def precision_kwargs(device: Device | None = None, precision: Precision | None = None) -> dict[str, bool]:
    """``bf16``/``fp16``/``use_cpu`` for ``TrainingArguments(**...)`` or ``SFTConfig(**...)``.

    >>> precision_kwargs("cuda", "fp16")  # a T4
    {'bf16': False, 'fp16': True, 'use_cpu': False}
    >>> precision_kwargs("cpu")
    {'bf16': False, 'fp16': False, 'use_cpu': True}
    """
    device = device or detect_device()
    precision = precision or detect_precision(device)
    if device == "cpu" and precision != "fp32":
        raise ValueError(f"precision {precision!r} is not supported for training on the CPU here; use 'fp32'")
    return {"bf16": precision == "bf16", "fp16": precision == "fp16", "use_cpu": device == "cpu"}
