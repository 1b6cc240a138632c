"""Loading the tables: once per process, cached by content, and every broken table located."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spasmcheck.core.errors import DataError, ExitCode
from spasmcheck.frontends.cli import app
from spasmcheck.tables import knowledge

DATA = Path(__file__).resolve().parent.parent / "data"

runner = CliRunner()


def copy_tables(tmp_path: Path) -> Path:
    folder = tmp_path / "tables"
    shutil.copytree(DATA, folder)
    return folder


def edit(folder: Path, name: str, old: str, new: str, count: int = 1) -> None:
    path = folder / name
    text = path.read_text("utf-8")
    assert old in text, f"test set-up: {old!r} not found in {name}"
    path.write_text(text.replace(old, new, count), "utf-8")


def problems_for(folder: Path) -> list[str]:
    kb, problems = knowledge.check(folder)
    assert kb is None
    return [p.message for p in problems]


def test_builtin_tables_load_and_are_counted(kb):
    assert len(kb.interactions.drugs) >= 200
    assert kb.interactions.default_candidate == "cyclobenzaprine"
    assert kb.origin == knowledge.BUILTIN
    result = runner.invoke(app, ["data", "check"])
    assert result.exit_code == 0
    assert "tables OK" in result.stdout and "drugs" in result.stdout


def test_load_is_once_per_process():
    assert knowledge.load() is knowledge.load()


def test_edited_table_is_seen_through_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SPASMCHECK_CACHE_DIR", str(tmp_path / "cache"))
    folder = copy_tables(tmp_path)
    first = knowledge.read(str(folder))
    assert any((tmp_path / "cache").glob("tables-*.pickle")), "a parse should be cached"
    assert knowledge.read(str(folder)).interactions.drugs.keys() == \
        first.interactions.drugs.keys()
    edit(folder, "interactions.yaml", "  - id: sertraline\n", "  - id: sertralinex\n")
    second = knowledge.read(str(folder))
    assert "sertralinex" in second.interactions.drugs
    assert "sertraline" not in second.interactions.drugs


def test_the_cached_tables_equal_the_compiled_ones(tmp_path, monkeypatch):
    """The cache entry is rewritten for loading speed (shared strings, a trimmed memo): what
    comes out of it is still exactly what the compile made."""
    monkeypatch.setenv("SPASMCHECK_CACHE_DIR", str(tmp_path / "cache"))
    folder = str(copy_tables(tmp_path).resolve())
    compiled = knowledge.read(folder)

    def no_compiling(*args):
        raise AssertionError("compiled again: the cache entry was not used")

    monkeypatch.setattr(knowledge, "_compile", no_compiling)
    cached = knowledge.read(folder)
    assert cached is not compiled
    assert cached.interactions == compiled.interactions
    assert cached.triage == compiled.triage
    assert cached.countries == compiled.countries
    assert vars(cached.names) == vars(compiled.names)
    assert cached.origin == compiled.origin


def test_cache_can_be_switched_off(tmp_path, monkeypatch):
    monkeypatch.setenv("SPASMCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SPASMCHECK_CACHE", "off")
    knowledge.read(str(copy_tables(tmp_path)))
    assert not (tmp_path / "cache").exists()


def test_the_red_flag_code_travels_with_the_cached_tables(tmp_path):
    """A triage run from cached tables compiles no red-flag code: it was compiled with them."""
    import subprocess
    import sys

    code = ("import builtins\ncompiled = []\nreal = builtins.compile\n"
            "def counting(source, name, *rest, **options):\n"
            "    compiled.append(name)\n    return real(source, name, *rest, **options)\n"
            "builtins.compile = counting\n"
            "from spasmcheck.core import triage\nfrom spasmcheck.tables import knowledge\n"
            "planned = []\nplan = triage.red_flag_plan\n"
            "triage.red_flag_plan = lambda tables: planned.append(1) or plan(tables)\n"
            "triage.TriageIndex(knowledge.load(None))\n"
            "print(compiled.count('<conditions>'), len(planned))\n")
    env = {**os.environ, "SPASMCHECK_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("SPASMCHECK_CACHE", None)
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, timeout=120, check=False) for _ in range(2)]
    # the first run compiles the tables (the plan written for the cache, and again for the
    # index of the tables it made); the second takes the code and its plan from the cache
    assert [run.stdout.split() for run in runs] == [["1", "2"], ["0", "0"]], \
        [r.stderr for r in runs]


def test_compiled_tables_share_equal_parts_only_of_one_type():
    """Equal immutable parts become one object in the compiled tables, but never parts that
    Python calls equal and that read differently: `(1,)` and `(True,)`, an `all` and an `any`
    of the same conditions."""
    import io
    import pickle

    from spasmcheck.core.conditions import All, AnyOf, Compare

    test = Compare("age", ">=", 50)
    parts = [(1,), (True,), ("a", "b"), ("a", "b"), All((test,)), AnyOf((test,)), All((test,)),
             frozenset({"x"}), frozenset({"x"}), frozenset({1}), frozenset({True})]
    loaded = knowledge._sharing_unpickler()(io.BytesIO(pickle.dumps(parts, 5))).load()
    assert loaded == parts
    assert [type(part) for part in loaded] == [type(part) for part in parts]
    assert type(loaded[1][0]) is bool and loaded[0] is not loaded[1]
    assert loaded[2] is loaded[3] and loaded[7] is loaded[8]  # shared
    assert loaded[4] is loaded[6] and loaded[4] is not loaded[5]
    assert loaded[9] is not loaded[10] and type(next(iter(loaded[10]))) is bool


def test_a_carried_red_flag_plan_serves_only_the_tables_it_came_with():
    """The plan loaded with one set of tables is never used for other (equal) tables."""
    from spasmcheck.core import conditions, triage

    kb = knowledge.load(None)
    loaded = knowledge._unpickled(knowledge._pickled(kb))
    assert loaded is not None
    assert conditions.carried(loaded.triage.red_flags) == triage.red_flag_plan(kb.triage)
    equal = tuple(flag for flag in loaded.triage.red_flags)  # an equal tuple, not the same
    assert equal == loaded.triage.red_flags
    assert conditions.carried(equal) is None


def test_red_flag_code_from_another_python_is_not_taken():
    import marshal
    import sys

    from spasmcheck.core import conditions

    source = "def first_holding(facts):\n    return [(0, 0)]"
    # code that differs from its source, so the test sees which of the two ran
    other = compile("def first_holding(facts):\n    return [(9, 9)]", "<conditions>", "exec")
    code = {source: marshal.dumps(other)}
    conditions.adopt_code(("cpython-0", code))
    assert conditions.from_plan((source, {}))(None) == [(0, 0)]  # compiled from the source
    del conditions._CODE[source]
    conditions.adopt_code((sys.implementation.cache_tag, code))  # the control
    assert conditions.from_plan((source, {}))(None) == [(9, 9)]
    del conditions._CODE[source]


def _counting_reads(monkeypatch) -> list[object]:
    reads: list[object] = []
    real = knowledge._read_tables

    def counting(*args):
        reads.append(args)
        return real(*args)

    monkeypatch.setattr(knowledge, "_read_tables", counting)
    return reads


def test_the_key_is_remembered_and_an_edit_of_the_same_size_still_seen(tmp_path, monkeypatch):
    """A cached run stats the tables rather than reading them, and still sees any edit."""
    import time

    monkeypatch.setenv("SPASMCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(knowledge, "_SETTLED_NS", 0)  # the copies are only just written
    folder = str(copy_tables(tmp_path).resolve())
    knowledge.read(folder)  # compiles, caches, makes the user's key
    knowledge.read(folder)  # remembers the key
    reads = _counting_reads(monkeypatch)
    assert "sertraline" in knowledge.read(folder).interactions.drugs
    assert reads == []
    time.sleep(0.05)  # past the file system's clock tick
    edit(Path(folder), "interactions.yaml", "  - id: sertraline\n", "  - id: sertralinx\n")
    edited = knowledge.read(folder)
    assert "sertralinx" in edited.interactions.drugs and reads


def test_a_remembered_key_is_believed_only_with_its_tag(tmp_path, monkeypatch):
    monkeypatch.setenv("SPASMCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(knowledge, "_SETTLED_NS", 0)
    folder = str(copy_tables(tmp_path).resolve())
    for _ in range(2):
        knowledge.read(folder)
    [record] = (tmp_path / "cache").glob("keys-*")
    data = record.read_bytes()
    record.write_bytes(data[:-16] + b"0" * 16)  # another key, the tag left as it was
    reads = _counting_reads(monkeypatch)
    assert "sertraline" in knowledge.read(folder).interactions.drugs
    assert reads, "a record with a wrong tag was believed"


def test_key_records_are_kept_to_the_newest_few(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("SPASMCHECK_CACHE_DIR", str(cache))
    monkeypatch.setattr(knowledge, "_SETTLED_NS", 0)
    folder = str(copy_tables(tmp_path).resolve())
    knowledge.read(folder)  # makes the cache and the user's key
    for number in range(12):
        old = cache / f"keys-{number:016x}"
        old.write_bytes(b"old")
        os.utime(old, (1_000_000 + number, 1_000_000 + number))
    (cache / "keys-notes.txt").write_text("someone else's")
    knowledge.read(folder)  # records this folder's key
    kept = sorted(p.name for p in cache.glob("keys-*"))
    assert len(kept) == 1 + knowledge._CACHE_KEEP  # the notes file, and the newest
    assert "keys-notes.txt" in kept and f"keys-{11:016x}" in kept and f"keys-{0:016x}" not in kept


def cache_entry(folder: Path, cache: Path) -> Path:
    """Where `knowledge` keeps the parsed tables of `folder`."""
    origin = str(folder.resolve())
    key = knowledge.tables_key(knowledge._read_tables(folder, origin), origin)
    return knowledge.cache_file(cache, knowledge._cache_key(key))


def test_a_corrupt_cache_file_is_only_a_miss(tmp_path, monkeypatch):
    monkeypatch.setenv("SPASMCHECK_CACHE_DIR", str(tmp_path / "cache"))
    folder = copy_tables(tmp_path)
    knowledge.read(str(folder.resolve()))
    cached = cache_entry(folder, tmp_path / "cache")
    cached.write_bytes(b"\x80\x05not a pickle at all")
    kb = knowledge.read(str(folder.resolve()))
    assert kb.interactions.default_candidate == "cyclobenzaprine"
    assert "sertraline" in kb.interactions.drugs
    assert cached.read_bytes().startswith(knowledge._CACHE_MAGIC), \
        "the corrupt entry is replaced by a good one"
    assert len(cached.read_bytes()) > 10_000


class Planted:
    """A pickle that makes a folder when it is loaded: proof that a cache entry ran."""

    def __init__(self, ran: Path) -> None:
        self.ran = ran

    def __reduce__(self):
        return (os.mkdir, (str(self.ran),))


def planted_cache(tmp_path: Path, monkeypatch) -> tuple[Path, Path, Path, Path]:
    """A private cache holding a good entry for a copy of the tables, and where a run shows."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("SPASMCHECK_CACHE_DIR", str(cache))
    folder = copy_tables(tmp_path)
    knowledge.read(str(folder.resolve()))
    return cache, folder, cache_entry(folder, cache), tmp_path / "the pickle ran"


