import pytest
import torch

from sft_helpers.memory import ARCHITECTURES, BYTES, memory_table, training_memory, training_state_bytes


def test_adamw_state_is_two_floats_per_trainable_parameter_plus_a_step_counter():
    model = torch.nn.Sequential(torch.nn.Linear(10, 20), torch.nn.Linear(20, 5))
    model[0].requires_grad_(False)  # frozen, as the base model is under LoRA
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad])
    model(torch.randn(3, 10)).sum().backward()
    optimizer.step()
    m = training_memory(model, optimizer)
    trainable = 20 * 5 + 5
    assert m["parameters"] == 10 * 20 + 20 + trainable and m["trainable_parameters"] == trainable
    assert m["weights_bytes"] == 4 * m["parameters"]
    assert m["gradients_bytes"] == 4 * trainable
    # exp_avg and exp_avg_sq per parameter, and one float32 step counter per parameter tensor
    assert m["optimizer_state_bytes"] == 2 * 4 * trainable + 2 * 4
    assert m["total_bytes"] == m["weights_bytes"] + m["gradients_bytes"] + m["optimizer_state_bytes"]


def test_no_state_before_the_first_step():
    model = torch.nn.Linear(4, 4)
    assert training_memory(model, torch.optim.AdamW(model.parameters()))["optimizer_state_bytes"] == 0


# --- the arithmetic for models too large to train here ------------------------------------------------------



def meta_model(arch):
    """The architecture as transformers builds it, on the meta device: shapes without memory."""
    from transformers import AutoModelForCausalLM, LlamaConfig

    config = LlamaConfig(vocab_size=arch.vocab_size, hidden_size=arch.hidden_size, intermediate_size=arch.intermediate_size,
                         num_hidden_layers=arch.layers, num_attention_heads=arch.heads, num_key_value_heads=arch.kv_heads,
                         tie_word_embeddings=arch.tied_embeddings)
    with torch.device("meta"):
        return AutoModelForCausalLM.from_config(config)


# peft 0.21.2 still calls transformers' `is_gradient_checkpointing`, renamed in transformers 5; harmless.
@pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing` is deprecated:FutureWarning")
@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_the_counts_are_transformers_and_peft_counts(name):
    from peft import LoraConfig, get_peft_model

    arch = ARCHITECTURES[name]
    model = meta_model(arch)
    assert arch.parameters == model.num_parameters()
    linear = sum(m.weight.numel() for n, m in model.named_modules() if isinstance(m, torch.nn.Linear) and "lm_head" not in n)
    assert arch.linear_parameters == linear
    lora = get_peft_model(model, LoraConfig(r=16, target_modules="all-linear", task_type="CAUSAL_LM"))
    assert arch.lora_parameters(16) == sum(p.numel() for p in lora.parameters() if p.requires_grad)


def test_the_published_sizes():
    assert {name: round(arch.parameters / 1e9, 2) for name, arch in ARCHITECTURES.items()} == {
        "SmolLM2-135M": 0.13, "SmolLM2-1.7B": 1.71, "Llama-3.1-8B": 8.03}


def test_what_each_method_holds_per_parameter():
    arch = ARCHITECTURES["SmolLM2-1.7B"]
    full, lora, qlora = (training_state_bytes(arch, m) for m in ("full", "lora", "qlora"))
    assert full["total"] == 16 * arch.parameters  # fp32 weights, gradients, two moments
    adapter = arch.lora_parameters(16)
    assert lora["total"] == 2 * arch.parameters + 16 * adapter
    assert qlora["total"] == pytest.approx(BYTES["nf4"] * arch.linear_parameters
                                           + 2 * (arch.parameters - arch.linear_parameters) + 16 * adapter)
    assert qlora["total"] < lora["total"] < full["total"]
    with pytest.raises(ValueError, match="unknown method 'adapter'"):
        training_state_bytes(arch, "adapter")


def test_only_qlora_brings_an_8b_model_onto_a_t4():
    fits = {(row["model"], row["method"]): row["fits a 15 GB GPU"] for row in memory_table()}
    assert fits[("SmolLM2-135M", "full")] == "yes"  # 2.2 GB: no LoRA needed for memory at this size
    assert fits[("SmolLM2-1.7B", "full")] == "no" and fits[("SmolLM2-1.7B", "lora")] == "yes"
    assert (fits[("Llama-3.1-8B", "lora")], fits[("Llama-3.1-8B", "qlora")]) == ("no", "yes")
