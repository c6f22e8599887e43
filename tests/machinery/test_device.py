import pytest
import torch

from sft_helpers.machinery.device import detect_device, detect_precision, precision_kwargs


@pytest.fixture
def fake_gpu(monkeypatch):
    """Pretend to be on a CUDA card of the given compute capability.

    ``is_bf16_supported`` answers True for every card, as torch 2.13 does by default (it counts
    emulation), so a precision chosen from it would be wrong on a T4 and the tests would show it.
    """

    def make(capability: tuple[int, int]):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a, **k: capability)
        monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)

    return make


def test_cpu_machine_trains_in_fp32(no_gpu):
    assert detect_device() == "cpu"
    assert detect_precision() == "fp32"
    assert precision_kwargs() == {"bf16": False, "fp16": False, "use_cpu": True}


@pytest.mark.parametrize(
    "card, capability, precision",
    [
        ("T4 (Colab's free GPU)", (7, 5), "fp16"),
        ("V100", (7, 0), "fp16"),
        ("A100", (8, 0), "bf16"),
        ("L4", (8, 9), "bf16"),
        ("H100", (9, 0), "bf16"),
    ],
)
def test_cuda_precision_follows_compute_capability(fake_gpu, card, capability, precision):
    fake_gpu(capability)
    assert detect_device() == "cuda"
    assert detect_precision() == precision, card
    assert precision_kwargs() == {"bf16": precision == "bf16", "fp16": precision == "fp16", "use_cpu": False}


def test_torch_counts_emulated_bf16_as_supported():
    # Why detect_precision reads the capability: this default would say yes on a T4.
    import inspect

    signature = inspect.signature(torch.cuda.is_bf16_supported)
    assert signature.parameters["including_emulation"].default is True


def test_mps_is_chosen_after_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert detect_device() == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_macos_or_newer", lambda major, minor: major <= 14)
    assert detect_precision("mps") == "bf16"
    monkeypatch.setattr(torch.backends.mps, "is_macos_or_newer", lambda major, minor: False)
    assert detect_precision("mps") == "fp32"
    assert precision_kwargs("mps") == {"bf16": False, "fp16": False, "use_cpu": False}


def test_cpu_refuses_half_precision():
    with pytest.raises(ValueError, match="not supported"):
        precision_kwargs("cpu", "bf16")


def test_kwargs_are_accepted_by_sftconfig(tmp_path):
    # TRL's own default (bf16=True) fails here; ours must not. (SFTConfig itself, not the course's
    # sft_config, because the defaults are what is tested.)
    from trl import SFTConfig

    with pytest.raises(ValueError):
        SFTConfig(output_dir=str(tmp_path), activation_checkpointing=False)
    config = SFTConfig(output_dir=str(tmp_path), activation_checkpointing=False, **precision_kwargs())
    assert not config.bf16 and not config.fp16 and config.use_cpu
