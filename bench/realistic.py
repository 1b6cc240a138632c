"""Realistic batch input for the benchmark (issue 19): varied lists, typed every way.

The clean input of bench/run.py draws five names from a few thousand clean generic and brand
names, so the name memos answer almost every name and no suggestion is ever computed. Real
lists are not like that. This input, seeded so runs compare:

- 2 to 8 names a list, drawn from every name the tables know (generics, brands, other names,
  products), so almost every list is distinct;
- about 12 % of names typed the way labels and people write them: a strength ("50mg",
  "10 MG"), a form ("tablet", "ER"), a salt ("HCl"), or a change of case;
- about 4 % unknown or misspelt (a letter dropped, doubled or swapped, or a made-up name), so
  the "did you mean" path is exercised;
- triage answer sets that leave some questions out (as an answers file often does), with
  realistic medicine lists.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path
from typing import Any

TYPED_SHARE = 0.12
UNKNOWN_SHARE = 0.04
STRENGTHS = ["5 mg", "10mg", "20 MG", "50mg", "100 mg", "0.5 mg", "250 mg", "25 mcg", "1 g"]
SUFFIXES = ["tablet", "tab", "tabs", "capsule", "ER", "XR", "HCl", "oral tablet", "at night",
            "twice a day", "prn"]
MADE_UP = ["zorvaline", "quentrazil", "mirofendin", "plaxotrem", "vendaprost", "kelotrizine"]


def typed(name: str, rng: random.Random) -> str:
    """`name` as a label or a person might write it."""
    roll = rng.random()
    if roll < 0.35:
        return f"{name} {rng.choice(STRENGTHS)}"
    if roll < 0.6:
        return f"{name} {rng.choice(STRENGTHS)} {rng.choice(SUFFIXES)}"
    if roll < 0.8:
        return name.upper() if rng.random() < 0.5 else name.lower()
    return f"{name.capitalize()} {rng.choice(SUFFIXES)}"


def misspelt(name: str, rng: random.Random) -> str:
    """A plausible typo of `name`, or now and then a name no table holds."""
    if rng.random() < 0.2 or len(name) < 5:
        return rng.choice(MADE_UP) + rng.choice(["", "e", "ol"])
    letters = list(name)
    at = rng.randrange(1, len(letters) - 1)
    edit = rng.random()
    if edit < 0.4:
        del letters[at]
    elif edit < 0.7:
        letters.insert(at, letters[at])
    elif edit < 0.9:
        letters[at], letters[at + 1] = letters[at + 1], letters[at]
    else:
        letters[at] = rng.choice(string.ascii_lowercase)
    return "".join(letters)


def medicine_list(names: list[str], rng: random.Random, low: int = 2, high: int = 8) -> list[str]:
    out = []
    for name in rng.sample(names, rng.randint(low, high)):
        roll = rng.random()
        if roll < UNKNOWN_SHARE:
            out.append(misspelt(name, rng))
        elif roll < UNKNOWN_SHARE + TYPED_SHARE:
            out.append(typed(name, rng))
        else:
            out.append(name)
    return out


def write_interactions(path: Path, lines: int, names: list[str], candidates: list[str],
                       seed: int) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(lines):
            item: dict[str, Any] = {"id": i, "meds": medicine_list(names, rng)}
            if rng.random() < 0.2:
                item["drug"] = rng.choice(candidates)
            out.write(json.dumps(item, separators=(",", ":")) + "\n")


def write_triage(path: Path, lines: int, answers: Any, names: list[str], seed: int) -> None:
    """`answers(rng)` gives a full answer set; about a third of the keys are then left out
    (never `location`, so every line stays valid), and the medicines are realistic."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(lines):
            full = answers(rng)
            kept = {k: v for k, v in full.items() if k == "location" or rng.random() > 0.33}
            if "medications" in full:
                kept["medications"] = medicine_list(names, rng, 0, 6)
            out.write(json.dumps({"id": i, "answers": kept}, separators=(",", ":")) + "\n")
