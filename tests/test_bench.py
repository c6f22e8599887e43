"""The benchmark runs on the CPU and reports both configurations side by side."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sft_helpers.bench import REAL_CONFIGS, flops_per_token, mfu

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "hub-fixtures"


def test_benchmark_command_prints_both_configurations_and_their_ratio(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "sft_helpers.bench", "--examples", "48", "--json", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for task in ("smoltalk", "alpaca"):
        assert f"== {task}:" in done.stdout
    assert len(re.findall(r"course / original: tokens/s x\d+\.\d\d", done.stdout)) == 2
    figures = json.loads(out.read_text())
    for task, pair in figures.items():
        original, course = pair["original"], pair["course"]
        # Same data for both: the same examples and the same useful tokens.
        assert original["examples"] == course["examples"] == 48
        assert original["useful_tokens"] == course["useful_tokens"]
        for f in (original, course):
            assert f["tokens_per_second"] > 0 and f["validation_loss"] > 0
            assert 0 < f["useful_fraction"] <= 1
    assert figures["smoltalk"]["course"]["useful_fraction"] == 1.0
    assert figures["alpaca"]["original"]["optimizer_steps"] == 1  # 48 examples, 100 accumulation steps


def test_flops_per_token_is_six_per_parameter_plus_attention():
    from transformers import AutoConfig, AutoModelForCausalLM

    spec = dict(REAL_CONFIGS["alpaca"], n_layer=1, n_embd=64, n_head=2, vocab_size=100, n_positions=32)
    model = AutoModelForCausalLM.from_config(AutoConfig.for_model(spec.pop("model_type"), **spec))
    params = sum(p.numel() for p in model.parameters())
    assert flops_per_token(model, 10) == 6 * params + 12 * 1 * 64 * 10
    assert mfu({"device": "NVIDIA H100 80GB HBM3", "precision": "bf16", "model_flops_per_second": 98.9e12}) == pytest.approx(0.1)
    assert mfu({"device": "CPU (2 cores, 2 threads)", "precision": "fp32", "model_flops_per_second": 1e9}) is None


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="../shared/hub-fixtures (the real config files) is not beside this checkout")
@pytest.mark.parametrize("task,folder", [("smoltalk", "SmolLM2-135M"), ("alpaca", "distilgpt2")])
def test_real_architectures_match_the_real_config_files(task, folder):
    real = json.loads((FIXTURES / folder / "config.json").read_text())
    for key, value in REAL_CONFIGS[task].items():
        assert real[key] == value, key


def test_real_smollm2_architecture_builds_at_its_real_size():
    from sft_helpers.bench import build_model

    model = build_model("smoltalk", "real", "cpu", None)
    assert sum(p.numel() for p in model.parameters()) == 134_515_008


def test_memory_reading_works_without_proc(monkeypatch):
    # macOS has no /proc: the benchmark must fall back to the peak instead of crashing.
    import builtins

    from sft_helpers import bench

    real_open = builtins.open

    def no_proc(path, *args, **kwargs):
        if str(path).startswith("/proc/"):
            raise FileNotFoundError(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", no_proc)
    assert bench._rss_bytes() > 0
