from sft_helpers.data import RESPONSE_MARKER, alpaca_to_messages, alpaca_to_prompt_completion, instruction_prompt

WITH_INPUT = {"instruction": "Add the two numbers.", "input": "4 and 9", "output": "13"}
NO_INPUT = {"instruction": "What is the capital of Peru?", "input": "", "output": "The capital of Peru is Lima."}


def test_instruction_prompt_has_a_clear_separator():
    prompt = instruction_prompt(WITH_INPUT["instruction"], WITH_INPUT["input"])
    assert prompt == "### Instruction:\nAdd the two numbers.\n\n### Input:\n4 and 9\n\n### Response:\n"
    assert instruction_prompt(NO_INPUT["instruction"], "") == "### Instruction:\nWhat is the capital of Peru?\n\n" + RESPONSE_MARKER
    assert instruction_prompt("Say hi.", None) == instruction_prompt("Say hi.", "")


def test_to_messages():
    assert alpaca_to_messages(WITH_INPUT) == {
        "messages": [
            {"role": "user", "content": "Add the two numbers.\n\n4 and 9"},
            {"role": "assistant", "content": "13"},
        ]
    }
    assert alpaca_to_messages(NO_INPUT)["messages"][0]["content"] == "What is the capital of Peru?"


def test_to_prompt_completion():
    conv = alpaca_to_prompt_completion(WITH_INPUT)
    assert conv["prompt"] == [{"role": "user", "content": "Add the two numbers.\n\n4 and 9"}]
    assert conv["completion"] == [{"role": "assistant", "content": "13"}]
    text = alpaca_to_prompt_completion(WITH_INPUT, conversational=False)
    assert text["prompt"].endswith(RESPONSE_MARKER) and text["completion"] == "13"
