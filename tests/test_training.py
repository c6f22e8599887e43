import json

from transformers import AutoTokenizer

from sft_helpers.chat import setup_chatml
from sft_helpers.offline_models import standin_path
from sft_helpers.profile import CourseRun
from sft_helpers.training import load_conversations


def conversation(reply: str) -> dict:
    return {"full_topic": "Chat", "messages": [{"role": "user", "content": "Hi!"}, {"role": "assistant", "content": reply}]}


def test_load_conversations_drops_and_counts_what_cannot_train(tmp_path):
    rows = {
        "train": [conversation("Hello there.")] * 40 + [conversation(""), conversation("word " * 400)],
        "test": [conversation("Good day.")] * 3,
    }
    for split, records in rows.items():
        (tmp_path / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    tokenizer = AutoTokenizer.from_pretrained(standin_path("tiny-smollm2"))
    setup_chatml(tokenizer)
    run = CourseRun("smoltalk", "full", "full", "test", "m", "m", str(tmp_path), None, max_length=64)
    dataset, lines = load_conversations(run, tokenizer)
    assert len(dataset["train"]) == 40 and len(dataset["test"]) == 3
    assert lines == [
        "train: 42 records checked: 1 dropped, 41 kept\n  record 40: message 1 content is empty",
        "train: 1 of 41 longer than 64 tokens dropped",
        "test: 3 records checked, no problems",
        "test: 0 of 3 longer than 64 tokens dropped",
    ]
