from types import SimpleNamespace

import pytest
import torch

from sft_helpers.replies import Reply, answer_instructions, chat_reply, complete, reply_metrics, reply_to_conversations


class ScriptedModel:
    """Stands in for a causal LM whose next tokens we choose, to test the bookkeeping around generate.

    It answers a batch as generate does: each row's new tokens after the (left-padded) prompt, rows that
    stopped early padded on the right with ``pad_token_id``.
    """

    device = torch.device("cpu")

    def __init__(self, tokenizer, answers: list[str] | dict[str, str], stop: bool = True):
        # A list is answered in the order generate sees the prompts; a dict by a text its prompt contains.
        self.tokenizer, self.answers, self.stop = tokenizer, answers if isinstance(answers, dict) else list(answers), stop
        self.prompts: list[str] = []
        self.generation_config = SimpleNamespace(eos_token_id=tokenizer.eos_token_id)

    def eval(self):
        return self

    def generate(self, input_ids, attention_mask=None, max_new_tokens=0, do_sample=True, pad_token_id=None):
        assert not do_sample and max_new_tokens > 0
        mask = torch.ones_like(input_ids) if attention_mask is None else attention_mask
        rows = []
        for ids, keep in zip(input_ids.tolist(), mask.tolist()):
            prompt = self.tokenizer.decode([t for t, k in zip(ids, keep) if k])
            self.prompts.append(prompt)
            answer = self.answers.pop(0) if isinstance(self.answers, list) else next(a for key, a in self.answers.items() if key in prompt)
            new = self.tokenizer(answer, add_special_tokens=False)["input_ids"]
            rows.append(((new + [self.tokenizer.eos_token_id]) if self.stop else new)[:max_new_tokens])
        width = max(len(r) for r in rows)
        return torch.tensor([ids + r + [pad_token_id] * (width - len(r)) for ids, r in zip(input_ids.tolist(), rows)])


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
    replies = answer_instructions(ScriptedModel(gpt2_tokenizer, {"numbers": "13", "opposite": "warm", "poem": "roses"}), gpt2_tokenizer, records, 8)
    assert [r.correct for r in replies] == [True, False, None]
    assert replies[0].question == "Add the two numbers.\n\n4 and 9"


def test_batched_replies_keep_their_order_and_stop_where_each_stopped(gpt2_tokenizer):
    # Three prompts of different lengths, batched two at a time: generate sees them shortest first, pads
    # the shorter reply after its EOS, and each reply must come back to its own record, cut at its own EOS.
    records = [{"instruction": "Give the opposite of the word, please, in one word only.", "input": "hot", "output": "cold"},
               {"instruction": "Add the two numbers.", "input": "4 and 9", "output": "13"},
               {"instruction": "Write a poem.", "input": "", "output": "..."}]
    answers = {"opposite": "cold", "Add": "13", "poem": "rain on the roof, rain on the roof, rain"}
    model = ScriptedModel(gpt2_tokenizer, answers)
    replies = answer_instructions(model, gpt2_tokenizer, records, 8, batch_size=2)
    assert [r.reply for r in replies] == ["cold", "13", gpt2_tokenizer.decode(gpt2_tokenizer("rain on the roof, rain on the roof, rain")["input_ids"][:8])]
    assert [r.ended for r in replies] == [True, True, False]  # the poem ran out of budget
    assert [r.correct for r in replies] == [None, True, None]
    assert "poem" in model.prompts[0] and "opposite" in model.prompts[-1]  # shortest first, longest alone


def test_reply_metrics():
    replies = [Reply("q", "a", True, True, form=True), Reply("q", "a", True, False, form=True), Reply("q", "a", False, None),
               Reply("q", "a", True, True, form=True), Reply("q", "a", True, False, form=False)]
    assert reply_metrics(replies) == {"replies": 5, "ended_share": 0.8, "checkable": 4, "correct_share": 0.5, "form_share": 0.75}
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


def test_batched_answers_are_the_answers_one_at_a_time():
    # The claim greedy_batch's docstring makes, on a real model: left padding changes no greedy answer
    # on a CPU in fp32 (measured 60 of 60 on notebook 02's and 05's models and on trained and untrained stand-ins).
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from sft_helpers.data import instruction_prompt
    from sft_helpers.machinery import bundled_data
    from sft_helpers.machinery.standins import standin_path

    path = standin_path("tiny-gpt2")
    model, tokenizer = AutoModelForCausalLM.from_pretrained(path), AutoTokenizer.from_pretrained(path)
    tokenizer.pad_token = tokenizer.eos_token  # as notebook 03 sets it
    records = sorted(bundled_data.read("instructions", "train"), key=lambda r: len(r["instruction"]) + len(r["input"]))[::45]
    batched = answer_instructions(model, tokenizer, records, 12, batch_size=5)
    one_by_one = [complete(model, tokenizer, instruction_prompt(r["instruction"], r["input"]), 12) for r in records]
    lengths = [len(tokenizer(instruction_prompt(r["instruction"], r["input"]))["input_ids"]) for r in records]
    assert max(lengths) - min(lengths) >= 10  # batches with real padding in them
    assert [(r.reply, r.ended) for r in batched] == one_by_one
