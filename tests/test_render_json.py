"""The machine formats on fixed results: JSON (render/data.py), JSON Lines (render/jsonlines.py)
and FHIR (render/fhir.py).

JSON must parse and validate against the committed schemas (the validator of
tests/test_schemas.py). A batch line is the one-shot JSON result on one line, byte for byte: other
tools (and the HTTP service) rely on that, so it is checked on every fixed result, both commands,
with several line ids. FHIR has the resources a reader of each result expects.
"""

from __future__ import annotations

import enum
import json
import re
from datetime import datetime, timezone
from typing import Any

import pytest
from fixed_results import (
    EMERGENCY,
    EVERY,
    HOSTILE,
    HOSTILE_NAMES,
    INTERACTIONS,
    KB,
    NOTHING_FOUND,
    TRIAGES,
    Interactions,
    Triage,
    ids,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fhir import valid_r4
from test_schemas import assert_valid

from spasmcheck.render import data, encoding, fhir, jsonlines
from spasmcheck.render.formats import Format, Kind, Screen, render

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
LINE_IDS = ["a-1", 7, None, ["visit", 2]]


def one_shot(case: Interactions | Triage) -> str:
    return render(Format.JSON, case.result, Screen(now=NOW))


def batch_line(case: Interactions | Triage, line_id: Any, number: int) -> str:
    writer = jsonlines.Writer(KB, case.audience)
    if isinstance(case, Interactions):
        return writer.interactions(line_id, number, case.report)
    return writer.triage(line_id, number, case.assessment, case.contact)


def module_result(case: Interactions | Triage) -> dict[str, Any]:
    """The JSON object from render/data.py's own entry point for the kind of result."""
    if isinstance(case, Interactions):
        return dict(data.interactions_result(case.report, KB, case.audience))
    return dict(data.triage_result(case.assessment, KB, case.audience, case.contact))


# --- JSON --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", EVERY, ids=ids(EVERY))
def test_json_parses_and_validates_against_its_committed_schema(case):
    document = json.loads(one_shot(case))
    assert_valid(case.result.kind.value, document)
    assert document == json.loads(json.dumps(module_result(case)))


@pytest.mark.parametrize("case", EVERY, ids=ids(EVERY))
def test_json_is_ascii_on_one_document_and_carries_the_disclaimer(case):
    text = one_shot(case)
    assert text.isascii() and text.endswith("}\n")
    assert json.loads(text)["disclaimer"] == KB.triage.disclaimer.for_(case.audience)


def test_json_keeps_user_text_exactly_as_given():
    """JSON is for programs: names are data, kept as typed (escaped by JSON itself)."""
    document = json.loads(one_shot(HOSTILE_NAMES))
    assert [entry["input"] for entry in document["unknown"]] == list(HOSTILE)
    assert "\x1b" not in one_shot(HOSTILE_NAMES)  # written as \u001b, never raw


@pytest.mark.parametrize("case", TRIAGES, ids=ids(TRIAGES))
def test_json_triage_names_the_level_and_the_country_number_from_the_tables(case):
    document = json.loads(one_shot(case))
    assert document["urgency"]["level"] == case.assessment.urgency.label
    assert document["emergency"]["number"] == case.contact.number
    assert [flag["id"] for flag in document["red_flags"]] == \
        [hit.flag.id for hit in case.assessment.hits]


# --- JSON Lines: byte for byte the one-shot JSON -------------------------------------------------


@pytest.mark.parametrize("line_id", LINE_IDS, ids=repr)
@pytest.mark.parametrize("case", EVERY, ids=ids(EVERY))
def test_a_batch_line_is_the_one_shot_json_byte_for_byte(case, line_id):
    """`interactions --batch` and `triage --batch` write, for each line, exactly the object
    `--json` prints for the same input, with `id` and `line` first, on one line."""
    line = batch_line(case, line_id, 3)
    expected = {"id": line_id, "line": 3, **json.loads(one_shot(case))}
    assert line == json.dumps(expected, separators=(",", ":")) + "\n"
    parsed = json.loads(line)
    assert json.dumps({k: v for k, v in parsed.items() if k not in ("id", "line")},
                      indent=2) + "\n" == one_shot(case)
    assert_valid("batch-line", parsed)


@pytest.mark.parametrize("case", EVERY, ids=ids(EVERY))
def test_a_batch_line_is_one_line_whatever_the_names_hold(case):
    line = batch_line(case, "x\u2028y\nz", 1)
    assert line.count("\n") == 1 and line.endswith("\n") and line.isascii()


def test_a_batch_error_line_validates_and_stays_on_one_line():
    line = jsonlines.error("id\n1", 4, "bad line: \u2028 [bold]x[/] <b>")
    assert line.count("\n") == 1 and line.isascii()
    parsed = json.loads(line)
    assert parsed == {"id": "id\n1", "line": 4, "error": {"message": "bad line: \u2028 "
                                                                     "[bold]x[/] <b>"}}
    assert_valid("batch-line", parsed)


def test_batch_lines_for_the_same_result_repeat_the_same_bytes():
    """Parts are memoised across lines: the tenth line of a result reads as the first."""
    for case in EVERY:
        assert len({batch_line(case, 1, 1) for _ in range(10)}) == 1, case.name


# --- FHIR --------------------------------------------------------------------------------------


def numbered(text: str) -> str:
    """A Bundle's text with each random `urn:uuid:` address numbered in order of first use."""
    seen: dict[str, str] = {}
    return re.sub(r"urn:uuid:[0-9a-f-]{36}",
                  lambda m: seen.setdefault(m.group(), f"urn:entry:{len(seen)}"), text)


def resource_types(bundle: dict[str, Any]) -> list[str]:
    return [entry["resource"]["resourceType"] for entry in bundle["entry"]]


def expected_issues(case: Interactions | Triage) -> int:
    """A DetectedIssue for each finding, and for each name not (or only partly) recognised."""
    report = case.report if isinstance(case, Interactions) else case.assessment.medicine_check
    return len(report.findings) + sum(1 for med in report.medications if not med.known
                                          or med.status == "partial")


@pytest.mark.parametrize("case", EVERY, ids=ids(EVERY))
def test_fhir_bundle_has_the_resources_each_result_needs(case):
    text = render(Format.FHIR, case.result, Screen(now=NOW))
    assert numbered(text) == numbered(fhir.render(case.result, NOW))  # the module, by the registry
    bundle = valid_r4(json.loads(text))
    types = resource_types(bundle)
    assert types.count("DetectedIssue") == expected_issues(case)
    assert types.count("Device") == 1 and types.count("OperationOutcome") == 1
    assert "Medication" in types
    if case.result.kind is Kind.TRIAGE:
        assert types[0] == "RiskAssessment" and types.count("QuestionnaireResponse") == 1
    else:
        assert "RiskAssessment" not in types and "QuestionnaireResponse" not in types


@pytest.mark.parametrize("case", EVERY, ids=ids(EVERY))
def test_fhir_carries_the_disclaimer(case):
    bundle = fhir.bundle(case.result, NOW)
    outcome = next(entry["resource"] for entry in bundle["entry"]
                   if entry["resource"]["resourceType"] == "OperationOutcome")
    assert outcome["issue"][-1]["details"]["text"] == KB.triage.disclaimer.for_(case.audience)


def test_fhir_emergency_risk_assessment_says_the_number_first():
    bundle = fhir.bundle(EMERGENCY.result, NOW)
    risk = bundle["entry"][0]["resource"]
    assert risk["resourceType"] == "RiskAssessment"
    assert EMERGENCY.contact.number in risk["mitigation"].splitlines()[0]
    assert risk["prediction"][0]["qualitativeRisk"]["coding"][0]["code"] == \
        EMERGENCY.assessment.urgency.label


def test_fhir_names_each_unrecognised_name_as_given():
    bundle = fhir.bundle(HOSTILE_NAMES.result, NOW)
    named = {entry["resource"]["code"]["text"] for entry in bundle["entry"]
             if entry["resource"]["resourceType"] == "Medication"}
    assert set(HOSTILE) <= named


@pytest.mark.parametrize("case", INTERACTIONS, ids=ids(INTERACTIONS))
def test_fhir_is_stamped_with_the_time_given(case):
    assert fhir.bundle(case.result, NOW)["timestamp"] == NOW.astimezone().isoformat(
        timespec="seconds")


def test_fhir_refuses_a_result_without_the_engines_outcome():
    with pytest.raises(ValueError, match="engine"):
        fhir.bundle(NOTHING_FOUND.result._replace(outcome=None), NOW)


# --- the encoder itself: the standard library's text, byte for byte ------------------------


class _Said(str, enum.Enum):
    PLAIN = "plain"
    ODD = "é\n\"\\"


class _Rank(enum.IntEnum):
    LOW = 1
    BELOW = -7


_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text()
            | st.sampled_from(list(_Said)) | st.sampled_from(list(_Rank)))
