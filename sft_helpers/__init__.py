"""The SFT course's shared code: the lesson helpers, and the machinery that runs the notebooks anywhere.

Lesson helpers, here at the top, each named by the step it serves and imported by a lesson notebook; read
them next to the notebook::

    data            chat template, formats, record checks (01)   decontamination  held-out prompts seen in training? (01-03)
    masking         prompt masking by hand (03)                  batching         which batch layout suits the device
    training        the lessons' recipes (02, 03)                cached_runs      trained once, cached by recipe (02, 03, 07)
    timing          a run's measured time after its first steps  curves           read, draw and diagnose loss curves
    loss_patterns   the four runs of notebook 04                 replies          generate and score replies, behaviour
    memory          training-state memory (05)                   sharing          model card, push with a token
    intervals       bootstrap intervals, paired differences      constraints      verifiable instructions (06)
    judge           a model as a pairwise judge (06)             preference       reply log-probabilities, DPO (07)

``sft_helpers.machinery``: what makes the same notebook run in Colab, on a laptop and in CI. Every notebook
calls it (``install_on_colab``, ``course_run``, ``detect_device``, ``check_learning``, and a few more the
README lists); notebook 00 is about it, the others only call it. It imports no lesson helper, so it reads
on its own; the lesson helpers call it for the profile, the device and the scoring of answers. It holds the
tasks and profiles, the device and precision, the Hub probe, the offline stand-ins and bundled data with
their answer key, the environment report, the Colab install, GPU estimates and the learning checks.

The maintainers' programs (benchmark, data generators, figure maker, DPO settings) are plain scripts in
``misc/tools/``, outside the package; the one program inside it is the requirements parser
(``python -m sft_helpers.machinery.requirements``), which installs torch before anything else is there.
Standard library only at import time: the Colab install imports ``sft_helpers.machinery.colab`` before
anything is installed.
"""

__version__ = "0.1.0"
