"""The --json and --batch outputs validate against the published JSON Schemas in schemas/.

Real outputs of the CLI (typer's CliRunner on `spasmcheck.frontends.cli.app`, built-in tables) are
checked over a spread of inputs: known, unknown and misspelt names, many medicines,
combination products, every candidate, conditions and age, several triage answer sets
(emergency to self-care), both audiences, and batch lines good and bad. Hypothesis then throws
random mixes of known names and junk at both commands: the output must always validate.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from typer.testing import CliRunner

from spasmcheck.core.model import KnowledgeBase, QuestionType
from spasmcheck.frontends.cli import app
from spasmcheck.tables import knowledge

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
NAMES = ("interactions", "triage", "batch-line")
SEVERITIES = ["contraindicated", "major", "moderate", "minor"]
LEVELS = ["emergency", "urgent", "soon", "routine", "self_care"]


# --- schema plumbing ---------------------------------------------------------------------------


def _uri(name: str) -> str:
    return (SCHEMAS / f"{name}.schema.json").as_uri()


@cache
def _schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text("utf-8"))


@cache
def _validator(name: str) -> Draft202012Validator:
    """A validator that resolves batch-line's relative $refs to its sibling files."""
    registry: Registry = Registry().with_resources(
        (_uri(n), Resource.from_contents(_schema(n))) for n in NAMES)
    return Draft202012Validator({"$ref": _uri(name)}, registry=registry)


def assert_valid(name: str, document: Any) -> None:
    errors = sorted(_validator(name).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}" for e in errors)


def assert_invalid(name: str, document: Any) -> None:
    with pytest.raises(ValidationError):
        _validator(name).validate(document)


runner = CliRunner()


def invoke(args: list[str], input: str | bytes | None = None) -> Any:
    result = runner.invoke(app, args, input=input)
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return result


def interactions_json(*args: str, codes: tuple[int, ...] = (0, 3)) -> dict[str, Any]:
    result = invoke(["interactions", *args, "--json"])
    assert result.exit_code in codes, result.stderr
    document = json.loads(result.stdout)
    assert_valid("interactions", document)
    _consistent_interactions(document)
    return document


def triage_json(answers: dict[str, Any], *args: str, codes: tuple[int, ...] = (0, 3)
                ) -> dict[str, Any]:
    result = invoke(["triage", "--answers", "-", "--json", *args], input=json.dumps(answers))
    assert result.exit_code in codes, result.stderr
    document = json.loads(result.stdout)
    assert_valid("triage", document)
    _consistent_medicines(document)
    return document


def _consistent_medicines(document: dict[str, Any]) -> None:
    """What a schema cannot say: the lists agree with each other."""
    unknown_inputs = [m["input"] for m in document["medications"] if m["status"] == "unknown"]
    assert [u["input"] for u in document["unknown"]] == unknown_inputs
    ranks = [SEVERITIES.index(i["severity"]) for i in document["interactions"]]
    assert ranks == sorted(ranks), "interactions must be listed most severe first"


def _consistent_interactions(document: dict[str, Any]) -> None:
    _consistent_medicines(document)
    summary = document["summary"]
    assert sum(summary["counts"].values()) == len(document["interactions"])
    assert summary["unknown"] == len(document["unknown"])
    statuses = [m["status"] for m in document["medications"]]
    assert summary["known"] == statuses.count("known")
    assert summary["partial"] == statuses.count("partial")
    worst = document["interactions"][0]["severity"] if document["interactions"] else None
    assert summary["worst"] == worst


def batch_lines(kind: str, lines: list[str | bytes], codes: tuple[int, ...]
                ) -> list[dict[str, Any]]:
    data = b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines)
    result = invoke([kind, "--batch", "-"], input=data)
    assert result.exit_code in codes, result.stderr
    # split on "\n" only: names may hold U+2028 or U+0085, and splitlines() splits on those
    assert result.stdout.endswith("\n") or not result.stdout
    out = [json.loads(line) for line in result.stdout.split("\n")[:-1]]
    for item in out:
        assert_valid("batch-line", item)
    return out


