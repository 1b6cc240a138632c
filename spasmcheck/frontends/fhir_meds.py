"""A FHIR medication list (R4 or R5) read into names the interaction engine can check.

Health records send MedicationStatement, MedicationRequest, MedicationDispense and Medication
resources, alone or in a Bundle. Each medicine is named by its RxNorm ingredient code when the
tables know that code, otherwise by the first of its text and coding displays that the name
reader recognises (otherwise by its text, which the engine then reports as not checked).
Entries that say the medicine is no longer taken are skipped, and the result lists what was
used and what was skipped, so the person reading it can see which parts of the record counted.

Pure: the caller parses the JSON (see `decode`) and passes the knowledge base. Nothing here
reads files or prints.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from spasmcheck.core.errors import AnswersError
from spasmcheck.core.limits import LIMITS
from spasmcheck.core.model import Drug, KnowledgeBase
from spasmcheck.core.record import Record

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
MEDICATION_TYPES = ("MedicationStatement", "MedicationRequest", "MedicationDispense",
                    "Medication")
MAX_RECORD_BYTES = LIMITS.record_bytes
MAX_ENTRIES = LIMITS.record_entries

# FHIR status codes (R4 and R5) that say the medicine is not being taken. "completed" is
# inactive for a statement or an order (the course is over) but for a dispense it means the
# medicine was handed over, so the person has it.
INACTIVE_STATUS: Mapping[str, frozenset[str]] = {
    "MedicationStatement": frozenset({"stopped", "entered-in-error", "not-taken", "completed"}),
    "MedicationRequest": frozenset({"stopped", "cancelled", "entered-in-error", "completed",
                                    "ended"}),
    "MedicationDispense": frozenset({"stopped", "cancelled", "entered-in-error", "declined"}),
    "Medication": frozenset({"inactive", "entered-in-error"}),
}
# R5 MedicationStatement.adherence codes that say the medicine is not being taken.
NOT_TAKING = frozenset({"not-taking", "stopped"})


class FhirError(AnswersError):
    """A FHIR document that cannot be read; the message names the entry (exit 4)."""


class RecordMedicine(Record):
    """One medicine entry of the record that will be checked."""

    entry: str  # where it is: "entry 3 (MedicationStatement/abc)"
    resource: str  # "MedicationStatement/abc", or the resource type when it has no id
    names: tuple[str, ...]  # what the engine checks: usually one name; one per ingredient
    written: str  # how the record writes it (text or first display), for people to read
    by_code: tuple[str, ...]  # the RxNorm codes that named it, when the tables knew them
    status: str | None
    subject: str | None  # the patient reference, as written


class SkippedEntry(Record):
    entry: str
    resource: str
    written: str
    status: str
    reason: str


class MedicationRecord(Record):
    used: tuple[RecordMedicine, ...]
    skipped: tuple[SkippedEntry, ...]
    ignored: int  # resources that are not about medicines (Patient, Condition...)

    @property
    def names(self) -> list[str]:
        return [name for med in self.used for name in med.names]


def decode(data: bytes, source: str) -> Any:
    """Parse FHIR JSON, or FhirError naming the source."""
    if len(data) > MAX_RECORD_BYTES:
        raise FhirError(f"{source}: the FHIR record is larger than "
                        f"{MAX_RECORD_BYTES // (1024 * 1024)} MB")
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FhirError(f"{source}: not UTF-8 text; FHIR JSON is expected") from None
    except json.JSONDecodeError as error:
        raise FhirError(f"{source}:{error.lineno}: not valid JSON ({error.msg}); a FHIR "
                        "Bundle or medication resource is expected") from None
    except RecursionError:
        raise FhirError(f"{source}: JSON nested too deeply to be a FHIR record") from None


def read(document: Any, kb: KnowledgeBase,
         codes: Mapping[str, Drug] | None = None) -> MedicationRecord:
    """The medicines of a FHIR Bundle or single medication resource. `codes` is
    `checker.Checker.codes` (RxNorm ingredient code -> drug), kept by a caller that reads
    many records."""
    if not isinstance(document, dict) or not isinstance(document.get("resourceType"), str):
        raise FhirError("not a FHIR resource: a JSON object with a resourceType is expected "
                        f"(one of Bundle, {', '.join(MEDICATION_TYPES)})")
    if document["resourceType"] == "Bundle":
        resources = _bundle_resources(document)
    elif document["resourceType"] in MEDICATION_TYPES:
        resources = [(_label(document, None), document)]
    else:
        raise FhirError(f"a FHIR {document['resourceType']} holds no medicines; expected a "
                        f"Bundle or one of {', '.join(MEDICATION_TYPES)}")
    if codes is None:
        from spasmcheck.core.checker import Checker

        codes = Checker(kb).codes
    return _read_resources(resources, _Lookup(resources), kb, codes)


def _bundle_resources(bundle: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    entries = bundle.get("entry", [])
    if entries is None:  # an empty search result
        entries = []
    if not isinstance(entries, list):
        raise FhirError("Bundle.entry must be a list of entries")
    if len(entries) > MAX_ENTRIES:
        raise FhirError(f"the Bundle has {len(entries)} entries; at most {MAX_ENTRIES} are read")
    resources = []
    for number, item in enumerate(entries, 1):
        resource = item.get("resource") if isinstance(item, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise FhirError(f"entry {number}: no resource with a resourceType")
        resource = dict(resource)
        if isinstance(item.get("fullUrl"), str):
            resource["_fullUrl"] = item["fullUrl"]
        resources.append((_label(resource, number), resource))
    return resources


def _label(resource: dict[str, Any], number: int | None) -> str:
    kind = resource["resourceType"]
    named = f"{kind}/{resource['id']}" if isinstance(resource.get("id"), str) else kind
    return f"entry {number} ({named})" if number is not None else named


def _resource_name(resource: dict[str, Any]) -> str:
    kind = resource["resourceType"]
    return f"{kind}/{resource['id']}" if isinstance(resource.get("id"), str) else kind


class _Lookup:
    """Medication resources a reference may point to: in the bundle, or contained."""

    def __init__(self, resources: list[tuple[str, dict[str, Any]]]) -> None:
        self.by_ref: dict[str, dict[str, Any]] = {}
        for _, resource in resources:
            if resource["resourceType"] != "Medication":
                continue
            if isinstance(resource.get("id"), str):
                self.by_ref[f"Medication/{resource['id']}"] = resource
            if isinstance(resource.get("_fullUrl"), str):
                self.by_ref[resource["_fullUrl"]] = resource
        self.referenced: set[int] = set()

    def find(self, reference: str, holder: dict[str, Any]) -> dict[str, Any] | None:
        if reference.startswith("#"):
            contained = holder.get("contained")
            for item in contained if isinstance(contained, list) else []:
                if isinstance(item, dict) and item.get("id") == reference[1:]:
                    return item
            return None
        found = self.by_ref.get(reference)
        if found is None and "/Medication/" in reference:  # an absolute URL to the same id
            found = self.by_ref.get("Medication/" + reference.rsplit("/", 1)[1])
        return found


def _read_resources(resources: list[tuple[str, dict[str, Any]]], lookup: _Lookup,
                    kb: KnowledgeBase, by_code: Mapping[str, Drug]) -> MedicationRecord:
    used: list[RecordMedicine] = []
    skipped: list[SkippedEntry] = []
    ignored = 0
    pending_medications = []
    for label, resource in resources:
        kind = resource["resourceType"]
        if kind == "Medication":
            pending_medications.append((label, resource))
            continue
        if kind not in MEDICATION_TYPES:
            ignored += 1
            continue
        concept, medication = _medication_of(label, resource, lookup)
        status = _string(resource, "status", label)
        written, names, codes = _naming(label, concept, medication, kb, by_code)
        reason = _inactive(resource, status)
        if reason:
            skipped.append(SkippedEntry(label, _resource_name(resource), written, status or "",
                                        reason))
            continue
        used.append(RecordMedicine(label, _resource_name(resource), names, written, codes,
                                   status, _subject(resource)))
    for label, resource in pending_medications:
        if id(resource) in lookup.referenced:
            continue  # read as part of the entry that points to it
        status = _string(resource, "status", label)
        written, names, codes = _naming(label, resource.get("code"), resource, kb, by_code)
        if status in INACTIVE_STATUS["Medication"]:
            skipped.append(SkippedEntry(label, _resource_name(resource), written, status or "",
                                        f"status {status}"))
        else:
            used.append(RecordMedicine(label, _resource_name(resource), names, written, codes,
                                       status, None))
    return MedicationRecord(tuple(used), tuple(skipped), ignored)


def _inactive(resource: dict[str, Any], status: str | None) -> str | None:
    """Why an entry says the medicine is not taken, or None."""
    kind = resource["resourceType"]
    if status in INACTIVE_STATUS[kind]:
        return f"status {status}"
    if resource.get("doNotPerform") is True:
        return "a do-not-give order"
    adherence = resource.get("adherence")
    if kind == "MedicationStatement" and isinstance(adherence, dict):
        codes = {str(coding.get("code"))
                 for coding in _codings(adherence.get("code"), "adherence")}
        if codes & NOT_TAKING:
            return "adherence: " + ", ".join(sorted(codes & NOT_TAKING))
    return None


def _medication_of(label: str, resource: dict[str, Any],
                   lookup: _Lookup) -> tuple[Any, dict[str, Any] | None]:
    """The coded concept and the referenced Medication resource (either may be missing)."""
    concept = resource.get("medicationCodeableConcept")
    reference = resource.get("medicationReference")
    medication = resource.get("medication")
    if isinstance(medication, dict):  # R5: a CodeableReference
        concept = concept or medication.get("concept")
        reference = reference or medication.get("reference")
    if concept is None and reference is None:
        raise FhirError(f"{label}: no medication (medicationCodeableConcept or "
                        "medicationReference in R4, medication.concept or "
                        "medication.reference in R5)")
    found = None
    if reference is not None:
        if not isinstance(reference, dict):
            raise FhirError(f"{label}: the medication reference must be an object")
        target = reference.get("reference")
        if isinstance(target, str):
            found = lookup.find(target, resource)
        if found is not None:
            lookup.referenced.add(id(found))
        elif concept is None:  # a reference to something not in the record: use its display
            display = reference.get("display")
            concept = {"text": display if isinstance(display, str) and display.strip() else
                       f"{target or 'a medication'} (not in the record)"}
    return concept, found


def _naming(label: str, concept: Any, medication: dict[str, Any] | None, kb: KnowledgeBase,
            by_code: Mapping[str, Drug]) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """How the record writes the medicine, the names to check, and the codes that named it."""
    concepts = [c for c in (concept, medication.get("code") if medication else None)
                if c is not None]
    texts: list[str] = []
    codes: list[str] = []
    for item in concepts:
        item_texts, item_codes = _concept(item, label)
        texts += item_texts
        codes += item_codes
    for code in codes:
        drug = by_code.get(code)
        if drug is not None:
            return (texts[0] if texts else drug.name), (drug.name,), (code,)
    for text in texts:
        if kb.names.resolve(text).known:
            return texts[0], (text,), ()
    ingredients = _ingredients(label, medication, by_code) if medication else None
    if ingredients:
        return (texts[0] if texts else " + ".join(ingredients[0])), *ingredients
    if not texts:
        code_text = f"RxNorm {codes[0]}" if codes else "a medicine with no name or code"
        texts.append(code_text)
    return texts[0], (texts[0],), ()


def _ingredients(label: str, medication: dict[str, Any], by_code: Mapping[str, Drug],
                 ) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """A Medication's ingredients, each named like a medicine; None when it lists none."""
    items = medication.get("ingredient")
    if not isinstance(items, list) or not items:
        return None
    names: list[str] = []
    codes: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            raise FhirError(f"{label}: Medication.ingredient items must be objects")
        concept = item.get("itemCodeableConcept")
        if concept is None and isinstance(item.get("item"), dict):
            concept = item["item"].get("concept")
        if concept is None:
            return None  # an ingredient given only by reference: not readable here
        texts, item_codes = _concept(concept, label)
        known = next((by_code[c] for c in item_codes if c in by_code), None)
        if known is not None:
            names.append(known.name)
            codes.append(next(c for c in item_codes if c in by_code))
        elif texts:
            names.append(texts[0])
        else:
            return None
    return tuple(names), tuple(codes)


