"""Tiny stand-ins for the course's models, built locally so that the offline profile needs no network.

Each stand-in has the architecture family and the tokenizer conventions of the real model, at a
size a 2-core CPU trains in a minute or two:

* ``tiny-smollm2``: a Llama (grouped-query attention, tied embeddings, RoPE) like
  ``HuggingFaceTB/SmolLM2-135M``. Its byte-level BPE splits digits one by one, has
  ``<|endoftext|>`` (id 0), ``<|im_start|>`` (1) and ``<|im_end|>`` (2) as single special
  tokens, uses ``<|endoftext|>`` as bos, eos and unk, and has no chat template and no pad token.
* ``tiny-gpt2``: a GPT-2 like ``distilgpt2``. Its byte-level BPE has ``<|endoftext|>`` as the
  last id and as bos, eos and unk, and no pad token.

The tokenizers are trained on the bundled data; the weights are random, from a fixed seed. Both
are saved with ``save_pretrained`` (safetensors) so the notebooks load them exactly as they load
the real ones: ``AutoTokenizer.from_pretrained(path)``, ``AutoModelForCausalLM.from_pretrained(path)``.
Nothing binary is committed; the build is cached under ``SFT_CACHE_DIR`` (default
``~/.cache/sft-course``) and takes a few seconds.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sft_helpers.machinery import bundled_data

# SmolLM2's special tokens, in its order (ids 0, 1, 2), which the stand-in's tokenizer copies; the same
# strings as the course's chat template (``sft_helpers.data``), a test checks. Spelled out here because the
# machinery imports no lesson helper.
ENDOFTEXT, IM_START, IM_END = "<|endoftext|>", "<|im_start|>", "<|im_end|>"

SEED = 0


@dataclass(frozen=True)
class StandIn:
    """What a stand-in replaces and how big it is."""

    name: str
    replaces: str
    vocab_size: int
    hidden_size: int
    num_layers: int
    num_heads: int
    max_positions: int


# tiny-gpt2 is narrower than tiny-smollm2: notebook 03 trains it 300 steps at batch 32, where the matrix
# work, not per-step overhead, is most of a step; at 128 wide its training took 30% longer (measured
# 2026-12-08, ``sft_helpers/machinery/tasks.py`` has what it learns at each width).
STANDINS: dict[str, StandIn] = {
    "tiny-smollm2": StandIn("tiny-smollm2", "HuggingFaceTB/SmolLM2-135M", 1024, 128, 4, 4, 512),
    "tiny-gpt2": StandIn("tiny-gpt2", "distilgpt2", 1024, 96, 4, 4, 512),
}


def _training_texts() -> list[str]:
    texts = []
    for kind, files in bundled_data.FILES.items():
        for split in files:
            records = bundled_data.read(kind, split)
            for r in records:
                if "messages" in r:
                    # Role names too, so "user" and "assistant" are whole tokens as in a real vocabulary.
                    texts.extend(f"{m['role']}\n{m['content']}" for m in r["messages"])
                else:
                    texts.append(r["text"])
    return texts


def _build_tokenizer(spec: StandIn):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    is_llama = spec.name == "tiny-smollm2"
    tok = Tokenizer(models.BPE())
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False)
    if is_llama:
        # SmolLM2 splits numbers into single digits before byte-level BPE; keep that convention.
        tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), byte_level])
    else:
        tok.pre_tokenizer = byte_level
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.decoder = decoders.ByteLevel()
    specials = [ENDOFTEXT, IM_START, IM_END] if is_llama else []
    trainer = trainers.BpeTrainer(
        vocab_size=spec.vocab_size - (0 if is_llama else 1),
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_training_texts(), trainer=trainer)
    if not is_llama:
        # GPT-2 puts <|endoftext|> after the whole vocabulary (id 50256 in the real one).
        tok.add_special_tokens([ENDOFTEXT])
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=ENDOFTEXT,
        eos_token=ENDOFTEXT,
        unk_token=ENDOFTEXT,
        model_max_length=spec.max_positions,
        clean_up_tokenization_spaces=False,
    )
    if is_llama:
        fast.add_special_tokens({"additional_special_tokens": [ENDOFTEXT, IM_START, IM_END]})
    return fast


def _build_model(spec: StandIn, tokenizer):
    import torch
    from transformers import AutoModelForCausalLM, GPT2Config, LlamaConfig

    eos = tokenizer.convert_tokens_to_ids(ENDOFTEXT)
    vocab_size = len(tokenizer)
    if spec.name == "tiny-smollm2":
        config = LlamaConfig(
            vocab_size=vocab_size,
            hidden_size=spec.hidden_size,
            intermediate_size=spec.hidden_size * 8 // 3,
            num_hidden_layers=spec.num_layers,
            num_attention_heads=spec.num_heads,
            num_key_value_heads=spec.num_heads // 2,
            max_position_embeddings=spec.max_positions,
            rope_parameters={"rope_theta": 100000.0, "rope_type": "default"},
            tie_word_embeddings=True,
            bos_token_id=eos,
            eos_token_id=eos,
            pad_token_id=None,
        )
    else:
        config = GPT2Config(
            vocab_size=vocab_size,
            n_positions=spec.max_positions,
            n_embd=spec.hidden_size,
            n_layer=spec.num_layers,
            n_head=spec.num_heads,
            # distilgpt2's "gelu_new" is this same tanh approximation, written as five separate tensor
            # operations; torch's fused kernel computes it in one and trains the stand-in about a fifth faster.
            activation_function="gelu_pytorch_tanh",
            bos_token_id=eos,
            eos_token_id=eos,
        )
    torch.manual_seed(SEED)
    return AutoModelForCausalLM.from_config(config, dtype=torch.float32)


def build(name: str, directory: str | os.PathLike) -> Path:
    """Build stand-in ``name`` (a key of ``STANDINS``) and save model and tokenizer into ``directory``."""
    spec = STANDINS[name]
    directory = Path(directory)
    tokenizer = _build_tokenizer(spec)
    model = _build_model(spec, tokenizer)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    # Both real tokenizers declare this class; AutoTokenizer then loads ours exactly as it loads theirs.
    config_path = directory / "tokenizer_config.json"
    config = json.loads(config_path.read_text())
    config["tokenizer_class"] = "GPT2Tokenizer"
    config_path.write_text(json.dumps(config, indent=2))
    (directory / "STANDIN.json").write_text(json.dumps({"name": spec.name, "replaces": spec.replaces}, indent=2))
    return directory


def cache_dir() -> Path:
    return Path(os.environ.get("SFT_CACHE_DIR", Path.home() / ".cache" / "sft-course"))


def _build_key(spec: StandIn) -> str:
    """Changes whenever the recipe or the bundled data change, so a stale build is never reused.

    The recipe is this module (its special tokens included) and the bundled data the tokenizer is trained on
    (the files themselves).
    """
    import tokenizers
    import transformers

    source = "".join(inspect.getsource(m) for m in (inspect.getmodule(_build_key),))
    digest = hashlib.sha256(f"{spec}{source}{transformers.__version__}{tokenizers.__version__}".encode())
    for kind in bundled_data.FILES:
        for path in bundled_data.data_files(kind).values():
            digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:12]


def cached_model(label: str, recipe: str, make, standin: str = "tiny-smollm2") -> Path:
    """A model folder built once by ``make(folder)`` (which writes ``STANDIN.json`` last) and cached.

    ``recipe`` is everything the build depends on, as text (its source, its settings); the folder's name
    carries its digest with the build key of the stand-in it starts from, so a changed recipe or stand-in
    is rebuilt.
    """
    spec = STANDINS[standin]
    key = hashlib.sha256((_build_key(spec) + recipe).encode()).hexdigest()[:12]
    return _cached(cache_dir() / f"{label}-{key}", make)


def standin_path(name: str) -> Path:
    """Path of stand-in ``name``, built on first use and cached afterwards."""
    spec = STANDINS[name]
    return _cached(cache_dir() / f"{spec.name}-{_build_key(spec)}", lambda staging: build(name, staging))


def _cached(target: Path, make) -> Path:
    """``target``, made by ``make(staging_folder)`` unless a finished copy is there already.

    Made once per cache, whoever asks first: a second process that asks while the first is still building
    (two notebooks on two test workers, say) waits for it on a lock file instead of building its own copy.
    """
    from filelock import FileLock

    if (target / "STANDIN.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(target.parent / f".{target.name}.lock"):
        if (target / "STANDIN.json").exists():  # built by another process while this one waited
            return target
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            make(staging)
            shutil.rmtree(target, ignore_errors=True)  # an unfinished copy left by a process that was killed
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


PRETRAINING_STEPS = 200


def _pretrain(name: str, directory: Path) -> None:
    """Train stand-in ``name`` on the plain text of the bundled training conversations and save it in ``directory``.

    No chat template, no turn markers, the tokenizer's own end-of-sequence token: the model learns the
    words, not the format, which is what a real base model brings to a fine-tune.
    """
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer, PrinterCallback, set_seed
    from trl import SFTConfig, SFTTrainer

    source = standin_path(name)
    set_seed(SEED)
    tokenizer = AutoTokenizer.from_pretrained(source)
    model = AutoModelForCausalLM.from_pretrained(source)
    records = bundled_data.read("conversations", "train")
    texts = Dataset.from_dict({"text": ["\n".join(m["content"] for m in r["messages"]) for r in records]})
    config = SFTConfig(
        output_dir=str(directory / "run"), max_steps=PRETRAINING_STEPS, per_device_train_batch_size=8,
        learning_rate=3e-3, lr_scheduler_type="cosine", warmup_steps=0.05, train_sampling_strategy="group_by_length",
        max_length=STANDINS[name].max_positions, save_strategy="no", report_to="none", seed=SEED,
        logging_strategy="no", disable_tqdm=True, use_cpu=True, bf16=False,  # the same weights on every machine, GPU or not
        activation_checkpointing=False,
    )
    trainer = SFTTrainer(model=model, args=config, train_dataset=texts, processing_class=tokenizer)
    trainer.remove_callback(PrinterCallback)  # built inside whichever notebook needs it first: print nothing there
    trainer.train()
    shutil.rmtree(directory / "run", ignore_errors=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    (directory / "STANDIN.json").write_text(
        json.dumps({"name": f"{name}-pretrained", "replaces": STANDINS[name].replaces, "pretraining_steps": PRETRAINING_STEPS}, indent=2)
    )


def pretrained_standin_path(name: str = "tiny-smollm2") -> Path:
    """Path of stand-in ``name`` after a short plain-text pretraining, built on first use (about 15 s) and cached.

    What LoRA (notebook 05) adapts must know the language first; the random stand-in does not.
    """
    spec = STANDINS[name]
    key = hashlib.sha256((_build_key(spec) + inspect.getsource(_pretrain) + str(PRETRAINING_STEPS)).encode()).hexdigest()[:12]
    return _cached(cache_dir() / f"{spec.name}-pretrained-{key}", lambda staging: _pretrain(name, staging))
