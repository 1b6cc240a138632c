"""The benchmark's plot: lines a second and peak memory against input size (issue 19).

matplotlib is imported only here, only when `bench/run.py --plot FILE` is given: it is never a
dependency of spasmcheck. Install it into the benchmark's Python with `pip install matplotlib`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write(figures: dict[str, Any], path: Path) -> None:
    """Two panels, lines/s and tree PSS against lines (log scale), a line per input and kind."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (speed, memory) = plt.subplots(1, 2, figsize=(11, 4.2))
    for source, batch in figures["batch"].items():
        for kind in ("interactions", "triage"):
            if kind not in batch:
                continue
            sizes = batch[kind]["sizes"]
            lines = [s["lines"] for s in sizes]
            style = "-" if source == "realistic" else "--"
            label = f"{kind}, {source}"
            speed.plot(lines, [s["per_second"] for s in sizes], style, marker="o", label=label)
            memory.plot(lines, [s["tree_pss_mib"] for s in sizes], style, marker="o",
                        label=label)
    machine = figures["machine"]
    for axes, title, unit in ((speed, "throughput (2 workers)", "lines/s"),
                              (memory, "peak memory of the process tree", "PSS MiB")):
        axes.set_xscale("log")
        axes.set_xlabel("lines of input")
        axes.set_ylabel(unit)
        axes.set_title(title)
        axes.set_ylim(bottom=0)
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize=8)
    fig.suptitle(f"spasmcheck --batch, {machine['date'][:10]}, {machine['nproc']} CPU, code "
                 f"{machine['fingerprint']['code']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
