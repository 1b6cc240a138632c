"""Issue 13, interactions half: the over-calls, under-calls and wrong facts of a clinical review.

Each test names the item of the review it holds to. They read the built-in tables through the
engine, the way a person's list of medicines is checked.
"""

from __future__ import annotations

import re

import pytest

from spasmcheck.core import interactions
from spasmcheck.core.answers import validate
from spasmcheck.core.model import Severity
from spasmcheck.core.triage import assess


def check(kb, *meds: str, candidate: str = "cyclobenzaprine", **kwargs):
    return interactions.check(list(meds), kb, interactions.candidate_drug(kb, candidate), **kwargs)


def pair_severity(kb, med: str, candidate: str = "cyclobenzaprine") -> Severity | None:
    found = [i.severity for i in check(kb, med, candidate=candidate).findings
             if i.kind == "pair"]
    return max(found, default=None)


# --- 8. one product, one moiety ------------------------------------------------------------------


@pytest.mark.parametrize("product", ["Adderall", "Fioricet with Codeine",
                                     "Soma Compound with Codeine", "Symbyax", "Lomotil"])
def test_ingredients_of_one_product_are_never_paired_with_each_other(kb, product):
    ingredients = set(kb.names.lookup(product).drugs)
    for candidate in ("cyclobenzaprine", "tizanidine", "ibuprofen"):
        report = check(kb, product, candidate=candidate)
        inside = [i.rule_id for i in report.findings
                  if i.kind == "pair" and set(i.drugs) <= ingredients]
        assert inside == [], (product, candidate, inside)


def test_adderall_is_one_amphetamine_not_a_serotonergic_pair_or_three_cns_drugs(kb):
    for age in (None, 30, 80):
        report = check(kb, "Adderall", age=age)
        assert not [i for i in report.findings if i.kind == "group"], age
        serotonergic = [i for i in report.findings if i.rule_id ==
                        "serotonergic_cyclobenzaprine"]
        assert len(serotonergic) <= 1, "amphetamine meets cyclobenzaprine once, not per salt"


def test_each_active_moiety_counts_once_in_a_group_rule(kb):
    """Celexa and Lexapro are one moiety (citalopram): with cyclobenzaprine that is two Beers
    CNS-active drugs, not three."""
    report = check(kb, "Celexa", "Lexapro", age=80)
    assert not [i for i in report.findings if i.rule_id == "beers_three_cns_active"]
    assert [i.rule_id for i in report.findings if i.kind == "same_drug"] == ["same_drug"]


def test_the_same_generic_named_twice_is_a_possible_duplicate_supply(kb):
    report = check(kb, "Zoloft", "sertraline")
    twice = [i for i in report.findings if i.kind == "same_drug"]
    assert [(i.rule_id, i.drugs) for i in twice] == [("listed_twice", ("sertraline",))]
    words = twice[0].finding.effect.patient + " " + twice[0].finding.advice.patient
    assert "Zoloft" in words and "sertraline" in words and "two supplies" in words
    assert "double dose" not in twice[0].finding.effect.patient.lower()
    assert "do not take both" not in words.lower()


def test_the_candidate_already_on_the_list_is_named_as_such(kb):
    report = check(kb, "Flexeril")
    assert [(i.kind, i.rule_id) for i in report.findings] == [("same_drug", "already_taking")]
    assert "Flexeril" in report.findings[0].finding.effect.patient


def test_one_ingredient_in_two_different_products_names_both(kb):
    report = check(kb, "Tylenol", "Percocet")
    same = [i for i in report.findings if i.kind == "same_drug"]
    assert [(i.rule_id, i.drugs) for i in same] == [("same_drug", ("acetaminophen",))]
    assert "Tylenol and Percocet" in same[0].finding.effect.patient


# --- 9. rules written for people 65 and over -----------------------------------------------------


def test_a_beers_rule_does_not_fire_below_65(kb):
    young = check(kb, "gabapentin", "lamotrigine", candidate="duloxetine", age=30)
    assert young.worst is Severity.MODERATE
    assert all(not i.rule_id.startswith("beers_") for i in young.findings)
    old = check(kb, "gabapentin", "lamotrigine", candidate="duloxetine", age=70)
    group = [i for i in old.findings if i.rule_id == "beers_three_cns_active"]
    assert group and group[0].severity is Severity.MAJOR and group[0].applies_from_age is None


