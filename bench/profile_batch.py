"""CPU a batch line in ONE process, warm, without workers: where the time of a line goes.

    python bench/profile_batch.py                      # 20,000 realistic interactions lines
    python bench/profile_batch.py --lines 50000 --per-list 10 --source clean
    python bench/profile_batch.py --profile 25         # also cProfile's top 25 (cumulative)
    python bench/profile_batch.py --write out.jsonl    # keep the output (to compare with cmp)
    python bench/profile_batch.py --audience clinician # the clinicians' words

The lines are generated as bench/run.py does (same seed). A first pass over the lines warms the
memos (as a long run would), a second is timed with `time.process_time`, so the figure is the
worker's steady CPU a line, not disturbed by other jobs on the machine the way wall time is.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # bench/run.py, beside this script  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kind", choices=("interactions", "triage"), default="interactions")
    parser.add_argument("--source", choices=("clean", "realistic"), default="realistic")
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--per-list", type=int, default=5, help="names a list (clean only)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="print cProfile's N costliest functions (cumulative)")
    parser.add_argument("--prepare", action="store_true",
                        help="work out the indexes first, as a run with workers does")
    parser.add_argument("--write", type=Path, help="write the output lines to this file")
    parser.add_argument("--audience", choices=("patient", "clinician"), default="patient")
    args = parser.parse_args()

    from spasmcheck.core.model import Audience
    from spasmcheck.frontends import batch
    from spasmcheck.tables import knowledge

    kb = knowledge.load()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.jsonl"
        run.write_input(args.kind, args.source, path, args.lines, run.vocabulary(), run.SEED,
                        args.per_list)
        lines = path.read_bytes().splitlines(keepends=True)

    work = batch.Work(args.kind, kb, Audience(args.audience), None)
    if args.prepare:
        work.prepare()

    def once() -> list[str]:
        return list(batch.process(work, lines, batch.Outcome()))

    start = time.process_time()
    out = once()  # cold: the memos fill
    cold = time.process_time() - start
    start = time.process_time()
    out = once()
    warm = time.process_time() - start
    print(f"{args.kind}, {args.source}, {len(lines):,} lines: cold {cold / len(lines) * 1e6:.1f}"
          f" µs CPU a line, warm {warm / len(lines) * 1e6:.1f} µs "
          f"({len(lines) / warm:,.0f} lines per CPU second)")
    if args.write:
        args.write.write_text("".join(out), encoding="utf-8")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(once)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