# --- the schema files themselves ---------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_schema_files_are_valid_draft_2020_12(name: str) -> None:
    schema = _schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", NAMES)
def test_committed_schemas_are_the_ones_the_typed_shapes_give(name: str) -> None:
    from spasmcheck.render import schema

    made = schema.text(schema.schemas()[f"{name}.schema.json"])
    assert (SCHEMAS / f"{name}.schema.json").read_text("utf-8") == made, (
        f"schemas/{name}.schema.json differs from spasmcheck/render/shapes.py: run "
        "`python -m spasmcheck.render.schema` and commit the result")


def test_the_shapes_words_are_the_engines_words() -> None:
    """The shapes' Literal values are the enums the engine gives, most severe first."""
    from typing import get_args

    from spasmcheck.core.model import Severity, Urgency
    from spasmcheck.render import shapes

    def words(alias: Any) -> list[str]:
        return list(get_args(get_args(alias)[0]))

    assert words(shapes.Severity) == [s.label for s in sorted(Severity, reverse=True)]
    assert words(shapes.Level) == [u.label for u in sorted(Urgency, reverse=True)]
    assert words(shapes.Severity) == SEVERITIES and words(shapes.Level) == LEVELS


def test_shared_definitions_are_identical_in_both_result_schemas() -> None:
    one, two = _schema("interactions")["$defs"], _schema("triage")["$defs"]
    for key, value in one.items():
        assert two[key] == value, f"$defs/{key} differs between the two schemas"


@pytest.mark.parametrize(("name", "required"), [
    ("interactions", {"schema_version", "tables", "candidate", "medications", "unknown",
                      "unknown_advice", "summary", "interactions", "disclaimer"}),
    ("triage", {"schema_version", "tables", "emergency", "urgency", "red_flags", "next_steps",
                "unknown_advice", "interactions", "answers", "unanswered", "unanswered_screen",
                "disclaimer"}),
])
def test_documented_top_level_keys_are_required_and_more_are_allowed(
        name: str, required: set[str]) -> None:
    schema = _schema(name)
    assert required <= set(schema["required"])
    assert schema.get("additionalProperties", True) is not False


# --- interactions ------------------------------------------------------------------------------


def test_known_medicine_validates() -> None:
    document = interactions_json("--med", "sertraline", codes=(0,))
    assert document["medications"][0]["status"] == "known"
    assert document["unknown"] == []


def test_unknown_medicine_validates_and_is_listed_as_unknown() -> None:
    document = interactions_json("--med", "xyzzy-not-a-drug", codes=(3,))
    assert document["medications"][0] == {"input": "xyzzy-not-a-drug", "matched": [],
                                          "status": "unknown"}
    assert document["unknown"][0]["input"] == "xyzzy-not-a-drug"


def test_partly_recognised_medicine_validates_and_names_what_was_not_checked() -> None:
    document = interactions_json("--med", "Tylenol Sinus", "--med", "Aleve Tension",
                                 "--med", "Zoloft", codes=(3,))
    assert document["medications"][0] == {
        "input": "Tylenol Sinus", "matched": ["acetaminophen"], "status": "partial",
        "matched_as": "brand", "unchecked": ["sinus"], "suggestions": []}
    assert document["medications"][1]["unchecked"] == ["tension"]
    assert document["unknown"] == []
    assert document["summary"]["partial"] == 2 and document["summary"]["known"] == 1


def test_a_partial_entry_without_its_unchecked_words_is_invalid() -> None:
    document = interactions_json("--med", "Tylenol Sinus", codes=(3,))
    broken = copy.deepcopy(document)
    del broken["medications"][0]["unchecked"]
    assert_invalid("interactions", broken)
    broken = copy.deepcopy(document)
    broken["medications"][0]["matched"] = []
    assert_invalid("interactions", broken)