def test_with_no_age_a_beers_rule_says_it_applies_from_65(kb):
    report = check(kb, "gabapentin", "lamotrigine")
    group = [i for i in report.findings if i.rule_id == "beers_three_cns_active"]
    assert group and group[0].applies_from_age == 65
    assert "65" in group[0].finding.effect.patient
    assert group[0].severity is Severity.MAJOR, "an unknown age is not read as young"


def test_beers_counts_only_its_own_cns_active_classes(kb):
    """Stimulants, alcohol and antihistamines are not on the Beers CNS-active list."""
    report = check(kb, "Adderall", "alcohol", age=80)
    assert not [i for i in report.findings if i.rule_id == "beers_three_cns_active"]


# --- 10. a more specific rule never quietly lowers a class rule ----------------------------------


@pytest.mark.parametrize("pill", ["Yasmin", "ethinyl estradiol", "Microgynon"])
def test_tizanidine_with_the_pill_is_major(kb, pill):
    assert pair_severity(kb, pill, "tizanidine") is Severity.MAJOR


def test_every_rule_that_replaces_a_more_severe_one_says_why(kb):
    rules = {rule.id: rule for rule in kb.interactions.rules}
    for rule in rules.values():
        stronger = [r for r in rule.replaces if rules[r].finding.severity > rule.finding.severity]
        assert not stronger or rule.lowered_because, (rule.id, stronger)


# --- 11. blood-pressure medicines ----------------------------------------------------------------


BLOOD_PRESSURE = ["lisinopril", "amlodipine", "metoprolol", "losartan", "hydrochlorothiazide",
                  "Zestoretic", "doxazosin", "tamsulosin", "hydralazine", "furosemide"]


@pytest.mark.parametrize("med", BLOOD_PRESSURE)
@pytest.mark.parametrize("candidate", ["cyclobenzaprine", "tizanidine", "baclofen", "duloxetine"])
def test_blood_pressure_medicines_are_never_silent_with_dizzying_candidates(kb, med, candidate):
    assert (pair_severity(kb, med, candidate) or 0) >= Severity.MODERATE


def test_blood_pressure_finding_is_monitor_level_not_an_alarm(kb):
    assert pair_severity(kb, "lisinopril") is Severity.MODERATE


# --- 12. serotonergic rules rated by their evidence ----------------------------------------------


@pytest.mark.parametrize("med", ["sertraline", "venlafaxine", "amitriptyline", "tramadol",
                                 "bupropion", "meperidine", "verapamil", "phenelzine"])
def test_label_named_serotonergic_drugs_stay_at_least_major(kb, med):
    assert pair_severity(kb, med) >= Severity.MAJOR


@pytest.mark.parametrize("med", ["ondansetron", "Zofran", "granisetron"])
def test_5ht3_antagonists_are_monitor_level_with_the_qt_note_kept(kb, med):
    report = check(kb, med)
    rules = {i.rule_id: i.severity for i in report.findings if i.kind == "pair"}
    assert report.worst is Severity.MODERATE
    assert "qt_cyclobenzaprine" in rules
    assert any("serotonergic" in rule for rule in rules)


def test_serotonergic_rule_names_only_what_its_label_names(kb):
    rule = next(r for r in kb.interactions.rules if r.id == "serotonergic_cyclobenzaprine")
    assert "amrix_pi_5_1" in rule.finding.sources
    text = rule.finding.effect.clinician
    for named in ("SSRIs", "SNRIs", "TCAs", "tramadol", "bupropion", "meperidine", "verapamil",
                  "MAO inhibitors"):
        assert named in text
    assert "label" in text


# --- 13. pairs the labels name -------------------------------------------------------------------


def test_baclofen_with_lithium(kb):
    assert pair_severity(kb, "lithium", "baclofen") >= Severity.MODERATE


@pytest.mark.parametrize("potassium", ["potassium chloride", "Klor-Con", "K-Tab",
                                       "potassium citrate", "Urocit-K"])
@pytest.mark.parametrize("candidate", ["cyclobenzaprine", "orphenadrine"])
def test_potassium_tablets_with_anticholinergic_drugs(kb, potassium, candidate):
    assert pair_severity(kb, potassium, candidate) >= Severity.MAJOR
    report = check(kb, potassium, "oxybutynin", candidate="ibuprofen")
    assert any(set(i.drugs) == {"oxybutynin", kb.names.lookup(potassium).drugs[0]}
               for i in report.findings if i.kind == "pair")


