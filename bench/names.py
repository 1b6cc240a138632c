"""spasmcheck benchmark: microseconds to resolve one medicine name (issue 16).

    python bench/names.py            # about ten seconds
    python bench/names.py --json     # figures as JSON

Two kinds of name, each resolved cold (the reader's memo cleared before every pass, so every
name is read word by word) and warm (the memo holds them, as in a long batch run):

- clean: every name in the tables as written ("Zoloft", "co-codamol");
- label: the same names dressed as labels and records write them, seeded ("24 HR Zoloft 50 MG
  Oral Tablet", "co-codamol HCl 5/325 tabs at night");
- records: the held-out names of tests/data/label_names.txt, as RxNorm, EHR lists (with sigs
  and notes), pharmacy and UK labels, OTC boxes and people write them.

Unknown names (misspellings) also pay for suggestions (difflib); they are timed apart. Only the
standard library and spasmcheck are imported. Figures depend on the machine: for people.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spasmcheck.core import names  # noqa: E402
from spasmcheck.tables import knowledge

SEED = 20261129
BEFORE = ["", "", "", "24 HR", "0.3 ML", "Abuse-Deterrent 12 HR"]
AFTER = ["50 mg", "50mg", "5 MG/ML", "0.1%", "5/325", "HCl", "sodium", "ER", "XR",
         "Extended Release Oral Capsule", "Oral Tablet", "tabs", "ODT", "(topical)",
         "at night", "twice a day", "prn"]


def label_names(clean: list[str], rng: random.Random) -> list[str]:
    return [" ".join(filter(None, [rng.choice(BEFORE), name,
                                   *rng.sample(AFTER, rng.randint(1, 3))])) for name in clean]


def misspelt(clean: list[str], rng: random.Random) -> list[str]:
    out = []
    for name in clean:
        at = rng.randrange(len(name))
        out.append(name[:at] + "q" + name[at + 1:])
    return out


def held_out() -> list[str]:
    path = Path(__file__).resolve().parent.parent / "tests" / "data" / "label_names.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.rsplit(" => ", 1)[0] for line in lines if line.strip() and line[0] != "#"]


def per_name(index: names.NameIndex, typed: list[str], rounds: int, cold: bool) -> float:
    """Median microseconds per name over `rounds` passes."""
    times = []
    for _ in range(rounds):
        if cold:
            for memo in ("_read_memo", "_suggest_memo"):
                index.__dict__.pop(memo, None)  # the index makes a fresh one
        start = time.perf_counter()
        for name in typed:
            index.resolve(name)
        times.append((time.perf_counter() - start) / len(typed) * 1e6)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(SEED)
    index = knowledge.load().names
    clean = sorted({entry.name for entry in index.entries()})
    sets = {"clean": clean, "label": label_names(clean, rng), "records": held_out(),
            "misspelt": misspelt(clean[::10], rng)}
    figures = {}
    for kind, typed in sets.items():
        figures[kind] = {"names": len(typed),
                         "cold_us": round(per_name(index, typed, args.rounds, True), 2),
                         "warm_us": round(per_name(index, typed, args.rounds, False), 2)}
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"{'names':<10}{'count':>7}{'cold us/name':>15}{'warm us/name':>15}")
        for kind, row in figures.items():
            print(f"{kind:<10}{row['names']:>7}{row['cold_us']:>15}{row['warm_us']:>15}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
