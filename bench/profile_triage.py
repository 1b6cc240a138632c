"""CPU a triage batch line costs in one process, and where it goes (issue 19).

    python bench/profile_triage.py                 # 20,000 realistic lines, warm, CPU per line
    python bench/profile_triage.py --profile 30    # and the 30 costliest functions (cProfile)
    python bench/profile_triage.py --phases        # decode / validate / assess / encode

It answers the lines the way a batch worker does (`batch.process`), after a warm-up of its
own, and reads the process's CPU clock, so other jobs on the machine disturb it little.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realistic  # noqa: E402  (bench/, beside this script)
import run  # noqa: E402

from spasmcheck.core.model import Audience  # noqa: E402
from spasmcheck.frontends import batch
from spasmcheck.tables import knowledge  # noqa: E402


def lines(count: int, seed: int) -> list[bytes]:
    vocab = run.vocabulary()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "triage.jsonl"
        realistic.write_triage(path, count, lambda rng: run.random_answers(rng, vocab),
                               vocab.all_names, seed)
        return path.read_bytes().splitlines(keepends=True)


def answer(work: batch.Work, block: list[bytes]) -> int:
    return sum(len(text) for text in batch.process(work, block, batch.Outcome()))


def phases(work: batch.Work, block: list[bytes]) -> None:
    """CPU of each step of a line, each timed over the whole block."""
    from spasmcheck.core.answers import validate
    from spasmcheck.core.emergency import contact

    checker = work.checker
    kb = checker.kb
    reach = contact(kb, None, None)
    clock = time.process_time
    start = clock()
    items = [batch._decode(raw) for raw in block]
    decoded = clock()
    given = [validate(item["answers"], kb.triage, checker.triage.schema) for item in items]
    validated = clock()
    done = [checker.assess(one) for one in given]
    assessed = clock()
    for i, one in enumerate(done):
        work.writer.triage(i, i + 1, one, reach)
    encoded = clock()
    per = 1e6 / len(block)
    print(f"decode {(decoded - start) * per:.1f}  validate {(validated - decoded) * per:.1f}  "
          f"assess {(assessed - validated) * per:.1f}  encode {(encoded - assessed) * per:.1f} "
          "µs CPU a line")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--warm", type=int, default=5_000)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--phases", action="store_true")
    args = parser.parse_args()
    work = batch.Work("triage", knowledge.load(), Audience.PATIENT, None)
    work.prepare()
    every = lines(args.warm + args.lines, run.SEED)
    warm, timed = every[:args.warm], every[args.warm:]
    answer(work, warm)
    if args.phases:
        phases(work, timed)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        answer(work, timed)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
    start = time.process_time()
    size = answer(work, timed)
    cpu = time.process_time() - start
    print(f"{len(timed):,} lines: {cpu / len(timed) * 1e6:.1f} µs CPU a line, "
          f"{len(timed) / cpu:,.0f} lines per CPU second, {size / len(timed) / 1000:.1f} KB a "
          "result")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
