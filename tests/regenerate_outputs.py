"""Re-run notebooks in place to refresh their stored outputs, in the environment the tests use.

    python tests/regenerate_outputs.py                      # every notebook
    python tests/regenerate_outputs.py notebooks/00_setup.ipynb

Review the diff afterwards: a changed stored output is a changed lesson.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.conftest import LESSONS, SOLUTIONS, apply_notebook_env, execute_notebook  # noqa: E402


def main(paths: list[str]) -> int:
    import nbformat

    env = apply_notebook_env({})
    # Under pytest, output that C code writes straight to file descriptors is not captured (nbval's kernel
    # inherits PYTEST_CURRENT_TEST); this makes the kernel behave the same way here.
    env["PYTEST_CURRENT_TEST"] = "regenerate"
    for path in [Path(p).resolve() for p in paths] or LESSONS + SOLUTIONS:
        print(f"executing {path}", flush=True)
        nb = execute_notebook(path, cwd=path.parent, env=env, timeout=1800)
        nb.metadata.pop("widgets", None)  # widget state is large, changes on every run, useless without a kernel
        nbformat.write(nb, path)
    return 0


if __name__ == "__main__":
    os.environ.pop("MPLBACKEND", None)
    raise SystemExit(main(sys.argv[1:]))
