"""spasmcheck benchmark: start-up ratios and batch throughput against the targets of issue 5.

    python bench/run.py            # full run (about 10 minutes on this 2-core VM)
    python bench/run.py --quick    # fewer rounds and smaller inputs (about a minute)
    python bench/run.py --json     # figures as JSON on stdout, the tables on stderr

What it measures (docs/PERFORMANCE.md has the method, the figures and what they mean):

1. Start-up. Wall clock of whole processes, side by side in one pass: every round runs every
   command once, in a rotated order, and medians over N rounds are compared. Commands:
   `python -c pass`; a minimal two-command Typer app that prints `{"ok": true}`;
   `spasmcheck interactions --med sertraline` and `spasmcheck triage --answers FILE`, each
   with --json, in Rich form (FORCE_COLOR=1) and with --plain. The table cache is private to
   the run (SPASMCHECK_CACHE_DIR in a temporary folder) and warmed before timing; so is the
   bytecode (--bytecode). Targets: --json forms <= 1.10x the Typer app (issue 19) and <= 8x
   `python -c pass`; human (Rich and plain) forms <= 1.30x the Typer app and <= 12x
   `python -c pass`. --site-hooks skip
   times the same commands without the code that .pth files run at every interpreter start.
2. Batch throughput. Synthetic JSON Lines (seeded), `spasmcheck interactions --batch FILE` and
   `spasmcheck triage --batch FILE`, stdout to /dev/null, at two or three sizes (up to a
   million lines), and the main size once more through a pipe (`--batch -`): lines a second
   (wall clock of the whole run, start-up included), CPU time, and peak memory of the process
   tree (bench/measure.py), to show whether time is linear and memory flat, and the main size
   with one worker (a second worker's gain); then the cost against the number of medicines a
   list (1 to 50). Inputs: clean (names as the tables write them) and realistic
   (bench/realistic.py). Targets: >= 50,000 lists/s and >= 20,000 assessments/s, a second
   worker >= 1.7x, memory at a million lines within 1.1x of 10,000. --plot FILE draws lines/s
   and memory against input size (bench/plot.py; needs matplotlib, never a spasmcheck
   dependency). Each run also records how much CPU the rest of
   the machine used meanwhile, so a busy neighbour shows.

Only the standard library and spasmcheck itself (to read the built-in name and question lists
for the synthetic inputs) are imported, and matplotlib with --plot. Nothing here is a test:
figures depend on the machine and on how busy it is, so the verdicts are for people, and the
exit code is 0 unless a command could not be run at all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import realistic  # bench/realistic.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
MEASURE = Path(__file__).resolve().parent / "measure.py"
SEED = 20240605

# Targets from issues 5 and 19.
JSON_VS_TYPER = 1.10
HUMAN_VS_TYPER = 1.30
SECOND_WORKER = 1.7  # two workers against one, same input
JSON_VS_PYTHON = 8.0
HUMAN_VS_PYTHON = 12.0
INTERACTIONS_PER_S = 50_000
TRIAGE_PER_S = 20_000
SWEEP = (1, 5, 10, 20, 50)  # medicines a list
MEMORY_FLAT = 1.10  # peak RSS at the largest size within 10 % of the smallest
LINEAR = 1.25  # µs a line at the largest size within 25 % of the middle size (marginal)

MINIMAL_TYPER_APP = '''\
"""The floor for a Typer CLI in this environment: two commands, prints a JSON literal."""
import typer

app = typer.Typer()


@app.command()
def show(as_json: bool = typer.Option(False, "--json")) -> None:
    typer.echo('{"ok": true}')


@app.command()
def other() -> None:
    typer.echo("other")


if __name__ == "__main__":
    app()
'''

ANSWERS_YAML = """\
# A realistic answers file: a lower-back spasm for five days, improving, on sertraline.
location: lower_back
duration_days: 5
age: 40
trauma: none
fever: none
improving: true
medications: [sertraline]
"""


# --- output ----------------------------------------------------------------------------------


class Out:
    """Human output goes to stdout, or to stderr when --json puts the figures on stdout."""

    def __init__(self, to_stderr: bool) -> None:
        self.stream = sys.stderr if to_stderr else sys.stdout

    def __call__(self, text: str = "") -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def progress(self, text: str) -> None:
        sys.stderr.write(f"  ... {text}\n")
        sys.stderr.flush()


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def table(out: Out, header: list[str], rows: list[list[str]], right: set[int]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    out(line(header))
    out("  ".join("-" * w for w in widths))
    for row in rows:
        out(line(row))


# --- the machine -----------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    from importlib import metadata

    model = platform.processor() or platform.machine()
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for row in lscpu.splitlines():
            if row.lower().startswith("model name:"):
                model = row.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    def version(package: str) -> str | None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    versions = {package: version(package)
                for package in ("spasmcheck", "typer", "click", "rich", "questionary", "PyYAML")}
    pydantic = version("pydantic")
    import yaml  # only to report whether LibYAML is there

    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "cpu_model": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "versions": versions,
        "pydantic_installed": pydantic,
        "libyaml": bool(getattr(yaml, "__with_libyaml__", False)),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def fingerprint() -> dict[str, str]:
    """Short hashes of the code and the tables measured, to tie figures to a state of the tree."""
    import hashlib

    out = {}
    for name, pattern in (("code", "spasmcheck/**/*.py"), ("tables", "data/*.yaml")):
        digest = hashlib.sha256()
        for path in sorted(ROOT.glob(pattern)):
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
        out[name] = digest.hexdigest()[:12]
    return out


def console_script() -> tuple[str, str | None]:
    """The `spasmcheck` console script, and the PATH entry when that is only a wrapper.

    shutil.which() finds what a user's shell runs. Under pyenv that is a bash shim which
    re-resolves the version on every call (tens of ms that are not spasmcheck's), so when the
    PATH entry is not itself a Python script and the interpreter's own bin folder holds the
    real console script, that one is measured, and the shim is reported for information.
    """
    found = shutil.which("spasmcheck")
    beside = Path(sys.executable).parent / "spasmcheck"
    if found is None and not beside.exists():
        sys.exit("bench: `spasmcheck` is not on PATH; install it (pip install -e .) first")
    if found is not None and _is_python_script(Path(found)):
        return found, None
    if beside.exists() and _is_python_script(beside):
        return str(beside), found
    return found or str(beside), None


def _is_python_script(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            first = handle.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


# --- start-up --------------------------------------------------------------------------------


@dataclass
class Command:
    key: str
    label: str
    argv: list[str]
    env: dict[str, str]
    kind: str  # "python", "typer", "json", "human" or "info"
    times: list[float] = field(default_factory=list)  # seconds
    cpu: list[float] = field(default_factory=list)  # seconds of user+sys CPU, each run

    @property
    def cpu_ms(self) -> float:
        """Median CPU time: disturbed far less than the wall clock by other jobs."""
        return statistics.median(self.cpu) * 1000 if self.cpu else 0.0

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times) * 1000

    @property
    def min_ms(self) -> float:
        return min(self.times) * 1000

    def quartiles_ms(self) -> tuple[float, float]:
        if len(self.times) < 4:
            return self.min_ms, max(self.times) * 1000
        q = statistics.quantiles(self.times, n=4)
        return q[0] * 1000, q[2] * 1000


def base_env(cache: Path, bytecode: str = "cached") -> dict[str, str]:
    """The environment of every measured command: private table and bytecode caches.

    With `bytecode="cached"` (the default) PYTHONDONTWRITEBYTECODE is dropped and compiled
    bytecode goes to a private PYTHONPYCACHEPREFIX beside the table cache, so every command
    runs from .pyc files after the warm-up, as an installed wheel does, without writing into
    the source tree. `"as-is"` keeps the caller's settings (an editable install under
    PYTHONDONTWRITEBYTECODE=1 then recompiles spasmcheck's modules on every run).
    """
    env = dict(os.environ)
    if bytecode == "cached":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cache.parent / "pycache")
    for var in ("NO_COLOR", "FORCE_COLOR", "SPASMCHECK_DATA_DIR", "SPASMCHECK_CACHE",
                "SPASMCHECK_AUDIENCE", "PYTHONPROFILEIMPORTTIME", "PYTHONDEVMODE",
                "PYTHONTRACEMALLOC", "PYTHONWARNINGS"):
        env.pop(var, None)
    env["SPASMCHECK_CACHE_DIR"] = str(cache)
    env["SPASMCHECK_COUNTRY"] = "GB"  # the same emergency number whatever the locale
    env["COLUMNS"] = "80"
    return env


def site_paths() -> list[str]:
    """sys.path entries `site` would add: site-packages and the path lines of its .pth files.

    The lines of .pth files that start with `import` (code run at every interpreter start)
    are left out: with `--site-hooks skip` the commands run as `python -S` with these paths
    on PYTHONPATH, which is start-up without those hooks.
    """
    import site

    paths: list[str] = []
    for folder in site.getsitepackages():
        if not os.path.isdir(folder):
            continue
        paths.append(folder)
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".pth"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as pth:
                for row in pth:
                    row = row.strip()
                    if row and not row.startswith(("#", "import ", "import\t")):
                        full = os.path.join(folder, row)
                        if os.path.exists(full):
                            paths.append(full)
    return paths


def site_hooks_cost(runs: int = 15) -> dict[str, float]:
    """Median ms of `python -c pass` and `python -S -c pass`: what site and .pth files cost."""
    figures = {}
    for label, argv in (("python -c pass", [sys.executable, "-c", "pass"]),
                        ("python -S -c pass", [sys.executable, "-S", "-c", "pass"])):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(argv, check=False)
            times.append(time.perf_counter() - start)
        figures[label] = round(statistics.median(times) * 1000, 1)
    return figures


def startup_commands(work: Path, script: str, shim: str | None, bytecode: str,
                     ladder: bool = False, site_hooks: str = "run") -> list[Command]:
    cache = work / "cache"
    env = base_env(cache, bytecode)
    if site_hooks == "skip":
        env["PYTHONPATH"] = os.pathsep.join(site_paths())
    rich_env = {**env, "FORCE_COLOR": "1", "TERM": env.get("TERM") or "xterm-256color"}
    if rich_env["TERM"] == "dumb":
        rich_env["TERM"] = "xterm-256color"
    app = work / "minimal_typer_app.py"
    app.write_text(MINIMAL_TYPER_APP, encoding="utf-8")
    answers = work / "answers.yaml"
    answers.write_text(ANSWERS_YAML, encoding="utf-8")
    python = [sys.executable]
    run_script = [script]
    if site_hooks == "skip":  # the console script is a Python file: run it under `python -S`
        rich_env["PYTHONPATH"] = env["PYTHONPATH"]
        python = [sys.executable, "-S"]
        run_script, shim = [*python, script], None
    inter = [*run_script, "interactions", "--med", "sertraline"]
    tri = [*run_script, "triage", "--answers", str(answers)]
    commands = [
        Command("python", " ".join(["python", *python[1:], "-c", "pass"]),
                [*python, "-c", "pass"], env, "python"),
        Command("typer", "minimal Typer app, --json", [*python, str(app), "show", "--json"],
                env, "typer"),
        Command("interactions_json", "interactions --med sertraline --json", [*inter, "--json"],
                env, "json"),
        Command("triage_json", "triage --answers FILE --json", [*tri, "--json"], env, "json"),
        Command("interactions_rich", "interactions --med sertraline (Rich)", inter, rich_env,
                "human"),
        Command("triage_rich", "triage --answers FILE (Rich)", tri, rich_env, "human"),
        Command("interactions_plain", "interactions --med sertraline --plain",
                [*inter, "--plain"], env, "human"),
        Command("triage_plain", "triage --answers FILE --plain", [*tri, "--plain"], env, "human"),
    ]
    if ladder:  # where the time goes, step by step (information only, no targets)
        load = ("import os, spasmcheck.frontends.cli; from spasmcheck.tables import knowledge; "
                "knowledge.load(); os._exit(0)")
        commands += [
            Command("ladder_typer", "python -c 'import typer'", [*python, "-c", "import typer"],
                    env, "info"),
            Command("ladder_cli", "python -c 'import spasmcheck.frontends.cli'",
                    [*python, "-c", "import spasmcheck.frontends.cli"], env, "info"),
            Command("ladder_load", "... + knowledge.load() (cache hit), os._exit",
                    [*python, "-c", load], env, "info"),
        ]
    if shim is not None:
        commands.append(Command("interactions_json_shim",
                                "interactions ... --json via PATH shim",
                                [shim, *inter[1:], "--json"], env, "info"))
    return commands


def run_once(command: Command) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(command.argv, env=command.env, stdin=subprocess.DEVNULL,
                          capture_output=True, check=False)


def check_startup_outputs(commands: list[Command], work: Path) -> None:
    """Warm the table cache and make sure each command does what it is meant to measure."""
    for command in commands:
        done = run_once(command)
        if done.returncode != 0:
            sys.exit(f"bench: {command.label} exited {done.returncode}:\n"
                     f"{done.stderr.decode(errors='replace')[-2000:]}")
        text = done.stdout.decode("utf-8", errors="replace")
        if command.kind in ("json", "typer") or command.key.endswith("_shim"):
            json.loads(text)  # a --json form prints one JSON document and nothing else
        if command.key.endswith("_rich") and "\x1b[" not in text:
            sys.exit(f"bench: {command.label} printed no ANSI styles; the Rich path was not used")
        if command.key.endswith("_plain") and "\x1b[" in text:
            sys.exit(f"bench: {command.label} printed ANSI styles")
    import spasmcheck.tables.knowledge as knowledge

    # A wheel ships its tables compiled and never writes the cache (unless that file is stale,
    # when a run compiles and caches them); a checkout compiles once and reads the cache.
    shipped = Path(knowledge.__file__).parent / getattr(knowledge, "COMPILED_NAME", "-")
    if not list((work / "cache").glob("tables-*")) and not shipped.is_file():
        sys.exit("bench: no table cache was written; the start-up figures would include a "
                 "YAML parse on every run")


def measure_startup(commands: list[Command], rounds: int, warmup: int,
                    out: Out) -> float | None:
    """Time every command `rounds` times, in rotated order; returns the others' CPU %.

    That is the CPU time the rest of the machine used during the timed rounds, as a share of
    one core: more than a few per cent means a busy neighbour, and the medians are suspect.
    """
    import resource

    from measure import busy_seconds  # bench/measure.py

    total = rounds + warmup
    busy = busy_seconds()
    mine = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    began = time.perf_counter()
    for round_no in range(total):
        shift = round_no % len(commands)
        for command in commands[shift:] + commands[:shift]:
            child = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(command.argv, env=command.env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  check=False)
            elapsed = time.perf_counter() - start
            spent = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode != 0:
                sys.exit(f"bench: {command.label} exited {done.returncode} during timing")
            if round_no >= warmup:
                command.times.append(elapsed)
                command.cpu.append(spent.ru_utime + spent.ru_stime
                                   - child.ru_utime - child.ru_stime)
        if (round_no + 1) % 10 == 0:
            out.progress(f"start-up round {round_no + 1}/{total}")
    after = busy_seconds()
    if busy is None or after is None:
        return None
    used = sum(u.ru_utime + u.ru_stime for u in
               (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                    resource.RUSAGE_CHILDREN)))
    used -= sum(u.ru_utime + u.ru_stime for u in mine)
    return round(100 * max(0.0, after - busy - used) / (time.perf_counter() - began), 1)


def startup_report(commands: list[Command], out: Out) -> dict[str, Any]:
    by_key = {c.key: c for c in commands}
    python, typer_app = by_key["python"].median_ms, by_key["typer"].median_ms
    rows, figures, verdicts = [], [], []
    for command in commands:
        median = command.median_ms
        q1, q3 = command.quartiles_ms()
        vs_python, vs_typer = median / python, median / typer_app
        checks: list[tuple[str, float, float, bool]] = []
        if command.kind == "json":
            checks = [("vs Typer app", vs_typer, JSON_VS_TYPER, vs_typer <= JSON_VS_TYPER),
                      ("vs python -c pass", vs_python, JSON_VS_PYTHON, vs_python <= JSON_VS_PYTHON)]
        elif command.kind == "human":
            checks = [("vs Typer app", vs_typer, HUMAN_VS_TYPER, vs_typer <= HUMAN_VS_TYPER),
                      ("vs python -c pass", vs_python, HUMAN_VS_PYTHON,
                       vs_python <= HUMAN_VS_PYTHON)]
        for name, ratio, target, ok in checks:
            verdicts.append({"command": command.label, "check": name, "ratio": round(ratio, 2),
                             "target": target, "pass": ok})
        shown = "; ".join(f"{name.split()[1]} {ratio:.2f}x<={target:g} {verdict(ok)}"
                          for name, ratio, target, ok in checks) or "-"
        rows.append([command.label, f"{median:.1f}", f"{command.min_ms:.1f}",
                     f"{q1:.1f}-{q3:.1f}", f"{command.cpu_ms:.1f}",
                     f"{command.cpu_ms / by_key['typer'].cpu_ms:.2f}x" if by_key["typer"].cpu_ms
                     else "-", f"{vs_python:.2f}x", f"{vs_typer:.2f}x", shown])
        figures.append({"key": command.key, "command": command.label,
                        "argv": [Path(a).name if i == 0 else a
                                 for i, a in enumerate(command.argv)],
                        "runs": len(command.times), "median_ms": round(median, 2),
                        "min_ms": round(command.min_ms, 2), "q1_ms": round(q1, 2),
                        "q3_ms": round(q3, 2), "cpu_ms": round(command.cpu_ms, 2),
                        "vs_python": round(vs_python, 3),
                        "vs_typer_app": round(vs_typer, 3)})
    table(out, ["command", "median ms", "min ms", "IQR ms", "CPU ms", "CPU /typer",
                "/python", "/typer app", "targets"], rows, {1, 2, 3, 4, 5, 6, 7})
    return {"commands": figures, "targets": verdicts}


# --- synthetic batch inputs ------------------------------------------------------------------


@dataclass
class Vocab:
    names: list[str]  # generic and brand names the tables know
    all_names: list[str]  # every name: generics, brands, other names, products
    candidates: list[str]
    questions: list[Any]
    class_members: dict[str, list[str]]


def vocabulary() -> Vocab:
    from spasmcheck.tables import knowledge

    kb = knowledge.load()
    names = sorted({e.name for e in kb.names.entries() if e.kind in ("generic", "brand")},
                   key=str.lower)
    all_names = sorted({e.name for e in kb.names.entries()}, key=str.lower)
    candidates = [kb.interactions.drugs[c].name for c in kb.interactions.candidates]
    members = {}
    for question in kb.triage.questions:
        if question.class_id:
            members[question.class_id] = sorted(
                d.name for d in kb.interactions.drugs.values()
                if question.class_id in d.all_classes)
    return Vocab(names, all_names, candidates, list(kb.triage.questions), members)


def write_interactions(path: Path, lines: int, per_list: int, vocab: Vocab, seed: int) -> None:
    rng = random.Random(seed)
    names, candidates = vocab.names, vocab.candidates
    with open(path, "w", encoding="utf-8") as out:
        for i in range(lines):
            item: dict[str, Any] = {"id": i, "meds": rng.sample(names, min(per_list, len(names)))}
            if rng.random() < 0.2:  # "drug" is optional: a fifth of the lines name one
                item["drug"] = rng.choice(candidates)
            out.write(json.dumps(item, separators=(",", ":")) + "\n")


def random_answers(rng: random.Random, vocab: Vocab) -> dict[str, Any]:
    """A valid answer set with every question answered, in a plausible mix of urgencies.

    Uniform answers would make almost every line an emergency (there are about 35 alarming
    yes/no questions), so each yes/no is alarming 1.5 % of the time and "unsure" 0.5 %; an
    ordered choice (trauma, weakness, fever) takes its calmest value 80 % of the time.
    """
    answers: dict[str, Any] = {}
    for q in vocab.questions:
        kind = q.type.value
        if kind == "choice":
            calmest = q.ordered and rng.random() < 0.8
            answers[q.id] = q.values[0] if calmest else rng.choice(q.values)
        elif kind == "number":
            low = q.minimum if q.minimum is not None else 0
            high = q.maximum if q.maximum is not None else 100
            if q.id == "age":
                answers[q.id] = rng.randint(max(low, 16), min(high, 95))
            else:  # durations and the like: mostly days to weeks
                answers[q.id] = min(high, max(low, int(rng.expovariate(1 / 14))))
        elif kind in ("yes_no", "yes_no_unsure"):
            roll = rng.random()
            calm = not q.alarming if q.alarming is not None else False
            if kind == "yes_no_unsure" and roll < 0.005:
                answers[q.id] = "unsure"
            elif roll < 0.02:
                answers[q.id] = not calm
            else:
                answers[q.id] = calm
        elif kind == "medicine_checklist":
            pool = vocab.class_members.get(q.class_id or "", [])
            answers[q.id] = rng.sample(pool, 1) if pool and rng.random() < 0.1 else []
        elif kind == "medicines":
            answers[q.id] = rng.sample(vocab.names, rng.randint(0, 4))
    return answers


def write_triage(path: Path, lines: int, vocab: Vocab, seed: int) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(lines):
            out.write(json.dumps({"id": i, "answers": random_answers(rng, vocab)},
                                 separators=(",", ":")) + "\n")


def write_input(kind: str, source: str, path: Path, lines: int, vocab: Vocab, seed: int,
                per_list: int = 5) -> None:
    """Batch input for `kind`: `clean` (the names as the tables write them, every question
    answered) or `realistic` (bench/realistic.py: varied lists, typed every way)."""
    if source == "realistic":
        if kind == "interactions":
            realistic.write_interactions(path, lines, vocab.all_names, vocab.candidates, seed)
        else:
            realistic.write_triage(path, lines, lambda rng: random_answers(rng, vocab),
                                   vocab.all_names, seed)
    elif kind == "interactions":
        write_interactions(path, lines, per_list, vocab, seed)
    else:
        write_triage(path, lines, vocab, seed)


# --- batch runs ------------------------------------------------------------------------------


def run_batch(script: str, kind: str, path: Path, env: dict[str, str],
              pipe: bool = False) -> dict[str, Any]:
    """One batch run, stdout to /dev/null: wall and CPU seconds, peak memory, exit code.

    The command runs under bench/measure.py, a small `python -S` process that forks it, waits,
    samples the memory of its process tree (batch mode forks workers for a regular file) and
    reads RUSAGE_CHILDREN (see measure.py). With `pipe`, the input comes through `cat |` and
    `--batch -`, the path a pipeline gets; otherwise `--batch FILE`.
    """
    result = path.with_suffix(".measure.json")
    source = "-" if pipe else str(path)
    argv = [sys.executable, "-S", str(MEASURE), str(result), "--", script, kind, "--batch",
            source]
    with open(os.devnull, "wb") as devnull:
        feeder = subprocess.Popen(["cat", str(path)], stdout=subprocess.PIPE) if pipe else None
        done = subprocess.run(argv, env=env, stdout=devnull, stderr=subprocess.PIPE,
                              stdin=feeder.stdout if feeder else subprocess.DEVNULL, check=False)
        if feeder is not None:
            assert feeder.stdout is not None
            feeder.stdout.close()
            feeder.wait()
    if done.returncode != 0 or not result.exists():
        sys.exit(f"bench: could not measure {kind} --batch: {done.stderr.decode()[-1000:]}")
    figures: dict[str, Any] = json.loads(result.read_text("utf-8"))
    result.unlink()
    figures["stderr"] = done.stderr.decode(errors="replace")[-1000:]
    if figures["exit"] not in (0, 3, 10):  # 3: some names not recognised; 10: --fail-on
        sys.exit(f"bench: {kind} --batch exited {figures['exit']}: {figures['stderr']}")
    return figures


def size_figures(lines: int, path: Path, run: dict[str, Any]) -> dict[str, Any]:
    return {"lines": lines, "bytes": path.stat().st_size,
            "seconds": round(run["seconds"], 3), "per_second": round(lines / run["seconds"]),
            "us_per_line": round(run["seconds"] / lines * 1e6, 2),
            "cpu_seconds": round(run["cpu_seconds"], 3),
            "per_cpu_second": round(lines / run["cpu_seconds"]) if run["cpu_seconds"] else None,
            "processes": run["processes"],
            "other_cpu_percent": None if run.get("other_cpu_seconds") is None
            else round(100 * run["other_cpu_seconds"] / run["seconds"]),
            "tree_pss_mib": round(run["tree_pss_kib"] / 1024, 1),
            "tree_rss_mib": round(run["tree_rss_kib"] / 1024, 1),
            "max_rss_mib": round(run["max_rss_kib"] / 1024, 1)}


def check_batch_output(script: str, kind: str, path: Path, env: dict[str, str],
                       lines: int) -> dict[str, Any]:
    """Run a sample through and look at the results: one a line, in order, none an error.

    The sample goes through both paths, `--batch FILE` and `cat FILE | --batch -`, whose
    outputs must be the same bytes.
    """
    done = subprocess.run([script, kind, "--batch", str(path)], env=env, capture_output=True,
                          stdin=subprocess.DEVNULL, check=False)
    with open(path, "rb") as handle:
        piped = subprocess.run([script, kind, "--batch", "-"], env=env, capture_output=True,
                               stdin=handle, check=False)
    results = [json.loads(row) for row in done.stdout.splitlines()]
    errors = [r for r in results if "error" in r]
    if len(results) != lines or errors or [r["id"] for r in results] != list(range(lines)):
        sys.exit(f"bench: {kind} --batch gave {len(results)} results for {lines} lines, "
                 f"{len(errors)} errors (first: {errors[:1]}), exit {done.returncode}")
    if piped.stdout != done.stdout or piped.returncode != done.returncode:
        sys.exit(f"bench: {kind} --batch FILE and --batch - gave different results")
    sample: dict[str, Any] = {"exit": done.returncode,
                              "bytes_per_result": round(len(done.stdout) / lines)}
    if kind == "triage":
        levels: dict[str, int] = {}
        for r in results:
            levels[r["urgency"]["level"]] = levels.get(r["urgency"]["level"], 0) + 1
        sample["urgency_mix"] = levels
    else:
        sample["findings_per_list"] = round(
            sum(len(r["interactions"]) for r in results) / lines, 2)
        sample["unknown_per_list"] = round(sum(len(r["unknown"]) for r in results) / lines, 2)
    return sample


def batch_sizes(main: int, quick: bool) -> list[int]:
    """A tenth of the main size, the main size and (unless --quick) a million lines."""
    sizes = [max(1000, main // 10), main]
    if not quick:
        sizes.append(max(1_000_000, main * 2))
    return sizes


def measure_batch(script: str, work: Path, vocab: Vocab, args: argparse.Namespace,
                  out: Out, source: str) -> dict[str, Any]:
    env = base_env(work / "cache", args.bytecode)
    report: dict[str, Any] = {}
    main = args.lines
    plans = [("interactions", INTERACTIONS_PER_S, "lists"), ("triage", TRIAGE_PER_S, "assessments")]
    for kind, target, unit in plans:
        sample_path = work / f"{kind}-sample.jsonl"
        write_input(kind, source, sample_path, 2000, vocab, SEED + 1)
        sample = check_batch_output(script, kind, sample_path, env, 2000)
        sizes = []
        for lines in batch_sizes(main, args.quick):
            path = work / f"{kind}-{lines}.jsonl"
            out.progress(f"writing {lines:,} {source} {kind} lines")
            write_input(kind, source, path, lines, vocab, SEED)
            out.progress(f"running {kind} --batch FILE on {lines:,} lines")
            sizes.append(size_figures(lines, path, run_batch(script, kind, path, env)))
            if lines == main:
                out.progress(f"running cat FILE | {kind} --batch - on {lines:,} lines")
                piped = size_figures(lines, path, run_batch(script, kind, path, env, pipe=True))
                out.progress(f"running {kind} --batch FILE on {lines:,} lines, one worker")
                single = size_figures(lines, path, run_batch(
                    script, kind, path, {**env, "SPASMCHECK_WORKERS": "1"}))
            if not args.keep:  # a million triage lines take about 1 GB
                path.unlink()
        for low, high in zip(sizes, sizes[1:], strict=False):
            marginal = (high["seconds"] - low["seconds"]) / (high["lines"] - low["lines"])
            high["marginal_us_per_line"] = round(marginal * 1e6, 2)
        at_main = next(s for s in sizes if s["lines"] == main)
        pss = [s["tree_pss_mib"] for s in sizes]
        flat = pss[-1] <= pss[0] * MEMORY_FLAT
        marg = [s["marginal_us_per_line"] for s in sizes if "marginal_us_per_line" in s]
        linear = marg[-1] <= marg[0] * LINEAR if len(marg) >= 2 else None

        def row(s: dict[str, Any], label: str) -> list[str]:
            return [label, f"{s['bytes'] / 1e6:.1f}", f"{s['seconds']:.2f}",
                    f"{s['per_second']:,}", f"{s['us_per_line']:.1f}",
                    f"{s.get('marginal_us_per_line', '-')}", f"{s['cpu_seconds']:.1f}",
                    f"{s['per_cpu_second'] or 0:,}", str(s["processes"]),
                    f"{s['tree_pss_mib']:.1f}", f"{s['tree_rss_mib']:.1f}",
                    f"{s['max_rss_mib']:.1f}", f"{s['other_cpu_percent']}"]

        rows = [row(s, f"{s['lines']:,}") for s in sizes]
        rows.append(row(piped, f"{piped['lines']:,} piped"))
        rows.append(row(single, f"{single['lines']:,} 1 worker"))
        scaling = at_main["per_second"] / single["per_second"]
        scales = scaling >= SECOND_WORKER
        shape = {("clean", "interactions"): "5 clean names a list",
                 ("clean", "triage"): "full answer sets",
                 ("realistic", "interactions"): "2-8 names a list, typed every way",
                 ("realistic", "triage"): "partial answer sets, names typed every way",
                 }[source, kind]
        seen = json.dumps({k: v for k, v in sample.items() if k != "exit"})
        out()
        out(f"{source} input: {kind} --batch FILE ({shape}; sample of 2,000: {seen}); the last "
            "rows are the main size through a pipe (`--batch -`) and with one worker "
            "(SPASMCHECK_WORKERS=1)")
        table(out, ["lines", "input MB", "seconds", "lines/s", "µs/line", "marginal µs/line",
                    "CPU s", "lines/CPU s", "procs", "PSS MiB", "RSS MiB", "1-proc RSS",
                    "others' CPU %"], rows, set(range(13)))
        ok = at_main["per_second"] >= target
        ok_piped = piped["per_second"] >= target
        out(f"  throughput at {main:,} lines: {at_main['per_second']:,} {unit}/s "
            f"(target >= {target:,}) {verdict(ok)}; through a pipe {piped['per_second']:,}/s "
            f"{verdict(ok_piped)}")
        out(f"  peak memory (PSS of the process tree) {pss[0]:.1f} -> {pss[-1]:.1f} MiB from "
            f"{sizes[0]['lines']:,} to {sizes[-1]['lines']:,} lines (flat: within "
            f"{MEMORY_FLAT:.2f}x) {verdict(flat)}")
        out(f"  a second worker: {scaling:.2f}x the lines/s of one (target >= "
            f"{SECOND_WORKER}x) {verdict(scales)}")
        if max(s["other_cpu_percent"] or 0 for s in [*sizes, piped, single]) > 10:
            out("  note: the rest of the machine was busy during some runs (others' CPU %); "
                "their wall-clock figures are suspect, the CPU figures less so")
        if len(pss) >= 3:
            out(f"  (information) over the last step, {sizes[-2]['lines']:,} -> "
                f"{sizes[-1]['lines']:,} lines: {pss[-2]:.1f} -> {pss[-1]:.1f} MiB")
        if linear is not None:
            out(f"  time linear: marginal {marg[0]:.1f} -> {marg[-1]:.1f} µs/line "
                f"(within {LINEAR:.2f}x) {verdict(linear)}")
        report[kind] = {"sample": sample, "sizes": sizes, "piped": piped, "one_worker": single,
                        "second_worker": round(scaling, 2), "second_worker_pass": scales,
                        "target_per_second": target,
                        "per_second_at_main": at_main["per_second"], "throughput_pass": ok,
                        "piped_throughput_pass": ok_piped,
                        "memory_flat_pass": flat, "time_linear_pass": linear}
    if source == ("clean" if args.input == "clean" else "realistic"):  # once, at the end
        report["interactions_per_list"], report["per_medicine_flat_pass"] = sweep(
            script, work, vocab, env, args, out)
    return report


def sweep(script: str, work: Path, vocab: Vocab, env: dict[str, str],
          args: argparse.Namespace, out: Out) -> tuple[list[dict[str, Any]], bool]:
    """Cost against medicines a list: the same number of lines, of 1 to 50 clean names each
    (a realistic list mixes lengths, so it cannot show this)."""
    lines = args.sweep_lines
    rows, figures = [], []
    empty = work / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    bases = [run_batch(script, "interactions", empty, env) for _ in range(3)]
    base = statistics.median(b["seconds"] for b in bases)
    base_cpu = statistics.median(b["cpu_seconds"] for b in bases)
    for per_list in SWEEP:
        path = work / f"sweep-{per_list}.jsonl"
        write_interactions(path, lines, per_list, vocab, SEED + per_list)
        out.progress(f"sweep: {lines:,} lists of {per_list}")
        run = run_batch(script, "interactions", path, env)
        if not args.keep:
            path.unlink()
        pairs = per_list * (per_list - 1) // 2 + per_list  # with each other and the candidate
        per_line = (run["seconds"] - base) / lines * 1e6
        cpu_per_line = (run["cpu_seconds"] - base_cpu) / lines * 1e6
        figures.append({"meds_per_list": per_list, "lines": lines,
                        "seconds": round(run["seconds"], 3),
                        "per_second": round(lines / run["seconds"]),
                        "us_per_line_after_startup": round(per_line, 2),
                        "cpu_us_per_line_after_startup": round(cpu_per_line, 2),
                        "pairs_per_line": pairs,
                        "cpu_us_per_pair": round(cpu_per_line / pairs, 2),
                        "tree_pss_mib": round(run["tree_pss_kib"] / 1024, 1),
                        "other_cpu_seconds": run.get("other_cpu_seconds")})
        others = run.get("other_cpu_seconds")
        rows.append([str(per_list), str(pairs), f"{run['seconds']:.2f}",
                     f"{lines / run['seconds']:,.0f}", f"{per_line:.1f}", f"{cpu_per_line:.1f}",
                     f"{cpu_per_line / pairs:.2f}", f"{run['tree_pss_kib'] / 1024:.1f}",
                     "-" if others is None else f"{100 * others / run['seconds']:.0f}"])
    out()
    out(f"interactions --batch FILE, cost against medicines a list ({lines:,} lines each; the "
        f"cost of an empty batch, {base * 1000:.0f} ms wall and {base_cpu * 1000:.0f} ms CPU, "
        "subtracted from the µs columns)")
    table(out, ["meds/list", "pairs/list", "seconds", "lines/s", "wall µs/line", "CPU µs/line",
                "CPU µs/pair", "PSS MiB", "others' CPU %"], rows, set(range(9)))
    per_med = [f["cpu_us_per_line_after_startup"] / f["meds_per_list"] for f in figures]
    flat = max(per_med[1:]) <= per_med[1] * LINEAR
    out(f"  CPU µs a medicine: {', '.join(f'{x:.1f}' for x in per_med)} for "
        f"{', '.join(str(n) for n in SWEEP)} a list; from 5 to {SWEEP[-1]} within {LINEAR}x of "
        f"the cost at 5 {verdict(flat)}")
    return figures, flat


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Start-up ratios and batch throughput of spasmcheck against issues 5 and 19.")
    parser.add_argument("--quick", action="store_true",
                        help="10 start-up rounds, 20,000 batch lines, two sizes only, "
                             "5,000-line sweep")
    parser.add_argument("--json", action="store_true",
                        help="print the figures as JSON on stdout (the tables go to stderr)")
    parser.add_argument("--runs", type=int, help="start-up rounds (default 30, --quick 10)")
    parser.add_argument("--lines", type=int,
                        help="batch lines at the main size for both commands (default "
                             "100,000; --quick 20,000)")
    parser.add_argument("--ladder", action="store_true",
                        help="add information rows that split start-up into steps: import "
                             "typer, import spasmcheck.frontends.cli, load the tables")
    parser.add_argument("--input", choices=("clean", "realistic", "both"), default="both",
                        help="batch input: names as the tables write them, realistic lists "
                             "(bench/realistic.py), or both (default)")
    parser.add_argument("--skip-startup", action="store_true", help="batch figures only")
    parser.add_argument("--skip-batch", action="store_true", help="start-up figures only")
    parser.add_argument("--bytecode", choices=("cached", "as-is"), default="cached",
                        help="cached (default): private PYTHONPYCACHEPREFIX, bytecode reused "
                             "after the warm-up; as-is: keep the caller's PYTHONDONTWRITEBYTECODE")
    parser.add_argument("--site-hooks", choices=("run", "skip"), default="run",
                        help="run (default): start-up as this interpreter does it; skip: time "
                             "the start-up commands under `python -S` with site-packages on "
                             "PYTHONPATH, leaving out code that .pth files run at every start")
    parser.add_argument("--plot", type=Path,
                        help="write a PNG of lines/s and memory against input size (needs "
                             "matplotlib in this Python: `pip install matplotlib`; it is never "
                             "a dependency of spasmcheck)")
    parser.add_argument("--keep", action="store_true",
                        help="work in bench/out/work-DATE/ (git-ignored) and keep the inputs "
                             "there, not in a temporary folder")
    args = parser.parse_args(argv)
    args.runs = args.runs or (10 if args.quick else 30)
    args.lines = args.lines or (20_000 if args.quick else 100_000)
    args.sweep_lines = 5_000 if args.quick else 50_000
    return args


def main(argv: list[str] | None = None) -> int:
    import signal

    args = parse_args(argv)
    # Stopped with kill: leave through `finally`, so the temporary folder goes too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    out = Out(args.json)
    script, shim = console_script()
    info = machine()
    info["console_script"] = script
    info["fingerprint"] = fingerprint()
    if shim:
        info["path_entry"] = shim
    out(f"spasmcheck benchmark, {info['date']}")
    out(f"machine: {info['nproc']} CPU ({info['cpu_model']}), {info['platform']}, "
        f"load average {', '.join(f'{x:.2f}' for x in info['load_average'] or [])}")
    out(f"python {info['python']} ({sys.executable}); "
        + ", ".join(f"{k} {v}" for k, v in info["versions"].items())
        + f"; pydantic {info['pydantic_installed'] or 'absent'}"
        + f"; LibYAML {'yes' if info['libyaml'] else 'no'}")
    out(f"console script: {script}" + (f" (PATH has the wrapper {shim})" if shim else "")
        + f"; sha256 of spasmcheck/**/*.py {info['fingerprint']['code']}, data/*.yaml "
        f"{info['fingerprint']['tables']}")
    dont_write = os.environ.get("PYTHONDONTWRITEBYTECODE")
    out(f"bytecode: {args.bytecode}" + (
        " (PYTHONDONTWRITEBYTECODE is set here; the runs use a private PYTHONPYCACHEPREFIX "
        "instead)" if dont_write and args.bytecode == "cached" else ""))
    hooks = site_hooks_cost(5 if args.quick else 15)
    out(f"interpreter start-up: python -c pass {hooks['python -c pass']} ms, python -S -c pass "
        f"{hooks['python -S -c pass']} ms (site and .pth files); --site-hooks {args.site_hooks}")
    info["site_hooks_ms"] = hooks
    hook_ms = hooks["python -c pass"] - hooks["python -S -c pass"]
    if hook_ms > 15 and args.site_hooks == "run":
        out(f"  note: site and the .pth files in site-packages take {hook_ms:.0f} ms of every "
            "interpreter start here (a clean interpreter takes a few ms): the ratios against "
            "`python -c pass` look better than on a clean install; `--site-hooks skip` times "
            "the commands without them")
    figures: dict[str, Any] = {"machine": info, "quick": args.quick, "bytecode": args.bytecode,
                               "site_hooks": args.site_hooks,
                               "caller_dont_write_bytecode": bool(dont_write)}

    if args.keep:
        work = ROOT / "bench" / "out" / f"work-{dt.datetime.now():%Y%m%d-%H%M%S}"
        work.mkdir(parents=True)
        holder = None
    else:
        holder = tempfile.TemporaryDirectory(prefix="spasmcheck-bench-")
        work = Path(holder.name)
    try:
        if not args.skip_startup:
            commands = startup_commands(work, script, shim, args.bytecode, args.ladder,
                                        args.site_hooks)
            out()
            out(f"start-up: {args.runs} rounds of {len(commands)} commands, alternating; "
                "wall clock of the whole process"
                + ("; every command runs under `python -S` (site-packages on PYTHONPATH, "
                   ".pth hooks skipped)" if args.site_hooks == "skip" else ""))
            check_startup_outputs(commands, work)
            others = measure_startup(commands, args.runs, 1 if args.quick else 3, out)
            figures["startup"] = startup_report(commands, out)
            figures["startup"]["other_cpu_percent"] = others
            if others is not None:
                out(f"  the rest of the machine used {others:.0f} % of a core meanwhile"
                    + (" (busy: these medians are suspect)" if others > 10 else ""))
        if not args.skip_batch:
            env = base_env(work / "cache", args.bytecode)
            subprocess.run([script, "data", "check"], env=env, stdout=subprocess.DEVNULL,
                           check=False)
            os.environ["SPASMCHECK_CACHE_DIR"] = str(work / "cache")  # not the user's cache
            vocab = vocabulary()
            out()
            out(f"batch: {len(vocab.names)} generic and brand names, {len(vocab.questions)} "
                f"questions; seed {SEED}")
            sources = ["clean", "realistic"] if args.input == "both" else [args.input]
            figures["batch"] = {source: measure_batch(script, work, vocab, args, out, source)
                                for source in sources}
    finally:
        if holder is not None:
            holder.cleanup()

    if args.plot and "batch" in figures:
        import plot  # bench/plot.py, beside this script

        plot.write(figures, args.plot)
        out(f"plot: {args.plot}")
    summary = summarise(figures)
    out()
    out("summary")
    for line in summary:
        out("  " + line)
    figures["summary"] = summary
    if args.json:
        json.dump(figures, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    return 0


def summarise(figures: dict[str, Any]) -> list[str]:
    lines = [f"{verdict(check['pass'])}  {check['command']}: {check['ratio']:.2f}x "
             f"{check['check']} (target <= {check['target']:g}x)"
             for check in figures.get("startup", {}).get("targets", [])]
    for source, batch in figures.get("batch", {}).items():
        for kind in ("interactions", "triage"):
            if kind not in batch:
                continue
            b, name = batch[kind], f"{kind} --batch ({source})"
            lines.append(f"{verdict(b['throughput_pass'])}  {name}: "
                         f"{b['per_second_at_main']:,}/s (target >= {b['target_per_second']:,})")
            lines.append(f"{verdict(b['piped_throughput_pass'])}  {name}, a pipe: "
                         f"{b['piped']['per_second']:,}/s (target >= {b['target_per_second']:,})")
            first, last = b["sizes"][0]["tree_pss_mib"], b["sizes"][-1]["tree_pss_mib"]
            lines.append(f"{verdict(b['memory_flat_pass'])}  {name}: peak memory flat "
                         f"({first} -> {last} MiB PSS)")
            lines.append(f"{verdict(b['second_worker_pass'])}  {name}: a second worker "
                         f"{b['second_worker']:.2f}x (target >= {SECOND_WORKER}x)")
            if b["time_linear_pass"] is not None:
                lines.append(f"{verdict(b['time_linear_pass'])}  {name}: time linear in lines")
        if "per_medicine_flat_pass" in batch:
            lines.append(f"{verdict(batch['per_medicine_flat_pass'])}  interactions, lists of "
                         "clean names: CPU cost a medicine flat from 5 to 50 a list")
    return lines


if __name__ == "__main__":
    sys.exit(main())