@pytest.mark.parametrize("shared", ["file", "folder"])
def test_a_cache_others_can_write_to_is_never_unpickled(tmp_path, monkeypatch, shared):
    """A pickle runs code when loaded: one that others could have written is not read."""
    import pickle

    cache, folder, cached, ran = planted_cache(tmp_path, monkeypatch)
    cached.write_bytes(pickle.dumps(Planted(ran)))
    cached.chmod(0o666 if shared == "file" else 0o600)
    cache.chmod(0o777 if shared == "folder" else 0o700)
    kb = knowledge.read(str(folder.resolve()))
    assert not ran.exists(), "a cache entry others can write to was unpickled"
    assert "sertraline" in kb.interactions.drugs


@pytest.mark.parametrize("plant", ["bare-pickle", "zero-tag", "another-key", "kept-tag"])
def test_a_planted_cache_entry_is_never_unpickled_even_in_a_private_folder(
        tmp_path, monkeypatch, plant):
    """Private permissions are not enough: only an entry tagged with this user's key is read."""
    import pickle

    cache, folder, cached, ran = planted_cache(tmp_path, monkeypatch)
    good = cached.read_bytes()
    payload = pickle.dumps(Planted(ran))
    magic = knowledge._CACHE_MAGIC
    planted = {
        "bare-pickle": payload,
        "zero-tag": magic + bytes(32) + payload,
        "another-key": magic + knowledge._tag(os.urandom(32), "0" * 16, payload) + payload,
        "kept-tag": good[:len(magic) + 32] + payload,  # the good entry's tag, other bytes
    }[plant]
    cached.write_bytes(planted)
    cached.chmod(0o600)
    kb = knowledge.read(str(folder.resolve()))
    assert not ran.exists(), f"a planted cache entry ({plant}) was unpickled"
    assert "sertraline" in kb.interactions.drugs
    assert cached.read_bytes() == good, "the planted entry is replaced by a good one"


