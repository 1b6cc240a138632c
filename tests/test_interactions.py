"""The interaction engine: class and pair rules, groups, duplicates, cautions, unknown names."""

from __future__ import annotations

import pytest

from spasmcheck.core import interactions
from spasmcheck.core.errors import UsageError
from spasmcheck.core.model import Severity


def severity_between(kb, med: str, candidate: str = "cyclobenzaprine") -> Severity | None:
    report = interactions.check([med], kb, interactions.candidate_drug(kb, candidate))
    found = [i.severity for i in report.findings if i.kind == "pair"]
    return max(found, default=None)


@pytest.mark.parametrize(("med", "severity"), [
    ("phenelzine", Severity.CONTRAINDICATED),
    ("Nardil", Severity.CONTRAINDICATED),
    ("tranylcypromine", Severity.CONTRAINDICATED),
    ("selegiline", Severity.CONTRAINDICATED),
    ("rasagiline", Severity.CONTRAINDICATED),
    ("sertraline", Severity.MAJOR),
    ("fluoxetine", Severity.MAJOR),
    ("venlafaxine", Severity.MAJOR),
    ("duloxetine", Severity.MAJOR),
    ("amitriptyline", Severity.MAJOR),
    ("tramadol", Severity.MAJOR),
    ("bupropion", Severity.MAJOR),
    ("oxycodone", Severity.MAJOR),
])
def test_cyclobenzaprine_label_interactions(kb, med, severity):
    assert severity_between(kb, med) is severity


@pytest.mark.parametrize("med", ["alcohol", "diazepam", "zolpidem", "gabapentin",
                                 "diphenhydramine", "oxybutynin"])
def test_cns_and_anticholinergic_medicines_are_flagged(kb, med):
    found = severity_between(kb, med)
    assert found is not None and found >= Severity.MODERATE


@pytest.mark.parametrize("med", ["acetaminophen", "metformin", "atorvastatin",
                                 "levothyroxine", "omeprazole", "amoxicillin"])
def test_known_medicines_with_nothing_relevant(kb, med):
    report = interactions.check([med], kb)
    assert report.medications[0].known
    assert [i for i in report.findings if i.kind == "pair"] == []
    assert report.unknown == ()


def test_tizanidine_with_fluvoxamine_and_ciprofloxacin_is_contraindicated(kb):
    assert severity_between(kb, "fluvoxamine", "tizanidine") is Severity.CONTRAINDICATED
    assert severity_between(kb, "Cipro", "tizanidine") is Severity.CONTRAINDICATED


def test_lookup_is_symmetric_and_candidate_is_listed_first(kb):
    forward = interactions.check(["sertraline", "phenelzine"], kb)
    backward = interactions.check(["phenelzine", "sertraline"], kb)
    key = {(i.rule_id, frozenset(i.drugs)) for i in forward.findings}
    assert key == {(i.rule_id, frozenset(i.drugs)) for i in backward.findings}
    assert all(i.drugs[0] == "cyclobenzaprine" for i in forward.findings
               if "cyclobenzaprine" in i.drugs and i.kind == "pair")


def test_pairs_among_the_persons_own_medicines_are_checked(kb):
    report = interactions.check(["phenelzine", "sertraline"], kb)
    own = [i for i in report.findings if set(i.drugs) == {"phenelzine", "sertraline"}]
    assert own and own[0].severity is Severity.CONTRAINDICATED


def test_findings_are_most_severe_first(kb):
    report = interactions.check(["alcohol", "phenelzine", "sertraline", "oxybutynin"], kb)
    severities = [i.severity for i in report.findings]
    assert severities == sorted(severities, reverse=True)
    assert report.worst is Severity.CONTRAINDICATED


def test_more_specific_rule_replaces_the_class_rule(kb):
    report = interactions.check(["phenelzine"], kb)
    pair = [i for i in report.findings if i.kind == "pair"]
    assert [i.severity for i in pair].count(Severity.CONTRAINDICATED) >= 1
    rules = {i.rule_id for i in pair}
    replaced = set().union(*(r.replaces for r in kb.interactions.rules if r.id in rules))
    assert not rules & replaced


def test_three_cns_active_medicines_fire_the_group_rule(kb):
    report = interactions.check(["oxycodone", "diazepam"], kb)
    groups = [i for i in report.findings if i.kind == "group"]
    assert groups, "cyclobenzaprine + an opioid + a benzodiazepine are three CNS-active drugs"
    assert set(groups[0].drugs) >= {"cyclobenzaprine", "oxycodone", "diazepam"}


def test_candidate_already_taken_is_a_duplicate_not_an_interaction(kb):
    report = interactions.check(["Flexeril"], kb)
    assert [i.kind for i in report.findings] == ["same_drug"]


