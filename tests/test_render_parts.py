"""The smaller drawing parts, on fixed inputs: safe.py (control characters), answers.py (an
answer in its question's words), discovery.py (red flags, medicine search and detail, table
checks) through the human formats, and the registry's refusal of a format a kind cannot take.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from fixed_results import CONTROL, HOSTILE, KB, RICH_MARKUP, seen

from spasmcheck.core.errors import LocatedError, UsageError
from spasmcheck.core.interactions import rules_touching
from spasmcheck.core.model import UNSURE, Audience, QuestionType, Severity
from spasmcheck.render import discovery
from spasmcheck.render.answers import label
from spasmcheck.render.formats import REGISTRY, Format, Kind, Result, Screen, render
from spasmcheck.render.safe import printable

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
HUMAN = [Format.RICH, Format.PLAIN, Format.MD, Format.HTML]
SEVERITY_WORD = re.compile(r"\b(" + "|".join(s.label.upper() for s in Severity) + r")\b")


def shown(fmt: Format, result: Result) -> str:
    return seen(fmt, render(fmt, result, Screen(styled=True, width=100, now=NOW)))


# --- safe.py ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("char", "code"), [
    ("\x1b", "\\x1b"), ("\r", "\\x0d"), ("\n", "\\x0a"), ("\t", "\\x09"), ("\x00", "\\x00"),
    ("\x7f", "\\x7f"), ("\x9b", "\\x9b"),  # DEL, and the one-byte form of ESC [
    ("\u202e", "\\u202e"), ("\u2028", "\\u2028"), ("\u200b", "\\u200b"),  # bidi, line, hidden
])
def test_a_control_character_becomes_a_visible_escape(char, code):
    assert printable(f"a{char}b") == f"a{code}b"


def test_ordinary_text_in_any_script_is_left_as_it_is():
    text = "Ibuprofen 200 mg, paracétamol, 对乙酰氨基酚, ‘quoted’ – [x] <y> & z"
    assert printable(text) == text


# --- answers.py ---------------------------------------------------------------------------------


def _question(kind: QuestionType):
    return next(q for q in KB.triage.questions if q.type is kind and not q.is_medicines)


@pytest.mark.parametrize("audience", list(Audience))
def test_a_choice_is_shown_in_the_words_of_its_table(audience):
    question = _question(QuestionType.CHOICE)
    for choice in question.choices:
        assert label(question, choice.value, audience) == choice.label.for_(audience)


def test_yes_no_and_not_sure_are_words_never_true_or_false():
    question = _question(QuestionType.YES_NO_UNSURE)
    shown = [label(question, value, Audience.PATIENT) for value in (True, False, UNSURE)]
    assert len(set(shown)) == 3
    assert not {"True", "False", UNSURE} & set(shown)


def test_a_number_and_a_list_are_shown_as_given():
    number = _question(QuestionType.NUMBER)
    assert label(number, 42, Audience.PATIENT) == "42"
    medicines = next(q for q in KB.triage.questions if q.is_medicines)
    assert label(medicines, ["sertraline", RICH_MARKUP], Audience.PATIENT) == \
        f"sertraline, {RICH_MARKUP}"


# --- discovery.py -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", HUMAN)
def test_redflags_lists_every_flag_with_its_levels(fmt):
    text = shown(fmt, Result(Kind.REDFLAGS, discovery.redflags_result(KB, Audience.PATIENT),
                             "t", KB.triage.colours))
    for flag in KB.triage.red_flags:
        title = flag.title.for_(Audience.PATIENT)
        assert f"{title} ({flag.id})" in text
        levels = ", ".join(tier.urgency.label for tier in flag.tiers)
        assert levels in text[text.index(title):]


@pytest.mark.parametrize("fmt", HUMAN)
def test_search_shows_each_match_with_the_generic_it_stands_for(fmt):
    result = discovery.search_result(KB, "Zoloft")
    text = shown(fmt, Result(Kind.SEARCH, result, "t"))
    entries = list(KB.names.search("Zoloft"))
    assert entries
    for entry in entries:
        assert entry.name in text
        for drug in entry.drugs:
            assert KB.interactions.drugs[drug].name in text


@pytest.mark.parametrize("query", HOSTILE)
@pytest.mark.parametrize("fmt", HUMAN)
def test_a_search_with_no_match_shows_the_query_as_typed(fmt, query):
    text = shown(fmt, Result(Kind.SEARCH, discovery.search_result(KB, query), "t"))
    assert repr(query) in text  # quoted, with any control character as its escape
    assert "\x1b" not in text and "\r" not in text


@pytest.mark.parametrize("fmt", HUMAN)
def test_show_names_a_medicines_brands_and_each_rule_most_severe_first(fmt):
    drug = KB.interactions.drugs["sertraline"]
    result = discovery.show_result(KB, drug.name, Audience.PATIENT)
    text = shown(fmt, Result(Kind.SHOW, result, "t", KB.triage.colours))
    for brand in drug.brands:
        assert brand in text
    rules = text.split(" Cautions ")[0]  # the cautions follow, in their own order
    shown_order = [Severity.parse(word.lower()) for word in SEVERITY_WORD.findall(rules)]
    assert set(shown_order) == {rule.finding.severity for rule in rules_touching(KB, drug)}
    assert shown_order == sorted(shown_order, reverse=True)


@pytest.mark.parametrize("fmt", HUMAN)
def test_show_says_which_words_of_a_name_were_not_recognised(fmt):
    resolution = KB.names.resolve("Tylenol Extra Strength Foo")
    assert resolution.unchecked
    result = discovery.show_result(KB, "Tylenol Extra Strength Foo", Audience.PATIENT)
    text = shown(fmt, Result(Kind.SHOW, result, "t"))
    for word in resolution.unchecked:
        assert f"'{word}'" in text


def test_table_check_problems_show_file_and_names_without_their_control_characters():
    problem = LocatedError(f"tables/{CONTROL}.yaml", 3, "drugs.x", "bad\x1b[31m value")
    text = discovery.check_text(discovery.check_result(None, [problem], f"dir{CONTROL}"))
    assert "\x1b" not in text and "\r" not in text
    assert printable(f"tables/{CONTROL}.yaml:3: drugs.x: bad\x1b[31m value") in text
    assert printable(f"dir{CONTROL}") in text


def test_a_table_check_that_passes_counts_what_was_loaded():
    result = discovery.check_result(KB, [], "built-in")
    assert result["ok"] and result["counts"]["drugs"] == len(KB.interactions.drugs)
    assert str(len(KB.interactions.drugs)) in discovery.check_text(result)


# --- the registry -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [k for k in Kind if k not in REGISTRY[Format.FHIR].kinds])
def test_a_format_refuses_a_kind_it_cannot_show_before_drawing(kind):
    with pytest.raises(UsageError, match=kind.value):
        render(Format.FHIR, Result(kind, {}, "t"))
