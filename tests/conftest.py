"""Fixtures shared by the unit tests: the offline stand-ins' tokenizers, set up as the notebooks set them."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from sft_helpers.chat import setup_chatml
from sft_helpers.offline_models import standin_path


@pytest.fixture(scope="module")
def gpt2_tokenizer():
    """tiny-gpt2's tokenizer, padding with its end-of-sequence token as notebook 03 does."""
    tok = AutoTokenizer.from_pretrained(standin_path("tiny-gpt2"))
    assert tok.pad_token is None  # like distilgpt2's
    tok.pad_token = tok.eos_token
    return tok


@pytest.fixture(scope="module")
def chat_tokenizer():
    """tiny-smollm2's tokenizer with the course's ChatML template, as notebook 02 sets it up."""
    tok = AutoTokenizer.from_pretrained(standin_path("tiny-smollm2"))
    setup_chatml(tok)
    return tok
