"""Class audit: each medicine carries every interaction class its label or reference list supports.

Most rules are class rules, so a medicine missing a class reads "nothing found" for every rule of
that class (docs/SAFETY.md H-115). Each case names the class, why the medicine belongs to it, and
the source id in `data/interactions.yaml` that says so. QT membership follows the CredibleMeds
known and possible risk lists; anticholinergic membership follows AGS Beers 2023 Table 7 (strong
anticholinergics), not the wider ACB scale, because the class drives a major rule (solid
potassium) and the Beers two-anticholinergic rule.
"""

from __future__ import annotations

import pytest

from spasmcheck.core import interactions
from spasmcheck.core.model import KnowledgeBase, Severity

C = Severity.CONTRAINDICATED
MAJ = Severity.MAJOR
MOD = Severity.MODERATE

# (drug, class it must have, why, source id)
MEMBERSHIPS: list[tuple[str, str, str, str]] = [
    # antiepileptics: somnolence, dizziness or cognitive slowing in section 5; driving and alcohol
    ("levetiracetam", "cns_depressant", "label 5: somnolence and fatigue",
     "antiepileptic_cns_labels"),
    ("brivaracetam", "cns_depressant", "label 5: somnolence, fatigue, dizziness",
     "antiepileptic_cns_labels"),
    ("lamotrigine", "cns_depressant", "dizziness, ataxia, somnolence; counsel on driving",
     "antiepileptic_cns_labels"),
    ("valproic_acid", "cns_depressant", "CNS depression, more with alcohol and other depressants",
     "antiepileptic_cns_labels"),
    ("carbamazepine", "cns_depressant", "dizziness and drowsiness; counsel on driving",
     "antiepileptic_cns_labels"),
    ("oxcarbazepine", "cns_depressant", "label 5: cognitive effects, somnolence, fatigue",
     "antiepileptic_cns_labels"),
    ("eslicarbazepine", "cns_depressant", "label 5: dizziness, somnolence, fatigue",
     "antiepileptic_cns_labels"),
    ("lacosamide", "cns_depressant", "label 5: dizziness and ataxia", "antiepileptic_cns_labels"),
    ("zonisamide", "cns_depressant", "label 5: somnolence, fatigue, cognitive slowing",
     "antiepileptic_cns_labels"),
    ("phenytoin", "cns_depressant", "dose-related sedation, ataxia, confusion",
     "antiepileptic_cns_labels"),
    ("rufinamide", "cns_depressant", "label 5: CNS reactions (somnolence, fatigue)",
     "antiepileptic_cns_labels"),
    ("vigabatrin", "cns_depressant", "label 5: somnolence and fatigue", "antiepileptic_cns_labels"),
    ("tiagabine", "cns_depressant", "label 5: somnolence, cognitive effects",
     "antiepileptic_cns_labels"),
    ("ethosuximide", "cns_depressant", "drowsiness; may impair hazardous tasks",
     "antiepileptic_cns_labels"),
    ("topiramate", "cns_depressant", "label 7: CNS depressant, caution with alcohol", "topamax_pi"),
    ("pregabalin", "cns_depressant", "gabapentinoid: FDA 2019 breathing warning",
     "fda_dsc_gabapentinoids_2019"),
    # other sedating drugs
    ("guanfacine", "cns_depressant", "label 5: sedation and somnolence; 7: CNS depressants",
     "intuniv_pi"),
    ("lofexidine", "cns_depressant", "label 5: more CNS depression with sedating drugs",
     "lucemyra_pi"),
    ("clonidine", "cns_depressant", "alpha-2 agonist: sedation (confirmed)", "amrix_pi_7"),
    ("mirtazapine", "cns_depressant", "sedating antidepressant (confirmed)", "drugs_com_multum"),
    ("trazodone", "cns_depressant", "sedating antidepressant (confirmed)", "drugs_com_multum"),
    ("quetiapine", "cns_depressant", "antipsychotic (confirmed)", "drugs_com_multum"),
    ("alcohol", "cns_depressant", "confirmed", "amrix_pi_7"),
    ("cannabis", "cns_depressant", "confirmed", "drugs_com_multum"),
    # anticholinergic: AGS Beers 2023 Table 7
    ("trifluoperazine", "anticholinergic", "Beers 2023 Table 7 antipsychotic", "beers_2023_table7"),
    ("chlorpromazine", "anticholinergic", "Beers 2023 Table 7 (confirmed)", "beers_2023_table7"),
    ("olanzapine", "anticholinergic", "Beers 2023 Table 7 (confirmed)", "beers_2023_table7"),
    ("paroxetine", "anticholinergic", "Beers 2023 Table 7 (confirmed)", "beers_2023_table7"),
    ("hydroxyzine", "anticholinergic", "Beers 2023 Table 7 (confirmed)", "beers_2023_table7"),
    ("promethazine", "anticholinergic", "Beers 2023 Table 7 (confirmed)", "beers_2023_table7"),
    ("disopyramide", "anticholinergic", "Beers 2023 Table 7 (confirmed)", "beers_2023_table7"),
    ("cyclobenzaprine", "anticholinergic", "Beers 2023 Table 7 (confirmed)", "beers_2023_table7"),
    # QT: CredibleMeds known or possible risk, labels
    ("loperamide", "qt_prolonging", "CredibleMeds known risk; label 5: TdP at high doses",
     "loperamide_pi"),
    ("chloral_hydrate", "qt_prolonging", "CredibleMeds known risk", "crediblemeds_qt"),
    ("propafenone", "qt_prolonging", "label 5.3: avoid with other QT-prolonging drugs",
     "rythmol_pi"),
    ("fingolimod", "qt_prolonging", "CredibleMeds possible risk; label: QT and bradycardia",
     "crediblemeds_qt"),
    ("ondansetron", "qt_prolonging", "CredibleMeds known risk (confirmed)", "zofran_pi"),
    ("methadone", "qt_prolonging", "CredibleMeds known risk (confirmed)", "crediblemeds_qt"),
    ("citalopram", "qt_prolonging", "CredibleMeds known risk (confirmed)", "crediblemeds_qt"),
    # SSRI class labelling (bleeding with NSAIDs, aspirin, warfarin)
    ("vortioxetine", "ssri", "label 5: increased bleeding risk, serotonin syndrome",
     "vortioxetine_vilazodone_pi"),
    ("vilazodone", "ssri", "label 5: increased bleeding risk, serotonin syndrome",
     "vortioxetine_vilazodone_pi"),
    # blood-pressure lowering
    ("sildenafil", "antihypertensive", "label 5: vasodilator, hypotension",
     "pde5_hypotension_labels"),
    ("tadalafil", "antihypertensive", "label 5: vasodilator, hypotension",
     "pde5_hypotension_labels"),
    ("isosorbide_mononitrate", "antihypertensive", "label 5: hypotension", "nitrate_labels"),
    ("nitroglycerin", "antihypertensive", "label 5: hypotension", "nitrate_labels"),
    ("doxazosin", "antihypertensive", "alpha-1 blocker (confirmed)", "zanaflex_pi"),
    # CYP inhibitors (FDA table of inhibitors, labels)
    ("moclobemide", "cyp2c19_inhibitor", "raises omeprazole (CYP2C19) exposure about twofold",
     "moclobemide_monograph"),
    ("fluvoxamine", "cyp1a2_strong_inhibitor", "FDA strong CYP1A2 inhibitor (confirmed)",
     "fda_cyp_table"),
    ("ciprofloxacin", "cyp1a2_strong_inhibitor", "FDA strong CYP1A2 inhibitor (confirmed)",
     "fda_cyp_table"),
    ("cimetidine", "cyp1a2_inhibitor", "tizanidine label list (confirmed)", "zanaflex_pi"),
    ("ethinyl_estradiol", "cyp1a2_inhibitor", "tizanidine label: oral contraceptives (confirmed)",
     "zanaflex_pi"),
    ("bupropion", "cyp2d6_inhibitor", "FDA strong CYP2D6 inhibitor (confirmed)", "fda_cyp_table"),
    ("terbinafine", "cyp2d6_inhibitor", "FDA strong CYP2D6 inhibitor (confirmed)", "fda_cyp_table"),
    ("duloxetine", "cyp2d6_inhibitor", "FDA moderate CYP2D6 inhibitor (confirmed)", "cymbalta_pi"),
    ("clarithromycin", "cyp3a4_strong_inhibitor", "FDA strong CYP3A4 inhibitor (confirmed)",
     "fda_cyp_table"),
    ("rifampin", "cyp3a4_strong_inducer", "FDA strong CYP3A4 inducer (confirmed)", "fda_cyp_table"),
    ("st_johns_wort", "cyp3a4_strong_inducer", "FDA strong CYP3A4 inducer (confirmed)",
     "fda_cyp_table"),
    # CYP3A4 substrates whose labels contraindicate strong CYP3A4 inhibitors
    ("eplerenone", "cyp3a4_contraindicated_substrate", "Inspra 4: strong CYP3A inhibitors",
     "cyp3a4_contraindicated_labels_more"),
    ("ranolazine", "cyp3a4_contraindicated_substrate", "Ranexa 4: strong CYP3A inhibitors",
     "cyp3a4_contraindicated_labels_more"),
    ("dronedarone", "cyp3a4_contraindicated_substrate", "Multaq 4: strong CYP3A inhibitors",
     "cyp3a4_contraindicated_labels_more"),
    ("lurasidone", "cyp3a4_contraindicated_substrate", "Latuda 4: strong CYP3A4 inhibitors",
     "cyp3a4_contraindicated_labels_more"),
    ("pimozide", "cyp3a4_contraindicated_substrate", "Orap: macrolides, azoles, HIV PIs",
     "cyp3a4_contraindicated_labels_more"),
    ("triazolam", "cyp3a4_contraindicated_substrate", "Halcion 4: strong CYP3A inhibitors",
     "cyp3a4_contraindicated_labels_more"),
    # MAO inhibitors and weak serotonergic drugs
    ("selegiline", "maoi", "MAO-B inhibitor; cyclobenzaprine label 4 (confirmed)", "amrix_pi_4"),
    ("linezolid", "maoi_like", "reversible MAO inhibitor (confirmed)", "zyvox_pi"),
    ("ondansetron", "weak_serotonergic", "5-HT3 antagonist (confirmed)", "zofran_pi"),
    ("metaxalone", "serotonergic", "label 5.1: serotonin syndrome (confirmed)", "skelaxin_pi"),
]


