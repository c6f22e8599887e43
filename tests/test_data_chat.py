import pytest
from transformers import AutoModelForCausalLM, AutoTokenizer

from sft_helpers.data import CHATML_TEMPLATE, IM_END, setup_chatml

MESSAGES = [
    {"role": "user", "content": "What is 2 plus 2?"},
    {"role": "assistant", "content": "2 plus 2 is 4."},
]


@pytest.fixture
def chat_tokenizer_and_model(smollm2_path):
    tok = AutoTokenizer.from_pretrained(smollm2_path)
    model = AutoModelForCausalLM.from_pretrained(smollm2_path)
    size = model.get_input_embeddings().weight.shape[0]
    setup_chatml(tok, model)
    assert model.get_input_embeddings().weight.shape[0] == size == len(tok)  # nothing added
    return tok, model


def test_renders_chatml(chat_tokenizer_and_model):
    tok, _ = chat_tokenizer_and_model
    text = tok.apply_chat_template(MESSAGES, tokenize=False)
    assert text == "<|im_start|>user\nWhat is 2 plus 2?<|im_end|>\n<|im_start|>assistant\n2 plus 2 is 4.<|im_end|>\n"
    prompt = tok.apply_chat_template(MESSAGES[:1], tokenize=False, add_generation_prompt=True)
    assert prompt.endswith("<|im_start|>assistant\n") and text.startswith(prompt)


def test_assistant_mask_covers_reply_and_end_of_turn(chat_tokenizer_and_model):
    tok, _ = chat_tokenizer_and_model
    enc = tok.apply_chat_template(MESSAGES, return_dict=True, return_assistant_tokens_mask=True)
    learned = [t for t, m in zip(enc["input_ids"], enc["assistant_masks"]) if m]
    assert tok.decode(learned) == "2 plus 2 is 4." + IM_END


def test_end_of_turn_and_padding(chat_tokenizer_and_model):
    tok, model = chat_tokenizer_and_model
    assert tok.eos_token == IM_END and tok.pad_token == "<|endoftext|>"
    assert model.generation_config.eos_token_id == tok.eos_token_id == 2
    assert model.generation_config.pad_token_id == tok.pad_token_id == 0


def test_refuses_a_tokenizer_without_chat_tokens(gpt2_path):
    tok = AutoTokenizer.from_pretrained(gpt2_path)
    with pytest.raises(ValueError, match="no <\\|im_start\\|>, <\\|im_end\\|> token"):
        setup_chatml(tok)
    assert tok.chat_template is None


def test_the_generation_markers_are_what_makes_replies_learned(chat_tokenizer_and_model):
    # Without {% generation %} the same template renders the same text, but no token is marked as the
    # assistant's, so assistant_only_loss would learn nothing.
    tok, _ = chat_tokenizer_and_model
    unmarked = CHATML_TEMPLATE.replace("{% generation %}", "").replace("{% endgeneration %}", "")
    assert unmarked != CHATML_TEMPLATE
    marked = tok.apply_chat_template(MESSAGES, return_dict=True, return_assistant_tokens_mask=True)
    plain = tok.apply_chat_template(MESSAGES, return_dict=True, return_assistant_tokens_mask=True, chat_template=unmarked)
    assert plain["input_ids"] == marked["input_ids"]
    assert any(marked["assistant_masks"]) and not any(plain["assistant_masks"])
