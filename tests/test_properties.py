"""Safety invariants as properties, over answers and medicine names drawn at random."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from spasmcheck.core import interactions
from spasmcheck.core.answers import validate
from spasmcheck.core.model import UNSURE, Audience, Question, QuestionType, Severity
from spasmcheck.core.names import fold
from spasmcheck.core.triage import TriageIndex, assess
from spasmcheck.render import data, layout
from spasmcheck.tables import knowledge

KB = knowledge.load()
QUESTIONS = [q for q in KB.triage.questions if not q.is_medicines]
NAMES = sorted({entry.name for entry in KB.names.entries()})
GENERICS = sorted(KB.interactions.drugs)
FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def alarm_order(question: Question) -> list[Any] | None:
    """The question's answers from calm to alarming, or None when they have no order."""
    if question.is_yes_no:
        calm, alarm = (not question.alarming), question.alarming
        return [calm, UNSURE, alarm] if question.type is QuestionType.YES_NO_UNSURE \
            else [calm, alarm]
    if question.type is QuestionType.CHOICE:
        if not question.ordered:
            return None
        order: list[Any] = []
        for value in question.levels:  # a "not sure" choice sits just after what it reads as
            order += [value, *(u for u, read in question.unsure_reads.items() if read == value)]
        return order
    return None


def answer_for(question: Question) -> st.SearchStrategy[Any]:
    if question.type is QuestionType.NUMBER:
        return st.integers(question.minimum, question.maximum)
    if question.type is QuestionType.CHOICE:
        return st.sampled_from(question.values)
    return st.sampled_from(alarm_order(question) or [])


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, Any]:
    answers = {}
    for question in QUESTIONS:
        if draw(st.booleans()):
            answers[question.id] = draw(answer_for(question))
    if draw(st.booleans()):
        answers["medications"] = draw(st.lists(st.sampled_from(NAMES), max_size=3))
    return answers


def read_as(question: Question, answers: dict[str, Any]) -> Any:
    """How the engine reads a question left out of `answers`: None (calm, so any answer is at
    least as alarming), "unsure", or its alarming answer (stood in for by a medicine)."""
    result = assess(validate(answers, KB.triage), KB)
    if question.id in result.read_as_unsure:
        return UNSURE
    if question.id not in result.unanswered and question.is_yes_no:
        return question.alarming
    return None


def further_from_calm(question: Question, current: int, draw: st.DrawFn) -> int:
    """A number at least as alarming as `current` in the question's declared direction."""
    low, high = question.minimum, question.maximum
    assert low is not None and high is not None
    direction = question.alarming_direction
    if direction == "both":
        assert question.calm is not None
        direction = "up" if current >= question.calm else "down"
    if direction == "up":
        return draw(st.integers(current, high))
    return draw(st.integers(low, current))