@pytest.mark.parametrize(("drug", "cls", "why", "source"), MEMBERSHIPS,
                         ids=[f"{d}:{c}" for d, c, _, _ in MEMBERSHIPS])
def test_drug_carries_the_class_its_label_supports(kb: KnowledgeBase, drug: str, cls: str,
                                                   why: str, source: str) -> None:
    assert source in kb.interactions.sources, f"unknown source id {source}"
    assert cls in kb.interactions.drugs[drug].all_classes, f"{drug} is not {cls}: {why}"


def test_every_antiepileptic_is_a_cns_depressant(kb: KnowledgeBase) -> None:
    drugs = kb.interactions.drugs.values()
    missing = [d.id for d in drugs
               if "antiepileptic" in d.all_classes and "cns_depressant" not in d.all_classes]
    assert not missing


# Only the Beers strong anticholinergics carry the class: a weak one (ACB score 1-2) would fire
# the major solid-potassium rule.
NOT_ANTICHOLINERGIC = ["carbamazepine", "oxcarbazepine", "lamotrigine", "quetiapine",
                       "meperidine", "ranitidine", "loratadine", "sertraline"]


@pytest.mark.parametrize("drug", NOT_ANTICHOLINERGIC)
def test_weak_anticholinergics_stay_out_of_the_class(kb: KnowledgeBase, drug: str) -> None:
    assert "anticholinergic" not in kb.interactions.drugs[drug].all_classes


