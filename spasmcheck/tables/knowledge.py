"""Find, read, validate and compile the tables; one KnowledgeBase per process and folder.

Parsing and validating the YAML costs far more than the rest of a run, so the validated
KnowledgeBase is kept compiled (pickled). The built-in tables are compiled and checked when the
wheel is built (hatch_build.py) and shipped inside the package, which is trusted as the code is.
Any other compiled tables (a `--data-dir` folder, or the built-in ones in a source checkout) are
kept in the user's cache folder, each entry authenticated with a keyed BLAKE2b tag under a
random per-user key before it is unpickled. Every compiled file is keyed by the table bytes, the
tool version and the source of every module that reads, validates or compiles them
(`shaping_modules`), so an edited table or check is never skipped by an old compiled copy.
`SPASMCHECK_CACHE=off` turns the user cache off.
"""

from __future__ import annotations

import gc
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spasmcheck import __version__
from spasmcheck.core.errors import DataError, LocatedError
from spasmcheck.core.model import KnowledgeBase

if TYPE_CHECKING:
    from spasmcheck.tables.yamlsource import Document

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
# The built-in tables, compiled when the wheel is built (hatch_build.py), in the package folder.
COMPILED_NAME = "tables.compiled"
_COMPILED_MAGIC = b"spasmcheck compiled tables 2\n"
_CACHE_MAGIC = b"spasmcheck cache 2\n"
_MAC_KEY_NAME = "cache.key"
_MAC_SIZE = 32


def builtin_data_dir() -> Path:
    """The shipped tables: inside the installed package, or `data/` beside it in a checkout."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "data"
    return packaged if packaged.is_dir() else package.parent / "data"


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


def read(folder: str | None) -> KnowledgeBase:
    """The tables of a resolved folder (None: built-in) from the package, the cache or the
    files, every time: `load` keeps what this gives for the rest of the process."""
    directory = Path(folder) if folder else builtin_data_dir()
    origin = folder or BUILTIN
    cache = cache_dir()
    secret = _secret(cache)  # looked up once for both reads below
    key = _remembered_key(directory, origin, cache, secret)
    tables: dict[str, bytes] | None = None
    if key is None:
        tables = _read_tables(directory, origin)
        modules, files = _shaping_files()
        key = tables_key(tables, origin, modules=modules)
        _remember_key(directory, origin, files, key)
    if folder is None:
        shipped = _compiled_read(Path(__file__).parent.parent / COMPILED_NAME, key)
        if shipped is not None:
            return shipped
    cached = _cache_read(cache, secret, _cache_key(key))
    if cached is not None:
        return cached
    if tables is None:  # the key was remembered: read the tables, and key what was read
        tables = _read_tables(directory, origin)
        key = tables_key(tables, origin)
    kb = _compile(directory, tables, origin)
    _cache_write(_cache_key(key), kb)
    return kb


_load = lru_cache(maxsize=4)(read)


def _compile(directory: Path, tables: dict[str, bytes], origin: str) -> KnowledgeBase:
    from spasmcheck.tables.yamlsource import parse

    shown = {name: _display(directory, name, origin) for name in tables}
    docs = {name: parse(_decode(data, shown[name]), shown[name]) for name, data in tables.items()}
    return build(docs, origin)


def _decode(data: bytes, shown: str) -> str:
    """A table's text; only a compile needs it (a compiled copy is found by the bytes)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError([LocatedError(shown, None, "", f"not UTF-8 text ({exc.reason} at "
                                                       f"byte {exc.start})")]) from None


def build(docs: dict[str, Document], origin: str) -> KnowledgeBase:
    """Validate parsed tables into a KnowledgeBase, or raise DataError listing every problem."""
    from spasmcheck.tables.country_table import build_countries
    from spasmcheck.tables.interaction_table import build_interactions, build_names, folded_names
    from spasmcheck.tables.name_table import build_name_words
    from spasmcheck.tables.redflag_table import build_triage

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
    try:
        return _compile(directory, _read_tables(directory, origin), origin), []
    except DataError as error:
        return None, error.problems
    except LocatedError as error:
        return None, [error]


