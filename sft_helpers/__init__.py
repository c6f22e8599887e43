"""The SFT course's shared code, in three rooms.

Lesson helpers, here at the top: each module is imported by a lesson notebook, and is the part of the
course you may want to read next to it::

    device        device and precision flags        chat         the ChatML template, setup_chatml
    formats       Alpaca records as SFT formats     validation   checks that name the bad record
    masking       prompt masking by hand (03)       batching     which batch layout suits the device
    training      notebook 02's model, data, config evaluation   replies, end-of-turn and correct shares
    logs          curves from log_history or TB     plotting     loss curves, length histograms
    diagnosis     names a loss curve's pattern      diversity    distinct-n, parroted replies
    memory        training-state memory             sharing      model card, push with a token
    loss_patterns the four runs of notebook 04      constraints  verifiable instructions (06)
    noise         bootstrap intervals, paired diffs judge        a model as a pairwise judge
    behaviour     ended, empty, leaks, repeats (06) preference   reply log-probabilities, DPO (07)
    decontamination  held-out prompts seen in training? (01-03)
    timing        a run's measured time after its first steps (02-07)

``sft_helpers.machinery``: what makes the same notebook run in Colab, on a laptop and in CI (profiles,
the Hub probe, offline stand-ins and bundled data, the environment report, the Colab install, GPU
estimates, the learning checks). Lessons call into it, for example ``course_run``; no lesson is about it.

``sft_helpers.programs``: what you run with ``python -m sft_helpers.programs.<name>`` (the benchmark,
the loss-pattern figures, the ``accelerate`` script, the bundled-data generator). No notebook imports them.

Standard library only at import time: the Colab install imports ``sft_helpers.machinery.colab`` before
anything is installed.
"""

__version__ = "0.1.0"