_KEYS = st.text() | st.integers() | st.floats() | st.booleans() | st.none() \
    | st.sampled_from(list(_Said))
_VALUES = st.recursive(_SCALARS, lambda inner: (
    st.lists(inner, max_size=4) | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(_KEYS, inner, max_size=4)
    | st.dictionaries(st.text(), inner, max_size=3).map(encoding.Shared)), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(_VALUES)
def test_the_encoder_writes_what_json_dumps_writes(value):
    """`--json` text and batch values are the standard library's, byte for byte (the encoder
    uses only its C part, to spare a run importing the decoder)."""
    assert encoding.indented({"v": value}) == json.dumps({"v": value}, indent=2) + "\n"
    assert encoding.indented(value) == json.dumps(value, indent=2) + "\n"
    assert encoding.value_text(value) == json.dumps(value, separators=(",", ":"))


@pytest.mark.parametrize("value", [object(), {"a": {1, 2}}, {(1,): 2}])
def test_the_encoder_refuses_what_json_dumps_refuses(value):
    for ours, theirs in ((encoding.indented, lambda v: json.dumps(v, indent=2)),
                         (encoding.value_text,
                          lambda v: json.dumps(v, separators=(",", ":")))):
        with pytest.raises(TypeError) as mine:
            ours(value)
        with pytest.raises(TypeError) as standard:
            theirs(value)
        assert str(mine.value) == str(standard.value)
