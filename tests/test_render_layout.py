"""render/layout.py on fixed results: the blocks every human format draws, in order.

The formats only draw these blocks, so what the blocks say at the top (the verdict, the level,
the number to call) is what every format says first.
"""

from __future__ import annotations

import pytest
from fixed_results import (
    CHILD,
    EMERGENCY,
    EMERGENCY_NO_COUNTRY,
    HOSTILE_TRIAGE,
    INCOMPLETE,
    INTERACTIONS,
    KB,
    NOTHING_FOUND,
    SELF_CARE,
    SEVERE,
    TRIAGES,
    ids,
    interactions,
)

from spasmcheck.render import formats, layout
from spasmcheck.render.layout import Banner, Bullets, Item

UNKNOWN_ONLY = interactions("unknown-only", ["nosuchpill"])


def test_nothing_found_among_known_medicines_is_the_one_all_clear():
    assert layout.verdict(NOTHING_FOUND.result.shaped).tone == "ok"


@pytest.mark.parametrize("case", [UNKNOWN_ONLY, INCOMPLETE], ids=ids((UNKNOWN_ONLY, INCOMPLETE)))
def test_a_name_not_checked_is_never_an_all_clear(case):
    banner = layout.verdict(case.result.shaped)
    worst = case.report.worst
    assert banner.tone == (worst.label if worst else "warn")
    assert case.report.candidate.name in banner.title
    said = " ".join(banner.lines)
    assert str(len(case.report.unknown)) in said


@pytest.mark.parametrize("case", INTERACTIONS, ids=ids(INTERACTIONS))
def test_the_verdict_comes_first_and_has_the_worst_severity(case):
    blocks = formats.blocks(case.result)
    assert isinstance(blocks[0], Banner)
    if case.report.worst is not None:
        assert blocks[0].tone == case.report.worst.label
        assert blocks[0].title.startswith(case.report.worst.label.upper())


def test_findings_about_the_same_medicines_are_one_entry():
    items = [b for b in formats.blocks(SEVERE.result) if isinstance(b, Item)]
    assert len({item.title for item in items}) == len(items)
    assert len(items) <= len(SEVERE.report.findings)


@pytest.mark.parametrize("case", TRIAGES, ids=ids(TRIAGES))
def test_the_first_block_is_the_level_and_what_to_do(case):
    banner = formats.blocks(case.result)[0]
    level = KB.triage.levels[case.assessment.urgency]
    assert isinstance(banner, Banner) and banner.tone == case.assessment.urgency.label
    assert level.label.for_(case.audience).upper() in (banner.title, *banner.lines)


def test_the_emergency_card_is_the_number_then_why_then_what_to_do_now():
    card = layout.emergency_card(EMERGENCY.result.shaped)
    hit = EMERGENCY.assessment.hits[0]
    assert EMERGENCY.contact.number and EMERGENCY.contact.number in card.title
    why = next(i for i, line in enumerate(card.lines) if hit.flag.title.patient in line)
    assert card.lines[why + 1] == EMERGENCY.result.shaped["red_flags"][0]["do_now"]


def test_with_no_country_the_banner_is_the_fallback_wording():
    banner = layout.urgency_banner(EMERGENCY_NO_COUNTRY.result.shaped)
    assert banner.title == EMERGENCY_NO_COUNTRY.contact.fallback.for_(
        EMERGENCY_NO_COUNTRY.audience)


def test_names_not_checked_are_said_in_the_triage_banner():
    banner = layout.urgency_banner(HOSTILE_TRIAGE.result.shaped)
    unknown = len(HOSTILE_TRIAGE.assessment.medicine_check.unknown)
    assert [line for line in banner.lines if f"{unknown} medicine name(s)" in line]


def test_a_calm_result_says_which_warning_signs_were_not_asked():
    """An answers file that leaves questions out is read as "no" to them: said up front."""
    notices = layout.notices(SELF_CARE.result.shaped)
    missing = SELF_CARE.assessment.unanswered_screen
    assert missing and any(str(len(missing)) in text for text in notices)
    assert layout.notices(EMERGENCY.result.shaped) == []


def test_the_reasons_name_the_answers_given():
    flag = EMERGENCY.result.shaped["red_flags"][0]
    for key in EMERGENCY.assessment.hits[0].because:
        assert key.replace("_", " ") in layout.because(flag)


def test_a_child_gets_no_adult_tips_even_with_details():
    blocks = formats.blocks(CHILD.result, details=True)
    tips = {advice.text.for_(CHILD.audience) for advice in KB.triage.medicine_tips}
    shown = {item for block in blocks if isinstance(block, Bullets) for item in block.items}
    assert tips and not tips & shown
