"""RunDuration measures a run's own steps and says what the whole run takes at that pace."""

import pytest
from datasets import Dataset
from trl import SFTTrainer

from sft_helpers.batching import choose_layout
from sft_helpers.machinery.profile import course_run
from sft_helpers.timing import RunDuration
from sft_helpers.training import sft_config


def tiny_run(chat_model, tmp_path, max_steps: int, duration: RunDuration):
    model, tokenizer = chat_model
    rows = [{"messages": [{"role": "user", "content": f"What is {i} plus 1?"},
                          {"role": "assistant", "content": f"{i} plus 1 is {i + 1}."}]} for i in range(16)]
    config = sft_config(course_run("smoltalk"), tmp_path, choose_layout("sdpa", "cpu"), max_steps=max_steps,
                        eval_strategy="no", eval_steps=None, save_strategy="no")
    trainer = SFTTrainer(model=model, args=config, train_dataset=Dataset.from_list(rows), processing_class=tokenizer,
                         callbacks=[duration])
    trainer.train()


def test_it_times_steps_two_to_four_and_prints_the_whole_run_once(chat_model, tmp_path, capsys):
    duration = RunDuration(steps=3)
    tiny_run(chat_model, tmp_path, 6, duration)
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("measured on this machine")]
    assert len(duration.seconds) == 3 and all(s > 0 for s in duration.seconds)
    assert printed == [duration.message(sum(duration.seconds) / 3, 6)]
    assert "(steps 2 to 4); all 6 steps: about " in printed[0]


def test_a_run_too_short_to_time_says_nothing(chat_model, tmp_path, capsys):
    duration = RunDuration(steps=3)
    tiny_run(chat_model, tmp_path, 2, duration)  # only step 2 is timed
    assert len(duration.seconds) == 1 and "measured on this machine" not in capsys.readouterr().out


def test_the_message_reads_in_seconds_minutes_or_hours():
    duration = RunDuration(steps=3)
    assert "about 12 min" in duration.message(1.2, 600)
    assert "about 3.1 hours" in duration.message(3.7, 3_000)
    with pytest.raises(ValueError, match="steps must be at least 1"):
        RunDuration(steps=0)
