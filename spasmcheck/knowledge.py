"""Find, read, validate and cache the tables; one KnowledgeBase per process and folder.

Parsing YAML costs tens of milliseconds even with LibYAML, more than the rest of a run. So the
validated tables are kept as JSON in the user's cache folder, keyed by a hash of the table
bytes and of this code's schema: an edited table misses the cache and is parsed and checked
again, so the cache is never stale. `SPASMCHECK_CACHE=off` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from spasmcheck import __version__
from spasmcheck.errors import DataError, LocatedError
from spasmcheck.model import KnowledgeBase
from spasmcheck.validate import (
    SCHEMA_VERSION,
    build_countries,
    build_interactions,
    build_names,
    build_triage,
)
from spasmcheck.yamlsource import Document, parse

BUILTIN = "built-in"
TABLE_FILES = ("interactions.yaml", "redflags.yaml", "countries.yaml")
MAX_TABLE_BYTES = 5 * 1024 * 1024
DATA_DIR_ENV = "SPASMCHECK_DATA_DIR"
CACHE_DIR_ENV = "SPASMCHECK_CACHE_DIR"
CACHE_SWITCH_ENV = "SPASMCHECK_CACHE"
_CACHE_KEEP = 8


def builtin_data_dir() -> Path:
    """The shipped tables: inside the installed package, or `data/` beside it in a checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "data"
    return packaged if packaged.is_dir() else here.parent / "data"


def resolve_data_dir(option: str | None) -> Path | None:
    """`--data-dir`, else $SPASMCHECK_DATA_DIR, else None for the built-in tables."""
    chosen = option or os.environ.get(DATA_DIR_ENV) or None
    return Path(chosen) if chosen else None


def load(data_dir: Path | None = None) -> KnowledgeBase:
    """The knowledge base for a folder of tables (None: built-in), loaded once per process."""
    return _load(str(data_dir.resolve()) if data_dir is not None else None)


@lru_cache(maxsize=4)
def _load(folder: str | None) -> KnowledgeBase:
    directory = Path(folder) if folder else builtin_data_dir()
    origin = folder or BUILTIN
    texts = _read_tables(directory, origin)
    key = _cache_key(texts)
    raw = _cache_read(key)
    if raw is not None:
        docs = {name: Document(name, raw[name], {}) for name in TABLE_FILES}
        return build(docs, origin)
    docs = {name: parse(text, _display(directory, name, origin)) for name, text in texts.items()}
    kb = build(docs, origin)
    _cache_write(key, {name: doc.data for name, doc in docs.items()})
    return kb


def build(docs: dict[str, Document], origin: str) -> KnowledgeBase:
    """Validate parsed tables into a KnowledgeBase, or raise DataError listing every problem."""
    problems: list[LocatedError] = []
    countries = triage = None
    try:
        interactions = build_interactions(docs["interactions.yaml"])
    except DataError as error:  # redflags.yaml cannot be checked without it
        raise DataError(error.problems + _problems(build_countries, docs["countries.yaml"]))
    try:
        triage = build_triage(docs["redflags.yaml"], interactions)
    except DataError as error:
        problems += error.problems
    try:
        countries = build_countries(docs["countries.yaml"])
    except DataError as error:
        problems += error.problems
    if problems or triage is None or countries is None:
        raise DataError(problems)
    return KnowledgeBase(origin, interactions, triage, countries, build_names(interactions))


def _problems(builder: Callable[[Document], object], doc: Document) -> list[LocatedError]:
    try:
        builder(doc)
    except DataError as error:
        return error.problems
    return []


def check(data_dir: Path | None) -> tuple[KnowledgeBase | None, list[LocatedError]]:
    """Validate a folder of tables without the cache, returning every problem found."""
    directory = data_dir or builtin_data_dir()
    origin = str(data_dir) if data_dir else BUILTIN
    try:
        texts = _read_tables(directory, origin)
        docs = {name: parse(text, _display(directory, name, origin))
                for name, text in texts.items()}
        return build(docs, origin), []
    except DataError as error:
        return None, error.problems
    except LocatedError as error:
        return None, [error]


def _display(directory: Path, name: str, origin: str) -> str:
    return f"data/{name}" if origin == BUILTIN else str(directory / name)


def _read_tables(directory: Path, origin: str) -> dict[str, str]:
    if not directory.is_dir():
        raise DataError([LocatedError(str(directory), None, "",
                                      "the tables folder does not exist or is not a folder")])
    texts: dict[str, str] = {}
    for name in TABLE_FILES:
        path = directory / name
        shown = _display(directory, name, origin)
        try:
            if path.stat().st_size > MAX_TABLE_BYTES:
                raise DataError([LocatedError(shown, None, "", "the table is larger than 5 MB")])
            texts[name] = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            raise DataError([LocatedError(shown, None, "", "the table is missing")]) from None
        except UnicodeDecodeError as exc:
            raise DataError([LocatedError(shown, None, "", f"not UTF-8 text ({exc.reason} at "
                                                           f"byte {exc.start})")]) from None
        except OSError as exc:
            raise DataError([LocatedError(shown, None, "", f"cannot be read: {exc.strerror}")]) \
                from None
    return texts


def _cache_key(texts: dict[str, str]) -> str:
    digest = hashlib.sha256(f"{__version__}/{SCHEMA_VERSION}".encode())
    for name in TABLE_FILES:
        digest.update(name.encode() + b"\0" + texts[name].encode() + b"\0")
    return digest.hexdigest()[:32]


def cache_dir() -> Path | None:
    """Where parsed tables are kept, or None when caching is off."""
    if os.environ.get(CACHE_SWITCH_ENV, "").lower() in ("off", "0", "no", "false"):
        return None
    chosen = os.environ.get(CACHE_DIR_ENV)
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "spasmcheck"


def _cache_read(key: str) -> dict[str, Any] | None:
    folder = cache_dir()
    if folder is None:
        return None
    try:
        raw = json.loads((folder / f"tables-{key}.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return raw if isinstance(raw, dict) and set(raw) == set(TABLE_FILES) else None


def _cache_write(key: str, raw: dict[str, Any]) -> None:
    """Best effort: a read-only or full disk only costs the next run a parse."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tables-", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(raw, out, default=str, separators=(",", ":"))
        os.replace(tmp, folder / f"tables-{key}.json")
        old = sorted(folder.glob("tables-*.json"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-_CACHE_KEEP]:
            stale.unlink(missing_ok=True)
    except OSError:
        return