@st.composite
def escalations(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """An answer set and the same set with one answer moved toward the alarming side.

    A question left out sits where the engine reads it: calm, or "not sure" for a follow-up
    opened by an alarming answer (and `unsure_when`), or alarming when a listed medicine stands
    in for it. Moving it "toward the alarming side" starts from there.
    """
    base = draw(answer_sets())
    question = draw(st.sampled_from(QUESTIONS))
    worse = dict(base)
    current = base.get(question.id)
    order = alarm_order(question)
    if question.type is QuestionType.NUMBER and question.alarming_direction != "none":
        low, high = question.minimum, question.maximum
        worse[question.id] = draw(st.integers(low, high)) if current is None else \
            further_from_calm(question, current, draw)
    elif order is not None:
        if current is None:
            current = read_as(question, base)
        start = 0 if current is None else order.index(current)
        worse[question.id] = draw(st.sampled_from(order[start:]))
    elif current is None:
        worse[question.id] = draw(answer_for(question))  # answering at all: never calmer
    else:
        extra = draw(st.sampled_from(NAMES))
        worse["medications"] = [*base.get("medications", []), extra]
    return base, worse


def level(answers: dict[str, Any]):
    return assess(validate(answers, KB.triage), KB).urgency


@FAST
@given(escalations())
def test_a_more_alarming_answer_never_lowers_the_urgency(pair):
    base, worse = pair
    assert level(worse) >= level(base), (base, worse)


@FAST
@given(answer_sets(), st.sampled_from([q for q in QUESTIONS if q.unsure_reads]))
def test_not_sure_to_a_choice_is_read_as_its_table_value(answers, question):
    """Fever, injury and weakness offer "not sure", read as the value the table names (a low
    fever, a minor injury, mild weakness): never calmer than that answer."""
    for unsure, read in question.unsure_reads.items():
        assert level({**answers, question.id: unsure}) == level({**answers, question.id: read})


@FAST
@given(answer_sets())
def test_a_question_read_as_not_sure_gives_the_level_of_answering_not_sure(answers):
    """A follow-up left out after an alarming answer (or `improving` past 14 days) is read as
    "not sure", never as no: saying "not sure" outright changes nothing, and it is never listed
    among the questions read as no."""
    result = assess(validate(answers, KB.triage), KB)
    for question_id in result.read_as_unsure:
        assert question_id not in result.unanswered
        assert question_id in result.unanswered_screen
        assert level({**answers, question_id: UNSURE}) == result.urgency, question_id


@FAST
@given(answer_sets(), st.sampled_from([q for q in QUESTIONS if q.is_yes_no]))
def test_yes_to_any_red_flag_question_never_lowers_the_urgency(answers, question):
    assert level({**answers, question.id: question.alarming}) >= level(answers)


@FAST
@given(answer_sets(), st.sampled_from([q for q in QUESTIONS if
                                       q.type is QuestionType.YES_NO_UNSURE]))
def test_not_sure_is_read_as_the_safer_answer(answers, question):
    unsure = level({**answers, question.id: UNSURE})
    assert unsure == level({**answers, question.id: question.alarming})
    assert unsure >= level({**answers, question.id: not question.alarming})


def finding_keys(report) -> set[tuple[str, frozenset[str], str]]:
    return {(i.rule_id, frozenset(i.drugs), i.severity.label) for i in report.findings}


@FAST
@given(st.lists(st.sampled_from(NAMES), min_size=2, max_size=5), st.randoms())
def test_interaction_lookup_is_symmetric(names, rnd):
    shuffled = list(names)
    rnd.shuffle(shuffled)
    assert finding_keys(interactions.check(names, KB)) == \
        finding_keys(interactions.check(shuffled, KB))


@FAST
@given(st.sampled_from([d for d in GENERICS if KB.interactions.drugs[d].brands]),
       st.lists(st.sampled_from(GENERICS), max_size=3), st.data())
def test_brand_and_generic_names_give_the_same_findings(generic, others, draw):
    brand = draw.draw(st.sampled_from(KB.interactions.drugs[generic].brands))
    others = [KB.interactions.drugs[o].name for o in others]
    by_brand = interactions.check([brand, *others], KB)
    by_generic = interactions.check([KB.interactions.drugs[generic].name, *others], KB)
    assert same_findings(by_brand) == same_findings(by_generic)


def same_findings(report):
    """Findings as a person reads them, except that a duplicate names the names as typed."""
    return [(i.kind, i.rule_id, i.drugs, i.severity, i.condition) if i.kind == "same_drug"
            else i for i in report.findings]


@FAST
@given(st.sampled_from(NAMES), st.sampled_from(["upper", "lower", "title", "swapcase"]),
       st.text(" \t-", max_size=3))
def test_case_and_spacing_never_change_a_result(name, case, padding):
    typed = padding + getattr(name, case)() + padding
    assert interactions.check([typed], KB).findings == \
        interactions.check([name], KB).findings


@FAST
@given(st.text(min_size=1, max_size=30).filter(lambda s: s.strip() and KB.names.lookup(s) is None),
       st.lists(st.sampled_from(NAMES), max_size=2))
def test_a_name_not_fully_recognised_never_yields_no_interaction(junk, known):
    report = interactions.check([junk, *known], KB)
    assert report.incomplete
    shaped = data.interactions_result(report, KB, Audience.PATIENT)
    assert shaped["summary"]["unknown"] + shaped["summary"]["partial"] >= 1
    verdict = layout.interactions_blocks(shaped)[0]
    assert "NO INTERACTION FOUND" not in verdict.title


# --- names as labels write them ----------------------------------------------------------------
# Written here, not read from data/names.yaml: what labels and records put around a name.
STRENGTHS = ["50 mg", "50mg", "0.25 MG", "5 MG/ML", "25 mcg/hr", "0.1%", "100 UNT/ML", "5/325",
             "10-325", "7.5 mg/325 mg", "1 g", "2.5ml"]
FORMS = ["tablet", "tabs", "Oral Tablet", "capsule", "caps", "ODT", "Oral Solution",
         "Prefilled Syringe", "Transdermal System", "patch", "gel", "cream", "inhaler",
         "lozenge", "suppository", "Chewable Tablet", "(topical)", "(nasal)"]
SALTS = ["hydrochloride", "HCl", "sodium", "potassium", "sulfate", "bitartrate", "phosphate",
         "tartrate", "succinate", "citrate", "maleate", "mesylate", "hydrobromide", "besylate",
         "fumarate"]
RELEASE = ["ER", "XR", "XL", "SR", "CR", "DR", "EC", "Extended Release", "Delayed Release"]
LEADING = ["24 HR", "0.3 ML", "120 ACTUAT", "Abuse-Deterrent 12 HR"]
FREE_TEXT = ["at night", "at bedtime", "twice a day", "prn", "as needed", "daily"]


def recase(name: str, flips: list[bool]) -> str:
    """Upper or lower case letter by letter, as Tall Man letters and caps lock do."""
    return "".join(c.upper() if flip else c.lower()
                   for c, flip in zip(name, flips + [False] * len(name), strict=False))


@FAST
@given(st.sampled_from(KB.names.entries()),
       st.lists(st.sampled_from(SALTS + RELEASE + STRENGTHS + FORMS), max_size=4),
       st.lists(st.sampled_from(LEADING), max_size=1),
       st.lists(st.sampled_from(FREE_TEXT), max_size=1),
       st.lists(st.booleans(), max_size=40))
def test_strength_form_salt_release_and_case_never_change_a_name(
        entry, after, before, free_text, flips):
    typed = " ".join([*before, recase(entry.name, flips), *after, *free_text])
    resolution = KB.names.resolve(typed)
    assert resolution.status == "known", typed
    assert set(resolution.drugs) == set(entry.drugs), typed


ABBREVIATIONS = {"apap": "acetaminophen", "hctz": "hydrochlorothiazide", "asa": "aspirin"}
WORDS = st.one_of(st.sampled_from(NAMES), st.sampled_from(STRENGTHS + FORMS + SALTS + RELEASE),
                  st.sampled_from(["PM", "DM", "D", "Sinus", "Plus", "with", "and", "/", "-",
                                   "(", ")", "[", "]", "&", "APAP", "as a", "co"]),
                  st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6))


