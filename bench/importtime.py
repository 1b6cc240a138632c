"""Where a one-shot run's start-up goes: `python bench/importtime.py [SPASMCHECK ARGS...]`.

    python bench/importtime.py      # default: interactions --med sertraline --json
    python bench/importtime.py triage --answers answers.yaml --json
    python bench/importtime.py --raw imp.txt interactions --med sertraline --json

Runs the command once to warm the table cache, then `python -X importtime` on the console
script (a private SPASMCHECK_CACHE_DIR, as bench/run.py uses), and prints:
- the interpreter's own start-up imports (`site`, and whatever .pth files the environment runs
  at every start; the same cost is in `python -c pass`);
- the program's imports by package (self time; spasmcheck's modules one by one);
- the modules with the largest self time;
- which heavy modules were loaded (rich, questionary, prompt_toolkit, yaml, pydantic).
Figures from -X importtime are inflated by the tracing itself; use them for proportions, and
bench/run.py for wall-clock figures.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

DEFAULT = ["interactions", "--med", "sertraline", "--json"]
HEAVY = ("rich", "questionary", "prompt_toolkit", "yaml", "pydantic", "asyncio", "pickle")
LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def console_script() -> str:
    beside = Path(sys.executable).parent / "spasmcheck"
    if beside.exists():
        return str(beside)
    found = shutil.which("spasmcheck")
    if found is None:
        sys.exit("importtime: `spasmcheck` is not installed")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, help="also keep the raw -X importtime output here")
    parser.add_argument("--top", type=int, default=15, help="rows in each list (default 15)")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="spasmcheck arguments")
    ns = parser.parse_args()
    args = ns.args or DEFAULT
    script = console_script()
    with tempfile.TemporaryDirectory(prefix="spasmcheck-imp-") as work:
        env = {**os.environ, "SPASMCHECK_CACHE_DIR": str(Path(work) / "cache")}
        for var in ("SPASMCHECK_CACHE", "SPASMCHECK_DATA_DIR", "PYTHONPROFILEIMPORTTIME"):
            env.pop(var, None)
        subprocess.run([script, *args], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)  # warm the table cache
        done = subprocess.run([sys.executable, "-X", "importtime", script, *args], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              check=False)
    if ns.raw:
        ns.raw.write_text(done.stderr, encoding="utf-8")
    rows = [(int(m[1]), int(m[2]), len(m[3]), m[4]) for m in LINE.finditer(done.stderr)]
    if not rows:
        sys.exit("importtime: no -X importtime output:\n" + done.stderr[-2000:])
    # Children are printed before their parent; Python imports `site` (and runs the .pth files
    # it finds) before the program starts, so everything up to the `site` row is interpreter
    # start-up, the same for `python -c pass`.
    boot_end = next((i for i, r in enumerate(rows) if r[3] == "site" and r[2] == 0), -1)
    boot = sum(r[0] for r in rows[:boot_end + 1])
    groups: dict[str, int] = defaultdict(int)
    for own, _, _, name in rows[boot_end + 1:]:
        package = name.split(".")[0]
        if package == "spasmcheck":
            key = name
        elif package in sys.stdlib_module_names or package.startswith("_"):
            key = "(standard library)"
        else:
            key = package
        groups[key] += own
    program = sum(groups.values())
    print(f"spasmcheck {' '.join(args)}: {len(rows)} modules imported (exit {done.returncode})")
    print(f"  interpreter start-up imports (site and .pth files, as for python -c pass): "
          f"{boot / 1000:.1f} ms")
    print(f"  the program's imports: {program / 1000:.1f} ms")
    print("\nthe program's imports by package, self time in ms (spasmcheck by module):")
    for name, own in sorted(groups.items(), key=lambda kv: -kv[1])[:ns.top]:
        print(f"  {own / 1000:7.1f}  {100 * own / program:4.1f} %  {name}")
    own_total = sum(v for k, v in groups.items() if k.startswith("spasmcheck"))
    print(f"  {own_total / 1000:7.1f}  {100 * own_total / program:4.1f} %  "
          "all spasmcheck modules together")
    print("\nlargest self times, ms:")
    for own, _, _, name in sorted(rows, key=lambda r: -r[0])[:ns.top]:
        print(f"  {own / 1000:7.1f}  {name}")
    loaded = {name.split(".")[0] for *_, name in rows}
    print("\nheavy modules loaded: " + (", ".join(h for h in HEAVY if h in loaded) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