@pytest.mark.parametrize("med", ["deferasirox", "Exjade", "obeticholic acid", "osilodrostat",
                                 "vemurafenib", "rucaparib", "methoxsalen", "thiabendazole",
                                 "interferon alfa", "peginterferon alfa", "Pegasys"])
def test_cyp1a2_inhibitors_named_in_other_labels_with_tizanidine(kb, med):
    assert pair_severity(kb, med, "tizanidine") >= Severity.MAJOR


@pytest.mark.parametrize("med", ["fingolimod", "Gilenya", "siponimod", "ozanimod", "ponesimod"])
def test_s1p_modulators_with_tizanidine(kb, med):
    assert pair_severity(kb, med, "tizanidine") >= Severity.MAJOR


@pytest.mark.parametrize("med", ["leflunomide", "teriflunomide", "Aubagio", "methotrexate"])
def test_liver_risk_drugs_with_tizanidine(kb, med):
    report = check(kb, med, candidate="tizanidine")
    assert any(i.rule_id == "tizanidine_hepatotoxic" for i in report.findings)
    assert report.worst >= Severity.MAJOR


@pytest.mark.parametrize("med", ["cetirizine", "Zyrtec", "levocetirizine", "Xyzal"])
def test_cetirizine_adds_drowsiness(kb, med):
    assert pair_severity(kb, med) >= Severity.MODERATE
    assert pair_severity(kb, "loratadine") is None


def test_diphenoxylate_is_not_a_full_opioid_at_lomotil_doses(kb):
    for candidate in ("cyclobenzaprine", "tizanidine", "baclofen", "carisoprodol"):
        report = check(kb, "Lomotil", candidate=candidate)
        assert all("opioid" not in i.rule_id for i in report.findings), candidate
        assert report.worst is not None and report.worst <= Severity.MODERATE, candidate
    with_benzo = check(kb, "Lomotil", "diazepam")
    assert "opioid_benzodiazepine" not in {i.rule_id for i in with_benzo.findings}
    assert pair_severity(kb, "Lomotil") >= Severity.MODERATE, "still a CNS depressant"


# --- 14. cautions for every listed medicine ------------------------------------------------------


def test_pregnant_and_taking_ibuprofen_is_warned(kb):
    report = check(kb, "ibuprofen", conditions=["pregnancy"])
    about = [(i.rule_id, i.drugs, i.severity) for i in report.findings if i.kind == "caution"]
    assert ("nsaid_pregnancy", ("ibuprofen",), Severity.MAJOR) in about


def test_the_readme_heart_failure_example_warns_about_the_ibuprofen(kb):
    report = check(kb, "ibuprofen", conditions=["heart_failure"], age=70)
    cautions = {(i.rule_id, i.drugs[0]) for i in report.findings if i.kind == "caution"}
    assert ("nsaid_heart_failure", "ibuprofen") in cautions
    assert ("nsaid_age_65", "ibuprofen") in cautions
    assert ("cyclobenzaprine_heart_failure", "cyclobenzaprine") in cautions


@pytest.mark.parametrize("med", ["diclofenac", "Aleve", "meloxicam", "Advil PM"])
def test_every_nsaid_on_the_list_gets_the_nsaid_cautions(kb, med):
    report = check(kb, med, conditions=["pregnancy", "stomach_ulcer"])
    assert {"nsaid_pregnancy", "nsaid_stomach_ulcer"} <= {i.rule_id for i in report.findings}


def test_triage_warns_a_pregnant_person_taking_ibuprofen(kb):
    answers = validate({"location": "lower_back", "duration_days": 3, "age": 30,
                        "trauma": "none", "weakness": "none", "fever": "none",
                        "improving": True, "pregnant": True, "medications": ["ibuprofen"]},
                       kb.triage)
    found = assess(answers, kb).medicine_check.findings
    assert any(i.rule_id == "nsaid_pregnancy" and i.drugs == ("ibuprofen",) for i in found)


# --- 15. citations -------------------------------------------------------------------------------


def test_metabolism_facts_cite_the_pharmacokinetics_section(kb):
    for rule in kb.interactions.rules:
        if rule.b.id == "cyclobenzaprine" and "CYP" in rule.a.id.upper():
            assert "amrix_pi_12_3" in rule.finding.sources, rule.id
            assert "amrix_pi_8" not in rule.finding.sources, rule.id
    assert "12.3" in (kb.interactions.sources["amrix_pi_12_3"].section or "")


