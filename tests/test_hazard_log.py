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


# JSON fields and table files the pages name as `word.word`, which are not code
NOT_CODE = {"emergency.name", "record.json", "interactions.yaml", "redflags.yaml", "countries.yaml",
            "names.yaml", "triage.md", "interactions.md", "medicine-names.md"}


def test_every_function_the_docs_name_is_in_its_module():
    """A control the hazard log (or another page) names as `module.name` must be there: a
    renamed function otherwise leaves the log pointing at nothing."""
    modules: dict[str, str] = {}
    for path in (ROOT / "spasmcheck").rglob("*.py"):
        modules[path.stem] = modules.get(path.stem, "") + path.read_text("utf-8")
    pages = ["docs/SAFETY.md", "docs/ARCHITECTURE.md", "docs/DATA.md", "README.md"]
    stale = []
    for page in pages:
        text = (ROOT / page).read_text("utf-8")
        for module, name in re.findall(r"`(?:[a-z_]+/)*([a-z_]+)\.([A-Za-z_]\w*)", text):
            if module in modules and name != "py" and f"{module}.{name}" not in NOT_CODE \
                    and not re.search(rf"\b{name}\b", modules[module]):
                stale.append(f"{page}: {module}.{name}")
    assert not stale, stale
