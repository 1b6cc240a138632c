"""flatyaml reads flat answers files exactly as PyYAML would, and hands back everything else."""

from __future__ import annotations

import string
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from spasmcheck.core.errors import AnswersError, LocatedError
from spasmcheck.frontends.answers_file import parse_text
from spasmcheck.tables import flatyaml, yamlsource

ROOT = Path(__file__).resolve().parent.parent

FAST = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

TYPICAL = """\
# answers for a lower back spasm
location: lower_back
duration_days: 5
age: 40
trauma: no
fever: false
bladder_bowel_change: "no"
trend: improving
medications: [sertraline, Tylenol 500 mg]
"""


def typed(value: Any) -> Any:
    """`value` with the type of every part spelled out, since True == 1 and 1 == 1.0."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    return (type(value).__name__, value)


def assert_same_as_pyyaml(text: str) -> dict[str, Any] | None:
    """flatyaml's answer, checked against PyYAML and the full path whenever it gives one."""
    flat = flatyaml.parse(text)
    if flat is not None:
        expected = yaml.load(text, Loader=yaml.CSafeLoader)
        assert typed(flat) == typed(expected), text
        assert typed(yamlsource.parse(text, "x.yaml").data) == typed(flat), text
    return flat


# --- a grammar of flat answer documents, tricky scalars included --------------------------

TRICKY = ["yes", "Yes", "NO", "on", "Off", "y", "n", "Y", "N", "true", "False", "~", "null",
          "Null", "NULL", "nul", "0", "00", "012", "-0", "+5", "-5", "1_000", "0x1F", "0o7",
          "0b1", "1:30", "190:20:30", "1e3", "1.5", "1.5e+3", ".5", ".inf", "-.inf", ".nan",
          ".foo", "2024-01-01", "2024-1-1", "2001-12-14 21:59:43.10 -5", "=", "<<",
          "123456789012345678901234567890", "Tylenol 500 mg", "5-HTP", "lower_back",
          "a: b", "a:", "a:b", "a #b", "a#b", "x, y", "x]", "[x]", "{x}", "x {y}", "&a", "*a",
          "!a", "|", ">", "%a", "@a", "`a", "?", "? a", "- a", "-a", ":a", "caf\xe9",
          "x\xa0", "\xa0x", "it's", 'say "hi"', "back\\slash", "---", "...", "-", ""]
WORD = st.text(alphabet="ab yYnN01_.:#'\"-,[]{}&*!|>%@`~+eE\xa0\xe9\\", max_size=8)
PLAIN = st.one_of(st.sampled_from(TRICKY), WORD)


def single_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def double_quoted(text: str) -> str:
    return '"' + text + '"'


SCALAR = st.one_of(
    PLAIN,
    st.builds(single_quoted, st.one_of(st.sampled_from(TRICKY), WORD)),
    st.builds(double_quoted, st.one_of(st.sampled_from(TRICKY), WORD)),
)
KEY_CHARACTERS = string.ascii_letters + string.digits + "_-"
KEY = st.one_of(st.sampled_from(["location", "age", "fever", "medications", "yes", "on",
                                 "null", "1", "y", "n", "a-b", "_x", "-a", "2024-01-01"]),
                st.text(alphabet=KEY_CHARACTERS, min_size=1, max_size=6))
COMMENT = st.sampled_from(["", " # a comment", "  #: [x]", " #"])
SEPARATOR = st.sampled_from([", ", ",", " , ", ",  "])


@st.composite
def flow_list(draw: st.DrawFn) -> str:
    items = draw(st.lists(SCALAR, max_size=4))
    inside = draw(SEPARATOR).join(items)
    return draw(st.sampled_from(["[{}]", "[ {} ]", "[{} ]"])).format(inside)


@st.composite
def entry(draw: st.DrawFn) -> str:
    key = draw(KEY)
    kind = draw(st.sampled_from(["scalar", "flow", "block", "empty"]))
    if kind == "scalar":
        return f"{key}: {draw(SCALAR)}{draw(COMMENT)}"
    if kind == "flow":
        return f"{key}: {draw(flow_list())}{draw(COMMENT)}"
    if kind == "empty":
        return f"{key}:{draw(COMMENT)}"
    indent = " " * draw(st.sampled_from([0, 2, 4]))
    items = draw(st.lists(SCALAR, min_size=1, max_size=3))
    lines = [f"{indent}- {item}{draw(COMMENT)}" for item in items]
    return f"{key}:{draw(COMMENT)}\n" + "\n".join(lines)


FILLER = st.sampled_from(["", "# a comment", "  # indented comment", "   "])