def test_misspelt_medicine_validates_with_suggestions() -> None:
    document = interactions_json("--med", "sertralin", "--med", "Zoloftt", codes=(3,))
    suggestions = [s.lower() for u in document["unknown"] for s in u["suggestions"]]
    assert "sertraline" in suggestions
    assert "zoloft" in suggestions


def test_many_medicines_validate(kb: KnowledgeBase) -> None:
    names = sorted(kb.interactions.drugs)[::7][:60]
    document = interactions_json(*[a for n in names for a in ("--med", n)], codes=(0,))
    assert len(document["medications"]) == len(names)


def test_combination_products_validate_and_list_every_ingredient(kb: KnowledgeBase) -> None:
    products = kb.interactions.products[:12]
    document = interactions_json(*[a for p in products for a in ("--med", p.name)], codes=(0,))
    for med, product in zip(document["medications"], products, strict=True):
        assert med["matched_as"] == "product"
        assert len(med["matched"]) == len(product.ingredients) >= 2


def test_brand_dose_and_odd_spacing_validate() -> None:
    document = interactions_json("--med", "Zoloft", "--med", "  TRAMADOL 50 mg ",
                                 "--med", "co codamol", codes=(0, 3))
    assert document["medications"][0]["matched_as"] == "brand"


def test_each_candidate_via_drug_validates(kb: KnowledgeBase) -> None:
    for candidate in kb.interactions.candidates:
        name = kb.interactions.drugs[candidate].name
        document = interactions_json("--drug", name, "--med", "sertraline", "--med", "tramadol",
                                     "--med", "alcohol", "--med", name, codes=(0,))
        assert document["candidate"] == name
        # the candidate listed as a medicine is the same drug twice
        assert any(i["kind"] == "same_drug" for i in document["interactions"])


def test_conditions_and_age_give_cautions_that_validate(kb: KnowledgeBase) -> None:
    conditions = [a for c in kb.interactions.conditions for a in ("--condition", c)]
    document = interactions_json("--med", "ibuprofen", *conditions, "--age", "80", codes=(0,))
    assert document["age"] == 80
    cautions = [i for i in document["interactions"] if i["kind"] == "caution"]
    assert cautions, "the default candidate has cautions for conditions or age"
    assert set(document["conditions"]) == set(kb.interactions.conditions)


def test_a_rule_for_an_age_group_with_no_age_given_validates_and_says_its_age() -> None:
    document = interactions_json("--med", "gabapentin", "--med", "lamotrigine", codes=(0,))
    beers = [i for i in document["interactions"] if i["rule"] == "beers_three_cns_active"]
    assert beers and beers[0]["applies_from_age"] == 65
    aged = interactions_json("--med", "gabapentin", "--med", "lamotrigine", "--age", "70",
                             codes=(0,))
    assert all("applies_from_age" not in i for i in aged["interactions"])


def test_clinician_audience_validates() -> None:
    document = interactions_json("--med", "phenelzine", "--med", "sertraline", "--med", "alcohol",
                                 "--audience", "clinician", codes=(0, 3))
    assert document["audience"] == "clinician"


def test_every_severity_appears_somewhere_and_validates(kb: KnowledgeBase) -> None:
    """Check each pair rule's drugs once, so every severity label is exercised."""
    seen: set[str] = set()
    for rule in kb.interactions.rules[:40]:
        names = []
        for side in (rule.a, rule.b):
            drug = next((d for d in kb.interactions.drugs.values() if side.matches(d)), None)
            if drug is not None:
                names.append(drug.name)
        if len(names) == 2 and names[0] != names[1]:
            document = interactions_json("--med", names[0], "--med", names[1], codes=(0,))
            seen |= {i["severity"] for i in document["interactions"]}
    assert seen <= set(SEVERITIES)
    assert len(seen) >= 2