def test_the_tag_is_what_stops_a_planted_entry(tmp_path, monkeypatch):
    """The same planted pickle, tagged with this user's key, is loaded: the tag is the gate."""
    import pickle

    cache, folder, cached, ran = planted_cache(tmp_path, monkeypatch)
    secret = (cache / knowledge._MAC_KEY_NAME).read_bytes()
    key = cached.name[len("tables-"):-len(".pickle")]
    payload = pickle.dumps(Planted(ran))
    cached.write_bytes(knowledge._CACHE_MAGIC + knowledge._tag(secret, key, payload) + payload)
    knowledge.read(str(folder.resolve()))
    assert ran.exists()


@pytest.mark.long
def test_an_entry_moved_to_another_tables_name_is_not_used(tmp_path, monkeypatch):
    """A good entry for other tables, renamed to this one's name, fails its tag: the tag covers
    the entry's key, so old facts are never served under new tables."""
    cache, folder, cached, _ = planted_cache(tmp_path, monkeypatch)
    old = cached.read_bytes()
    edit(folder, "interactions.yaml", "  - id: sertraline\n", "  - id: sertralinex\n")
    knowledge.read(str(folder.resolve()))
    renamed = cache_entry(folder, cache)
    renamed.write_bytes(old)
    kb = knowledge.read(str(folder.resolve()))
    assert "sertralinex" in kb.interactions.drugs and "sertraline" not in kb.interactions.drugs


