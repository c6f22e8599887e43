"""What training holds in memory besides activations: weights, gradients, optimizer state.

Measured from the tensors themselves, so the figures are the same on every device and every run.
Activations come on top and grow with batch size and sequence length; on a GPU,
``torch.cuda.max_memory_allocated`` measures everything together.
"""

from __future__ import annotations

import torch


def training_memory(model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> dict[str, int]:
    """Bytes of weights, gradients (one per trainable parameter) and optimizer state, and their total.

    Call it after at least one optimizer step, when the optimizer has created its state. Gradients are
    counted whether or not they are allocated right now: a trainer frees them between steps, but each
    step needs them.

    >>> layer = torch.nn.Linear(4, 2)  # 10 parameters of 4 bytes
    >>> optimizer = torch.optim.AdamW(layer.parameters())
    >>> layer(torch.ones(1, 4)).sum().backward()
    >>> optimizer.step()
    >>> training_memory(layer, optimizer)  # AdamW keeps two moments per parameter, and a step count per tensor
    {'trainable_parameters': 10, 'parameters': 10, 'weights_bytes': 40, 'gradients_bytes': 40, 'optimizer_state_bytes': 88, 'total_bytes': 168}
    """
    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    trainable = [p for p in model.parameters() if p.requires_grad]
    gradients = sum(p.numel() * p.element_size() for p in trainable)
    state = sum(
        t.numel() * t.element_size() for s in optimizer.state.values() for t in s.values() if torch.is_tensor(t)
    )
    return {
        "trainable_parameters": sum(p.numel() for p in trainable),
        "parameters": sum(p.numel() for p in model.parameters()),
        "weights_bytes": weights,
        "gradients_bytes": gradients,
        "optimizer_state_bytes": state,
        "total_bytes": weights + gradients + state,
    }
