"""Loading a run's conversations the way every SmolLM2 fine-tune of the course needs them.

Notebook 02 spells these steps out for teaching; notebook 05, the loss-pattern runs of notebook 04 and
the ``accelerate`` script take them from here, so that they cannot drift apart.
"""

from __future__ import annotations

from .profile import CourseRun
from .validation import conversation_lengths, drop_problem_records


def load_conversations(run: CourseRun, chat_tokenizer, max_length: int | None = None):
    """The run's conversation splits, without unusable records or conversations over ``max_length`` tokens.

    ``chat_tokenizer`` must already have the chat template (``setup_chatml``), so that lengths are those
    the trainer will see. Returns the ``DatasetDict`` and lines saying, per split, what was dropped and why:
    the course trains padding-free, which never truncates, so a conversation that does not fit is
    dropped whole rather than cut before its last reply.
    """
    from datasets import load_dataset

    max_length = run.max_length if max_length is None else max_length
    dataset = load_dataset(run.dataset_path, run.dataset_config, data_files=run.data_files)
    lines = []
    for split in dataset:
        dataset[split], problems = drop_problem_records(dataset[split], "conversations")
        lengths = conversation_lengths(dataset[split], chat_tokenizer)
        keep = [i for i, n in enumerate(lengths) if n <= max_length]
        lines.append(f"{split}: {problems}")
        lines.append(f"{split}: {len(lengths) - len(keep)} of {len(lengths)} longer than {max_length} tokens dropped")
        dataset[split] = dataset[split].select(keep)
    return dataset, lines
