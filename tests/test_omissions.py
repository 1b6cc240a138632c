"""Never calm by omission: a left-out answer after an alarming one, a medicine that says what a
question asks, `improving` past two weeks, and an answers file that says nothing at all."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from typer.testing import CliRunner

from spasmcheck.core import conditions as cond
from spasmcheck.core.answers import validate
from spasmcheck.core.errors import ExitCode
from spasmcheck.core.model import KnowledgeBase, QuestionType, Urgency
from spasmcheck.core.triage import assess
from spasmcheck.frontends.cli import app
from spasmcheck.tables import knowledge

runner = CliRunner()
CALM = {"location": "lower_back", "duration_days": 4, "age": 35, "trauma": "none",
        "weakness": "none", "fever": "none", "improving": True}


def run(kb, **answers: Any):
    return assess(validate({**CALM, **answers}, kb.triage), kb)


def screen_all_no(kb, **answers: Any) -> dict[str, Any]:
    """Every emergency-screen yes/no question answered no, then `answers`."""
    calm = {q.id: False for q in kb.triage.questions if q.screen and q.is_yes_no
            and q.ask_when is None}
    return {**calm, "trauma": "none", **answers}


# --- a follow-up left out after an alarming gate answer ---------------------------------------

GATES = [
    pytest.param({"new_antipsychotic_or_antiemetic": True}, "neck_twisting_or_eyes_rolling",
                 "acute_dystonia", Urgency.URGENT, id="new-antiemetic-yes"),
    pytest.param({"new_antipsychotic_or_antiemetic": "unsure"}, "neck_twisting_or_eyes_rolling",
                 "acute_dystonia", Urgency.URGENT, id="new-antiemetic-unsure"),
    pytest.param({"trauma": "minor", "severe_pain_after_injury": False, "osteoporosis": False},
                 "long_term_steroids", "fragility_fracture_combination", Urgency.URGENT,
                 id="minor-injury-steroids"),
    pytest.param({"trauma": "minor", "severe_pain_after_injury": False,
                  "long_term_steroids": False}, "osteoporosis",
                 "fragility_fracture_combination", Urgency.URGENT, id="minor-injury-bones"),
    pytest.param({"pregnant": True}, "pregnancy_warning_signs", "pregnancy", Urgency.URGENT,
                 id="pregnant"),
    pytest.param({"severe_headache": True}, "thunderclap_headache", "thunderclap_headache",
                 Urgency.EMERGENCY, id="severe-headache"),
    pytest.param({"trauma": "minor", "long_term_steroids": False, "osteoporosis": False},
                 "severe_pain_after_injury", "injury_severe_pain", Urgency.URGENT,
                 id="minor-injury-pain"),
]


@pytest.mark.parametrize(("gate", "follow_up", "flag", "level"), GATES)
def test_a_follow_up_left_out_after_an_alarming_answer_is_read_as_not_sure(
        kb, gate, follow_up, flag, level):
    result = run(kb, **gate)
    assert result.urgency >= level, [(h.flag.id, h.urgency) for h in result.hits]
    assert flag in {hit.flag.id for hit in result.hits}
    assert follow_up in result.read_as_unsure
    assert follow_up in result.unanswered_screen
    assert follow_up not in result.unanswered, "never listed as read as no"
    answered_no = run(kb, **gate, **{follow_up: False})
    assert answered_no.urgency < result.urgency, "the answer, once given, is what counts"


@pytest.mark.parametrize("gate", [{"new_antipsychotic_or_antiemetic": False}, {"trauma": "none"},
                                  {"pregnant": False}, {"location": "leg"}],
                         ids=["antiemetic-no", "no-injury", "not-pregnant", "leg-location"])
def test_a_calm_or_neutral_gate_does_not_open_a_follow_up(kb, gate):
    """Only an alarming answer makes a missing follow-up "not sure": not "no", and not a
    neutral answer such as where the pain is (a leg cramp is not read as a possible clot)."""
    result = run(kb, **gate)
    assert result.read_as_unsure == ()
    assert result.urgency is Urgency.SELF_CARE


def test_an_alarming_answer_opens_an_either_or_gate_when_the_other_answer_is_left_out(kb):
    """`osteoporosis` is asked after an injury or with spinal pain: an injury with `location`
    left out still reads the missing bone questions as "not sure"."""
    answers = {"trauma": "minor", "duration_days": 1, "age": 40,
               "severe_pain_after_injury": False}
    result = assess(validate(answers, kb.triage), kb)
    assert {"long_term_steroids", "osteoporosis"} <= set(result.read_as_unsure)
    assert result.urgency >= Urgency.URGENT
    assert "fragility_fracture_combination" in {hit.flag.id for hit in result.hits}


def test_the_issue_reproduction_is_urgent_in_every_output():
    answers = screen_all_no(knowledge.load(),
                            new_antipsychotic_or_antiemetic=True, location="neck",
                            duration_days=0)
    text = json.dumps(answers)
    shaped = json.loads(runner.invoke(app, ["triage", "--answers", "-", "--json"],
                                      input=text).stdout)
    assert shaped["urgency"]["level"] == "urgent"
    assert shaped["read_as_unsure"] == ["neck_twisting_or_eyes_rolling"]
    assert "neck_twisting_or_eyes_rolling" in shaped["unanswered_screen"]
    assert "neck_twisting_or_eyes_rolling" not in shaped["unanswered"]
    plain = " ".join(runner.invoke(app, ["triage", "--answers", "-", "--plain"],
                                   input=text).stdout.split())
    assert "None of the answers given is a warning sign" not in plain
    assert 'reads them as "not sure"' in plain
    neck = knowledge.load().triage.question("neck_twisting_or_eyes_rolling").prompt.patient
    assert f"You said: {neck} Not answered, read as not sure" in plain  # the question's words
    read_as_no = plain.split("reads them as no:")[1].split("If any of them")[0] \
        if "reads them as no:" in plain else ""
    assert neck not in read_as_no
    failed = runner.invoke(app, ["triage", "--answers", "-", "--fail-on", "urgent"], input=text)
    assert failed.exit_code == ExitCode.FAIL_ON


# --- the spasm itself can be the dystonia -----------------------------------------------------

@pytest.mark.parametrize(("answers", "level"), [
    ({"new_antipsychotic_or_antiemetic": True, "location": "neck",
      "neck_twisting_or_eyes_rolling": False}, Urgency.URGENT),
    ({"medications": ["haloperidol"], "location": "jaw"}, Urgency.URGENT),
    ({"medications": ["Reglan"], "location": "whole_body",
      "new_antipsychotic_or_antiemetic": False, "neck_twisting_or_eyes_rolling": False},
     Urgency.URGENT),
    ({"new_antipsychotic_or_antiemetic": True, "location": "lower_back",
      "neck_twisting_or_eyes_rolling": False}, Urgency.SELF_CARE),
], ids=["new-drug-neck", "haloperidol-jaw", "metoclopramide-brand-whole-body",
        "new-drug-low-back-no-twisting"])
def test_a_neck_jaw_or_whole_body_spasm_after_a_dopamine_antagonist_is_urgent(kb, answers,
                                                                               level):
    result = run(kb, **answers)
    assert result.urgency is level
    assert ("acute_dystonia" in {h.flag.id for h in result.hits}) is (level is Urgency.URGENT)


# --- a listed medicine stands in for the question it answers --------------------------------

def test_a_listed_corticosteroid_stands_in_for_long_term_steroids(kb):
    result = run(kb, trauma="minor", severe_pain_after_injury=False, osteoporosis=False,
                 medications=["prednisolone"])
    hit = next(h for h in result.hits if h.flag.id == "fragility_fracture_combination")
    assert result.urgency is Urgency.URGENT
    assert "medications" in hit.because and "long_term_steroids" not in hit.because
    assert "long_term_steroids" not in result.unanswered
    said_no = run(kb, trauma="minor", severe_pain_after_injury=False, osteoporosis=False,
                  long_term_steroids=False, immunosuppressed=False,
                  medications=["prednisolone"])
    assert said_no.urgency is Urgency.SELF_CARE, "the person's own answer is kept"


def test_a_listed_immunosuppressant_stands_in_for_immunosuppressed(kb):
    result = run(kb, fever="low", medications=["methotrexate"])
    assert "infection_risk_combination" in {h.flag.id for h in result.hits}
    assert result.urgency is Urgency.URGENT


# --- improving left out past two weeks ----------------------------------------------------------

def test_improving_left_out_past_two_weeks_is_not_sure(kb):
    answers = {k: v for k, v in CALM.items() if k != "improving"}
    late = assess(validate({**answers, "duration_days": 40}, kb.triage), kb)
    assert late.urgency is Urgency.ROUTINE
    assert "not_improving_2_weeks" in {h.flag.id for h in late.hits}
    assert late.read_as_unsure == ("improving",)
    early = assess(validate({**answers, "duration_days": 10}, kb.triage), kb)
    assert early.urgency is Urgency.SELF_CARE and early.read_as_unsure == ()


# --- an answers file that answers nothing -----------------------------------------------------

@pytest.mark.parametrize("text", ["{}", "age: 40\n", '{"medications": ["sertraline"]}'],
                         ids=["empty", "age-only", "medicines-only"])
def test_an_answers_file_with_no_core_question_is_refused(text):
    result = runner.invoke(app, ["triage", "--answers", "-"], input=text)
    assert result.exit_code == ExitCode.BAD_ANSWERS
    assert result.stdout == ""
    for named in ("location", "duration_days", "chest_pain"):
        assert named in result.stderr, named


def test_a_batch_line_with_no_core_question_gets_an_error_and_the_run_goes_on():
    lines = '{"id": 1, "answers": {}}\n{"id": 2, "answers": {"location": "neck"}}\n'
    result = runner.invoke(app, ["triage", "--batch", "-"], input=lines)
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert "none of the core questions" in first["error"]["message"]
    assert second["urgency"]["level"] == "self_care"
    assert "chest_pain" in second["unanswered_screen"]
    assert result.exit_code == ExitCode.BATCH_LINE_ERRORS


def test_a_partly_answered_file_still_gets_a_level_with_its_gaps_named():
    result = runner.invoke(app, ["triage", "--answers", "-", "--json"], input="location: neck\n")
    assert result.exit_code == ExitCode.OK
    shaped = json.loads(result.stdout)
    assert "chest_pain" in shaped["unanswered_screen"] and "age" in shaped["unanswered"]


# --- in the interview, a follow-up is asked before it could be read as "not sure" ---------------



@pytest.mark.slow
def test_the_interview_asks_the_follow_up_before_showing_an_emergency():
    """Yes to a severe headache opens the thunderclap question; the emergency card must not
    come first (read as "not sure" before it was even asked), and "no" to it keeps the
    headache urgent, not an emergency."""
    from person import ENTER, Person, spawn
    from test_interactive import group_of, prompt_of, tick

    screen = group_of("severe_headache")
    person = Person(spawn("--country", "GB"), {
        "location": "1" + ENTER, screen: tick(prompt_of("severe_headache")),
        "thunderclap_headache": "n" + ENTER})
    out = person.finish()
    assert "stop_or_continue" not in person.met, f"emergency card after {person.met}"
    assert person.met.index("thunderclap_headache") == person.met.index(screen) + 1
    assert "URGENT: GET HELP TODAY" in out
    assert "A sudden, very bad headache" not in out


def test_a_question_read_as_not_sure_still_brings_its_medicine_caution(kb):
    """A clinic's table may read `pregnant` as "not sure" when left out: the candidate's
    pregnancy caution must then apply, as it does for an answered "not sure"."""
    questions = tuple(q._replace(unsure_when=cond.Compare("duration_days", ">", 14))
                      if q.id == "pregnant" else q for q in kb.triage.questions)
    edited = KnowledgeBase(kb.origin, kb.interactions, kb.triage._replace(questions=questions),
                           kb.countries, kb.names)
    result = assess(validate({**CALM, "duration_days": 20, "improving": True}, edited.triage),
                    edited)
    assert "pregnant" in result.read_as_unsure
    assert any(i.kind == "caution" and i.condition == "pregnancy"
               for i in result.medicine_check.findings)


# --- the gaps are named in every format (H-03) ---------------------------------------------------


@pytest.mark.parametrize(("args", "env"), [
    (["--plain"], {}), (["--format", "md"], {}), (["--format", "html"], {}),
    ([], {"FORCE_COLOR": "1", "TERM": "xterm-256color"})],
    ids=["plain", "markdown", "html", "rich"])
def test_every_human_format_names_the_unanswered_warning_signs_before_the_steps(args, env):
    result = runner.invoke(app, ["triage", "--answers", "-", *args], input="location: neck\n",
                           env=env)
    assert result.exit_code == ExitCode.OK
    text = re.sub(r"<[^>]+>|\x1b\[[0-9;]*m", " ", result.stdout)  # tags and colours out
    head = " ".join(text.split("What to do next")[0].split())
    assert "warning-sign question(s) were not answered" in head
    assert "tightness in your chest?" in head and "If any of them applies" in head
    if env:
        assert "\x1b[" in result.stdout, "the Rich form was drawn"


def test_unanswered_lists_every_question_neither_answered_nor_read_as_not_sure(kb):
    shaped = json.loads(runner.invoke(app, ["triage", "--answers", "-", "--json"],
                                      input="location: neck\nfever: none\n").stdout)
    questions = {q.id for q in kb.triage.questions if q.type is not QuestionType.MEDICINE_CHECKLIST}
    assert set(shaped["unanswered"]) == \
        questions - set(shaped["answers"]) - set(shaped["read_as_unsure"])
    assert set(shaped["unanswered_screen"]) <= set(shaped["unanswered"]) | set(
        shaped["read_as_unsure"])
