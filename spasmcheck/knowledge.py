"""Find, read, validate and cache the tables; one KnowledgeBase per process and folder.

Parsing and validating the YAML costs far more than the rest of a run, so the validated
KnowledgeBase is kept in the user's cache folder (pickled), keyed by a hash of the table bytes,
the folder and this code's version: an edited table misses the cache and is parsed and checked
again, so the cache is never stale. The cache is only read from a folder owned by this user and
not writable by others; `SPASMCHECK_CACHE=off` turns it off.
"""

from __future__ import annotations

import gc
import os
import pickle
import re
import stat
import sys
import zlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from spasmcheck import __version__
from spasmcheck.errors import DataError, LocatedError
from spasmcheck.model import KnowledgeBase

if TYPE_CHECKING:
    from spasmcheck.yamlsource import Document

BUILTIN = "built-in"
TABLE_FILES = ("interactions.yaml", "redflags.yaml", "countries.yaml", "names.yaml")
# Tables a clinic's folder may leave out: the built-in one is used (the word lists of names are
# not a clinic's choice, and folders made before they existed keep working).
OPTIONAL_FILES = ("names.yaml",)
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
    if data_dir is None:
        return _load(None)
    try:
        folder = data_dir.resolve()
    except (OSError, RuntimeError):  # a symlink loop: RuntimeError before Python 3.13
        raise DataError([LocatedError(str(data_dir), None, "", "the tables folder cannot be "
                                      "reached (a loop of symbolic links)")]) from None
    return _load(str(folder))


@lru_cache(maxsize=4)
def _load(folder: str | None) -> KnowledgeBase:
    directory = Path(folder) if folder else builtin_data_dir()
    origin = folder or BUILTIN
    texts = _read_tables(directory, origin)
    key = _cache_key(texts, origin)
    cached = _cache_read(key)
    if cached is not None:
        return cached
    from spasmcheck.yamlsource import parse

    docs = {name: parse(text, _display(directory, name, origin)) for name, text in texts.items()}
    kb = build(docs, origin)
    _cache_write(key, kb)
    return kb


def build(docs: dict[str, Document], origin: str) -> KnowledgeBase:
    """Validate parsed tables into a KnowledgeBase, or raise DataError listing every problem."""
    from spasmcheck.country_table import build_countries
    from spasmcheck.interaction_table import build_interactions, build_names, folded_names
    from spasmcheck.name_table import build_name_words
    from spasmcheck.redflag_table import build_triage

    problems: list[LocatedError] = []
    countries = triage = name_words = None
    try:
        interactions = build_interactions(docs["interactions.yaml"])
    except DataError as error:  # redflags.yaml and names.yaml cannot be checked without it
        more = _problems(build_countries, docs["countries.yaml"])
        raise DataError(error.problems + more) from None
    try:
        name_words = build_name_words(interactions, folded_names(interactions))(
            docs["names.yaml"])
    except DataError as error:
        problems += error.problems
    try:
        triage = build_triage(docs["redflags.yaml"], interactions)
    except DataError as error:
        problems += error.problems
    try:
        countries = build_countries(docs["countries.yaml"])
    except DataError as error:
        problems += error.problems
    if problems or triage is None or countries is None or name_words is None:
        raise DataError(problems)
    return KnowledgeBase(origin, interactions, triage, countries,
                         build_names(interactions, name_words))


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
    from spasmcheck.yamlsource import parse

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
    if origin == BUILTIN or (name in OPTIONAL_FILES and not (directory / name).exists()):
        return f"data/{name}"
    return str(directory / name)


def _read_tables(directory: Path, origin: str) -> dict[str, str]:
    if not directory.is_dir():
        raise DataError([LocatedError(str(directory), None, "",
                                      "the tables folder does not exist or is not a folder")])
    texts: dict[str, str] = {}
    for name in TABLE_FILES:
        path = directory / name
        if name in OPTIONAL_FILES and origin != BUILTIN and not path.exists():
            path = builtin_data_dir() / name
        shown = _display(directory, name, origin)
        try:
            texts[name] = _read_table(path).decode("utf-8")
        except _Unusable as problem:
            raise DataError([LocatedError(shown, None, "", str(problem))]) from None
        except FileNotFoundError:
            raise DataError([LocatedError(shown, None, "", "the table is missing")]) from None
        except UnicodeDecodeError as exc:
            raise DataError([LocatedError(shown, None, "", f"not UTF-8 text ({exc.reason} at "
                                                           f"byte {exc.start})")]) from None
        except OSError as exc:
            raise DataError([LocatedError(shown, None, "", f"cannot be read: {exc.strerror}")]) \
                from None
    return texts