@st.composite
def document(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(entry(), FILLER), min_size=1, max_size=8))
    end = draw(st.sampled_from(["", "\n", "\r\n"]))
    newline = "\r\n" if end == "\r\n" else "\n"
    return newline.join(parts) + end


@FAST
@given(document())
@example(TYPICAL)
@example("a: [it's]")
@example("a:\n- x\nb:\n  - 'y' # c\n  - \"z\"\n")
def test_whatever_flatyaml_returns_is_what_pyyaml_returns(text: str) -> None:
    assert_same_as_pyyaml(text)


# Plainly safe documents: flatyaml must read these itself, or it saves no time.
SAFE_KEY = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=10).filter(
    lambda key: key not in {"yes", "no", "on", "off", "true", "false", "null"})
SAFE_WORD = st.one_of(
    st.sampled_from(["lower_back", "Tylenol 500 mg", "yes", "no", "true", "Off", "~", "y",
                     "40", "+5", "0", "it's", "St. John's wort"]),
    st.builds(lambda head, tail: (head + tail).rstrip(), st.sampled_from(string.ascii_letters),
              st.text(alphabet=string.ascii_letters + string.digits + "_ ", max_size=10)))
SAFE_SCALAR = st.one_of(SAFE_WORD, st.builds(single_quoted, st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=10)))


@st.composite
def safe_document(draw: st.DrawFn) -> str:
    keys = draw(st.lists(SAFE_KEY, min_size=1, max_size=6, unique=True))
    lines = []
    for key in keys:
        kind = draw(st.sampled_from(["scalar", "flow", "block", "empty"]))
        if kind == "scalar":
            lines.append(f"{key}: {draw(SAFE_SCALAR)}{draw(COMMENT)}")
        elif kind == "flow":
            items = draw(st.lists(SAFE_SCALAR, max_size=4))
            lines.append(f"{key}: [{', '.join(items)}]{draw(COMMENT)}")
        elif kind == "empty":
            lines.append(f"{key}:")
        else:
            indent = " " * draw(st.sampled_from([0, 2]))
            items = draw(st.lists(SAFE_SCALAR, min_size=1, max_size=3))
            lines += [f"{key}:", *(f"{indent}- {item}" for item in items)]
    return "\n".join(lines) + "\n"


@FAST
@given(safe_document())
def test_plainly_flat_documents_are_read_without_pyyaml(text: str) -> None:
    assert assert_same_as_pyyaml(text) is not None


@FAST
@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    assert_same_as_pyyaml(text)


@FAST
@given(st.integers(0, len(TYPICAL)), st.text(
    alphabet=" \t\r\n\x85\u2028\ufeff\x00#:-'\"[]{},&*!|>%@`?~\\x1.", min_size=1, max_size=3))
def test_a_damaged_typical_file_is_never_misread(position: int, insert: str) -> None:
    assert_same_as_pyyaml(TYPICAL[:position] + insert + TYPICAL[position:])


# --- examples ------------------------------------------------------------------------------

def test_a_typical_answers_file_is_read() -> None:
    assert flatyaml.parse(TYPICAL) == {
        "location": "lower_back", "duration_days": 5, "age": 40, "trauma": False,
        "fever": False, "bladder_bowel_change": "no", "trend": "improving",
        "medications": ["sertraline", "Tylenol 500 mg"]}


def test_the_readme_answers_example_is_read() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    example = readme.split("## Answers file", 1)[1].split("```yaml\n", 1)[1].split("```")[0]
    answers = assert_same_as_pyyaml(example)
    assert answers is not None and answers["medications"] == ["Zoloft", "Tylenol #3"]


@pytest.mark.parametrize(("text", "expected"), [
    ("medications:\n  - sertraline\n  - 'Tylenol 500 mg'  # a comment\n",
     {"medications": ["sertraline", "Tylenol 500 mg"]}),
    ("medications:\n- sertraline\nage: 40\n", {"medications": ["sertraline"], "age": 40}),
    ("medications: []\nfever:\n", {"medications": [], "fever": None}),
    ("fever: # not asked\nnote: 'it''s fine: #1'\n", {"fever": None, "note": "it's fine: #1"}),
    ("a: y\nb: n\nc: On\nd: ~\ne: +5\nf: .foo\n",
     {"a": "y", "b": "n", "c": True, "d": None, "e": 5, "f": ".foo"}),
    ("a: b#c\r\nd: x, y\r\n", {"a": "b#c", "d": "x, y"}),
])
def test_flat_examples_are_read(text: str, expected: dict[str, Any]) -> None:
    assert typed(assert_same_as_pyyaml(text)) == typed(expected)


