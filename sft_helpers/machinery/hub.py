"""Talking to the Hugging Face Hub: is it there, and is there a token. Nothing here ever asks for a login."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from functools import lru_cache

DEFAULT_ENDPOINT = "https://huggingface.co"


def hub_offline_requested() -> bool:
    """True when ``HF_HUB_OFFLINE`` is set to a true value, as huggingface_hub reads it."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


@lru_cache(maxsize=None)
def _probe(url: str, timeout: float) -> str | None:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return None
    except urllib.error.HTTPError as err:
        # Any HTTP answer (even 401) means the Hub is there.
        return None if err.code < 500 else f"HTTP {err.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        return str(getattr(err, "reason", err))


def hub_problem(repo_id: str, timeout: float | None = None) -> str | None:
    """``None`` when the Hub answers for model ``repo_id`` within ``timeout`` seconds, else why not."""
    if timeout is None:
        timeout = float(os.environ.get("SFT_HUB_TIMEOUT", "5"))
    endpoint = os.environ.get("HF_ENDPOINT", DEFAULT_ENDPOINT).rstrip("/")
    return _probe(f"{endpoint}/api/models/{repo_id}", timeout)


def hub_token() -> tuple[str | None, str]:
    """A Hub token and where it came from: ``HF_TOKEN``, then Colab secrets. Never prompts.

    The course's models and data sets are public, so no token is needed; one only raises rate limits.
    """
    token = os.environ.get("HF_TOKEN")
    if token:
        return token, "the HF_TOKEN environment variable"
    try:
        from google.colab import userdata  # type: ignore[import-not-found]

        token = userdata.get("HF_TOKEN")
        if token:
            return token, "Colab secrets (HF_TOKEN)"
    except Exception:  # not in Colab, no such secret, or access not granted to this notebook
        pass
    return None, "nowhere"