def _concept(concept: Any, label: str) -> tuple[list[str], list[str]]:
    """A CodeableConcept's text and displays (text first), and its RxNorm codes."""
    if not isinstance(concept, dict):
        raise FhirError(f"{label}: a medication CodeableConcept must be an object")
    texts = []
    text = concept.get("text")
    if text is not None and not isinstance(text, str):
        raise FhirError(f"{label}: CodeableConcept.text must be a string")
    if text and text.strip():
        texts.append(text.strip())
    codings = _codings(concept, label)
    rxnorm = [c for c in codings if c.get("system") == RXNORM]
    for coding in rxnorm + [c for c in codings if c.get("system") != RXNORM]:
        display = coding.get("display")
        if isinstance(display, str) and display.strip() and display.strip() not in texts:
            texts.append(display.strip())
    codes = [str(c["code"]).strip() for c in rxnorm if isinstance(c.get("code"), (str, int))]
    return texts, codes


def _codings(concept: Any, label: str) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    codings = concept.get("coding", [])
    if codings is None:
        return []
    if not isinstance(codings, list) or not all(isinstance(c, dict) for c in codings):
        raise FhirError(f"{label}: CodeableConcept.coding must be a list of Codings")
    return codings


def _string(resource: dict[str, Any], key: str, label: str) -> str | None:
    value = resource.get(key)
    if value is not None and not isinstance(value, str):
        raise FhirError(f"{label}: {key} must be a string")
    return value


def _subject(resource: dict[str, Any]) -> str | None:
    subject = resource.get("subject") or resource.get("patient")
    if isinstance(subject, dict) and isinstance(subject.get("reference"), str):
        return str(subject["reference"])
    return None

