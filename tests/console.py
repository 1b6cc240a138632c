"""The installed console script, found the way the suite was started: beside this Python.

`venv/bin/python -m pytest` runs without the venv on PATH; the script is still beside
`sys.executable`. A test that needs it never skips: if it is missing, the suite fails and says
how to install it.
"""

from __future__ import annotations

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
