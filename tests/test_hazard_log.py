"""The hazard log cites tests as the proof of its controls: every one it cites must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_test_the_hazard_log_cites_exists():
    log = (ROOT / "docs" / "SAFETY.md").read_text("utf-8")
    cited = set(re.findall(r"`(tests/[\w/]+\.py)::(\w+)", log))
    assert len(cited) > 100
    missing = [f"{path}::{name}" for path, name in sorted(cited)
               if not (ROOT / path).is_file()
               or not re.search(rf"^def {name}\(", (ROOT / path).read_text("utf-8"), re.M)]
    assert not missing, missing
