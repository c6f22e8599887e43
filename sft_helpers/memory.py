"""What training holds in memory besides activations: weights, gradients, optimizer state.

``training_memory`` measures it from the tensors themselves, so the figures are the same on every device
and every run; ``memory_table`` works it out for models too large to train here, from their shapes.
Activations come on top and grow with batch size and sequence length; on a GPU,
``torch.cuda.max_memory_allocated`` measures everything together.
"""

from __future__ import annotations

from dataclasses import dataclass

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


# --- What full fine-tuning, LoRA and QLoRA hold for models too large to try here ------------------------------
# Arithmetic, not measurement: bytes per parameter by what each parameter needs, activations left out.

BYTES = {"fp32": 4.0, "16-bit": 2.0, "nf4": 4.127 / 8}  # NF4: 4 bits, plus its block constants (double-quantised)
ADAMW_STATE_BYTES = 8.0  # two fp32 moments per trained parameter


@dataclass(frozen=True)
class Architecture:
    """The shapes of a Llama-style decoder (the SmolLM2 and Llama 3 families), from its config.json."""

    name: str
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    layers: int
    heads: int
    kv_heads: int
    tied_embeddings: bool

    def linear_shapes(self) -> list[tuple[int, int]]:
        """(in, out) of each linear layer of one decoder layer: q, k, v, o, then gate, up, down."""
        head_dim = self.hidden_size // self.heads
        h, kv, i = self.hidden_size, self.kv_heads * head_dim, self.intermediate_size
        return [(h, h), (h, kv), (h, kv), (h, h), (h, i), (h, i), (i, h)]

    @property
    def linear_parameters(self) -> int:
        """The weights of every decoder layer's linear layers: what LoRA adapts and QLoRA quantises."""
        return self.layers * sum(a * b for a, b in self.linear_shapes())

    @property
    def parameters(self) -> int:
        """Every weight: embeddings (and an untied output layer), linear layers, and the RMS norms.

        >>> f"{ARCHITECTURES['SmolLM2-135M'].parameters:,}"  # as transformers counts the real model
        '134,515,008'
        """
        embeddings = self.vocab_size * self.hidden_size * (1 if self.tied_embeddings else 2)
        norms = (2 * self.layers + 1) * self.hidden_size
        return embeddings + self.linear_parameters + norms

    def lora_parameters(self, r: int) -> int:
        """The adapter's A and B matrices at rank ``r`` on every linear layer (``target_modules="all-linear"``)."""
        return self.layers * sum(r * (a + b) for a, b in self.linear_shapes())


# From each model's config.json on the Hub.
ARCHITECTURES = {
    "SmolLM2-135M": Architecture("HuggingFaceTB/SmolLM2-135M", 49152, 576, 1536, 30, 9, 3, True),
    "SmolLM2-1.7B": Architecture("HuggingFaceTB/SmolLM2-1.7B", 49152, 2048, 8192, 24, 32, 32, True),
    "Llama-3.1-8B": Architecture("meta-llama/Llama-3.1-8B", 128256, 4096, 14336, 32, 32, 8, False),
}


def training_state_bytes(arch: Architecture, method: str, r: int = 16) -> dict[str, float]:
    """Bytes of weights, gradients and AdamW state that training ``arch`` holds, activations left out.

    * ``full``: every weight in fp32 (the course's way: mixed precision computes in 16 bits and keeps fp32
      weights for the updates), a gradient and two moments for each: 16 bytes per parameter.
    * ``lora``: the frozen model in 16 bits, and an fp32 adapter of rank ``r`` with its gradients and moments.
    * ``qlora``: the same, with the frozen linear layers in 4-bit NF4 (embeddings and norms stay 16-bit).

    >>> state = training_state_bytes(ARCHITECTURES["SmolLM2-135M"], "full")
    >>> round(state["total"] / 1e9, 2), state["total"] == 16 * ARCHITECTURES["SmolLM2-135M"].parameters
    (2.15, True)
    """
    if method == "full":
        trained, frozen = arch.parameters, 0.0
    elif method in ("lora", "qlora"):
        trained = arch.lora_parameters(r)
        if method == "lora":
            frozen = arch.parameters * BYTES["16-bit"]
        else:
            frozen = arch.linear_parameters * BYTES["nf4"] + (arch.parameters - arch.linear_parameters) * BYTES["16-bit"]
    else:
        raise ValueError(f"unknown method {method!r}; expected full, lora or qlora")
    weights = frozen + trained * BYTES["fp32"]
    gradients = trained * BYTES["fp32"]
    optimizer = trained * ADAMW_STATE_BYTES
    return {"trained parameters": float(trained), "weights": weights, "gradients": gradients,
            "optimizer state": optimizer, "total": weights + gradients + optimizer}


def memory_table(r: int = 16, gpu_gb: float = 15.0) -> list[dict[str, str]]:
    """One row per model and method: training state in GB, and whether that state alone is under ``gpu_gb``
    (15 GB: a Colab T4). The activations come on top and must fit in what is left.

    >>> rows = memory_table()
    >>> [(row["model"], row["method"], row["training state"]) for row in rows if row["model"] == "Llama-3.1-8B"]
    [('Llama-3.1-8B', 'full', '128.5 GB'), ('Llama-3.1-8B', 'lora', '16.7 GB'), ('Llama-3.1-8B', 'qlora', '6.4 GB')]
    """
    rows = []
    for name, arch in ARCHITECTURES.items():
        for method in ("full", "lora", "qlora"):
            state = training_state_bytes(arch, method, r)
            rows.append({
                "model": name,
                "method": method,
                "trained parameters": f"{state['trained parameters'] / 1e6:,.1f}M",
                "training state": f"{state['total'] / 1e9:.1f} GB",
                f"fits a {gpu_gb:g} GB GPU": "yes" if state["total"] < gpu_gb * 1e9 else "no",
            })
    return rows
