"""Medicines from FHIR records: the pure reader, and `--fhir` on interactions and triage."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from console import SPASMCHECK
from typer.testing import CliRunner

from spasmcheck.core.errors import ExitCode
from spasmcheck.frontends import fhir_meds
from spasmcheck.frontends.cli import app
from spasmcheck.frontends.fhir_meds import RXNORM, FhirError

EXPORT = Path(__file__).parent / "fhir" / "patient_export.json"


def _export() -> dict[str, Any]:
    return json.loads(EXPORT.read_text())  # type: ignore[no-any-return]


def _used(record: fhir_meds.MedicationRecord) -> dict[str, tuple[str, ...]]:
    return {med.resource: med.names for med in record.used}


def test_patient_export_uses_active_entries_and_skips_inactive_ones(kb):
    record = fhir_meds.read(_export(), kb)
    used = _used(record)
    assert len(used) >= 15
    skipped = {s.resource: s.reason for s in record.skipped}
    assert skipped == {
        "MedicationStatement/ms-tramadol": "status stopped",
        "MedicationStatement/ms-fluoxetine": "status entered-in-error",
        "MedicationDispense/md-oxycodone": "status cancelled",
        "MedicationRequest/mr-amoxicillin": "status completed",
        "MedicationRequest/mr-aspirin": "a do-not-give order",
        "MedicationStatement/ms-diazepam": "status not-taken",
    }
    assert not set(used) & set(skipped)
    assert record.ignored == 2  # the Patient and the Condition
    # a referenced Medication is read through its statement, not counted twice
    assert "Medication/med-ibuprofen" not in used and "Medication/med-norco" not in used


@pytest.mark.parametrize(("resource", "names", "codes"), [
    ("MedicationStatement/ms-sertraline", ("sertraline",), ("36437",)),  # ingredient code wins
    ("MedicationRequest/mr-ibuprofen", ("ibuprofen",), ("5640",)),  # bundled Medication
    ("MedicationStatement/ms-omeprazole", ("omeprazole",), ("7646",)),  # R5 medication.concept
    ("MedicationDispense/md-gabapentin", ("gabapentin",), ("25480",)),  # dispensed = has it
    ("MedicationStatement/ms-norco", ("hydrocodone", "acetaminophen"), ("5489",)),  # ingredients
    ("MedicationStatement/ms-flexeril", ("Flexeril",), ()),  # a coding display, no text
    ("MedicationRequest/mr-lorazepam", ("lorazepam",), ()),  # unknown code: its display
    ("MedicationRequest/mr-lisinopril", ("Lisinopril 10 MG Oral Tablet",), ()),  # contained
])
def test_each_form_of_medication_is_named(kb, resource, names, codes):
    med = next(m for m in fhir_meds.read(_export(), kb).used if m.resource == resource)
    if resource.endswith("lisinopril"):  # text first; a display the reader knows if not
        assert med.names[0] in ("Lisinopril 10 MG Oral Tablet", "lisinopril")
    else:
        assert med.names == names
    assert med.by_code == codes


def test_a_code_the_tables_know_beats_a_misleading_display(kb):
    statement = {"resourceType": "MedicationStatement", "status": "active",
                 "medicationCodeableConcept": {
                     "text": "Zoloft", "coding": [{"system": RXNORM, "code": "21949",
                                                   "display": "cyclobenzaprine"}]}}
    assert fhir_meds.read(statement, kb).names == ["cyclobenzaprine"]


def test_r5_medication_reference_to_a_contained_medication(kb):
    request = {"resourceType": "MedicationRequest", "id": "r5", "status": "active",
               "contained": [{"resourceType": "Medication", "id": "m",
                              "code": {"coding": [{"system": RXNORM, "code": "10689",
                                                   "display": "tramadol"}]}}],
               "medication": {"reference": {"reference": "#m"}}}
    record = fhir_meds.read(request, kb)
    assert record.names == ["tramadol"]
    assert record.used[0].by_code == ("10689",)


def test_a_reference_outside_the_record_is_kept_as_unchecked_not_dropped(kb):
    statement = {"resourceType": "MedicationRequest", "id": "x", "status": "active",
                 "medicationReference": {"reference": "Medication/elsewhere"}}
    record = fhir_meds.read(statement, kb)
    assert record.names == ["Medication/elsewhere (not in the record)"]
    assert not kb.names.resolve(record.names[0]).known


@pytest.mark.parametrize(("document", "named"), [
    ([], "not a FHIR resource"),
    ({"resourceType": "Patient"}, "Patient holds no medicines"),
    ({"resourceType": "Bundle", "entry": {"a": 1}}, "Bundle.entry must be a list"),
    ({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient"}}, {}]},
     "entry 2: no resource"),
    ({"resourceType": "Bundle", "entry": [{"resource": {
        "resourceType": "MedicationStatement", "id": "s1", "status": "active"}}]},
     "entry 1 (MedicationStatement/s1): no medication"),
    ({"resourceType": "MedicationRequest", "status": 3, "medicationCodeableConcept": {
        "text": "x"}}, "MedicationRequest: status must be a string"),
    ({"resourceType": "MedicationRequest", "medicationCodeableConcept": {
        "coding": "sertraline"}}, "coding must be a list"),
])
def test_bad_fhir_names_the_entry(kb, document, named):
    with pytest.raises(FhirError, match=re.escape(named)) as raised:
        fhir_meds.read(document, kb)
    assert raised.value.exit_code == ExitCode.BAD_ANSWERS


def _valid(document: dict[str, Any], kind: str) -> None:
    import jsonschema

    schema = json.loads((EXPORT.parent.parent.parent / "schemas" /
                         f"{kind}.schema.json").read_text())
    jsonschema.validate(document, schema)


def test_interactions_fhir_json_reports_used_and_skipped_entries(tmp_path):
    result = CliRunner().invoke(app, ["interactions", "--fhir", str(EXPORT), "--json",
                                      "--drug", "tizanidine"])
    out = json.loads(result.stdout)
    _valid(out, "interactions")
    assert result.exit_code in (ExitCode.OK, ExitCode.UNKNOWN_MEDICINE)
    record = out["record"]
    assert len(record["used"]) >= 15 and len(record["skipped"]) == 6
    assert {"entry", "resource", "written", "checked_as", "rxnorm"} <= set(record["used"][0])
    found = {(i["severity"], tuple(i["drugs"])) for i in out["interactions"]}
    assert ("contraindicated", ("tizanidine", "ciprofloxacin")) in found
    # the stopped tramadol and the entered-in-error fluoxetine were not checked
    assert not any({"tramadol", "fluoxetine"} & set(i["drugs"]) for i in out["interactions"])


def test_fhir_medicines_join_typed_ones_and_unknowns_stay_unchecked(tmp_path):
    record = {"resourceType": "MedicationStatement", "status": "active",
              "medicationCodeableConcept": {"text": "Magic mouthwash (compounded)"}}
    path = tmp_path / "one.json"
    path.write_text(json.dumps(record))
    result = CliRunner().invoke(app, ["interactions", "--fhir", str(path), "--med", "Zoloft",
                                      "--json"])
    out = json.loads(result.stdout)
    assert result.exit_code == ExitCode.UNKNOWN_MEDICINE
    assert [u["input"] for u in out["unknown"]] == ["Magic mouthwash (compounded)"]
    assert out["interactions"][0]["drugs"] == ["cyclobenzaprine", "sertraline"]


def test_triage_fhir_adds_the_record_medicines_to_the_answers(tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"location": "lower_back", "duration_days": 3,
                                   "medications": ["ibuprofen"]}))
    result = CliRunner().invoke(app, ["triage", "--answers", str(answers), "--fhir",
                                      str(EXPORT), "--json", "--country", "US"])
    out = json.loads(result.stdout)
    _valid(out, "triage")
    assert "sertraline" in out["answers"]["medications"]
    assert "ibuprofen" in out["answers"]["medications"]
    assert any(i["drugs"] == ["cyclobenzaprine", "sertraline"] for i in out["interactions"])
    assert len(out["record"]["skipped"]) == 6


@pytest.mark.parametrize(("content", "message"), [
    (b"{not json", "not valid JSON"),
    (b'{"a":' * 100_000, "nested too deeply"),
    (b'{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": '
     b'"MedicationRequest", "id": "r9", "status": "active"}}]}', "entry 1 (MedicationRequest/r9)"),
    (b'{"resourceType": "Bundle", "entry": []}', "no medicine in use"),
])
def test_bad_or_empty_records_exit_4_with_the_file_named(tmp_path, content, message):
    path = tmp_path / "record.json"
    path.write_bytes(content)
    result = CliRunner().invoke(app, ["interactions", "--fhir", str(path)])
    assert result.exit_code == ExitCode.BAD_ANSWERS
    assert str(path) in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr


def test_fhir_and_batch_together_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(app, ["interactions", "--fhir", str(EXPORT), "--batch", "-"])
    assert result.exit_code == ExitCode.USAGE


@pytest.mark.slow
def test_console_script_reads_a_record_from_stdin_and_lists_entries_on_stderr():
    done = subprocess.run([SPASMCHECK, "interactions", "--fhir", "-", "--plain"],
                          input=EXPORT.read_bytes(), capture_output=True, timeout=60,
                          check=False)
    stderr = done.stderr.decode()
    assert done.returncode == ExitCode.UNKNOWN_MEDICINE  # the compounded mouthwash
    assert "from <stdin>:" in stderr
    assert "skipped  entry 4 (MedicationStatement/ms-tramadol)" in stderr
    assert "sertraline" in done.stdout.decode()
