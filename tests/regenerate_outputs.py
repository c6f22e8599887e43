"""Re-run notebooks in place to refresh their stored outputs, in the environment the tests use.

    python tests/regenerate_outputs.py                      # every notebook
    python tests/regenerate_outputs.py notebooks/00_setup.ipynb

Review the diff afterwards: a changed stored output is a changed lesson.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.notebook_env import ROOT, apply  # noqa: E402


def main(paths: list[str]) -> int:
    notebooks = paths or sorted(str(p) for p in (ROOT / "notebooks").glob("**/[0-9][0-9]_*.ipynb"))
    env = apply(dict(os.environ))
    # Under pytest, output that C code writes straight to file descriptors is not captured;
    # this makes the kernel behave the same way here.
    env["PYTEST_CURRENT_TEST"] = "regenerate"
    for nb in notebooks:
        print(f"executing {nb}", flush=True)
        subprocess.run(
            [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
             "--ExecutePreprocessor.record_timing=False", "--ExecutePreprocessor.timeout=1800", nb],
            env=env,
            check=True,
        )
        _drop_widget_state(Path(nb))
    return 0


def _drop_widget_state(path: Path) -> None:
    """Widget state is large, changes on every run and is useless without a live kernel."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    if nb.metadata.pop("widgets", None) is not None:
        nbformat.write(nb, path)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
