"""The benchmark: time to the original's validation loss, the course's setup from the profile, honest GPU figures."""

import json
import math
import re
import subprocess
import sys
from dataclasses import replace

import bench
import pytest
from bench import REAL_CONFIGS, Job, Setup, flops_per_token, mfu
from bench_batches import make_batches, useful_token_fraction

from sft_helpers.batching import choose_layout
from sft_helpers.machinery.tasks import TASKS
from tests.conftest import HUB_FIXTURES, ROOT, TOOLS, needs_hub_fixtures


def test_time_to_target_interpolates_at_the_first_crossing():
    curve = [
        {"seconds": 0.0, "loss": 7.0},
        {"seconds": 2.0, "loss": 5.0},
        {"seconds": 6.0, "loss": 3.0},
        {"seconds": 8.0, "loss": 3.5},  # a noisy rise after the crossing does not undo it
        {"seconds": 10.0, "loss": 2.0},
    ]
    assert bench.time_to_target(curve, 4.0) == pytest.approx(4.0)  # halfway between 5.0 at 2 s and 3.0 at 6 s
    assert bench.time_to_target(curve, 3.0) == 6.0  # exactly on an evaluation
    assert bench.time_to_target(curve, 2.5) == pytest.approx(8.0 + 2.0 * (3.5 - 2.5) / 1.5)
    assert bench.time_to_target(curve, 1.9) is None
    assert bench.time_to_target(curve, 7.0) == 0.0


def test_learning_rate_follows_the_square_root_rule():
    assert bench.scaled_lr(3e-3, 4, 4) == 3e-3
    assert bench.scaled_lr(3e-3, 16, 4) == pytest.approx(6e-3)  # 4 times the batch, twice the rate
    assert bench.scaled_lr(3e-3, 25, 100) == pytest.approx(1.5e-3)
    assert bench.scaled_lr(3e-3, 16, 4, "linear") == pytest.approx(1.2e-2)  # the rule from SGD, on request
    with pytest.raises(ValueError, match="unknown learning-rate rule 'cubic'"):
        bench.scaled_lr(3e-3, 16, 4, "cubic")
    assert bench.parse_args(["--device", "cpu"]).lr_rule == "sqrt"


def test_course_setup_comes_from_the_profile_and_choose_layout(monkeypatch):
    from sft_helpers.machinery import tasks

    on_cpu = bench.course_setup("smoltalk", choose_layout("sdpa", "cpu"))
    assert (on_cpu.batch_size, on_cpu.accumulation, on_cpu.layout) == (TASKS["smoltalk"].offline.batch_size, 1, "grouped")
    assert bench.course_setup("alpaca", choose_layout("flash_attention_2", "cuda")).layout == "padding_free"
    assert bench.course_setup("alpaca", choose_layout("sdpa", "cpu"), batch_size=5).batch_size == 5
    alpaca = tasks.TASKS["alpaca"]
    monkeypatch.setitem(tasks.TASKS, "alpaca", replace(alpaca, offline=replace(alpaca.offline, batch_size=12)))
    assert bench.course_setup("alpaca", choose_layout("eager", "cpu")) == Setup("course: batch 12, grouped by length", 12, 1, "grouped")


def test_final_lines_are_the_ratio_or_not_reached():
    pattern = re.compile(r"^time-to-quality (smoltalk|alpaca): (\d+\.\d\dx|not reached)$")
    for line in (bench.time_to_quality_line("smoltalk", 2.3149), bench.time_to_quality_line("alpaca", None)):
        assert pattern.match(line), line
    assert bench.time_to_quality_line("smoltalk", 2.3149).endswith(": 2.31x")
    # A repeat that did not reach the target counts as the slowest, never as a fast one.
    assert bench.median_ratio([3.0, None, 1.5]) == 1.5
    assert bench.median_ratio([None, None, 9.0]) is None


def test_mfu_matches_the_precision_to_the_peak():
    t4 = {"device": "Tesla T4", "model_flops_per_second": 6.5e12}
    assert mfu({**t4, "precision": "fp16"}) == pytest.approx(0.1)  # the T4's peak is its fp16 figure
    assert mfu({**t4, "precision": "bf16"}) is None  # no bf16 tensor cores: no peak to compare with
    assert mfu({"device": "NVIDIA H100 80GB HBM3", "precision": "bf16", "model_flops_per_second": 98.9e12}) == pytest.approx(0.1)
    assert mfu({"device": "NVIDIA A100-SXM4-40GB", "precision": "bf16", "model_flops_per_second": 31.2e12}) == pytest.approx(0.1)
    assert mfu({"device": "NVIDIA L40S", "precision": "bf16", "model_flops_per_second": 1e12}) is None  # not an L4
    assert mfu({"device": "CPU (2 cores, 1 thread)", "precision": "fp32", "model_flops_per_second": 1e9}) is None
    assert "fp16" in bench.gpu_line({"device": "Tesla T4", "precision": "bf16"}, "smoltalk")


