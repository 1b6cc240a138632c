"""FHIR output (`--format fhir`): valid R4 Bundles that say what the other formats say.

Structure, types and cardinality are checked with fhir.resources' R4B models (the resources used
here are R4's); the required code bindings, which those models do not check, against the R4 value
sets below; and every reference must point at an entry of the same Bundle.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from typing import Any

import pytest
from console import SPASMCHECK, loaded_by
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from spasmcheck.core import emergency, interactions
from spasmcheck.core.answers import validate
from spasmcheck.core.errors import ExitCode
from spasmcheck.core.model import Audience, QuestionType, Severity, Urgency
from spasmcheck.core.triage import assess
from spasmcheck.frontends.cli import app
from spasmcheck.render import data, fhir
from spasmcheck.render.formats import Kind, Result
from spasmcheck.tables import knowledge

KB = knowledge.load()
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
runner = CliRunner()

# Required bindings of the R4 elements written (hl7.org/fhir/R4/valuesets.html).
R4_CODES: dict[tuple[str, str], set[str]] = {
    ("Bundle", "type"): {"document", "message", "transaction", "transaction-response", "batch",
                         "batch-response", "history", "searchset", "collection"},
    ("DetectedIssue", "status"): {"registered", "preliminary", "final", "amended", "corrected",
                                  "cancelled", "entered-in-error", "unknown"},
    ("DetectedIssue", "severity"): {"high", "moderate", "low"},
    ("RiskAssessment", "status"): {"registered", "preliminary", "final", "amended", "corrected",
                                   "cancelled", "entered-in-error", "unknown"},
    ("QuestionnaireResponse", "status"): {"in-progress", "completed", "amended",
                                          "entered-in-error", "stopped"},
}
ISSUE_SEVERITY = {"fatal", "error", "warning", "information"}
ISSUE_TYPE = {"invalid", "structure", "required", "value", "invariant", "security", "login",
              "unknown", "expired", "forbidden", "suppressed", "processing", "not-supported",
              "duplicate", "multiple-matches", "not-found", "deleted", "too-long",
              "code-invalid", "extension", "too-costly", "business-rule", "conflict",
              "transient", "lock-error", "no-store", "exception", "timeout", "incomplete",
              "throttled", "informational"}
DEVICE_NAME_TYPE = {"udi-label-name", "user-friendly-name", "patient-reported-name",
                    "manufacturer-name", "model-name", "other"}
# What issue 18 asks for: spasmcheck's four severities on FHIR's three, never lower.
EXPECTED_SEVERITY = {"contraindicated": "high", "major": "high", "moderate": "moderate",
                     "minor": "low"}


def _walk(value: Any):
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def valid_r4(bundle: dict[str, Any]) -> dict[str, Any]:
    """The bundle, after checking it every way the module docstring says."""
    Bundle.model_validate(bundle)
    assert bundle["resourceType"] == "Bundle"
    addresses = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(addresses)) == len(addresses)
    problems = []
    for node in _walk(bundle):
        kind = node.get("resourceType")
        for (resource, field), allowed in R4_CODES.items():
            if kind == resource and field in node and node[field] not in allowed:
                problems.append(f"{resource}.{field} = {node[field]!r}")
        if kind == "OperationOutcome":
            problems += [f"issue {i}" for i in node["issue"]
                         if i["severity"] not in ISSUE_SEVERITY or i["code"] not in ISSUE_TYPE]
        if kind == "Device":
            problems += [f"deviceName {n}" for n in node["deviceName"]
                         if n["type"] not in DEVICE_NAME_TYPE]
        if kind is None and "reference" in node and node["reference"] not in addresses:
            problems.append(f"dangling reference {node['reference']}")  # a Reference element
        problems += [f"empty {key}" for key, item in node.items() if item in (None, "", [], {})]
    assert problems == []
    return bundle


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def resolve(bundle: dict[str, Any], reference: dict[str, str]) -> dict[str, Any]:
    return next(e["resource"] for e in bundle["entry"] if e["fullUrl"] == reference["reference"])


def interactions_bundle(meds: list[str], candidate: str | None = None,
                        conditions: tuple[str, ...] = (), age: int | None = None,
                        audience: Audience = Audience.PATIENT):
    drug = KB.interactions.drugs[candidate] if candidate else None
    report = interactions.check(meds, KB, drug, conditions, age)
    shaped = data.interactions_result(report, KB, audience)
    result = Result(Kind.INTERACTIONS, shaped, "title", outcome=report, kb=KB)
    return report, valid_r4(fhir.bundle(result, NOW))


def triage_bundle(raw: dict[str, Any], country: str = "GB"):
    assessment = assess(validate(raw, KB.triage), KB)
    shaped = data.triage_result(assessment, KB, Audience.PATIENT, emergency.contact(KB, country))
    result = Result(Kind.TRIAGE, shaped, "title", outcome=assessment, kb=KB)
    return assessment, valid_r4(fhir.bundle(result, NOW))


# --- interactions ----------------------------------------------------------------------------


def test_an_interaction_is_a_detected_issue_with_rxnorm_coded_medications():
    _, bundle = interactions_bundle(["Zoloft"])
    [issue] = [i for i in resources(bundle, "DetectedIssue") if "sertraline" in i["code"]["text"]]
    assert issue["status"] == "final"
    assert issue["code"]["coding"] == [{"system": ACT_CODE, "code": "DRG",
                                        "display": "Drug Interaction Alert"}]
    assert issue["severity"] == "high"  # the table says major
    assert issue["detail"].startswith("Major: ")
    medicines = [resolve(bundle, ref) for ref in issue["implicated"]]
    codes = {m["code"]["text"]: m["code"]["coding"][0] for m in medicines}
    # RxNorm ingredient codes (sertraline 36437 is the code cited in reference/ecosystem.md).
    assert codes["sertraline"] == {"system": RXNORM, "code": "36437", "display": "sertraline"}
    assert codes["cyclobenzaprine"]["code"] == KB.interactions.drugs["cyclobenzaprine"].rxcui
    assert issue["mitigation"][0]["action"]["text"]
    assert issue["evidence"][0]["detail"] and issue["reference"].startswith("http")
    assert resolve(bundle, issue["author"])["resourceType"] == "Device"


def test_a_drug_without_an_rxcui_is_named_but_not_given_an_invented_code():
    _, bundle = interactions_bundle(["ciprofloxacin"], candidate="tizanidine")
    assert KB.interactions.drugs["tizanidine"].rxcui is None
    medicines = {m["code"]["text"]: m["code"] for m in resources(bundle, "Medication")}
    assert medicines["tizanidine"] == {"text": "tizanidine"}
    assert medicines["ciprofloxacin"]["coding"][0]["code"] == "2551"
    issue = resources(bundle, "DetectedIssue")[0]  # most severe first
    assert issue["severity"] == "high" and issue["detail"].startswith("Contraindicated: ")


def test_every_severity_maps_to_fhir_and_never_down():
    assert {s.label: fhir.SEVERITY[s] for s in Severity} == EXPECTED_SEVERITY
    grade = {"low": 1, "moderate": 2, "high": 3}
    ranked = sorted(Severity)
    assert [grade[fhir.SEVERITY[s]] for s in ranked] == \
        sorted(grade[fhir.SEVERITY[s]] for s in ranked)


def test_every_finding_of_a_long_list_keeps_its_severity_word_and_grade():
    meds = ["phenelzine", "sertraline", "oxycodone", "diazepam", "fluoxetine", "Tylenol",
            "Percocet", "ibuprofen", "alcohol", "oxybutynin"]
    report, bundle = interactions_bundle(meds, conditions=("heart_failure",), age=70)
    issues = [i for i in resources(bundle, "DetectedIssue") if "severity" in i]
    assert len(issues) == len(report.findings) > 5
    for item, issue in zip(report.findings, issues, strict=True):
        assert issue["severity"] == EXPECTED_SEVERITY[item.severity.label]
        assert issue["detail"].startswith(item.severity.label.capitalize() + ":")
        assert item.rule_id in issue["detail"]
        implicated = [ref["display"] for ref in issue["implicated"]]
        assert implicated == [KB.interactions.drugs[d].name for d in item.drugs]


@pytest.mark.parametrize(("meds", "conditions", "age", "code"), [
    (["Tylenol", "Percocet"], (), None, "DUPTHPY"),
    (["metformin"], ("heart_failure",), None, "COND"),
    (["metformin"], (), 70, "AGE"),
    (["oxycodone", "diazepam"], (), None, "DRG"),
])
def test_each_kind_of_finding_gets_its_act_code(meds, conditions, age, code):
    _, bundle = interactions_bundle(meds, conditions=conditions, age=age)
    codes = {i["code"]["coding"][0]["code"] for i in resources(bundle, "DetectedIssue")}
    assert code in codes


def test_a_name_not_recognised_is_an_issue_and_a_warning_never_dropped():
    report, bundle = interactions_bundle(["sertralin", "Zoloft"])
    assert [m.input for m in report.unknown] == ["sertralin"]
    [unchecked] = [i for i in resources(bundle, "DetectedIssue") if "severity" not in i]
    assert "not recognised" in unchecked["code"]["text"].lower()
    assert resolve(bundle, unchecked["implicated"][0])["code"] == {"text": "sertralin"}
    assert "NOT RECOGNISED" in unchecked["detail"] and "sertraline" in unchecked["detail"]
    [outcome] = resources(bundle, "OperationOutcome")
    warning = outcome["issue"][0]
    assert (warning["severity"], warning["code"]) == ("warning", "not-found")
    assert "sertralin" in warning["details"]["text"]
    assert "NO INTERACTION FOUND" not in json.dumps(bundle)


def test_a_name_read_only_in_part_is_an_issue_and_a_warning_never_dropped():
    report, bundle = interactions_bundle(["Advil Sinus Congestion"])
    assert [m.status for m in report.medications] == ["partial"]
    [unchecked] = [i for i in resources(bundle, "DetectedIssue") if "severity" not in i]
    assert "partly recognised" in unchecked["code"]["text"].lower()
    assert resolve(bundle, unchecked["implicated"][0])["code"] == {"text": "Advil Sinus Congestion"}
    assert "PARTLY RECOGNISED" in unchecked["detail"] and "NOT checked" in unchecked["detail"]
    [outcome] = resources(bundle, "OperationOutcome")
    assert (outcome["issue"][0]["severity"], outcome["issue"][0]["code"]) == ("warning",
                                                                              "incomplete")
    assert "NO INTERACTION FOUND" not in json.dumps(bundle)


def test_nothing_found_says_so_and_carries_the_disclaimer():
    _, bundle = interactions_bundle(["metformin"])
    assert resources(bundle, "DetectedIssue") == []
    texts = [i["details"]["text"] for i in resources(bundle, "OperationOutcome")[0]["issue"]]
    assert any(t.startswith("NO INTERACTION FOUND") for t in texts)
    assert KB.triage.disclaimer.patient in texts
    assert [m["code"]["text"] for m in resources(bundle, "Medication")] == \
        ["cyclobenzaprine", "metformin"]


def test_the_audience_picks_the_words():
    _, patient = interactions_bundle(["sertraline"])
    _, clinician = interactions_bundle(["sertraline"], audience=Audience.CLINICIAN)
    rule = next(r for r in KB.interactions.rules if r.id == "serotonergic_cyclobenzaprine")
    assert rule.finding.advice.clinician != rule.finding.advice.patient
    advice = [i["mitigation"][0]["action"]["text"]
              for i in resources(clinician, "DetectedIssue") if "sertraline" in i["code"]["text"]]
    assert advice == [rule.finding.advice.clinician]
    assert rule.finding.advice.clinician not in json.dumps(patient)


NAMES = sorted({entry.name for entry in KB.names.entries()})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(NAMES) | st.text(min_size=1, max_size=12).filter(str.strip),
                min_size=1, max_size=6))
def test_every_name_given_is_in_the_bundle_checked_or_flagged(names):
    names = [name.strip() for name in names]
    report, bundle = interactions_bundle(names)
    unchecked = [resolve(bundle, i["implicated"][0])["code"]["text"]
                 for i in resources(bundle, "DetectedIssue") if "severity" not in i]
    partial = [m.input for m in report.medications if m.status == "partial"]
    assert unchecked == [m.input for m in report.unknown] + partial
    coded = {m["code"]["text"] for m in resources(bundle, "Medication")}
    for med in report.medications:
        assert {KB.interactions.drugs[d].name for d in med.drugs} <= coded
    worst = report.worst
    severities = {i["severity"] for i in resources(bundle, "DetectedIssue") if "severity" in i}
    assert (worst is None) == (not severities)
    if worst is not None:
        assert EXPECTED_SEVERITY[worst.label] in severities


# --- triage ----------------------------------------------------------------------------------

EMERGENCY = {"chest_pain": "unsure", "fever": "high", "iv_drug_use": True, "age": 40,
             "location": "lower_back", "medications": ["Zoloft", "nosuchpill"]}


def test_triage_answers_become_a_typed_questionnaire_response():
    _, bundle = triage_bundle(EMERGENCY)
    [response] = resources(bundle, "QuestionnaireResponse")
    items = {item["linkId"]: item for item in response["item"]}
    assert set(items) == set(EMERGENCY)
    for key, item in items.items():
        if key != "medications":
            assert item["text"] == KB.triage.question(key).prompt.patient
    assert items["iv_drug_use"]["answer"] == [{"valueBoolean": True}]
    assert items["age"]["answer"] == [{"valueInteger": 40}]
    assert items["location"]["answer"][0]["valueCoding"]["code"] == "lower_back"
    assert items["chest_pain"]["answer"][0]["valueCoding"]["code"] == "asked-unknown"
    assert items["medications"]["answer"] == [{"valueString": "Zoloft"},
                                              {"valueString": "nosuchpill"}]


def test_triage_risk_assessment_carries_the_level_its_reasons_and_its_basis():
    assessment, bundle = triage_bundle(EMERGENCY)
    first = bundle["entry"][0]["resource"]
    assert first["resourceType"] == "RiskAssessment"
    assert first["mitigation"].startswith("CALL 999 NOW")  # the number to call comes first
    overall, *flags = first["prediction"]
    assert overall["qualitativeRisk"]["coding"][0]["code"] == assessment.urgency.label
    assert [p["outcome"]["coding"][0]["code"] for p in flags] == \
        [hit.flag.id for hit in assessment.hits]
    assert [p["qualitativeRisk"]["coding"][0]["code"] for p in flags] == \
        [hit.urgency.label for hit in assessment.hits]
    assert "chest pain: not sure" in flags[0]["rationale"]
    basis = [resolve(bundle, ref)["resourceType"] for ref in first["basis"]]
    assert basis[0] == "QuestionnaireResponse"
    assert basis.count("DetectedIssue") == len(resources(bundle, "DetectedIssue")) >= 2
    assert first["note"][-1]["text"] == KB.triage.disclaimer.patient
    unchecked = [i for i in resources(bundle, "DetectedIssue") if "severity" not in i]
    assert resolve(bundle, unchecked[0]["implicated"][0])["code"]["text"] == "nosuchpill"


def test_calm_partial_answers_name_the_unanswered_warning_signs():
    assessment, bundle = triage_bundle({"location": "lower_back", "improving": True})
    assert assessment.hits == () and assessment.urgency <= Urgency.ROUTINE
    [risk] = resources(bundle, "RiskAssessment")
    notes = [note["text"] for note in risk["note"]]
    assert "warning-sign question(s) were not answered" in notes[0]
    assert "chest pain" in notes[0]
    [outcome] = resources(bundle, "OperationOutcome")
    assert ("warning", "incomplete") in {(i["severity"], i["code"]) for i in outcome["issue"]}
    assert risk["prediction"][0]["rationale"] == "None of the answers given is a warning sign."


QUESTIONS = [q for q in KB.triage.questions if not q.is_medicines]


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, Any]:
    """Any valid answer set: some questions answered, "not sure" included, a few medicines."""
    answers: dict[str, Any] = {}
    for question in QUESTIONS:
        if draw(st.booleans()):
            if question.type is QuestionType.NUMBER:
                answers[question.id] = draw(st.integers(question.minimum, question.maximum))
            elif question.type is QuestionType.CHOICE:
                answers[question.id] = draw(st.sampled_from(question.values))
            else:
                answers[question.id] = draw(st.sampled_from([True, False, "unsure"]))
    answers["medications"] = draw(st.lists(st.sampled_from([*NAMES, "nosuchpill"]), max_size=3))
    return answers


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_sets())
def test_the_bundle_always_carries_the_level_every_red_flag_and_every_answer(answers):
    assessment, bundle = triage_bundle(answers)
    risk = bundle["entry"][0]["resource"]
    assert risk["resourceType"] == "RiskAssessment"
    overall, *flags = risk["prediction"]
    assert overall["qualitativeRisk"]["coding"][0]["code"] == assessment.urgency.label
    assert [(p["outcome"]["coding"][0]["code"], p["qualitativeRisk"]["coding"][0]["code"])
            for p in flags] == [(hit.flag.id, hit.urgency.label) for hit in assessment.hits]
    if assessment.urgency is Urgency.EMERGENCY:
        assert risk["mitigation"].startswith("CALL 999 NOW")
    [response] = resources(bundle, "QuestionnaireResponse")
    linked = {item["linkId"] for item in response.get("item", [])}
    assert linked == {key for key, value in answers.items() if value not in (None, [])}
    unchecked = [resolve(bundle, i["implicated"][0])["code"]["text"]
                 for i in resources(bundle, "DetectedIssue") if "severity" not in i]
    assert unchecked == [m.input for m in assessment.medicine_check.unknown]


# --- through the command line ----------------------------------------------------------------


def test_cli_interactions_and_triage_print_a_bundle_with_unchanged_exit_codes():
    found = runner.invoke(app, ["interactions", "--med", "sertraline", "--format", "fhir"])
    assert found.exit_code == ExitCode.OK
    valid_r4(json.loads(found.stdout))
    unknown = runner.invoke(app, ["interactions", "--med", "nosuch", "--format", "FHIR"])
    assert unknown.exit_code == ExitCode.UNKNOWN_MEDICINE
    assert "nosuch" in json.dumps(valid_r4(json.loads(unknown.stdout)))
    failed = runner.invoke(app, ["interactions", "--med", "sertraline", "--format", "fhir",
                                 "--fail-on", "major"])
    assert failed.exit_code == ExitCode.FAIL_ON
    triage = runner.invoke(app, ["triage", "--answers", "-", "--format", "fhir",
                                 "--country", "GB"], input=json.dumps(EMERGENCY))
    assert triage.exit_code == ExitCode.UNKNOWN_MEDICINE  # nosuchpill was not checked
    assert resources(valid_r4(json.loads(triage.stdout)), "RiskAssessment")


@pytest.mark.slow
def test_console_script_writes_fhir_without_loading_rich_or_a_fhir_library(tmp_path):
    done = subprocess.run([str(SPASMCHECK), "interactions", "--med", "Zoloft", "--format", "fhir"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    bundle = valid_r4(json.loads(done.stdout))
    assert resources(bundle, "DetectedIssue")[0]["severity"] == "high"
    assert loaded_by(["interactions", "--med", "sertraline", "--format", "fhir"],
                     ("rich", "fhir", "pydantic", "questionary")) == []
