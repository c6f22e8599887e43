import pytest
import torch

from sft_helpers.evaluation import Reply, answer_instructions, chat_reply, complete, reply_metrics, reply_to_conversations


class ScriptedModel:
    """Stands in for a causal LM whose next tokens we choose, to test the bookkeeping around generate."""

    device = torch.device("cpu")

    def __init__(self, tokenizer, answers: list[str], stop: bool = True):
        self.tokenizer, self.answers, self.stop = tokenizer, list(answers), stop
        self.prompts: list[str] = []

    def eval(self):
        return self

    def generate(self, input_ids, attention_mask=None, max_new_tokens=0, do_sample=True, pad_token_id=None):
        assert not do_sample and max_new_tokens > 0
        self.prompts.append(self.tokenizer.decode(input_ids[0]))
        new = self.tokenizer(self.answers.pop(0), add_special_tokens=False)["input_ids"]
        new = (new + [self.tokenizer.eos_token_id]) if self.stop else new
        return torch.tensor([input_ids[0].tolist() + new[:max_new_tokens]])


def test_chat_reply_uses_the_template_and_sees_the_end_of_turn(chat_tokenizer):
    model = ScriptedModel(chat_tokenizer, ["Hello!"])
    assert chat_reply(model, chat_tokenizer, [{"role": "user", "content": "Hi"}], 10) == ("Hello!", True)
    assert model.prompts[0] == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"


def test_reply_that_runs_out_of_budget_did_not_end(chat_tokenizer):
    model = ScriptedModel(chat_tokenizer, ["one two three four five six"], stop=False)
    text, ended = chat_reply(model, chat_tokenizer, [{"role": "user", "content": "Count"}], 3)
    assert not ended and len(chat_tokenizer(text, add_special_tokens=False)["input_ids"]) <= 3


def test_reply_to_conversations_answers_each_user_turn_in_context(chat_tokenizer):
    conversations = [
        {"messages": [
            {"role": "user", "content": "Hi!"},
            {"role": "assistant", "content": "Hello! How can I help you today?"},
            {"role": "user", "content": "What is 2 plus 3?"},
            {"role": "assistant", "content": "2 plus 3 is 5."},
        ]}
    ]
    model = ScriptedModel(chat_tokenizer, ["Hello!", "2 plus 3 is 6."])
    replies = reply_to_conversations(model, chat_tokenizer, conversations, 20)
    assert [(r.question, r.correct) for r in replies] == [("Hi!", None), ("What is 2 plus 3?", False)]
    assert "Hello! How can I help you today?" in model.prompts[1]  # the real history, not the model's own reply
    assert len(reply_to_conversations(ScriptedModel(chat_tokenizer, ["a", "b"]), chat_tokenizer, conversations, 20, limit=1)) == 1


def test_complete_and_answer_instructions(gpt2_tokenizer):
    model = ScriptedModel(gpt2_tokenizer, ["13"])
    assert complete(model, gpt2_tokenizer, "### Instruction:\nAdd.\n\n### Response:\n", 8) == ("13", True)
    records = [
        {"instruction": "Add the two numbers.", "input": "4 and 9", "output": "13"},
        {"instruction": "Give the opposite of the word.", "input": "hot", "output": "cold"},
        {"instruction": "Write a poem.", "input": "", "output": "..."},
    ]
    replies = answer_instructions(ScriptedModel(gpt2_tokenizer, ["13", "warm", "roses"]), gpt2_tokenizer, records, 8)
    assert [r.correct for r in replies] == [True, False, None]
    assert replies[0].question == "Add the two numbers.\n\n4 and 9"


def test_reply_metrics():
    replies = [Reply("q", "a", True, True), Reply("q", "a", True, False), Reply("q", "a", False, None), Reply("q", "a", True, True)]
    assert reply_metrics(replies) == {"replies": 4, "ended_share": 0.75, "checkable": 3, "correct_share": 2 / 3}
    assert reply_metrics([Reply("q", "a", False, None)])["correct_share"] is None  # nothing to measure, not zero


def test_a_pad_id_of_zero_is_passed_to_generate(chat_tokenizer):
    # SmolLM2 pads with <|endoftext|>, id 0: a falsy id that must not be replaced by the end of turn.
    assert chat_tokenizer.pad_token_id == 0 and chat_tokenizer.eos_token_id != 0
    seen = {}

    class Recorder(ScriptedModel):
        def generate(self, input_ids, pad_token_id=None, **kwargs):
            seen["pad_token_id"] = pad_token_id
            return super().generate(input_ids, pad_token_id=pad_token_id, **kwargs)

    chat_reply(Recorder(chat_tokenizer, ["Hello."]), chat_tokenizer, [{"role": "user", "content": "Hi"}])
    assert seen["pad_token_id"] == 0
    with pytest.raises(ValueError):
        reply_metrics([])