@pytest.mark.parametrize("mode", [0o644, 0o640])
def test_a_key_file_others_can_read_is_not_used(tmp_path, monkeypatch, mode, capsys):
    """Whoever can read the key can forge a tag: such a key authenticates nothing."""
    import pickle

    cache, folder, cached, ran = planted_cache(tmp_path, monkeypatch)
    key_file = cache / knowledge._MAC_KEY_NAME
    key_file.chmod(mode)
    key = cached.name[len("tables-"):-len(".pickle")]
    payload = pickle.dumps(Planted(ran))
    cached.write_bytes(knowledge._CACHE_MAGIC + knowledge._tag(key_file.read_bytes(), key,
                                                               payload) + payload)
    kb = knowledge.read(str(folder.resolve()))
    assert not ran.exists()
    assert "sertraline" in kb.interactions.drugs
    assert f"its key file {knowledge._MAC_KEY_NAME} is not private" in capsys.readouterr().err


def test_the_key_covers_every_module_the_compile_imports():
    """Any spasmcheck module loaded while the tables are read, checked and compiled is in the
    key: a change to name folding (names.py) or to the YAML reader can never be served stale."""
    import json
    import subprocess
    import sys

    code = ("import json, sys; from spasmcheck.tables import knowledge; knowledge.check(None); "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('spasmcheck'))))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], check=True,
                                       capture_output=True, text=True).stdout)
    covered = {f"spasmcheck.{name}" for name in knowledge.shaping_modules()} | {"spasmcheck"}
    assert set(loaded) <= covered, set(loaded) - covered
    assert {"spasmcheck.core.names", "spasmcheck.tables.yamlsource"} <= covered


