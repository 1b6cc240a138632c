"""FHIR R4 output: a result as a Bundle of type `collection`, built from plain dicts.

- interactions: a DetectedIssue for each finding, implicating Medication resources (RxNorm-coded
  where the tables give the ingredient's RxCUI); a DetectedIssue for each name that was not
  recognised, because a medicine that was not checked must not vanish; an OperationOutcome with
  a warning for each of those names, the verdict and the disclaimer; and a Device (spasmcheck and
  its tables), the author of every issue.
- triage: the same, plus a QuestionnaireResponse of the answers and a RiskAssessment of the
  urgency, based on the QuestionnaireResponse and the DetectedIssues, with a prediction for the
  level and one for each red flag that fired. It comes first: at emergency, its first words are
  the number to call.

The words are the JSON result's (render/data.py) and the layout's, so FHIR says what the other
formats say. No FHIR library is used here (one costs 200 ms to import); the tests validate the
output with fhir.resources' R4B models, which for the resources used here are R4's.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from spasmcheck.core.answers import MEDICATIONS
from spasmcheck.core.model import Audience, KnowledgeBase, Question, QuestionType, Severity, Urgency
from spasmcheck.render import layout
from spasmcheck.render.result import Kind, Result

if TYPE_CHECKING:
    from spasmcheck.core.interactions import Interaction, MedicineCheck
    from spasmcheck.core.triage import Assessment
    from spasmcheck.render import shapes

    Checked = shapes.InteractionsResult | shapes.TriageResult

# --- the FHIR-format facts, in one place (README "FHIR output" documents them) ----------------

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
URGENCY_SYSTEM = "urn:spasmcheck:urgency"  # codes: the level ids of redflags.yaml
RED_FLAG_SYSTEM = "urn:spasmcheck:red-flag"  # codes: the red-flag ids of redflags.yaml

# DetectedIssue.severity has three grades to spasmcheck's four. A severity is never mapped
# down: contraindicated and major are both `high`, and the issue's detail keeps the word.
SEVERITY: dict[Severity, str] = {
    Severity.CONTRAINDICATED: "high",
    Severity.MAJOR: "high",
    Severity.MODERATE: "moderate",
    Severity.MINOR: "low",
}

# DetectedIssue.code (v3 ActCode) for each kind of finding; a caution is about a condition, or
# (with no condition) about the person's age.
ISSUE_CODES: dict[str, tuple[str, str]] = {
    "pair": ("DRG", "Drug Interaction Alert"),
    "group": ("DRG", "Drug Interaction Alert"),
    "same_drug": ("DUPTHPY", "Duplicate Therapy Alert"),
    "condition": ("COND", "Condition Alert"),
    "age": ("AGE", "Age Alert"),
}
UNSURE_ANSWER = {"system": DATA_ABSENT, "code": "asked-unknown", "display": "Asked But Unknown"}
SUBJECT = {"display": "the person who answered (spasmcheck does not identify anyone)"}
ORDER = ("RiskAssessment", "OperationOutcome", "DetectedIssue", "QuestionnaireResponse",
         "Medication", "Device")


def render(result: Result, now: datetime | None = None) -> str:
    """The Bundle as JSON text (ASCII, like the JSON format: safe whatever the names held)."""
    return json.dumps(bundle(result, now), indent=2) + "\n"


def bundle(result: Result, now: datetime | None = None) -> dict[str, Any]:
    """The Bundle for an interactions or triage result, stamped with `now` (default: now)."""
    if result.kb is None or result.outcome is None:
        raise ValueError("FHIR output needs the engine's result and the tables")
    when = (now or datetime.now()).astimezone().isoformat(timespec="seconds")
    shaped = cast("Checked", result.shaped)  # FHIR is offered for these two kinds only
    document = _Document(result.kb, Audience(shaped["audience"]), when, shaped)
    if result.kind is Kind.TRIAGE:
        document.triage(cast("Assessment", result.outcome))
    else:
        document.interactions(cast("MedicineCheck", result.outcome))
    return document.bundle()


class _Document:
    """The resources of one Bundle as they are made, each with its `urn:uuid` address."""

    def __init__(self, kb: KnowledgeBase, audience: Audience, when: str,
                 shaped: Checked) -> None:
        self.kb, self.audience, self.when, self.shaped = kb, audience, when, shaped
        self.entries: list[tuple[str, dict[str, Any]]] = []
        self.medicines: dict[str, dict[str, str]] = {}  # drug id -> a reference to it
        self.device = {"reference": self._add(_device(shaped)), "display": "spasmcheck"}

    def _add(self, resource: dict[str, Any]) -> str:
        address = f"urn:uuid:{uuid.uuid4()}"
        self.entries.append((address, _pruned(resource)))
        return address

    def bundle(self) -> dict[str, Any]:
        entries = sorted(self.entries, key=lambda entry: ORDER.index(entry[1]["resourceType"]))
        return {"resourceType": "Bundle", "type": "collection", "timestamp": self.when,
                "entry": [{"fullUrl": address, "resource": resource}
                          for address, resource in entries]}

    # --- interactions ----------------------------------------------------------------------

    def interactions(self, report: MedicineCheck) -> None:
        self._issues(report)
        banner = layout.verdict(cast("shapes.InteractionsResult", self.shaped))
        verdict = " ".join((banner.title + ".", *banner.lines))
        self._outcome([_issue("information", "informational", verdict)])

    def _issues(self, report: MedicineCheck) -> list[dict[str, str]]:
        """Every medicine checked as a Medication; a DetectedIssue for each finding and for
        each name not recognised. Returns references to the issues."""
        self._medication(report.candidate.id)
        for med in report.medications:
            for drug_id in med.drugs:
                self._medication(drug_id)
        shown = self.shaped["interactions"]
        issues = [self._finding(item, item_shown)
                  for item, item_shown in zip(report.findings, shown, strict=True)]
        issues += [self._unchecked(med, layout.unknown_line(med, self.shaped["unknown_advice"]))
                   for med in self.shaped["unknown"]]
        issues += [self._unchecked(med, layout.partial_line(med), partial=True)
                   for med in self._partial()]
        return [{"reference": address} for address in issues]

    def _partial(self) -> list[shapes.Medication]:
        return [med for med in self.shaped["medications"] if med["status"] == "partial"]

    def _medication(self, drug_id: str) -> dict[str, str]:
        reference = self.medicines.get(drug_id)
        if reference is None:
            drug = self.kb.interactions.drugs[drug_id]
            coding = [{"system": RXNORM, "code": drug.rxcui, "display": drug.name}] \
                if drug.rxcui else []
            address = self._add({"resourceType": "Medication",
                                 "code": {"coding": coding, "text": drug.name}})
            reference = self.medicines[drug_id] = {"reference": address, "display": drug.name}
        return reference

    def _finding(self, item: Interaction, shown: shapes.Interaction) -> str:
        kind = item.kind if item.kind != "caution" else "condition" if item.condition else "age"
        code, display = ISSUE_CODES[kind]
        title = layout.finding_title(shown)
        severity = item.finding.severity
        detail = f"{severity.label.capitalize()}: {title}. {shown['effect']}"
        if shown["mechanism"]:
            detail += f" Why: {shown['mechanism']}"
        addresses = [source.url for source in map(self.kb.source, item.finding.sources)
                     if source.url]
        return self._add({
            "resourceType": "DetectedIssue",
            "status": "final",
            "code": {"coding": [{"system": ACT_CODE, "code": code, "display": display}],
                     "text": title},
            "severity": SEVERITY[severity],
            "identifiedDateTime": self.when,
            "author": self.device,
            "implicated": [self._medication(drug_id) for drug_id in item.drugs],
            "evidence": [{"detail": [{"display": cite} for cite in shown["sources"]]}],
            "detail": f"{detail} (spasmcheck rule {item.rule_id})",
            "reference": addresses[0] if addresses else None,
            "mitigation": [{"action": {"text": shown["advice"]}}],
        })

    def _unchecked(self, med: shapes.UnknownMedicine | shapes.Medication, detail: str,
                   partial: bool = False) -> str:
        """A name spasmcheck does not know, or knows only in part: an issue of its own, never
        silence."""
        address = self._add({"resourceType": "Medication", "code": {"text": med["input"]}})
        return self._add({
            "resourceType": "DetectedIssue",
            "status": "final",
            "code": {"text": "Medicine partly recognised: only some of it was checked for "
                     "interactions" if partial else
                     "Medicine not recognised: not checked for interactions"},
            "identifiedDateTime": self.when,
            "author": self.device,
            "implicated": [{"reference": address, "display": med["input"]}],
            "detail": detail,
            "mitigation": [{"action": {"text": self.shaped["unknown_advice"]}}],
        })

    def _outcome(self, notes: list[dict[str, Any]]) -> None:
        """Warnings first (each name not checked), then `notes`, then the disclaimer."""
        advice = self.shaped["unknown_advice"]
        warnings = [_issue("warning", "not-found", layout.unknown_line(med, advice))
                    for med in self.shaped["unknown"]]
        warnings += [_issue("warning", "incomplete", layout.partial_line(med))
                     for med in self._partial()]
        disclaimer = _issue("information", "informational", self.shaped["disclaimer"])
        self._add({"resourceType": "OperationOutcome", "issue": [*warnings, *notes, disclaimer]})

    # --- triage ----------------------------------------------------------------------------

    def triage(self, assessment: Assessment) -> None:
        issues = self._issues(assessment.medicine_check)
        answers = {"reference": self._add(self._answers())}
        self._add(self._risk([answers, *issues]))
        self._outcome([_issue("warning", "incomplete", text)
                       for text in layout.notices(self._triage)])

    @property
    def _triage(self) -> shapes.TriageResult:
        """The shaped result, which is a triage's when `triage` is called."""
        return cast("shapes.TriageResult", self.shaped)

    def _answers(self) -> dict[str, Any]:
        values = self._triage["answers"]
        items = []
        medicines_listed = False
        for question in self.kb.triage.questions:
            text = question.prompt.for_(self.audience)
            if question.is_medicines:
                if not medicines_listed and values.get(MEDICATIONS):
                    items.append({"linkId": MEDICATIONS, "text": text,
                                  "answer": [{"valueString": name}
                                             for name in values[MEDICATIONS]]})
                medicines_listed = True
            elif question.id in values:
                items.append({"linkId": question.id, "text": text,
                              "answer": [self._value(question, values[question.id])]})
        return {"resourceType": "QuestionnaireResponse", "status": "completed",
                "subject": SUBJECT, "authored": self.when, "item": items}

    def _value(self, question: Question, value: Any) -> dict[str, Any]:
        if question.type is QuestionType.NUMBER:
            return {"valueInteger": value}
        if question.is_yes_no:
            return {"valueBoolean": value} if isinstance(value, bool) \
                else {"valueCoding": UNSURE_ANSWER}
        label = next(c.label.for_(self.audience) for c in question.choices if c.value == value)
        return {"valueCoding": {"code": value, "display": label}}

    def _risk(self, basis: list[dict[str, str]]) -> dict[str, Any]:
        shaped = self._triage
        urgency, banner = shaped["urgency"], layout.urgency_banner(shaped)
        flags = shaped["red_flags"]
        why = "Red flags: " + "; ".join(f"{flag['title']} ({flag['urgency']})"
                                        for flag in flags) + "." if flags \
            else "None of the answers given is a warning sign."
        predictions = [{"qualitativeRisk": self._level(urgency["level"]), "rationale": why}]
        predictions += [{
            "outcome": {"coding": [{"system": RED_FLAG_SYSTEM, "code": flag["id"],
                                    "display": flag["title"]}], "text": flag["title"]},
            "qualitativeRisk": self._level(flag["urgency"]),
            "rationale": f"{flag['concern']} Because: "
                         f"{layout.because(flag, shaped.get('read_as_unsure', []))}. "
                         f"Sources: {'; '.join(flag['sources'])}.",
        } for flag in flags]
        first = [banner.title] if urgency["level"] == "emergency" else []
        sooner = " ".join(advice["text"] for advice in shaped["seek_help_sooner"])
        notes = [*layout.notices(shaped), sooner and f"Get help sooner if: {sooner}",
                 layout.not_answered(shaped), shaped["disclaimer"]]
        redflags = next(t for t in shaped["tables"] if t["table"] == "redflags")
        return {
            "resourceType": "RiskAssessment",
            "status": "final",
            "method": {"text": f"spasmcheck red-flag rules (redflags table {redflags['version']}, "
                               f"reviewed {redflags['reviewed']})"},
            "code": {"text": "spasmcheck triage: how soon to get care"},
            "subject": SUBJECT,
            "occurrenceDateTime": self.when,
            "performer": self.device,
            "basis": basis,
            "prediction": predictions,
            "mitigation": "\n".join([*first, urgency["action"], *shaped["next_steps"]]),
            "note": [{"text": text} for text in notes if text],
        }

    def _level(self, level_id: str) -> dict[str, Any]:
        label = self.kb.triage.levels[Urgency.parse(level_id)].label.for_(self.audience)
        return {"coding": [{"system": URGENCY_SYSTEM, "code": level_id, "display": label}],
                "text": label}


def _device(shaped: Checked) -> dict[str, Any]:
    tool = shaped["tool"]
    tables = [{"type": {"text": f"{t['table']} table ({t['origin']})"},
               "value": f"{t['version']} (reviewed {t['reviewed']})"} for t in shaped["tables"]]
    return {"resourceType": "Device",
            "deviceName": [{"name": tool["name"], "type": "model-name"}],
            "version": [{"value": tool["version"]}, *tables]}


def _issue(severity: str, code: str, text: str) -> dict[str, Any]:
    return {"severity": severity, "code": code, "details": {"text": text}}


def _pruned(value: Any) -> Any:
    """FHIR has no empty values: absent elements are left out, never null, "" or []."""
    if isinstance(value, dict):
        kept = {key: _pruned(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        return [kept for kept in map(_pruned, value) if kept not in (None, "", [], {})]
    return value