def test_on_a_cpu_the_gpu_figure_is_an_estimate_never_a_measurement():
    line = bench.gpu_line({"device": "CPU (2 cores, 1 thread)", "precision": "fp32"}, "smoltalk")
    assert line.startswith("GPU: not measured (no GPU here)")
    assert "estimate" in line.lower() and "fp16" in line


def test_flops_per_token_is_six_per_parameter_plus_attention():
    from transformers import AutoConfig, AutoModelForCausalLM

    spec = dict(REAL_CONFIGS["alpaca"], n_layer=1, n_embd=64, n_head=2, vocab_size=100, n_positions=32)
    model = AutoModelForCausalLM.from_config(AutoConfig.for_model(spec.pop("model_type"), **spec))
    params = sum(p.numel() for p in model.parameters())
    assert flops_per_token(model, 10) == 6 * params + 12 * 1 * 64 * 10


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    # As in the benchmark's workers: two threads stall badly when another process shares the 2 cores.
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def conversations():
    train, val, tokenizer = bench.load_examples("smoltalk")
    return train, make_batches(val[:4], 4, "padded", tokenizer.pad_token_id), tokenizer


def _train(conversations, count=4, **options):
    train, val_batches, tokenizer = conversations
    setup = Setup("test", 2, 1, "grouped")
    batches = bench.epoch_batches("smoltalk", setup, train, tokenizer, count)
    return bench.train(Job(task="smoltalk", setup=setup, lr=3e-3, eval_every=2, **options), batches, val_batches)


def test_course_configuration_keeps_padding_under_five_percent_on_the_bundled_conversations(conversations):
    train, _, tokenizer = conversations
    course = bench.course_setup("smoltalk", choose_layout("sdpa", "cpu"))
    original = bench.ORIGINAL["smoltalk"]
    course_fraction = useful_token_fraction(bench.epoch_batches("smoltalk", course, train, tokenizer, len(train)))
    original_fraction = useful_token_fraction(bench.epoch_batches("smoltalk", original, train, tokenizer, len(train)))
    assert course_fraction >= 0.95
    assert original_fraction < 0.9  # the comparison means something: the original does pad
    assert course.batch_size == 4 and course.layout == "grouped"


def test_training_stops_at_the_first_evaluation_at_or_below_the_target(conversations):
    free = _train(conversations, count=8)
    losses = [p["loss"] for p in free["curve"]]
    assert [p["examples"] for p in free["curve"]] == [0, 2, 4, 6, 8] and not free["reached"]
    assert losses[-1] < losses[0]
    target = (losses[1] + losses[2]) / 2  # between the second and third evaluation
    stopped = _train(conversations, count=8, target=target)
    assert stopped["reached"] and [p["loss"] for p in stopped["curve"]] == pytest.approx(losses[:3])
    assert stopped["optimizer_steps"] == 2


@pytest.mark.parametrize("options", [
    {"attn": "sdpa"}, {"attn": "eager"}, {"precision": "bf16"}, {"precision": "fp16"},
], ids=lambda o: "-".join(map(str, o.values())))
def test_every_attention_and_precision_trains_on_the_cpu_like_fp32(conversations, options):
    reference = [p["loss"] for p in _train(conversations)["curve"]]
    figures = _train(conversations, **options)
    assert figures["attn"] == options.get("attn", "sdpa") and figures["precision"] == options.get("precision", "fp32")
    assert [p["loss"] for p in figures["curve"]] == pytest.approx(reference, abs=0.05)


def test_real_architectures_train_a_step_at_random_init():
    import torch
    from bench import build_model

    with torch.device("meta"):  # a parameter count needs no weights: SmolLM2-135M's shapes, nothing allocated
        assert sum(p.numel() for p in build_model("smoltalk", "real", "meta", None).parameters()) == 134_515_008
    train, _, tokenizer = bench.load_examples("alpaca")
    setup = Setup("test", 2, 1, "grouped")
    batches = bench.epoch_batches("alpaca", setup, train, tokenizer, 2)
    val = make_batches(train[-4:], 4, "padded", tokenizer.pad_token_id, hand_masked=True, tokenizer=tokenizer)
    figures = bench.train(Job(task="alpaca", setup=setup, lr=3e-3, model="real", eval_every=2), batches, val)
    assert figures["parameters"] == 81_912_576  # distilgpt2's size
    start, after = (p["loss"] for p in figures["curve"])
    assert math.isfinite(after) and after < start