# --- triage ------------------------------------------------------------------------------------

SELF_CARE = {"location": "lower_back", "duration_days": 2, "age": 30, "improving": True,
             "trauma": "none", "fever": "none", "weakness": "none"}


def test_emergency_answer_set_validates() -> None:
    document = triage_json({"chest_pain": True, "shortness_of_breath": True}, codes=(0,))
    assert document["urgency"]["level"] == "emergency"
    assert document["red_flags"][0]["urgency"] == "emergency"


def test_self_care_answer_set_validates() -> None:
    document = triage_json(SELF_CARE, codes=(0,))
    assert document["urgency"]["level"] == "self_care"
    assert document["red_flags"] == []


@pytest.mark.parametrize("answers", [
    {"location": "neck"},
    {"chest_pain": "unsure", "confusion": "not sure"},
    {"fever": "high", "location": "lower_back", "iv_drug_use": True},
    {"bladder_bowel_change": True, "saddle_numbness": "unsure", "location": "lower_back"},
    {"weakness": "progressive", "numbness": True, "hands_clumsy": True, "location": "neck"},
    {"duration_days": 60, "age": 70, "night_pain": True, "weight_loss": True,
     "cancer_history": True},
    {"cramp_over_10_min": True, "dark_urine": True, "location": "leg"},
    {"pregnant": True, "pregnancy_warning_signs": "unsure", "age": 28, "location": "lower_back"},
    {**SELF_CARE, "medications": ["sertraline", "Percocet", "alcohol", "not-a-medicine"]},
    {**SELF_CARE, "medications": ["phenelzine"], "antidepressants": ["sertraline"]},
], ids=["partial", "unsure", "fever", "cauda-equina", "myelopathy", "malignancy", "rhabdo",
        "pregnancy", "medicines", "checklist"])
def test_triage_answer_sets_validate(answers: dict[str, Any]) -> None:
    document = triage_json(answers)
    assert document["answers"]["medications"] == list(dict.fromkeys(
        answers.get("medications", []) + answers.get("antidepressants", [])))


def test_triage_clinician_audience_candidate_and_country_validate(kb: KnowledgeBase) -> None:
    for candidate in kb.interactions.candidates[:4]:
        name = kb.interactions.drugs[candidate].name
        document = triage_json({**SELF_CARE, "medications": ["tramadol", "Zoloftt"]},
                               "--audience", "clinician", "--drug", name, "--country", "GB",
                               codes=(3,))
        assert document["audience"] == "clinician"
        assert document["candidate"] == name
        assert document["emergency"]["number"]


