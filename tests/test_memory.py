import torch

from sft_helpers.memory import training_memory


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