def test_an_author_named_in_a_rule_is_one_of_its_sources(kb):
    tables = kb.interactions
    for rule in (*tables.rules, *tables.group_rules, *tables.cautions):
        text = rule.finding.effect.clinician + " " + rule.finding.advice.clinician
        for author in re.findall(r"\b([A-Z][a-z]+) (?:et al\.? )?(?:19|20)\d\d\b", text):
            titles = " ".join(tables.sources[s].title for s in rule.finding.sources)
            assert author in titles, (rule.id, author)


SECONDARY = {"drugs_com_multum", "texas_vdp_smr_dur"}


def test_every_rule_has_a_primary_source_not_only_a_database(kb):
    tables = kb.interactions
    for rule in (*tables.rules, *tables.group_rules, *tables.cautions):
        assert set(rule.finding.sources) - SECONDARY, rule.id


# --- the same kinds of gap elsewhere in the table ---------------------------------------------


def test_verapamil_is_serotonergic_only_where_a_label_says_so(kb):
    """The cyclobenzaprine label names verapamil; no other label makes it a serotonergic drug,
    so it is not contraindicated with an MAO inhibitor, nor a serotonin risk with an SSRI."""
    assert pair_severity(kb, "verapamil") is Severity.MAJOR
    own = check(kb, "verapamil", "phenelzine", "sertraline", "metaxalone")
    between = {i.rule_id for i in own.findings
               if i.kind == "pair" and "verapamil" in i.drugs and "cyclobenzaprine" not in i.drugs}
    assert not {rule for rule in between if "serotonergic" in rule or "maoi" in rule}, between


def test_an_mao_inhibitor_with_ondansetron_is_major_not_contraindicated(kb):
    report = check(kb, "ondansetron", "phenelzine")
    own = [i for i in report.findings if set(i.drugs) == {"ondansetron", "phenelzine"}]
    assert [i.severity for i in own] == [Severity.MAJOR]


def test_s1p_modulators_with_other_heart_rate_lowering_drugs(kb):
    for other in ("metoprolol", "diltiazem", "verapamil", "digoxin", "clonidine"):
        report = check(kb, "fingolimod", other)
        assert any(i.rule_id == "s1p_modulator_heart_rate_lowering" for i in report.findings), \
            other


@pytest.mark.parametrize("med", ["levofloxacin", "moxifloxacin", "ofloxacin", "Levaquin"])
def test_every_fluoroquinolone_is_a_cyp1a2_inhibitor_with_tizanidine(kb, med):
    """The Zanaflex label names fluoroquinolones other than ciprofloxacin among the CYP1A2
    inhibitors to avoid."""
    assert pair_severity(kb, med, "tizanidine") >= Severity.MAJOR


SEED_PAGES = {"seed_clinician", "seed_consumer"}


def test_nothing_rests_on_the_seed_clinician_page_alone_unless_it_says_so(kb):
    """Issue 13 item 15: a rule or piece of advice whose only source is the seed page has a
    primary source too, or its clinician text says the evidence is expert opinion."""
    tables = kb.triage
    cited = [(f.id, f.sources, "") for f in tables.red_flags]
    for section in ("self_care", "safety_net", "medicine_tips", "clinician_guidance"):
        cited += [(f"{section}: {item.text.clinician[:40]}", item.sources, item.text.clinician)
                  for item in getattr(tables, section)]
    cited += [(rule.id, rule.finding.sources, rule.finding.advice.clinician)
              for rule in kb.interactions.rules]
    alone = [name for name, sources, words in cited
             if "seed_clinician" in sources and set(sources) <= SEED_PAGES
             and "expert opinion" not in words.lower()]
    assert not alone, alone


def test_self_care_never_offers_an_anti_inflammatory_without_its_exceptions(kb):
    """Self-care advice is shown to everyone at a calm level, pregnant or not, on blood
    thinners or not (H-21): a painkiller tip that names an anti-inflammatory says who must not
    take one, in both registers."""
    said = [advice.text for advice in kb.triage.self_care
            if re.search(r"ibuprofen|nsaid|anti-inflammator", advice.text.clinician + " "
                         + advice.text.patient, re.IGNORECASE)]
    assert said, "the painkiller tip is still there"
    for text in said:
        patient, clinician = text.patient.lower(), text.clinician.lower()
        for exception in ("pregnan", "kidney", "heart", "stomach", "blood thinner"):
            assert exception in patient, (exception, text.patient)
        for exception in ("20 weeks", "renal", "heart failure", "peptic ulcer", "anticoagulant"):
            assert exception in clinician, (exception, text.clinician)
        assert "pharmacist" in patient  # asked first, not told to take one
