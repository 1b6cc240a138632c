"""What every format a person reads (Rich, plain, Markdown, HTML) must say, on fixed results.

Each test renders a fixed result (tests/fixed_results.py) through the format registry, without
the CLI, and reads it as a person would: Rich without its colours and boxes, Markdown and HTML as
a viewer shows them. What is expected comes from the inputs and the tables.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from fixed_results import (
    CHILD,
    EMERGENCIES,
    EVERY,
    HOSTILE,
    HOSTILE_NAMES,
    HOSTILE_TRIAGE,
    INCOMPLETE,
    INTERACTIONS,
    KB,
    NOTHING_FOUND,
    TRIAGES,
    Interactions,
    Page,
    Triage,
    body,
    ids,
    markdown_page,
    seen,
)

from spasmcheck.core.answers import MEDICATIONS
from spasmcheck.core.interactions import MedicineCheck
from spasmcheck.core.model import Severity
from spasmcheck.render.data import UNKNOWN_NUMBER
from spasmcheck.render.formats import Format, Screen, render

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
HUMAN = [Format.RICH, Format.PLAIN, Format.MD, Format.HTML]
SEVERITY_WORD = re.compile(r"\b(" + "|".join(s.label.upper() for s in Severity) + r")\b")


def shown(fmt: Format, case: Interactions | Triage, width: int = 120) -> str:
    """The case in `fmt` as a person reads it: Rich as on a colour terminal `width` wide."""
    return seen(fmt, render(fmt, case.result, Screen(styled=True, width=width, now=NOW)))


def words(text: str) -> str:
    return " ".join(text.split())


def visible(name: str) -> str:
    """A name as it must be shown: as typed, with each control character as a visible escape."""
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 else c for c in name)


def report_of(case: Interactions | Triage) -> MedicineCheck:
    return case.report if isinstance(case, Interactions) else case.assessment.medicine_check


def prompt(key: str, case: Triage) -> str:
    question = next(q for q in KB.triage.questions
                    if q.id == key or (key == MEDICATIONS and q.is_medicines))
    return question.prompt.for_(case.audience)


# --- triage: the level, why, and at emergency the number first --------------------------------


@pytest.mark.parametrize("case", TRIAGES, ids=ids(TRIAGES))
@pytest.mark.parametrize("fmt", HUMAN)
def test_the_urgency_level_and_its_action_are_shown(fmt, case):
    level = KB.triage.levels[case.assessment.urgency]
    action = level.action.fill(emergency_number=case.contact.number or UNKNOWN_NUMBER)
    text = shown(fmt, case)
    assert level.label.for_(case.audience).upper() in text.upper()
    assert words(action.for_(case.audience)) in text


@pytest.mark.parametrize("case", TRIAGES, ids=ids(TRIAGES))
@pytest.mark.parametrize("fmt", HUMAN)
def test_each_red_flag_is_shown_with_the_answers_that_fired_it(fmt, case):
    text = shown(fmt, case)
    for hit in case.assessment.hits:
        title = hit.flag.title.for_(case.audience)
        assert title in text
        for key in hit.because:  # "You said": the question, in its own words
            assert words(prompt(key, case)) in text[text.index(title):]


@pytest.mark.parametrize("case", EMERGENCIES, ids=ids(EMERGENCIES))
@pytest.mark.parametrize("fmt", HUMAN)
def test_at_emergency_the_number_to_call_comes_before_anything_else(fmt, case):
    text = body(fmt, render(fmt, case.result, Screen(styled=True, width=80, now=NOW)))
    number = case.contact.number
    if number:
        assert number in text.split()[:3], text[:80]
        first = text.index(number)
    else:  # no country known: the table's fallback wording, which names the common numbers
        fallback = words(case.contact.fallback.for_(case.audience))
        assert text.startswith(fallback), text[:80]
        first = 0
    level = KB.triage.levels[case.assessment.urgency]
    later = [level.label.for_(case.audience).upper(), KB.triage.disclaimer.for_(case.audience)]
    later += [hit.flag.title.for_(case.audience) for hit in case.assessment.hits]
    later += [hit.flag.concern.for_(case.audience) for hit in case.assessment.hits]
    later += list(case.assessment.answers.medications)
    for said in later:
        assert first < text.upper().index(words(said).upper()), said


@pytest.mark.parametrize("fmt", HUMAN)
def test_a_childs_result_says_first_that_the_advice_is_for_adults(fmt):
    """The child notice comes right under the level, before the reasons."""
    notice = words(CHILD.assessment.notices[0].text.for_(CHILD.audience))
    text = shown(fmt, CHILD)
    assert notice in text
    first_reason = min(text.index(hit.flag.title.for_(CHILD.audience))
                       for hit in CHILD.assessment.hits)
    assert text.index(notice) < first_reason


# --- every result ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", EVERY, ids=ids(EVERY))
@pytest.mark.parametrize("fmt", HUMAN)
def test_every_result_carries_the_disclaimer(fmt, case):
    assert words(KB.triage.disclaimer.for_(case.audience)) in shown(fmt, case)


@pytest.mark.parametrize("case", [c for c in EVERY if report_of(c).findings],
                         ids=ids(tuple(c for c in EVERY if report_of(c).findings)))
@pytest.mark.parametrize("fmt", HUMAN)
def test_findings_come_most_severe_first(fmt, case):
    report = report_of(case)
    text = shown(fmt, case)
    tags = [Severity.parse(word.lower()) for word in SEVERITY_WORD.findall(text)]
    assert set(tags) == {item.severity for item in report.findings}
    assert tags == sorted(tags, reverse=True), tags
    worst = report.findings[0]  # the engine's own order, most severe first
    after_worst_tag = text[text.index(worst.severity.label.upper()):]
    less = SEVERITY_WORD.search(after_worst_tag[len(worst.severity.label):])
    section = after_worst_tag[:less.start() if less else None]
    for drug in worst.drugs:
        assert KB.interactions.drugs[drug].name in section


@pytest.mark.parametrize("case", INTERACTIONS, ids=ids(INTERACTIONS))
@pytest.mark.parametrize("fmt", HUMAN)
def test_every_medicine_given_is_named_and_one_not_recognised_is_said_to_be_unchecked(fmt, case):
    text = shown(fmt, case)
    assert case.report.candidate.name in text
    for name in case.names:
        assert visible(name) in text
    if case.report.unknown:
        assert words(KB.interactions.unknown_medicine.for_(case.audience)) in text


@pytest.mark.parametrize("fmt", HUMAN)
def test_a_name_read_in_part_names_the_words_that_were_not_checked(fmt):
    partial = next(med for med in INCOMPLETE.report.medications if med.status == "partial")
    text = shown(fmt, INCOMPLETE)
    line = text[text.index(partial.input):]
    for drug in partial.drugs:
        assert KB.interactions.drugs[drug].name in line
    for word in partial.unchecked:
        assert f"'{word}'" in line


@pytest.mark.parametrize("fmt", HUMAN)
def test_nothing_found_shows_no_severity(fmt):
    text = shown(fmt, NOTHING_FOUND)
    assert NOTHING_FOUND.names[0] in text and NOTHING_FOUND.report.candidate.name in text
    assert not SEVERITY_WORD.search(text)


# --- user text is shown, never obeyed ----------------------------------------------------------


@pytest.mark.parametrize("case", [HOSTILE_NAMES, HOSTILE_TRIAGE], ids=ids((HOSTILE_NAMES,
                                                                            HOSTILE_TRIAGE)))
@pytest.mark.parametrize("fmt", HUMAN)
def test_markup_html_links_and_control_characters_in_names_are_shown_as_typed(fmt, case):
    raw = render(fmt, case.result, Screen(styled=True, width=100, now=NOW))
    text = seen(fmt, raw)
    for name in HOSTILE:
        assert visible(name) in text, name
    bare = raw if fmt is not Format.RICH else re.sub(r"\x1b\[[0-9;]*m", "", raw)
    assert "\x1b" not in bare and "\r" not in bare  # no escape but Rich's own colours
    if fmt in (Format.MD, Format.HTML):
        page = markdown_page(raw) if fmt is Format.MD else Page(raw)
        assert "script" not in page.tags
        assert not [link for link in page.links if "evil.example" in link]