@FAST
@given(st.lists(WORDS, min_size=1, max_size=6), st.sampled_from(["", " ", "-", "/"]))
def test_a_name_never_resolves_to_a_medicine_it_does_not_name(parts, glue):
    typed = glue.join(parts)
    folded = fold(typed)
    for drug in KB.names.resolve(typed).drugs:
        names = [e.name for e in KB.names.entries() if drug in e.drugs]
        names += [short for short, full in ABBREVIATIONS.items() if full == drug]
        assert any(fold(name) in folded for name in names), (typed, drug)


def pair_rules_one_by_one(first, second):
    """The pair rules between two drugs, read straight from the table: the engine's spec."""
    rules = KB.interactions.rules
    matched = [r for r in rules if (r.a.matches(first) and r.b.matches(second))
               or (r.a.matches(second) and r.b.matches(first))]
    replaced = {old for rule in matched for old in rule.replaces}
    return {rule.id for rule in matched if rule.id not in replaced}


@FAST
@given(st.lists(st.sampled_from(GENERICS), min_size=1, max_size=8),
       st.sampled_from(KB.interactions.candidates))
@example(["dextroamphetamine", "amphetamine"], "cyclobenzaprine")  # forms listed out of id order
def test_pair_findings_are_the_table_rules_for_each_pair(generics, candidate):
    """Every pair of distinct drugs gets exactly the table's rules, candidate pairs included;
    two forms of one active moiety are a duplicate, never a pair, and meet a partner once."""
    drugs = KB.interactions.drugs
    report = interactions.check([drugs[g].name for g in generics],
                                KB, drugs[candidate])
    given_drugs = list(dict.fromkeys([candidate, *generics]))
    named: dict[tuple[str, frozenset[str]], tuple[str, str]] = {}
    for i, first in enumerate(given_drugs):
        for second in given_drugs[i + 1:]:
            moieties = frozenset((drugs[first].active, drugs[second].active))
            if len(moieties) == 1:
                continue
            for rule in pair_rules_one_by_one(drugs[first], drugs[second]):
                # forms of one moiety meet a partner once, named by the forms first in id order
                kept = named.get((rule, moieties))
                if kept is None or sorted((first, second)) < sorted(kept):
                    named[rule, moieties] = (first, second)
    expected = {(rule, *pair) for (rule, _), pair in named.items()}
    found = {(i.rule_id, *i.drugs) for i in report.findings if i.kind == "pair"}
    assert found == expected
    severities = [i.severity for i in report.findings]
    assert severities == sorted(severities, reverse=True)


PRODUCTS = [p.name for p in KB.interactions.products]


@FAST
@given(st.sampled_from(PRODUCTS), st.lists(st.sampled_from(NAMES), max_size=3),
       st.sampled_from(KB.interactions.candidates))
def test_ingredients_of_one_product_are_never_paired_with_each_other(product, others, candidate):
    ingredients = set(KB.names.lookup(product).drugs)
    report = interactions.check([product, *others], KB, KB.interactions.drugs[candidate])
    assert not [i for i in report.findings if i.kind == "pair" and set(i.drugs) <= ingredients]


@FAST
@given(st.lists(st.sampled_from(GENERICS), min_size=1, max_size=6),
       st.sampled_from(KB.interactions.candidates), st.integers(0, 110))
