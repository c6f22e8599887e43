"""The course's ChatML chat template, and giving it to a base tokenizer that has none.

ChatML wraps every turn as ``<|im_start|>{role}\\n{content}<|im_end|>\\n``. The
``{% generation %}`` / ``{% endgeneration %}`` markers around each assistant reply (its
``<|im_end|>`` included) let ``apply_chat_template(..., return_assistant_tokens_mask=True)``
tell assistant tokens from the rest, which is what TRL's ``assistant_only_loss=True`` needs.
"""

from __future__ import annotations

IM_START, IM_END, ENDOFTEXT = "<|im_start|>", "<|im_end|>", "<|endoftext|>"

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}"
    "{{ '<|im_start|>assistant\n' }}"
    "{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}"
    "{{ '\n' }}"
    "{% else %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def setup_chatml(tokenizer, model=None) -> None:
    """Give ``tokenizer`` the ChatML template and make ``<|im_end|>`` the end-of-turn token.

    The end-of-sequence token becomes ``<|im_end|>``, so generation stops at the end of the
    assistant's turn; padding uses ``<|endoftext|>``, which the template never emits, so padding can
    never be mistaken for a turn's end. Both tokens must already be in the vocabulary: nothing is
    added, so the embeddings need no resizing. With ``model`` given, its config and generation
    config get the same ids.

    >>> from transformers import AutoTokenizer
    >>> from sft_helpers.machinery.standins import standin_path
    >>> tokenizer = AutoTokenizer.from_pretrained(standin_path("tiny-smollm2"))  # SmolLM2's special tokens
    >>> setup_chatml(tokenizer)
    >>> tokenizer.eos_token, tokenizer.pad_token
    ('<|im_end|>', '<|endoftext|>')
    >>> print(tokenizer.apply_chat_template([{"role": "user", "content": "Hi!"}], tokenize=False, add_generation_prompt=True))
    <|im_start|>user
    Hi!<|im_end|>
    <|im_start|>assistant
    <BLANKLINE>
    """
    vocab = tokenizer.get_vocab()
    missing = [t for t in (IM_START, IM_END, ENDOFTEXT) if t not in vocab]
    if missing:
        raise ValueError(
            f"{type(tokenizer).__name__} has no {', '.join(missing)} token; this template needs a tokenizer "
            "that already knows them (adding tokens would need new, untrained embeddings)"
        )
    tokenizer.chat_template = CHATML_TEMPLATE
    tokenizer.eos_token = IM_END
    tokenizer.pad_token = ENDOFTEXT
    if model is not None:
        model.config.eos_token_id = tokenizer.eos_token_id
        model.config.pad_token_id = tokenizer.pad_token_id
        model.generation_config.eos_token_id = tokenizer.eos_token_id
        model.generation_config.pad_token_id = tokenizer.pad_token_id