def test_compiled_model_trains_like_the_eager_one(conversations):
    # torch.compile on a CPU writes and builds C++ kernels with gcc: one batch shape keeps it to one
    # compilation (about 25 s on 2 cores with a cold cache), and the smallest model.
    train, val_batches, tokenizer = conversations
    same_shape = (train[0], train[0])
    setup = Setup("test", 2, 1, "padded")
    batches = bench.epoch_batches("smoltalk", setup, same_shape, tokenizer, 4)
    curves = [
        [p["loss"] for p in bench.train(Job(task="smoltalk", setup=setup, lr=3e-3, eval_every=2, compile=c), batches, val_batches)["curve"]]
        for c in (False, True)
    ]
    assert curves[1] == pytest.approx(curves[0], rel=1e-3)


def test_command_line_options_reach_the_training_runs():
    args = bench.parse_args(["--model", "real", "--attn", "eager", "--precision", "bf16", "--compile", "--device", "cpu"])
    options = bench.run_options(args, "alpaca")
    assert options == dict(task="alpaca", model="real", device="cpu", precision="bf16", attn="eager", compile=True, threads=1)
    assert bench.parse_args(["--device", "cpu"]).precision == "fp32"


def test_benchmark_command_reports_time_to_quality_last(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(TOOLS / "bench.py"), "--task", "alpaca", "--examples", "12", "--repeats", "1",
         "--val-examples", "8", "--device", "cpu", "--json", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert re.fullmatch(r"time-to-quality alpaca: (\d+\.\d\dx|not reached)", lines[-1])
    assert "square-root rule for Adam" in done.stdout
    assert "GPU: not measured (no GPU here)" in done.stdout
    assert re.search(r"ceiling: a 1024\^3 fp32 matrix multiply runs at \d+ GFLOP/s on 1 thread here; "
                     r"the original trains at \d+% of it, the course at \d+%", done.stdout)
    result = json.loads(out.read_text())["alpaca"]
    (repeat,) = result["repeats"]
    original, course = repeat["original"], repeat["course"]
    assert course["setup"]["layout"] == choose_layout("sdpa", "cpu").layout == "grouped"
    assert course["setup"]["batch_size"] == TASKS["alpaca"].offline.batch_size
    assert course["lr"] == pytest.approx(original["lr"] * math.sqrt(course["setup"]["batch_size"] / 100))
    # The target is the original's last validation loss; the course stops once it gets there.
    assert repeat["target"] == original["curve"][-1]["loss"] < original["curve"][0]["loss"]
    assert original["examples"] == 12 and course["examples"] <= 3 * 12 + course["setup"]["batch_size"]
    if course["reached"]:
        assert course["curve"][-1]["loss"] <= repeat["target"] < course["curve"][-2]["loss"]
    assert set(result["layouts"]) == {"padded", "grouped", "padding_free"}
    assert result["layouts"]["padding_free"]["useful_fraction"] == 1.0
    assert result["matmul_flops_per_second"] > 1e8  # any CPU that trains at all multiplies faster than this
    for f in (original, course, *result["layouts"].values()):
        assert f["tokens_per_second"] > 0 and 0 < f["useful_fraction"] <= 1


@needs_hub_fixtures
@pytest.mark.parametrize("task,folder", [("smoltalk", "SmolLM2-135M"), ("alpaca", "distilgpt2")])
def test_real_architectures_match_the_real_config_files(task, folder):
    real = json.loads((HUB_FIXTURES / folder / "config.json").read_text())
    for key, value in REAL_CONFIGS[task].items():
        assert real[key] == value, key


def test_memory_reading_works_without_proc(monkeypatch):
    # macOS has no /proc: the benchmark must fall back to the peak instead of crashing.
    import builtins

    real_open = builtins.open

    def no_proc(path, *args, **kwargs):
        if str(path).startswith("/proc/"):
            raise FileNotFoundError(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", no_proc)
    assert bench._rss_bytes() > 0


def test_an_apple_gpu_is_benchmarked_on_mps(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    monkeypatch.setattr(torch.backends.mps, "is_macos_or_newer", lambda major, minor: True)
    args = bench.parse_args([])
    assert (args.device, args.precision) == ("mps", "bf16")

