"""The environment notebooks run in under the tests, and when their stored outputs are regenerated.

Both must match exactly, or nbval would compare outputs made under different settings.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

NOTEBOOK_ENV = {
    # The tests always use the offline profile: no network, tiny stand-ins, bundled data.
    "SFT_PROFILE": "offline",
    # Belt and braces: any accidental Hub call fails at once instead of waiting on the network.
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    # Progress bars print rates and timings, which differ on every run.
    "TQDM_DISABLE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # transformers' and huggingface_hub's own bars
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",  # datasets' map/filter bars
    "PYTHONHASHSEED": "0",
    # One thread per process: the test run spreads files over one worker per core (pytest-xdist), and
    # two workers of two threads each on two cores slow each other down many times over. The tiny
    # stand-ins train no slower on one thread (notebook 02: 50.6 s against 51.5 s on two). The thread
    # count changes the order of float sums, so trained figures differ in their last digits: the
    # stored outputs are made with one thread too (regenerate_outputs.py applies this same setting).
    "OMP_NUM_THREADS": "1",
    # Plain tracebacks (see tests/ipython/profile_default).
    "IPYTHONDIR": str(ROOT / "tests" / "ipython"),
}


def apply(env: dict[str, str] | None = None) -> dict[str, str]:
    """Set ``NOTEBOOK_ENV`` in ``env`` (default ``os.environ``) and return it."""
    env = os.environ if env is None else env
    env.update(NOTEBOOK_ENV)
    # A stray Agg backend would make figures vanish from notebook outputs.
    env.pop("MPLBACKEND", None)
    return env
