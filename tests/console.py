"""The installed console script, found the way the suite was started: beside this Python.

`venv/bin/python -m pytest` runs without the venv on PATH; the script is still beside
`sys.executable`. A test that needs it never skips: if it is missing, the suite fails and says
how to install it.
"""

from __future__ import annotations

import ast
import os
import shutil
import sys
from pathlib import Path


def _find() -> str:
    beside = Path(sys.executable).parent / "spasmcheck"
    found = str(beside) if beside.exists() else shutil.which("spasmcheck")
    if found is None:
        raise RuntimeError("the spasmcheck console script is not installed beside "
                           f"{sys.executable} or on PATH: run pip install -e '.[test]'")
    return found


SPASMCHECK = _find()


def loaded_by(args: list[str], packages: tuple[str, ...], modules: tuple[str, ...] = ()
              ) -> list[str]:
    """The modules of `packages` (and the `modules` named) that one run of the CLI with
    `args` leaves loaded, in a fresh interpreter: what start-up pays for."""
    import subprocess

    code = ("import sys\nfrom spasmcheck.frontends.cli import app\n"
            f"try:\n    app({args!r})\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {packages!r} "
            f"or m in {modules!r}), file=sys.stderr)\n")
    # without coverage's start-up in the child (it imports json, among others)
    env = {key: value for key, value in os.environ.items() if not key.startswith("COVERAGE_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False, env=env)
    assert done.stderr.strip().startswith("["), done.stderr
    return list(ast.literal_eval(done.stderr.strip().splitlines()[-1]))