class _Unusable(Exception):
    """A table path that is not a file that can be read whole."""


def _read_table(path: Path) -> bytes:
    """A regular file's bytes, at most MAX_TABLE_BYTES: a FIFO, a device (/dev/zero) or a link
    to one would hang or never end, so it is refused before a byte is read.

    O_NONBLOCK lets the open of a FIFO return at once instead of waiting for a writer.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _Unusable("cannot be read: not a regular file (a pipe, a device or a folder)")
        data = handle.read(MAX_TABLE_BYTES + 1)
    if len(data) > MAX_TABLE_BYTES:
        raise _Unusable("the table is larger than 5 MB")
    return data


def _cache_key(texts: dict[str, str], origin: str) -> str:
    """Content checksums (CRC-32 and Adler-32) and lengths of every table, the tool version and
    a stamp of the validating code (so a new check is never skipped by an old cache entry).

    zlib rather than hashlib: importing OpenSSL's hashes costs more than the whole check.
    """
    code = Path(__file__).parent
    stamps = [(code / name).stat() for name in ("reader.py", "interaction_table.py",
                                                 "redflag_table.py", "country_table.py",
                                                 "name_table.py", "names.py", "model.py",
                                                 "conditions.py")]
    parts = [__version__, sys.version, origin,
             *(f"{s.st_size:x}-{s.st_mtime_ns:x}" for s in stamps)]
    for name in TABLE_FILES:
        data = texts[name].encode()
        parts.append(f"{len(data):x}-{zlib.crc32(data):08x}-{zlib.adler32(data):08x}")
    label = "/".join(parts).encode()
    return f"{zlib.crc32(label):08x}{zlib.adler32(label):08x}"


def cache_dir() -> Path | None:
    """Where parsed tables are kept, or None when caching is off."""
    if os.environ.get(CACHE_SWITCH_ENV, "").lower() in ("off", "0", "no", "false"):
        return None
    chosen = os.environ.get(CACHE_DIR_ENV)
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: a relative path is invalid and is ignored
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "spasmcheck"


def cache_file(folder: Path, key: str) -> Path:
    """The cache entry for tables with this key."""
    return folder / f"tables-{key}.pickle"


_CACHE_NAME = re.compile(r"tables-[0-9a-f]{16}\.pickle")  # exactly what cache_file writes


def _cache_read(key: str) -> KnowledgeBase | None:
    folder = cache_dir()
    if folder is None:
        return None
    path = cache_file(folder, key)
    try:
        if not (_private(folder) and _private(path)):
            return None
        data = path.read_bytes()
        collecting = gc.isenabled()
        gc.disable()  # unpickling makes some 100,000 objects: no collection passes meanwhile
        try:
            kb = pickle.loads(data)
        finally:
            if collecting:
                gc.enable()
    except Exception:  # noqa: BLE001 - any unreadable cache is only a miss
        return None
    return kb if isinstance(kb, KnowledgeBase) else None


def _private(path: Path) -> bool:
    """Owned by this user and not writable by anyone else: safe to unpickle from."""
    info = path.stat()
    owner = getattr(os, "getuid", lambda: info.st_uid)()
    return info.st_uid == owner and not info.st_mode & 0o022


def _cache_write(key: str, kb: KnowledgeBase) -> None:
    """Best effort: a read-only or full disk only costs the next run a parse."""
    folder = cache_dir()
    if folder is None:
        return
    import tempfile

    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder):  # it would never be read: say so rather than write each run
            sys.stderr.write(f"spasmcheck: not caching the tables in {folder}: others can "
                             f"write to it (chmod go-w it, or set {CACHE_DIR_ENV})\n")
            return
        fd, tmp = tempfile.mkstemp(prefix=".tables-", dir=folder)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as out:
            pickle.dump(kb, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache_file(folder, key))
        ours = [folder / name for name in os.listdir(folder) if _CACHE_NAME.fullmatch(name)]
        ours.sort(key=lambda p: p.stat().st_mtime)
        for stale in ours[:-_CACHE_KEEP]:
            stale.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError):
        return
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