def _display(directory: Path, name: str, origin: str) -> str:
    if origin == BUILTIN or (name in OPTIONAL_FILES and not (directory / name).exists()):
        return f"data/{name}"
    return str(directory / name)


def _read_tables(directory: Path, origin: str) -> dict[str, bytes]:
    """The bytes of every table, by file name."""
    if not directory.is_dir():
        raise DataError([LocatedError(str(directory), None, "",
                                      "the tables folder does not exist or is not a folder")])
    tables: dict[str, bytes] = {}
    for name in TABLE_FILES:
        path = directory / name
        if name in OPTIONAL_FILES and origin != BUILTIN and not path.exists():
            path = builtin_data_dir() / name
        shown = _display(directory, name, origin)
        try:
            tables[name] = _read_table(path)
        except _Unusable as problem:
            raise DataError([LocatedError(shown, None, "", str(problem))]) from None
        except FileNotFoundError:
            raise DataError([LocatedError(shown, None, "", "the table is missing")]) from None
        except OSError as exc:
            raise DataError([LocatedError(shown, None, "", f"cannot be read: {exc.strerror}")]) \
                from None
    return tables


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


def _imported(source: bytes) -> list[str]:
    """The spasmcheck modules (and names) a source imports: `from spasmcheck.x import ...`,
    `import spasmcheck.x`, `from spasmcheck import x, y` (in brackets across lines too).

    bytes.find rather than a regular expression: compiling one costs more at start-up than
    this whole scan.
    """
    found: list[str] = []
    at = source.find(b"spasmcheck")
    while at >= 0:
        end = at + len(b"spasmcheck")
        if source[max(0, at - 7):at].endswith((b"from ", b"import ")):
            line_end = source.find(b"\n", end)
            rest = source[end:line_end if line_end >= 0 else len(source)]
            package = ""
            if rest.startswith(b".") and len(rest) > 1:
                package = rest[1:].split()[0].decode()
                found.append(package)
                rest = rest[1 + len(package):]
            if rest.lstrip().startswith(b"import"):
                if b"(" in rest:
                    rest = source[end:source.find(b")", end)]
                names = rest.split(b"import", 1)[1].replace(b"(", b" ").split(b",")
                prefix = f"{package}." if package else ""
                found += [prefix + n.split()[0].decode() for n in names if n.split()]
        at = source.find(b"spasmcheck", end)
    return found


def shaping_modules(package: Path | None = None) -> dict[str, bytes]:
    """The source of every spasmcheck module that reads, validates or compiles the tables:
    this module and everything it imports (at any depth, inside functions too), found by
    reading the code, so a new helper module is covered without a list to keep.

    An import that names a name rather than a module (`from spasmcheck import __version__`) is
    simply not found as a file; over-reaching costs a recompile, never a stale table.
    """
    return _shaping_files(package)[0]


def _shaping_files(package: Path | None = None) -> tuple[dict[str, bytes], list[str]]:
    """`shaping_modules`, and every path it looked at: the files it read and the ones it
    looked for and did not find (which `_remember_key` also watches)."""
    root = str(package or Path(__file__).resolve().parent.parent)
    sources: dict[str, bytes] = {}
    looked: list[str] = []
    # Modules that are a file, not a folder: what `from spasmcheck.core.model import Text`
    # names after one is an attribute, never a module, and is not looked for (nor watched:
    # some 200 paths that do not exist, 0.3 ms of every run's `_remembered_key`).
    files: set[str] = set()
    todo = ["tables.knowledge", "__init__"]
    while todo:
        name = todo.pop()
        if name in sources or name.rpartition(".")[0] in files:
            continue
        path = os.path.join(root, *name.split("."))
        for candidate in (path + ".py", os.path.join(path, "__init__.py")):
            looked.append(candidate)
            try:
                with open(candidate, "rb") as handle:  # open, not is_file(): one call fewer
                    sources[name] = handle.read()
                break
            except (FileNotFoundError, NotADirectoryError):
                continue
        else:
            continue
        if candidate == path + ".py":
            files.add(name)
        todo += reversed(_imported(sources[name]))  # a module before the names it gives
        if "." in name:  # importing a module runs its folder's __init__ first
            todo.append(name.rpartition(".")[0])
    return dict(sorted(sources.items())), looked