def test_triage_with_a_yaml_answers_file_validates(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("fever: low\nlocation: upper_back\nmedications: [ibuprofen, Zoloft]\n")
    result = invoke(["triage", "--answers", str(path), "--json"])
    assert result.exit_code == 0, result.stderr
    assert_valid("triage", json.loads(result.stdout))


# --- batch ------------------------------------------------------------------------------------


def test_interactions_batch_lines_validate_good_and_bad() -> None:
    lines: list[str | bytes] = [
        json.dumps({"id": 1, "meds": ["sertraline", "tramadol"]}),
        json.dumps({"id": "two", "meds": ["Percocet", "zoloftt"], "drug": "tizanidine"}),
        "not json",
        json.dumps({"id": 4, "meds": "sertraline"}),
        b"\xff\xfe{}",
        json.dumps({"meds": []}),
        json.dumps({"id": {"nested": True}, "meds": ["alcohol"], "extra": 1}),
        json.dumps([1, 2]),
    ]
    out = batch_lines("interactions", lines, codes=(7,))
    assert [o["line"] for o in out] == list(range(1, len(lines) + 1))
    assert ["error" in o for o in out] == [False, False, True, True, True, False, True, True]
    assert out[0]["id"] == 1 and out[1]["id"] == "two" and out[1]["candidate"] == "tizanidine"


def test_batch_names_with_unicode_line_separators_stay_on_one_line() -> None:
    meds = ["a\u2028b", "c\x85d", "e\u2029f", "tab\there"]
    out = batch_lines("interactions", [json.dumps({"id": 1, "meds": meds}, ensure_ascii=False)],
                      codes=(3,))
    assert len(out) == 1
    assert [m["input"] for m in out[0]["medications"]] == meds


def test_triage_batch_lines_validate_good_and_bad() -> None:
    lines: list[str | bytes] = [
        json.dumps({"id": "a", "answers": {"chest_pain": True}}),
        json.dumps({"id": "b", "answers": SELF_CARE, "country": "US"}),
        json.dumps({"id": "c", "answers": {"age": "forty"}}),
        json.dumps({"id": "d", "answers": [1, 2]}),
        json.dumps({"id": "e", "answers": {**SELF_CARE, "medications": ["sertraline"]},
                    "drug": "tizanidine"}),
    ]
    out = batch_lines("triage", lines, codes=(7,))
    assert ["error" in o for o in out] == [False, False, True, True, False]
    assert out[0]["urgency"]["level"] == "emergency"
    assert out[1]["urgency"]["level"] == "self_care"


# --- the schemas are strict where it matters -----------------------------------------------------


@cache
def _sample_interactions() -> dict[str, Any]:
    return interactions_json("--med", "sertraline", "--med", "zoloftt", codes=(3,))


@cache
def _sample_triage() -> dict[str, Any]:
    return triage_json({"chest_pain": True, "medications": ["tramadol"]}, codes=(0,))


def _mutated(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(document)
    target = out
    for part in path[:-1]:
        target = target[part]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


@pytest.mark.parametrize(("path", "value"), [
    (("schema_version",), 2),
    (("schema_version",), "1"),
    (("candidate",), KeyError),
    (("medications",), KeyError),
    (("unknown",), KeyError),
    (("interactions",), KeyError),
    (("medications", 0, "status"), "maybe"),
    (("medications", 0, "input"), KeyError),
    (("medications", 1, "matched"), ["sertraline"]),
    (("unknown", 0, "suggestions"), KeyError),
    (("interactions", 0, "severity"), "severe"),
    (("interactions", 0, "sources"), []),
    (("interactions", 0, "advice"), KeyError),
    (("interactions", 0, "drugs"), "cyclobenzaprine"),
    (("summary", "worst"), "bad"),
])
def test_interactions_schema_rejects_broken_documents(path: tuple[Any, ...], value: Any) -> None:
    document = _sample_interactions()
    assert_valid("interactions", document)
    assert_invalid("interactions", _mutated(document, path, value))


def test_interactions_schema_allows_new_top_level_fields() -> None:
    assert_valid("interactions", {**_sample_interactions(), "added_later": {"x": 1}})


@pytest.mark.parametrize(("path", "value"), [
    (("schema_version",), 0),
    (("urgency",), KeyError),
    (("urgency", "level"), "critical"),
    (("urgency", "rank"), 1),
    (("urgency", "action"), KeyError),
    (("red_flags",), KeyError),
    (("red_flags", 0, "urgency"), "routine"),
    (("red_flags", 0, "because"), KeyError),
    (("red_flags", 0, "id"), KeyError),
    (("next_steps",), KeyError),
    (("next_steps",), "call"),
    (("answers",), KeyError),
    (("answers", "chest_pain"), 1.5),
    (("interactions", 0, "severity"), "high"),
])
def test_triage_schema_rejects_broken_documents(path: tuple[Any, ...], value: Any) -> None:
    document = _sample_triage()
    assert_valid("triage", document)
    assert_invalid("triage", _mutated(document, path, value))


def test_batch_line_schema_is_one_of_result_or_error() -> None:
    result = {"id": 3, "line": 3, **_sample_interactions()}
    assert_valid("batch-line", result)
    assert_valid("batch-line", {"id": None, "line": 2, **_sample_triage()})
    assert_valid("batch-line", {"id": "x", "line": 1, "error": {"message": "not valid JSON"}})
    assert_invalid("batch-line", {"id": "x", "line": 1, "error": {"message": ""}})
    assert_invalid("batch-line", {"id": "x", "line": 0, "error": {"message": "m"}})
    assert_invalid("batch-line", {"id": "x", "error": {"message": "m"}})
    assert_invalid("batch-line", {"line": 1, "error": {"message": "m"}})
    assert_invalid("batch-line", {**result, "error": {"message": "both"}})
    assert_invalid("batch-line", {k: v for k, v in result.items() if k != "line"})
    assert_invalid("batch-line", _sample_interactions())


# --- property: whatever the names, the output validates ------------------------------------------


@cache
def _known_names() -> list[str]:
    from spasmcheck.tables.knowledge import load

    return sorted({entry.name for entry in load().names.entries()})


junk = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=40)
known = st.deferred(lambda: st.sampled_from(_known_names()))  # tables load inside a test
name = st.one_of(known, junk, known.map(lambda s: s.upper() + " 10 mg"))


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(names=st.lists(name, min_size=1, max_size=12))
def test_random_medicine_lists_always_give_valid_json(names: list[str]) -> None:
    args = [a for n in names for a in ("--med", n)]
    result = invoke(["interactions", *args, "--json"])
    if any(not n.strip() or len(n.strip()) > 200 for n in names):
        assert result.exit_code == 2
        assert result.stdout == ""
        return
    assert result.exit_code in (0, 3), result.stderr
    document = json.loads(result.stdout)
    assert_valid("interactions", document)
    _consistent_interactions(document)
    assert [m["input"] for m in document["medications"]] == [n.strip() for n in names]


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(lists=st.lists(st.lists(name, min_size=0, max_size=6), min_size=1, max_size=6))
def test_random_batch_lines_always_validate(lists: list[list[str]]) -> None:
    lines: list[str | bytes] = [json.dumps({"id": i, "meds": meds}, ensure_ascii=False)
                                for i, meds in enumerate(lists)]
    out = batch_lines("interactions", lines, codes=(0, 3, 7))
    assert [o["id"] for o in out] == list(range(len(lists)))


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, Any]:
    from spasmcheck.tables.knowledge import load

    answers: dict[str, Any] = {}
    for question in load().triage.questions:
        if not draw(st.booleans()):
            continue
        if question.type is QuestionType.CHOICE:
            answers[question.id] = draw(st.sampled_from(question.values))
        elif question.type is QuestionType.NUMBER:
            answers[question.id] = draw(st.integers(question.minimum, question.maximum))
        elif question.type is QuestionType.YES_NO:
            answers[question.id] = draw(st.booleans())
        elif question.type is QuestionType.YES_NO_UNSURE:
            answers[question.id] = draw(st.sampled_from([True, False, "unsure", "yes", "no"]))
        else:
            answers[question.id] = draw(st.lists(name.filter(lambda s: s.strip()), max_size=4))
    return answers


CORE = {q.id for q in knowledge.load().triage.questions if q.core or q.screen}


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(answers=answer_sets(), audience=st.sampled_from(["patient", "clinician"]))
def test_random_valid_answer_sets_always_give_valid_json(answers: dict[str, Any],
                                                         audience: str) -> None:
    result = invoke(["triage", "--answers", "-", "--json", "--audience", audience],
                    input=json.dumps(answers))
    if any(len(n) > 200 for v in answers.values() if isinstance(v, list) for n in v):
        assert result.exit_code == 4
        return
    if not CORE & answers.keys():
        assert result.exit_code == 4 and "none of the core questions" in result.stderr
        return
    assert result.exit_code in (0, 3), result.stderr
    document = json.loads(result.stdout)
    assert_valid("triage", document)
    assert document["urgency"]["level"] in LEVELS