def _worst_pair(kb: KnowledgeBase, candidate: str, med: str) -> Severity | None:
    report = interactions.check([med], kb, interactions.candidate_drug(kb, candidate))
    assert [m.status for m in report.medications] == ["known"], f"{med} is not fully known"
    return max((i.severity for i in report.findings if i.kind == "pair"), default=None)


# (candidate, the person's medicine, expected worst pair severity, source id): pairs that read
# "nothing found" before the audit.
NOW_FIRING: list[tuple[str, str, Severity, str]] = [
    ("tizanidine", "levetiracetam", MOD, "zanaflex_pi"),
    ("tizanidine", "Lamictal", MOD, "zanaflex_pi"),
    ("tizanidine", "valproic acid", MOD, "zanaflex_pi"),
    ("tizanidine", "isosorbide mononitrate", MOD, "zanaflex_pi"),
    ("tizanidine", "sildenafil", MOD, "zanaflex_pi"),
    ("tizanidine", "digoxin", MOD, "zanaflex_uk_smpc"),
    ("tizanidine", "loperamide", MOD, "loperamide_pi"),
    ("cyclobenzaprine", "levetiracetam", MOD, "amrix_pi_7"),
    ("cyclobenzaprine", "carbamazepine", MOD, "amrix_pi_7"),
    ("cyclobenzaprine", "oxcarbazepine", MOD, "amrix_pi_7"),
    ("cyclobenzaprine", "loperamide", MOD, "loperamide_pi"),
    ("cyclobenzaprine", "fingolimod", MOD, "crediblemeds_qt"),
    ("cyclobenzaprine", "nitroglycerin", MOD, "nitrate_labels"),
    ("baclofen", "lamotrigine", MOD, "baclofen_pi"),
    ("baclofen", "Keppra", MOD, "baclofen_pi"),
    ("baclofen", "tadalafil", MOD, "baclofen_pi"),
    ("methocarbamol", "levetiracetam", MOD, "robaxin_pi"),
    ("methocarbamol", "guanfacine", MOD, "intuniv_pi"),
    ("metaxalone", "topiramate", MOD, "topamax_pi"),
    ("carisoprodol", "valproic acid", MOD, "soma_pi"),
    ("carisoprodol", "moclobemide", MOD, "moclobemide_monograph"),
    ("orphenadrine", "zonisamide", MOD, "norflex_label"),
    ("chlorzoxazone", "lacosamide", MOD, "chlorzoxazone_label"),
    ("diazepam", "levetiracetam", MOD, "valium_pi_boxed"),
    ("diazepam", "moclobemide", MOD, "moclobemide_monograph"),
    ("pregabalin", "levetiracetam", MOD, "lyrica_pi"),
    ("gabapentin", "lamotrigine", MOD, "neurontin_pi"),
    ("gabapentin", "lofexidine", MOD, "lucemyra_pi"),
    ("duloxetine", "isosorbide mononitrate", MOD, "cymbalta_pi"),
    ("ibuprofen", "vortioxetine", MOD, "vortioxetine_vilazodone_pi"),
    ("naproxen", "Viibryd", MOD, "vortioxetine_vilazodone_pi"),
    ("ibuprofen", "trazodone", MOD, "trazodone_pi"),
    ("naproxen", "trazodone", MOD, "trazodone_pi"),
]