def tables_key(tables: dict[str, bytes], origin: str, package: Path | None = None,
               modules: dict[str, bytes] | None = None) -> str:
    """Content checksums (CRC-32 and Adler-32) and lengths of every table and of every module
    that shapes the compiled tables, with the tool version and the folder, as 16 hex digits.

    A staleness check, not a security one: the shipped file is trusted as the package is, and
    a cache entry is authenticated separately (`_cache_read`). zlib rather than hashlib:
    importing OpenSSL's hashes costs more than reading every source.
    """
    parts = [__version__, origin]
    if modules is None:
        modules = shaping_modules(package)
    blobs = [*(tables[name] for name in TABLE_FILES), *modules.values()]
    parts += [f"{len(b):x}-{zlib.crc32(b):08x}-{zlib.adler32(b):08x}" for b in blobs]
    label = "/".join(parts).encode()
    return f"{zlib.crc32(label):08x}{zlib.adler32(label):08x}"


# --- the key, remembered by the files' identities --------------------------------------------
#
# Working out the key reads every table and shaping module (about 650 KB) and checksums them,
# on every run. So the cache also keeps, per folder, the key with what `os.stat` said of each
# file that went into it (device, inode, size, modification and change times, in ns) and of
# each module path looked for and not found. While all of them stat the same, the files are
# the ones that were checksummed: any write changes the change time, which no one can set back.
# A file changed less than _SETTLED_NS before the key was worked out is not remembered (a write
# in the same clock tick as the reading would go unseen). The record is tagged like a cache
# entry, so only this user's runs can write one that is believed.

_KEYS_MAGIC = b"spasmcheck keys 1\n"
_KEYS_NAME = r"keys-[0-9a-f]{16}"  # exactly what _keys_file names
_SETTLED_NS = 2_000_000_000


def _table_paths(directory: Path, origin: str) -> list[str]:
    """The file each table is read from, as `_read_tables` finds it."""
    paths = []
    for name in TABLE_FILES:
        path = directory / name
        if name in OPTIONAL_FILES and origin != BUILTIN and not path.exists():
            path = builtin_data_dir() / name
        paths.append(str(path))
    return paths


def _identity(path: str) -> str:
    """What `os.stat` says of a path, as one line: `-` for no such file."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return f"{path}\t-"
    if not stat.S_ISREG(info.st_mode):
        return f"{path}\t?"  # never remembered: `_read_tables` refuses it
    return (f"{path}\t{info.st_dev}\t{info.st_ino}\t{info.st_size}\t{info.st_mtime_ns}\t"
            f"{info.st_ctime_ns}")


def _keys_file(folder: Path, directory: Path, origin: str) -> tuple[Path, str]:
    label = f"{__version__}/{origin}/{directory}/{sys.version}"
    name = f"keys-{zlib.crc32(label.encode()):08x}{zlib.adler32(label.encode()):08x}"
    return folder / name, label


def _remembered_key(directory: Path, origin: str, folder: Path | None,
                    secret: bytes | None) -> str | None:
    """The tables' key if every file that made it is unchanged (else None: work it out).
    `folder` and `secret`: the cache folder and this user's key in it (`_secret`)."""
    if folder is None or secret is None:
        return None
    path, label = _keys_file(folder, directory, origin)
    try:
        data = path.read_bytes()
        if not data.startswith(_KEYS_MAGIC):
            return None
        start = len(_KEYS_MAGIC) + _MAC_SIZE
        tag, payload = data[len(_KEYS_MAGIC):start], data[start:]
        from _operator import _compare_digest

        if not _compare_digest(tag, _tag(secret, label, payload)):
            return None
        *files, key = payload.decode("utf-8").split("\n")
    except (OSError, ValueError):
        return None
    if any(line != _identity(line.split("\t", 1)[0]) for line in files):
        return None
    return key


