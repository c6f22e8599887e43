"""The four loss-pattern runs of notebook 04, saved: the figures in ``misc/`` and the logs the diagnosis tests read.

    SFT_PROFILE=offline python misc/tools/loss_pattern_figures.py

About 80 s on a 2-core CPU. With the fixed seeds the runs repeat exactly on the same machine.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sft_helpers.loss_patterns import figure_name, file_stem, recipes, train

ROOT = Path(__file__).resolve().parents[2]
MISC_DIR = ROOT / "misc"

TIMING_KEYS = ("runtime", "per_second", "preparation_time")


def without_timings(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The log history less its wall-clock figures, so that a rerun writes the same file."""
    return [{k: v for k, v in row.items() if not any(t in k for t in TIMING_KEYS)} for row in history]


def main(argv: list[str] | None = None) -> None:
    """Run the four patterns, write the figures and the logs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", default=str(MISC_DIR), help="folder for the four PNG figures (default: misc/)")
    parser.add_argument("--logs", default=str(ROOT / "tests" / "data" / "loss_patterns"),
                        help="folder for the four log histories (JSON) that tests/test_curves_diagnosis.py reads")
    parser.add_argument("--work", default="outputs/loss_patterns", help="folder for the runs' outputs")
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    from sft_helpers.curves import diagnose, plot_training
    from sft_helpers.machinery.profile import course_run

    run = course_run("smoltalk")
    print(run.summary())
    for name, recipe in recipes(run).items():
        history = train(run, recipe, Path(args.work) / name).history
        Path(args.logs).mkdir(parents=True, exist_ok=True)
        Path(args.figures).mkdir(parents=True, exist_ok=True)
        (Path(args.logs) / f"{file_stem(name)}.json").write_text(json.dumps(without_timings(history), indent=1) + "\n")
        figure = Path(args.figures) / figure_name(name)
        plot_training(history, title=f"{name}: {recipe.what}", save_to=figure)
        print(f"{name}: {diagnose(history).pattern}; wrote {figure}")


if __name__ == "__main__":
    main()