@pytest.mark.parametrize(("candidate", "med", "expected", "source"), NOW_FIRING,
                         ids=[f"{c}+{m}" for c, m, _, _ in NOW_FIRING])
def test_a_pair_the_audit_opened_is_flagged(kb: KnowledgeBase, candidate: str, med: str,
                                            expected: Severity, source: str) -> None:
    assert source in kb.interactions.sources, f"unknown source id {source}"
    assert _worst_pair(kb, candidate, med) is expected


# The audit must not raise pairs the references treat as benign or minor.
STILL_QUIET: list[tuple[str, str, Severity | None]] = [
    ("cyclobenzaprine", "ibuprofen", None),
    ("cyclobenzaprine", "ondansetron", MOD),  # weak serotonergic, not major
    ("tizanidine", "allopurinol", None),  # weak CYP1A2 inhibitor, not named by the label
    ("ibuprofen", "lamotrigine", None),
    ("naproxen", "levetiracetam", None),
    ("duloxetine", "lamotrigine", MOD),  # additive sedation only, not serotonergic
]


@pytest.mark.parametrize(("candidate", "med", "expected"), STILL_QUIET,
                         ids=[f"{c}+{m}" for c, m, _ in STILL_QUIET])
def test_the_audit_does_not_over_call(kb: KnowledgeBase, candidate: str, med: str,
                                      expected: Severity | None) -> None:
    assert _worst_pair(kb, candidate, med) is expected