def test_same_ingredient_in_two_products_is_flagged(kb):
    report = interactions.check(["Tylenol", "Percocet"], kb)
    duplicates = [i for i in report.findings if i.kind == "same_drug"]
    assert duplicates and duplicates[0].drugs == ("acetaminophen",)


def test_ingredients_of_different_products_meet_however_many_products_are_listed(kb):
    """Midol PM and Excedrin PM are both acetaminophen with diphenhydramine: listing the two
    must not make a third product's ingredient (tiotropium) look like one of theirs."""
    alone = interactions.check(["diphenhydramine", "tiotropium"], kb)
    expected = {(i.rule_id, i.drugs) for i in alone.findings
                if i.kind == "pair" and "cyclobenzaprine" not in i.drugs}
    report = interactions.check(["Midol PM", "Pataday", "Excedrin PM", "tiotropium/olodaterol"],
                                kb)
    assert [m.status for m in report.medications] == ["known"] * 4
    assert expected
    assert expected <= {(i.rule_id, i.drugs) for i in report.findings if i.kind == "pair"}


def test_brand_and_generic_give_the_same_findings(kb):
    brand = interactions.check(["Zoloft", "Ultram"], kb).findings
    generic = interactions.check(["sertraline", "tramadol"], kb).findings
    assert brand == generic


def test_unknown_name_is_never_no_interaction(kb):
    report = interactions.check(["sertralin"], kb)
    assert report.findings == ()
    assert [m.input for m in report.unknown] == ["sertralin"]
    assert "sertraline" in report.unknown[0].suggestions


@pytest.mark.parametrize(("condition", "severity"), [
    ("hyperthyroidism", Severity.CONTRAINDICATED),
    ("heart_failure", Severity.CONTRAINDICATED),
    ("recent_heart_attack", Severity.CONTRAINDICATED),
    ("arrhythmia", Severity.CONTRAINDICATED),
])
def test_cyclobenzaprine_condition_cautions(kb, condition, severity):
    report = interactions.check([], kb, conditions=[condition])
    assert [(i.kind, i.condition, i.severity) for i in report.findings] == [
        ("caution", condition, severity)]


def test_age_caution_applies_from_65(kb):
    assert not interactions.check([], kb, age=64).findings
    older = interactions.check([], kb, age=65).findings
    assert older and older[0].kind == "caution" and older[0].condition is None


def test_conditions_resolve_from_aliases(kb):
    assert interactions.resolve_condition(kb, "overactive thyroid") == "hyperthyroidism"
    with pytest.raises(UsageError, match="^condition 'grumpiness' is not .*hyperthyroidism"):
        interactions.resolve_condition(kb, "grumpiness")


def test_every_candidate_is_accepted_and_others_refused(kb):
    for candidate in kb.interactions.candidates:
        assert interactions.candidate_drug(kb, candidate).id == candidate
    assert interactions.candidate_drug(kb, "Zanaflex").id == "tizanidine"
    with pytest.raises(UsageError, match="^drug 'sertraline' is not .*cyclobenzaprine"):
        interactions.candidate_drug(kb, "sertraline")  # the field, not a command-line option


def test_children_get_the_under_age_caution(kb):
    child = interactions.check([], kb, age=10).findings
    assert [(i.kind, i.rule_id) for i in child] == [("caution", "cyclobenzaprine_under_15")]
    assert not interactions.check([], kb, age=15).findings
    teen = interactions.check([], kb, interactions.candidate_drug(kb, "carisoprodol"), age=15)
    assert any(i.rule_id == "carisoprodol_under_16" for i in teen.findings)


def test_every_pair_rule_is_reported_for_two_drugs_its_sides_name(kb):
    """Each rule, met by the first drug each of its sides names (a drug, or one drug of the
    class), is reported, or a rule that replaces it is: no rule is lost in working out which
    rules a drug's id and classes reach."""
    tables = kb.interactions
    candidate = tables.drugs[tables.default_candidate]
    replacing = {rule.id: {other.id for other in tables.rules if rule.id in other.replaces}
                 for rule in tables.rules}
    checked = 0
    for rule in tables.rules:
        a = [drug for drug in tables.drugs.values() if rule.a.matches(drug)]
        b = [drug for drug in tables.drugs.values() if rule.b.matches(drug)]
        pairs = [(x, y) for x in a[:3] for y in b[:3] if x.active != y.active
                 and candidate.active not in (x.active, y.active)]
        if not pairs:
            continue
        x, y = pairs[0]
        found = interactions.check([x.id, y.id], kb, candidate).findings
        ids = {finding.rule_id for finding in found if set(finding.drugs) == {x.id, y.id}}
        assert ids & ({rule.id} | replacing[rule.id]), (rule.id, x.id, y.id)
        checked += 1
    assert checked > len(tables.rules) // 2