def _remember_key(directory: Path, origin: str, modules: list[str], key: str) -> None:
    """Best effort, and only once the cache holds this user's key (after a first write)."""
    import time

    folder = cache_dir()
    if folder is None:
        return
    paths = [*_table_paths(directory, origin), *modules]
    if any("\t" in path or "\n" in path for path in paths):
        return
    files = [_identity(path) for path in paths]
    settled = time.time_ns() - _SETTLED_NS
    for line in files:
        fields = line.split("\t")
        if fields[1] == "?" or (len(fields) > 2 and max(int(fields[4]), int(fields[5])) > settled):
            return
    try:
        secret = _mac_key(folder, create=False) if _private(folder) else None
        if secret is None:
            return
        path, label = _keys_file(folder, directory, origin)
        payload = "\n".join([*files, key]).encode("utf-8")
        import tempfile

        fd, tmp = tempfile.mkstemp(prefix=".keys-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(_KEYS_MAGIC + _tag(secret, label, payload) + payload)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        _keep_newest(folder, _KEYS_NAME)
    except (OSError, UnicodeEncodeError):
        return


def _keep_newest(folder: Path, pattern: str) -> None:
    """Remove all but the newest _CACHE_KEEP of the tool's own files of one kind."""
    ours = [folder / name for name in os.listdir(folder) if re.fullmatch(pattern, name)]
    ours.sort(key=lambda p: p.stat().st_mtime)
    for stale in ours[:-_CACHE_KEEP]:
        stale.unlink(missing_ok=True)


def _cache_key(key: str) -> str:
    """A cache entry's key: the tables' key and this Python (whose pickles another may not read)."""
    label = f"{key}/{sys.version}".encode()
    return f"{zlib.crc32(label):08x}{zlib.adler32(label):08x}"


def compiled_bytes(kb: KnowledgeBase, key: str) -> bytes:
    """The shipped compiled tables: a header naming the key, then the pickle."""
    return _COMPILED_MAGIC + key.encode() + b"\n" + _pickled(kb)


def _pickled(kb: KnowledgeBase) -> bytes:
    """The knowledge base, the code generated from its red-flag conditions (compiling
    that code costs a triage more than unpickling it: `conditions.generated_code`), and the
    plan of that code with the red flags it was made for (writing it walks every condition,
    0.25 ms of a triage: `triage.red_flag_plan`, handed to `conditions.carry` on load).

    Made small for loading, once, when the tables are compiled: equal strings become one
    object (the tables repeat ids and words: 13,700 strings, 9,000 different), so do equal
    tuples, records and frozensets (`_sharing_unpickler`: 23,300 objects to make become
    18,600), and the memo entries nothing reads again are dropped (`pickletools.optimize`).
    A run then unpickles about a third fewer objects than a plain pickle holds. Each record
    (a NamedTuple) is written as `tuple.__new__(its class, its fields)`, which a run calls in C,
    rather than through the class's own `__new__`, a Python function (about 0.3 ms a run).
    """
    import io
    import pickle
    import pickletools

    from spasmcheck.core.conditions import from_plan, generated_code
    from spasmcheck.core.triage import red_flag_plan

    plan = red_flag_plan(kb.triage)
    from_plan(plan)  # compiled now, so `generated_code` has it
    carried = (kb.triage.red_flags, plan)
    plain = pickle.dumps((kb, generated_code(), carried), pickle.HIGHEST_PROTOCOL)
    shared = _sharing_unpickler()(io.BytesIO(plain)).load()
    out = io.BytesIO()
    _record_pickler()(out, pickle.HIGHEST_PROTOCOL).dump(shared)
    return pickletools.optimize(out.getvalue())


def _record_pickler() -> type:
    """A pickler that writes a NamedTuple as a call of `tuple.__new__`: the same object."""
    import pickle

    class RecordPickler(pickle.Pickler):
        def reducer_override(self, obj: Any) -> Any:
            kind = type(obj)
            if kind is not tuple and isinstance(obj, tuple) and hasattr(kind, "_fields"):
                return tuple.__new__, (kind, tuple(obj))
            return NotImplemented

    return RecordPickler


def _sharing_unpickler() -> type:
    """The standard library's Python unpickler, making equal strings one object, and equal
    tuples, records and frozensets too: those of one type whose parts are the same objects
    (so `(1,)` and `(True,)`, equal to Python, stay two). All are immutable: sharing them
    changes nothing a run can see but their number."""
    import io
    import pickle

    class Sharing(pickle._Unpickler):
        dispatch = dict(pickle._Unpickler.dispatch)

        def __init__(self, file: io.BytesIO) -> None:
            super().__init__(file)
            self.strings: dict[str, str] = {}
            # (type, ids of the parts) -> the first such object; it keeps its parts alive,
            # so no id in a key is ever another object's meanwhile
            self.shared: dict[tuple[Any, ...], Any] = {}

    for opcode in (pickle.SHORT_BINUNICODE, pickle.BINUNICODE, pickle.BINUNICODE8,
                   pickle.UNICODE):
        load = pickle._Unpickler.dispatch[opcode[0]]

        def sharing(self: Any, load: Any = load) -> None:  # the stack is not in typeshed
            load(self)
            self.stack[-1] = self.strings.setdefault(self.stack[-1], self.stack[-1])

        Sharing.dispatch[opcode[0]] = sharing
    for opcode in (pickle.TUPLE, pickle.TUPLE1, pickle.TUPLE2, pickle.TUPLE3, pickle.NEWOBJ,
                   pickle.NEWOBJ_EX, pickle.FROZENSET):
        load = pickle._Unpickler.dispatch[opcode[0]]

        def sharing_parts(self: Any, load: Any = load) -> None:
            load(self)
            made = self.stack[-1]
            kind = type(made)
            if kind is frozenset:
                key: tuple[Any, ...] = (kind, frozenset(map(id, made)))
            elif isinstance(made, tuple) and not hasattr(made, "__dict__"):
                key = (kind, *map(id, made))
            else:
                return
            self.stack[-1] = self.shared.setdefault(key, made)

        Sharing.dispatch[opcode[0]] = sharing_parts
    return Sharing


def _unpickled(payload: bytes | memoryview) -> KnowledgeBase | None:
    """What `_pickled` wrote (None for anything else), the collector off meanwhile: unpickling
    makes some 100,000 objects, and no collection pass need look at them."""
    from _pickle import loads  # the C unpickler: `pickle` itself costs a run about 1 ms

    collecting = gc.isenabled()
    gc.disable()
    try:
        loaded = loads(payload)
    finally:
        if collecting:
            gc.enable()
    if not (isinstance(loaded, tuple) and len(loaded) == 3
            and isinstance(loaded[0], KnowledgeBase)):
        return None
    from spasmcheck.core.conditions import adopt_code, carry

    adopt_code(loaded[1])
    carry(*loaded[2])
    return loaded[0]


def _compiled_read(path: Path, key: str) -> KnowledgeBase | None:
    """The shipped tables if they were compiled from exactly these tables and this code."""
    try:
        data = path.read_bytes()
    except OSError:  # a source checkout: no compiled file
        return None
    head = _COMPILED_MAGIC + key.encode() + b"\n"
    if not data.startswith(head):  # stale: compiled from other tables or code
        return None
    try:
        return _unpickled(memoryview(data)[len(head):])
    except Exception:  # noqa: BLE001 - an unreadable file is compiled again
        return None


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


_CACHE_NAME = r"tables-[0-9a-f]{16}\.pickle"  # exactly what cache_file writes


def _secret(folder: Path | None) -> bytes | None:
    """This user's cache key, if the cache folder is on, private and holds one: what a cache
    entry or a remembered key is believed under (else neither is read)."""
    if folder is None:
        return None
    try:
        return _mac_key(folder, create=False) if _private(folder) else None
    except OSError:
        return None


def _cache_read(folder: Path | None, secret: bytes | None, key: str) -> KnowledgeBase | None:
    """An entry is unpickled only if its tag, made with this user's key (`_secret`) over the
    entry's key and bytes, is right: a planted, altered or renamed entry is a miss and never
    runs."""
    if folder is None or secret is None:
        return None
    path = cache_file(folder, key)
    try:
        data = path.read_bytes()
        if not data.startswith(_CACHE_MAGIC):
            return None
        start = len(_CACHE_MAGIC) + _MAC_SIZE
        # a view, not a copy: the payload is about 0.5 MB
        tag, payload = data[len(_CACHE_MAGIC):start], memoryview(data)[start:]
        from _operator import _compare_digest  # hmac.compare_digest, without OpenSSL's import

        if not _compare_digest(tag, _tag(secret, key, payload)):
            return None
        return _unpickled(payload)
    except Exception:  # noqa: BLE001 - any unreadable cache is only a miss
        return None


def _tag(secret: bytes, key: str, payload: bytes | memoryview) -> bytes:
    """Keyed BLAKE2b (a MAC in its own right, RFC 7693) over the entry's key and its bytes.

    _blake2 rather than hmac or hashlib: they import OpenSSL, 5-6 ms at every cached run.
    """
    from _blake2 import blake2b

    mac = blake2b(key=secret, digest_size=_MAC_SIZE, person=b"spasmcheck")
    mac.update(key.encode() + b"\n")
    mac.update(payload)
    return mac.digest()


def _mac_key(folder: Path, *, create: bool) -> bytes | None:
    """This user's random cache key: a 0600 file in the private cache folder, made on first
    write. A key others could read or replace is not used (None)."""
    path = folder / _MAC_KEY_NAME
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        if not create:
            return None
        import tempfile

        fd, tmp = tempfile.mkstemp(prefix=".key-", dir=folder)  # 0600
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(os.urandom(_MAC_SIZE))
            os.link(tmp, path)  # never replaces a key another run just made
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        owner = getattr(os, "getuid", lambda: info.st_uid)()
        if not stat.S_ISREG(info.st_mode) or info.st_uid != owner or info.st_mode & 0o077:
            return None
        secret = handle.read(_MAC_SIZE + 1)
    return secret if len(secret) == _MAC_SIZE else None


def _private(path: Path) -> bool:
    """Owned by this user and not writable by anyone else."""
    info = path.stat()
    owner = getattr(os, "getuid", lambda: info.st_uid)()
    return info.st_uid == owner and not info.st_mode & 0o022


def _cache_write(key: str, kb: KnowledgeBase) -> None:
    """Best effort: a read-only or full disk only costs the next run a parse."""
    folder = cache_dir()
    if folder is None:
        return
    import pickle
    import tempfile

    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder):  # it would never be read: say so rather than write each run
            sys.stderr.write(f"spasmcheck: not caching the tables in {folder}: others can "
                             f"write to it (chmod go-w it, or set {CACHE_DIR_ENV})\n")
            return
        secret = _mac_key(folder, create=True)
        if secret is None:
            sys.stderr.write(f"spasmcheck: not caching the tables in {folder}: its key file "
                             f"{_MAC_KEY_NAME} is not private to you (remove it)\n")
            return
        fd, tmp = tempfile.mkstemp(prefix=".tables-", dir=folder)
    except OSError:
        return
    try:
        payload = _pickled(kb)
        with os.fdopen(fd, "wb") as out:
            out.write(_CACHE_MAGIC + _tag(secret, key, payload) + payload)
        os.replace(tmp, cache_file(folder, key))
        _keep_newest(folder, _CACHE_NAME)
    except (OSError, pickle.PicklingError):
        return
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