def _own_pair(kb: KnowledgeBase, first: str, second: str) -> Severity | None:
    report = interactions.check([first, second], kb)
    ours = {d for m in report.medications for d in m.drugs}
    return max((i.severity for i in report.findings
                if i.kind == "pair" and not {report.candidate.id} & set(i.drugs)
                and set(i.drugs) <= ours), default=None)


# Pairs among the person's own medicines (source id, expected severity).
OWN_PAIRS: list[tuple[str, str, Severity, str]] = [
    ("sildenafil", "doxazosin", MOD, "pde5_hypotension_labels"),
    ("Cialis", "tamsulosin", MOD, "pde5_hypotension_labels"),
    ("trazodone", "warfarin", MOD, "trazodone_pi"),
    ("trazodone", "clopidogrel", MOD, "trazodone_pi"),
    ("vortioxetine", "apixaban", MOD, "vortioxetine_vilazodone_pi"),
    ("oxycodone", "levetiracetam", MAJ, "fda_dsc_opioid_benzo_2016"),
    ("trifluoperazine", "potassium chloride", MAJ, "potassium_solid_labels"),
    ("sildenafil", "nitroglycerin", C, "pde5_nitrate_labels"),
    ("eplerenone", "itraconazole", C, "cyp3a4_contraindicated_labels_more"),
    ("Ranexa", "clarithromycin", C, "cyp3a4_contraindicated_labels_more"),
    ("Latuda", "ketoconazole", C, "cyp3a4_contraindicated_labels_more"),
    ("triazolam", "ritonavir", C, "cyp3a4_contraindicated_labels_more"),
    ("Antabuse", "alcohol", C, "antabuse_pi"),
    ("metronidazole", "alcohol", C, "flagyl_pi_4"),
    ("Flagyl", "disulfiram", C, "flagyl_pi_4"),
]


@pytest.mark.parametrize(("first", "second", "expected", "source"), OWN_PAIRS,
                         ids=[f"{a}+{b}" for a, b, _, _ in OWN_PAIRS])
def test_own_medicines_pair_after_the_audit(kb: KnowledgeBase, first: str, second: str,
                                            expected: Severity, source: str) -> None:
    assert source in kb.interactions.sources, f"unknown source id {source}"
    assert _own_pair(kb, first, second) is expected


def test_topiramate_gives_one_sedation_finding_not_two(kb: KnowledgeBase) -> None:
    report = interactions.check(["topiramate"], kb, interactions.candidate_drug(kb, "tizanidine"))
    rules = [i.rule_id for i in report.findings if i.kind == "pair"]
    assert rules == ["topiramate_cns_depressant"]


def test_an_opioid_with_topiramate_keeps_the_major_opioid_rule_only(kb: KnowledgeBase) -> None:
    report = interactions.check(["oxycodone", "topiramate"], kb)
    rules = {i.rule_id for i in report.findings
             if i.kind == "pair" and set(i.drugs) == {"oxycodone", "topiramate"}}
    assert rules == {"opioid_cns_depressant"}