def test_the_key_changes_when_any_shaping_module_changes(tmp_path):
    package = Path(knowledge.__file__).resolve().parent.parent
    copy = tmp_path / "spasmcheck"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    texts = knowledge._read_tables(DATA, knowledge.BUILTIN)
    before = knowledge.tables_key(texts, knowledge.BUILTIN, copy)
    assert before == knowledge.tables_key(texts, knowledge.BUILTIN, package)
    for name in knowledge.shaping_modules(copy):
        path = copy.joinpath(*name.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        original = path.read_bytes()
        path.write_bytes(original + b"\n# a change\n")
        assert knowledge.tables_key(texts, knowledge.BUILTIN, copy) != before, name
        path.write_bytes(original)
    (copy / "frontends" / "cli.py").write_bytes(b"# not read by the compile\n")
    assert knowledge.tables_key(texts, knowledge.BUILTIN, copy) == before


def test_a_stale_or_foreign_compiled_file_is_ignored(tmp_path, kb):
    """The shipped tables are used only when compiled from exactly these tables and code."""
    compiled = tmp_path / knowledge.COMPILED_NAME
    compiled.write_bytes(knowledge.compiled_bytes(kb, "0" * 16))
    assert knowledge._compiled_read(compiled, "0" * 16) is not None
    assert knowledge._compiled_read(compiled, "1" * 16) is None
    assert knowledge._compiled_read(tmp_path / "missing", "0" * 16) is None


BROKEN = [
    pytest.param("interactions.yaml", "  - id: sertraline\n", "  - id: sertraline\n  bad: [\n",
                 "not valid YAML", id="bad-yaml"),
    pytest.param("interactions.yaml", "  - id: sertraline\n",
                 "  - id: sertraline\n    colour: blue\n", "unknown field 'colour'",
                 id="unknown-field"),
    pytest.param("interactions.yaml", "  - id: sertraline\n", "  - id: [sertraline]\n",
                 "expected non-empty text", id="wrong-type"),
    pytest.param("interactions.yaml", "b: {drug: cyclobenzaprine}",
                 "b: {drug: cyclobenzaprin}", "unknown drug 'cyclobenzaprin'",
                 id="rule-names-missing-drug"),
    pytest.param("interactions.yaml", "a: {class: maoi}", "a: {class: maoix}",
                 "unknown class 'maoix'", id="rule-names-missing-class"),
    pytest.param("interactions.yaml", "meta:\n  table: interactions\n",
                 "meta:\n  table: interactions\n  table: interactions\n",
                 "duplicate key 'table'", id="duplicate-key"),
    pytest.param("interactions.yaml", "  - id: fluoxetine\n",
                 "  - id: zz_test\n    classes: []\n    brands: [ZOLOFT]\n  - id: fluoxetine\n",
                 "duplicate drug name 'ZOLOFT'", id="duplicate-drug-name"),
    pytest.param("interactions.yaml", "  - id: fluoxetine\n", "  - id: sertraline\n",
                 "listed twice", id="duplicate-drug-id"),
    pytest.param("interactions.yaml", "  schema: 1\n", "  schema: 2\n", "table schema 2",
                 id="unknown-schema"),
    pytest.param("redflags.yaml", "{bladder_bowel_change: true}",
                 "{bladder_bowl_change: true}", "unknown question id 'bladder_bowl_change'",
                 id="rule-reads-missing-question"),
    pytest.param("redflags.yaml", "{trauma: major}", "{trauma: severe}",
                 "'severe' is not a value of trauma", id="rule-uses-invalid-value"),
    pytest.param("redflags.yaml", "sources: [nice_ng240]", "sources: [nice_ng999]",
                 "unknown source 'nice_ng999'", id="missing-source"),
    pytest.param("redflags.yaml", "{trauma: major}", "{trauma: minor}",
                 "a more alarming answer would stop this rule", id="rule-not-upward-closed"),
    pytest.param("redflags.yaml", "{bladder_bowel_change: true}",
                 "{not: {bladder_bowel_change: false}}", "may not use `not`",
                 id="rule-uses-not"),
    pytest.param("redflags.yaml", "{age: {\">=\": 65}}", "{age: {\"<\": 65}}",
                 "more alarming going away from 30", id="rule-compares-age-downwards"),
    pytest.param("redflags.yaml", "{age: {\"<\": 2}}", "{age: {\">\": 2}}",
                 "more alarming going away from 30", id="rule-compares-child-age-upwards"),
    pytest.param("redflags.yaml", "{duration_days: {\">\": 84}}", "{duration_days: {\"<\": 84}}",
                 "more alarming going up", id="rule-compares-duration-downwards"),
    pytest.param("redflags.yaml", "    calm: 30\n", "\n",
                 "`calm` (the least alarming value) goes with", id="two-sided-without-calm"),
    pytest.param("redflags.yaml", "unsure_when: {duration_days: {\">\": 14}}",
                 "unsure_when: {duration_days: {\"<\": 14}}", "more alarming going up",
                 id="unsure-when-not-upward-closed"),
    pytest.param("redflags.yaml", "    urgency: soon\n    when:\n      any:\n",
                 "    urgency: sooner\n    when:\n      any:\n", "'sooner'",
                 id="safety-net-bad-level"),
    pytest.param("redflags.yaml", "read_as: minor}", "read_as: moderate}",
                 "'moderate' is not another choice", id="not-sure-choice-reads-as-nothing"),
    pytest.param("redflags.yaml", "{trauma: major}", "{trauma: unsure}",
                 "'unsure' is read as 'minor' automatically", id="rule-compares-with-not-sure"),
    pytest.param("redflags.yaml", "withhold: [self_care,", "withhold: [home_care,",
                 "'home_care' is not an advice section", id="notice-withholds-unknown-section"),
    pytest.param("redflags.yaml", "withhold: [self_care,", "withhold: [safety_net, self_care,",
                 "the safety net is always shown", id="notice-withholds-the-safety-net"),
    pytest.param("redflags.yaml", 'colour: "bold red"', 'colour: "bold crimson"',
                 "is not a style", id="bad-colour"),
    pytest.param("redflags.yaml", 'colour: "bold red"', 'colour: "bold on"',
                 "is not a style", id="colour-words-in-a-bad-order"),
    pytest.param("redflags.yaml",
                 "      - urgency: urgent\n        when: {all: [{hands_clumsy: true}",
                 "      - urgency: routine\n        when: {all: [{hands_clumsy: true}",
                 "tiers must be listed most urgent first", id="tiers-out-of-order"),
    pytest.param("redflags.yaml", "    ordered: true\n", "\n",
                 "must say `ordered`", id="choice-without-order"),
    pytest.param("redflags.yaml", "    alarming_direction: up\n", "\n",
                 "must say `alarming_direction`", id="number-without-direction"),
    pytest.param("interactions.yaml",
                 '    severity: major\n    effect:\n      patient: "The contraceptive pill',
                 '    severity: moderate\n    effect:\n      patient: "The contraceptive pill',
                 "moderate is less severe than the rule it replaces (tizanidine_cyp1a2_inhibitor",
                 id="replacing-rule-lowers-severity-without-a-reason"),
    pytest.param("interactions.yaml", "    moiety: amphetamine\n", "    moiety: amfetamine\n",
                 "moiety 'amfetamine' must name another drug", id="moiety-names-no-drug"),
    pytest.param("interactions.yaml", "    min_count: 3\n    min_age: 65\n",
                 "    min_count: 3\n    min_age: old\n", "min_age", id="min-age-not-a-number"),
    pytest.param("countries.yaml", '  GB:\n    name: United Kingdom\n    emergency: "999"\n',
                 "  GB:\n    name: United Kingdom\n", "missing field 'emergency'",
                 id="country-without-number"),
    pytest.param("names.yaml", "  words: [mg,", "  words: [mg, Zoloft,",
                 "'Zoloft' is a medicine name", id="word-list-hides-a-medicine"),
    pytest.param("names.yaml", "  words: [mg,", "  words: [mg, 24hr,", "holds a number",
                 id="word-with-a-number"),
    pytest.param("names.yaml", "  words: [pm, dm,", "  words: [pm, dm, extra strength,",
                 "also listed under keeps", id="word-with-two-roles"),
    pytest.param("names.yaml", "chlorpheniramine, doxylamine,", "chlorphenamin, doxylamine,",
                 "unknown drug 'chlorphenamin'", id="brand-word-names-missing-drug"),
    pytest.param("names.yaml", "    apap: acetaminophen", "    apap: paracetamolx",
                 "unknown drug 'paracetamolx'", id="abbreviation-names-missing-drug"),
    pytest.param("names.yaml", "    ms: [morphine sulfate, magnesium]",
                 "    ms: [morphine sulphide, magnesium]",
                 "'morphine sulphide' is not a medicine name", id="ambiguous-offers-unknown-name"),
    pytest.param("names.yaml", "  sources: [usp_salts, rxnorm_tty]",
                 "  sources: [usp_salt, rxnorm_tty]", "unknown source 'usp_salt'",
                 id="word-list-cites-missing-source"),
]


@pytest.mark.parametrize(("name", "old", "new", "expected"), BROKEN)
def test_broken_table_gets_a_located_error(tmp_path, name, old, new, expected):
    folder = copy_tables(tmp_path)
    edit(folder, name, old, new)
    messages = problems_for(folder)
    assert any(expected in m for m in messages), messages
    located = next(m for m in messages if expected in m)
    assert located.startswith(str(folder / name) + ":"), located
    assert located.split(":")[1].isdigit(), "the message names the line"


def test_a_lowered_replacement_with_a_reason_loads_and_without_one_exits_5(tmp_path):
    folder = copy_tables(tmp_path)
    reason = '    lowered_because: "test: the label only asks to start low"\n'
    lowered = ('    severity: moderate\n' + reason +
               '    effect:\n      patient: "The contraceptive pill')
    edit(folder, "interactions.yaml",
         '    severity: major\n    effect:\n      patient: "The contraceptive pill', lowered)
    kb, problems = knowledge.check(folder)
    assert problems == [] and kb is not None
    edit(folder, "interactions.yaml", reason, "")
    result = runner.invoke(app, ["interactions", "--med", "Yasmin", "--drug", "tizanidine",
                                 "--data-dir", str(folder)])
    assert result.exit_code == ExitCode.DATA_ERROR
    assert "interactions.yaml:" in result.output and "lowered_because" in result.output


@pytest.mark.long
def test_broken_table_stops_every_command_with_one_line_and_exit_code(tmp_path):
    folder = copy_tables(tmp_path)
    edit(folder, "interactions.yaml", "b: {drug: cyclobenzaprine}", "b: {drug: nothing}")
    for args in (["interactions", "--med", "sertraline"], ["interactions", "--med", "x", "--json"],
                 ["triage", "--answers", "-"], ["data", "check"], ["redflags"]):
        result = runner.invoke(app, [*args, "--data-dir", str(folder)], input="{}")
        assert result.exit_code == ExitCode.DATA_ERROR, (args, result.output)
        assert "Traceback" not in result.output
        assert "unknown drug 'nothing'" in result.output
        if "--json" in args:
            assert result.stdout == ""


def test_data_check_lists_every_problem(tmp_path):
    folder = copy_tables(tmp_path)
    edit(folder, "countries.yaml", 'emergency: "911"', "emergency: [911]")
    edit(folder, "redflags.yaml", "{trauma: major}", "{trauma: severe}")
    result = runner.invoke(app, ["data", "check", "--data-dir", str(folder), "--json"])
    assert result.exit_code == ExitCode.DATA_ERROR
    import json

    report = json.loads(result.stdout)
    assert report["ok"] is False
    files = {Path(p["file"]).name for p in report["problems"]}
    assert files == {"countries.yaml", "redflags.yaml"}
    assert all(p["line"] for p in report["problems"])


def test_alias_in_a_table_is_refused(tmp_path):
    folder = copy_tables(tmp_path)
    edit(folder, "countries.yaml", "fallback:\n", "x: &a [1]\ny: *a\nfallback:\n")
    assert any("aliases" in m for m in problems_for(folder))


def test_missing_table_and_folder(tmp_path):
    folder = copy_tables(tmp_path)
    (folder / "redflags.yaml").unlink()
    assert any("missing" in m for m in problems_for(folder))
    with pytest.raises(DataError, match="does not exist"):
        knowledge.load(tmp_path / "nowhere")


def test_question_no_rule_reads_is_a_table_error(tmp_path):
    folder = copy_tables(tmp_path)
    edit(folder, "redflags.yaml", "questions:\n", "questions:\n  - id: unused_question\n"
         "    type: yes_no\n    prompt: Is this read?\n")
    assert any("read by no rule" in m for m in problems_for(folder))


def test_data_dir_from_environment(tmp_path, monkeypatch):
    folder = copy_tables(tmp_path)
    monkeypatch.setenv("SPASMCHECK_DATA_DIR", str(folder))
    result = runner.invoke(app, ["interactions", "--med", "sertraline", "--json"])
    assert result.exit_code == 0
    import json

    assert json.loads(result.stdout)["tables"][0]["origin"] == str(folder)


def test_data_check_warns_about_tables_not_reviewed_for_a_year(tmp_path):
    folder = copy_tables(tmp_path)
    edit(folder, "countries.yaml", "reviewed: 2026-11-22", "reviewed: 2020-01-01")
    result = runner.invoke(app, ["data", "check", "--data-dir", str(folder)])
    assert result.exit_code == 0
    assert "warning: countries was last reviewed on 2020-01-01" in result.stdout


def test_an_edited_name_table_is_seen_through_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SPASMCHECK_CACHE_DIR", str(tmp_path / "cache"))
    folder = copy_tables(tmp_path)
    before = knowledge.read(str(folder)).names.resolve("ibuprofen 200 mg zapfast")
    assert before.status == "partial" and before.unchecked == ("zapfast",)
    edit(folder, "names.yaml", "  words: [mg,", "  words: [mg, zapfast,")
    after = knowledge.read(str(folder)).names.resolve("ibuprofen 200 mg zapfast")
    assert after.status == "known" and after.drugs == ("ibuprofen",)


def test_a_clinic_folder_without_a_name_table_uses_the_built_in_one(tmp_path):
    folder = copy_tables(tmp_path)
    (folder / "names.yaml").unlink()
    kb, problems = knowledge.check(folder)
    assert problems == [] and kb is not None
    assert kb.names.resolve("Sertraline HCl 100mg tab").drugs == ("sertraline",)


def test_cache_clean_up_touches_only_the_tools_own_entries(tmp_path, monkeypatch, kb):
    """Another program's `tables-*.pickle` files in the same folder are never deleted."""
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    monkeypatch.setenv("SPASMCHECK_CACHE_DIR", str(cache))
    foreign = ["tables-mine.pickle", "tables-1.pickle", "tables-0123456789abcdef0.pickle",
               "tables-0123456789ABCDEF.pickle", "notes.txt"]
    own = [knowledge.cache_file(cache, f"{n:016x}").name for n in range(12)]
    for age, name in enumerate(foreign + own):
        (cache / name).write_bytes(b"x")
        os.utime(cache / name, (1000 + age, 1000 + age))
    knowledge._cache_write("f" * 16, kb)
    left = set(os.listdir(cache)) - {knowledge._MAC_KEY_NAME}
    assert set(foreign) <= left
    assert len(left - set(foreign)) == knowledge._CACHE_KEEP
    assert knowledge.cache_file(cache, "f" * 16).name in left


def test_a_cache_folder_others_can_write_to_is_left_alone_with_a_word(tmp_path, monkeypatch,
                                                                      kb, capsys):
    cache = tmp_path / "shared"
    cache.mkdir()
    cache.chmod(0o777)
    monkeypatch.setenv("SPASMCHECK_CACHE_DIR", str(cache))
    knowledge._cache_write("f" * 16, kb)
    assert os.listdir(cache) == []
    assert f"not caching the tables in {cache}" in capsys.readouterr().err


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch):
    monkeypatch.delenv("SPASMCHECK_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert knowledge.cache_dir() == Path(os.path.expanduser("~"), ".cache", "spasmcheck")
    monkeypatch.setenv("XDG_CACHE_HOME", "/abs/cache")
    assert knowledge.cache_dir() == Path("/abs/cache/spasmcheck")


def test_a_rule_with_a_missing_drug_is_one_problem_not_a_cascade(tmp_path):
    """Other rules that replace it are not also reported as naming an unknown rule."""
    folder = copy_tables(tmp_path)
    edit(folder, "interactions.yaml", "  - id: serotonergic_cyclobenzaprine\n"
         "    a: {class: serotonergic}\n    b: {drug: cyclobenzaprine}\n",
         "  - id: serotonergic_cyclobenzaprine\n    a: {class: serotonergic}\n"
         "    b: {drug: cyclobenzaprin}\n")
    messages = problems_for(folder)
    assert len(messages) == 1 and "unknown drug 'cyclobenzaprin'" in messages[0], messages


def test_a_duplicate_rule_id_points_at_its_second_use(tmp_path):
    folder = copy_tables(tmp_path)
    entry = "  - id: serotonergic_cyclobenzaprine\n"
    edit(folder, "interactions.yaml", "  - id: maoi_cyclobenzaprine\n", entry)
    text = (folder / "interactions.yaml").read_text("utf-8")
    first = text.index(entry)
    lines = [text[:at].count("\n") + 1 for at in (first, text.index(entry, first + 1))]
    messages = problems_for(folder)
    duplicate = next(m for m in messages if "used twice" in m)
    assert duplicate.startswith(f"{folder / 'interactions.yaml'}:{lines[1]}: rules["), duplicate
    assert f"first at line {lines[0]}" in duplicate


ROOT = DATA.parent


def project_copy(tmp_path: Path) -> Path:
    """What a wheel is built from: the package, the tables and the build files."""
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("pyproject.toml", "hatch_build.py", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    shutil.copytree(ROOT / "spasmcheck", copy / "spasmcheck",
                    ignore=shutil.ignore_patterns("__pycache__", knowledge.COMPILED_NAME))
    shutil.copytree(DATA, copy / "data")
    return copy


def build_wheel(project: Path, out: Path):
    """hatchling's PEP 517 wheel build (what pip runs), in a fresh interpreter."""
    import subprocess
    import sys

    code = f"from hatchling.build import build_wheel; print(build_wheel({str(out)!r}))"
    return subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.long
@pytest.mark.slow
def test_a_wheel_ships_its_tables_compiled_and_runs_from_them(tmp_path):
    import subprocess
    import sys
    import zipfile

    built = build_wheel(project_copy(tmp_path), tmp_path / "dist")
    assert built.returncode == 0, built.stderr
    wheel = tmp_path / "dist" / built.stdout.split()[-1]
    assert f"spasmcheck/{knowledge.COMPILED_NAME}" in zipfile.ZipFile(wheel).namelist()
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--target", str(site), str(wheel)], check=True, capture_output=True)
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(site), "SPASMCHECK_CACHE_DIR": str(cache)}
    env.pop("SPASMCHECK_CACHE", None)
    env.pop("SPASMCHECK_DATA_DIR", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)

    where = run("-c", "import spasmcheck; print(spasmcheck.__file__)")
    assert where.stdout.startswith(str(site)), where.stdout
    checked = run("-m", "spasmcheck", "data", "check")
    assert checked.returncode == 0 and "tables OK" in checked.stdout, checked.stderr
    ran = run("-m", "spasmcheck", "interactions", "--med", "Zoloft", "--json")
    assert ran.returncode == 0 and '"sertraline"' in ran.stdout, ran.stderr
    assert not list(cache.glob("tables-*.pickle")), "the installed wheel compiled its tables"
    # The control: without the shipped file the same run compiles and caches them.
    (site / "spasmcheck" / knowledge.COMPILED_NAME).unlink()
    again = run("-m", "spasmcheck", "interactions", "--med", "Zoloft", "--json")
    assert again.returncode == 0 and again.stdout == ran.stdout
    assert list(cache.glob("tables-*.pickle"))


@pytest.mark.slow
def test_a_broken_built_in_table_fails_the_wheel_build_located(tmp_path):
    project = project_copy(tmp_path)
    edit(project / "data", "redflags.yaml", "{trauma: major}", "{trauma: severe}")
    text = (project / "data" / "redflags.yaml").read_text("utf-8")
    line = text[:text.index("{trauma: severe}")].count("\n") + 1
    built = build_wheel(project, tmp_path / "dist")
    assert built.returncode != 0
    assert f"data/redflags.yaml:{line}: " in built.stderr, built.stderr
    assert "'severe' is not a value of trauma" in built.stderr
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())