def test_an_unknown_age_never_hides_a_finding_a_known_age_gives(generics, candidate, age):
    """Rules for an age group are shown when no age is given: not knowing is not read as young."""
    names = [KB.interactions.drugs[g].name for g in generics]
    drug = KB.interactions.drugs[candidate]
    unknown = {(i.rule_id, i.drugs, i.severity) for i in interactions.check(names, KB, drug)
               .findings if i.kind != "caution"}
    known = {(i.rule_id, i.drugs, i.severity) for i in interactions.check(names, KB, drug,
                                                                          age=age).findings
             if i.kind != "caution"}
    assert known <= unknown


@FAST
@given(st.lists(st.sampled_from(GENERICS), min_size=1, max_size=5),
       st.sampled_from(KB.interactions.candidates),
       st.sampled_from(sorted(KB.interactions.conditions)))
def test_a_caution_applies_to_every_listed_medicine_that_has_it(generics, candidate, condition):
    drugs = KB.interactions.drugs
    report = interactions.check([drugs[g].name for g in generics], KB, drugs[candidate],
                                [condition])
    warned = {(i.rule_id, drugs[i.drugs[0]].active) for i in report.findings
              if i.kind == "caution"}
    for drug_id in {candidate, *generics}:
        for caution in KB.interactions.cautions:
            if caution.condition == condition and caution.drug.matches(drugs[drug_id]):
                assert (caution.id, drugs[drug_id].active) in warned, (caution.id, drug_id)


CLASSES = sorted({c for drug in KB.interactions.drugs.values() for c in drug.all_classes})


@st.composite
def facts(draw: st.DrawFn) -> Any:
    """What conditions read: answers (some left out, "unsure" made alarming as assess does),
    and the classes and drugs of the medicines taken."""
    from spasmcheck.core.conditions import Facts
    from spasmcheck.core.triage import effective_values

    values = effective_values(validate(draw(answer_sets()), KB.triage), KB)
    drugs = draw(st.sets(st.sampled_from(GENERICS), max_size=3))
    classes = frozenset().union(*(KB.interactions.drugs[d].all_classes for d in drugs))
    return Facts(values, classes | draw(st.sets(st.sampled_from(CLASSES), max_size=2)),
                 frozenset(drugs))


@pytest.mark.long
@settings(max_examples=400, deadline=None)
@given(facts())
def test_the_generated_red_flag_tests_agree_with_the_conditions(facts_now):
    """The one-call test of every red-flag tier (conditions.first_holding) fires exactly the
    tiers the conditions themselves say hold: a flag it missed would under-triage."""
    from spasmcheck.core.conditions import compile_condition, first_holding

    groups = [[tier.when for tier in flag.tiers] for flag in KB.triage.red_flags]
    groups += [[q.ask_when] for q in KB.triage.questions if q.ask_when is not None]
    expected = []
    for group_number, group in enumerate(groups):
        for number, condition in enumerate(group):
            if compile_condition(condition)(facts_now) is not None:
                expected.append((group_number, number))
                break
    assert first_holding(groups)(facts_now) == expected
    # and the same test as loaded with compiled tables, from the plan they carry
    flags = len(KB.triage.red_flags)
    assert _carried_index().holding(facts_now) == [hit for hit in expected if hit[0] < flags]


@functools.cache
def _carried_index() -> TriageIndex:
    """A TriageIndex of the tables as a run loads them compiled (`holding` from their plan)."""
    loaded = knowledge._unpickled(knowledge._pickled(KB))
    assert loaded is not None
    return TriageIndex(loaded)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(GENERICS), min_size=2, max_size=6),
       st.sampled_from(sorted(KB.interactions.candidates)))
def test_findings_that_hold_for_certain_come_before_those_shown_for_an_unknown_age(
        generics, candidate):
    """Within one severity (and the candidate's own findings first), a finding that applies
    whatever the person's age is never listed below one shown only because no age was given."""
    names = [KB.interactions.drugs[g].name for g in generics]
    found = interactions.check(names, KB, KB.interactions.drugs[candidate]).findings
    for earlier, later in zip(found, found[1:], strict=False):
        same_rank = (earlier.severity == later.severity
                     and (earlier.drugs[0] == candidate) == (later.drugs[0] == candidate))
        if same_rank:
            assert not (earlier.applies_from_age is not None and later.applies_from_age is None)


def test_a_definite_major_finding_is_listed_before_an_older_adults_one():
    found = interactions.check(["sertraline", "tramadol"], KB,
                               KB.interactions.drugs["cyclobenzaprine"]).findings
    majors = [i for i in found if i.severity is Severity.MAJOR and i.drugs[0] == "cyclobenzaprine"]
    assert any(i.applies_from_age for i in majors) and majors[0].applies_from_age is None