@pytest.mark.parametrize("text", [
    "", "# only a comment\n", "just text\n", "- a\n- b\n", "\ufefffever: no\n",
    "a: 1\na: 2\n",  # duplicate key
    "a: &x 1\nb: *x\n", "a: *x\n",  # anchors and aliases
    "age: !!python/object/apply:os.getcwd\n", "a: !tag x\n",  # tags
    "---\na: 1\n", "a: 1\n...\n", "%YAML 1.1\n---\na: 1\n",  # document markers, directives
    "a:\tb\n", "a: b\t\n",  # tabs
    "a:\n  b: 1\n", "a: {b: 1}\n", "a: [x, [y]]\n", "a:\n  - [x]\n", "a:\n  - b: 1\n",  # nesting
    "a: one\n  two\n", "a: 'one\n  two'\n", "a: [x,\n  y]\n", "a:\n  - x\n    y\n",  # lines
    "a: |\n  x\n", "a: >\n  x\n",  # block scalars
    "? a\n: b\n", '"a": 1\n', "a b: 1\n", "a : 1\n", "  a: 1\n",  # keys
    "yes: 1\n", "null: 1\n", "1: x\n",  # keys YAML reads as bool, None, int
    "a: b: c\n", "a: b:\n", "a: -b\n", "a: :b\n", "a: @b\n", "a: `b\n", "a: %b\n",
    "a: \"x\\ty\"\n", "a: 'x' y\n", "a: [x]y\n", "a: [x,]\n", "a: [x, , y]\n", "a: [a:b]\n",
    "a: 1e3\n", "a: 1.5\n", "a: .inf\n", "a: .NaN\n", "a: 012\n", "a: 1_000\n", "a: 0x1F\n",
    "a: 1:30\n", "a: 2024-01-01\n", "a: =\n", "a: <<\n", "a: " + "9" * 5000 + "\n",
    "a: x\rb: y\n", "a: x\x85y\n", "a: x\u2028y\n", "a: x\x07\n", "a: \ud800\n",
    "a:\n  - x\n - y\n", "a: x\n- y\n", "a:\n-\n",  # lists out of place
])
def test_everything_else_is_left_to_pyyaml(text: str) -> None:
    assert flatyaml.parse(text) is None


# --- wiring into answers_file.parse_text -------------------------------------------------------

@pytest.mark.slow
def test_parse_text_reads_a_flat_file_without_importing_yaml(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(TYPICAL, "utf-8")
    code = textwrap.dedent(f"""
        import sys
        from spasmcheck.frontends.answers_file import parse_text
        answers = parse_text(open({str(path)!r}, encoding="utf-8").read(), "answers.yaml")
        assert answers["medications"] == ["sertraline", "Tylenol 500 mg"], answers
        print("yaml" in sys.modules, "dataclasses" in sys.modules, "coverage" in sys.modules)
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    imports_yaml, imports_dataclasses, measured = done.stdout.split()
    assert imports_yaml == "False"
    assert imports_dataclasses == "False" or measured == "True"  # coverage imports dataclasses


def test_parse_text_still_reads_other_yaml_through_pyyaml() -> None:
    text = "age: 40\nnote: |\n  two\n  lines\nmedications: [5-HTP]\n"
    assert flatyaml.parse(text) is None
    assert parse_text(text, "a.yaml") == {"age": 40, "note": "two\nlines\n",
                                          "medications": ["5-HTP"]}


@pytest.mark.parametrize("text", [
    "medications: &m [sertraline]\nother: *m\n",
    "age: !!python/object/apply:os.getcwd\n",
    "medications: !!python/object/apply:os.system [sertraline]\n",
    "fever: no\nfever: yes\n",
    "fever: no\n  age: 4\n",
])
def test_refused_files_keep_their_error_messages(text: str) -> None:
    with pytest.raises(LocatedError) as located:
        yamlsource.parse(text, "answers.yaml")
    with pytest.raises(AnswersError) as refused:
        parse_text(text, "answers.yaml")
    assert refused.value.message == located.value.message
    assert refused.value.message.startswith("answers.yaml:")


@pytest.mark.parametrize("pattern", ["spasmcheck.tables.flatyaml._UNSAFE",
                                     "spasmcheck.render.safe._CONTROL"])
def test_every_character_the_guards_catch_is_non_printable(pattern):
    """Text that is all printable skips these patterns (their compiling costs start-up): that
    is only right while no printable character is among them."""
    import importlib
    import re

    module, name = pattern.rsplit(".", 1)
    caught = re.compile(getattr(importlib.import_module(module), name))
    assert [hex(c) for c in range(0x110000) if chr(c).isprintable() and caught.match(chr(c))] == []
    assert caught.match("\x1b") and caught.match("\u2028")  # the control: it does catch
