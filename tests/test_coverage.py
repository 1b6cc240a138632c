"""Everyday medicines are known, and the classes that make interaction rules fire are present.

A medicine the tables do not know is reported as "not checked"; a medicine they know with too
few classes is worse: it reads as "nothing found". These tests hold the table to both.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from console import SPASMCHECK
from typer.testing import CliRunner

from spasmcheck.core import interactions
from spasmcheck.core.model import Severity
from spasmcheck.frontends.cli import app

LIST = Path(__file__).resolve().parent / "data" / "everyday_medicines.txt"
EVERYDAY = tuple(name for line in LIST.read_text(encoding="utf-8").splitlines()
                 if (name := line.split("#", 1)[0].strip()))


def worst(kb, med: str, candidate: str = "cyclobenzaprine") -> Severity | None:
    report = interactions.check([med], kb, interactions.candidate_drug(kb, candidate))
    assert report.unknown == (), med
    return max((i.severity for i in report.findings if i.kind == "pair"), default=None)


@pytest.mark.parametrize("name", EVERYDAY)
def test_everyday_medicine_is_known(kb, name):
    assert interactions.check([name], kb).medications[0].known, name


def test_everyday_medicines_are_all_checked_through_the_json_contract():
    args = ["interactions", "--json"]
    for name in EVERYDAY:
        args += ["--med", name]
    result = CliRunner().invoke(app, args)
    report = json.loads(result.stdout)
    assert report["unknown"] == []
    assert report["summary"]["known"] == len(EVERYDAY)
    assert {m["status"] for m in report["medications"]} == {"known"}


def test_uk_and_us_names_of_the_same_medicine_give_the_same_answer_from_the_console_script():
    pairs = [("paracetamol", "acetaminophen"), ("salbutamol", "albuterol"),
             ("mesalazine", "mesalamine"), ("leuprorelin", "leuprolide"),
             ("fampridine", "dalfampridine"), ("mepyramine", "pyrilamine"),
             ("phenoxymethylpenicillin", "penicillin V potassium"),
             ("ursodeoxycholic acid", "ursodiol"), ("ispaghula husk", "psyllium")]
    command = [str(SPASMCHECK), "interactions", "--json"]
    for uk, us in pairs:
        command += ["--med", uk, "--med", us]
    run = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    medications = json.loads(run.stdout)["medications"]
    assert run.returncode == 0, run.stderr
    for uk, us in zip(medications[::2], medications[1::2], strict=True):
        assert uk["status"] == us["status"] == "known"
        assert uk["matched"] == us["matched"], (uk["input"], us["input"])


def test_the_table_names_the_lists_its_coverage_comes_from(kb):
    sources = kb.interactions.sources
    assert "ClinCalc" in sources["clincalc_top300"].title
    assert "Prescription Cost Analysis" in sources["nhsbsa_pca"].title


@pytest.mark.parametrize("name", ["brompheniramine", "dexbrompheniramine", "dexchlorpheniramine",
                                  "triprolidine", "carbinoxamine", "pyrilamine", "chlorcyclizine",
                                  "Dimetapp Cold and Allergy", "Bromfed DM", "Actifed",
                                  "Midol Complete", "Hycodan", "Tussionex"])
def test_cough_and_cold_antihistamines_are_flagged_with_a_muscle_relaxant(kb, name):
    found = worst(kb, name)
    assert found is not None and found >= Severity.MODERATE


@pytest.mark.parametrize(("name", "candidate", "at_least"), [
    ("Qelbree", "tizanidine", Severity.MAJOR),           # strong CYP1A2 inhibitor
    ("Noroxin", "tizanidine", Severity.MAJOR),           # norfloxacin, CYP1A2
    ("Avonex", "tizanidine", Severity.MAJOR),            # interferons slow CYP1A2
    ("Betaseron", "tizanidine", Severity.MAJOR),
    ("Alphagan", "tizanidine", Severity.MAJOR),          # alpha-2 agonist eye drops
    ("Timoptic", "tizanidine", Severity.MODERATE),       # beta-blocker eye drops
    ("Trelegy Ellipta", "cyclobenzaprine", Severity.MODERATE),   # umeclidinium
    ("Tudorza", "cyclobenzaprine", Severity.MODERATE),   # aclidinium
    ("Kemadrin", "cyclobenzaprine", Severity.MODERATE),  # procyclidine
    ("Casodex", "cyclobenzaprine", Severity.MODERATE),   # bicalutamide, QT
    ("Lupron Depot", "cyclobenzaprine", Severity.MODERATE),  # androgen deprivation, QT
    ("Reyvow", "cyclobenzaprine", Severity.MODERATE),    # lasmiditan: serotonergic, sedating
    ("Quviviq", "baclofen", Severity.MODERATE),          # daridorexant: sedating
    ("Sativex", "baclofen", Severity.MODERATE),          # THC and CBD
    ("valerian", "baclofen", Severity.MODERATE),
    ("kratom", "baclofen", Severity.MAJOR),              # opioid
    ("Stugeron", "baclofen", Severity.MODERATE),         # cinnarizine
])
def test_new_medicines_bring_the_interactions_of_their_classes(kb, name, candidate, at_least):
    found = worst(kb, name, candidate)
    assert found is not None and found >= at_least, (name, candidate, found)


@pytest.mark.parametrize(("med", "other"), [
    ("Qelbree", "Nardil"),                 # viloxazine with an MAO inhibitor
    ("Kisqali", "simvastatin"),            # ribociclib, a strong CYP3A4 inhibitor at 600 mg
])
def test_new_medicines_meet_the_rules_for_the_persons_other_medicines(kb, med, other):
    report = interactions.check([med, other], kb)
    pair = [i for i in report.findings if i.kind == "pair"
            and set(i.drugs) == {d for m in report.medications for d in m.drugs}]
    assert pair and max(i.severity for i in pair) >= Severity.MAJOR


# Medicines whose main label interaction the table's classes cannot express yet are left out of
# the table on purpose: "not checked" is safer than "nothing found". Whichever way the table
# grows, such a pair must never read as checked and clear.
@pytest.mark.parametrize(("med", "partner"), [
    ("vardenafil", "nitroglycerin"), ("avanafil", "isosorbide mononitrate"),
    ("nicorandil", "sildenafil"), ("miconazole", "warfarin"), ("gemfibrozil", "simvastatin"),
    ("repaglinide", "clopidogrel"), ("tamoxifen", "paroxetine"),
    ("theophylline", "ciprofloxacin"), ("ivabradine", "itraconazole"),
    ("ubrogepant", "itraconazole"), ("tetrabenazine", "phenelzine"), ("Botox", "baclofen"),
    ("desmopressin", "furosemide"), ("isotretinoin", "doxycycline"),
    ("alfuzosin", "itraconazole"), ("rilpivirine", "omeprazole"), ("Fucidin", "simvastatin"),
    ("mebendazole", "metronidazole"), ("phytonadione", "warfarin"), ("opicapone", "phenelzine"),
])
def test_a_pair_the_classes_cannot_express_is_never_checked_and_clear(kb, med, partner):
    candidate = partner if partner in kb.interactions.candidates else "cyclobenzaprine"
    meds = [med] if partner == candidate else [med, partner]
    report = interactions.check(meds, kb, interactions.candidate_drug(kb, candidate))
    first = set(report.medications[0].drugs)
    second = set(interactions.check([partner], kb).medications[0].drugs)
    flagged = any(i.kind == "pair" and first & set(i.drugs) and second & set(i.drugs)
                  for i in report.findings)
    assert report.unknown or flagged


@pytest.mark.parametrize("name", ["Tecfidera", "Copaxone", "Ampyra", "Ocrevus", "Kesimpta",
                                  "Synjardy", "Actos", "Femara", "Xalatan", "Omnicef"])
def test_known_medicines_with_nothing_found_say_so(kb, name):
    report = interactions.check([name], kb)
    assert report.medications[0].known and report.unknown == ()
    assert [i for i in report.findings if i.kind == "pair"] == []


# A drug named with one of these INN stems belongs to the class: a drug added with fewer classes
# than its name promises would read as "nothing found" where a rule should fire.
STEMS = {
    "triptan": "serotonergic", "azepam": "benzodiazepine", "azolam": "benzodiazepine",
    "pramine": "tca", "triptyline": "tca", "pheniramine": "sedating_antihistamine",
    "cyclizine": "sedating_antihistamine", "setron": "serotonergic", "floxacin": "fluoroquinolone",
    "vastatin": "statin", "sartan": "arb", "pril": "ace_inhibitor", "olol": "beta_blocker",
    "barbital": "barbiturate", "lutamide": "qt_prolonging", "relin": "qt_prolonging",
    "relix": "qt_prolonging", "peridol": "dopamine_antagonist", "peridone": "dopamine_antagonist",
    "zapine": "cns_depressant", "tiapine": "cns_depressant", "codone": "opioid",
    "morphone": "opioid", "tropium": "anticholinergic", "fenacin": "anticholinergic",
    "xaban": "anticoagulant", "parin": "anticoagulant", "profen": "nsaid", "coxib": "nsaid",
    "dipine": "calcium_channel_blocker",
}


def test_drugs_named_for_a_class_carry_it(kb):
    missing = [(drug.id, cls) for drug in kb.interactions.drugs.values()
               for stem, cls in STEMS.items()
               if drug.id.endswith(stem) and cls not in drug.all_classes]
    assert missing == []


def test_every_combination_product_holds_two_or_more_distinct_ingredients(kb):
    for product in kb.interactions.products:
        assert len(product.ingredients) >= 2, product.name
        assert len(set(product.ingredients)) == len(product.ingredients), product.name
