"""The interactive check in a real pseudo-terminal, answered key by key as a person would.

Each test names the fault of issue 17 it guards against. Prompts are found by their words,
never by position, so a question added to the tables is answered calmly without a test change.
"""

from __future__ import annotations

import io
import re

import pytest
from person import CTRL_C, DOWN, ENTER, SPACE, UP, Person, clean, spawn

from spasmcheck.core.model import QuestionType
from spasmcheck.tables import knowledge

pytestmark = pytest.mark.slow
KB = knowledge.load()


def question(kind: QuestionType):
    return next(q for q in KB.triage.questions if q.type is kind)


CHECKLIST = question(QuestionType.MEDICINE_CHECKLIST).id
MEDICINES = question(QuestionType.MEDICINES).id


def flag(flag_id: str) -> str:
    return next(f.title.patient for f in KB.triage.red_flags if f.id == flag_id)


def items(text: str) -> list[str]:
    """The items of a checklist on screen, in order."""
    return [part.strip() for part in re.split(r"\[[ x]\] ", text)[1:]]


def tick(*wanted: str):
    """Keys that tick each item whose words start with one of `wanted`, then finish with
    Enter on the last of them (Enter ticks the item it is on)."""
    def keys(text: str) -> str:
        listed = items(text)
        where = sorted(i for i, item in enumerate(listed)
                       if any(clean(w)[:40] in item for w in wanted))
        assert where, (wanted, listed)
        out, at = "", 0
        for i in where:
            out += DOWN * (i - at) + SPACE
            at = i
        return out[:-1] + ENTER  # Enter, not Space, on the last one
    return keys


def choice(question_id: str, value: str) -> str:
    """The keys that pick a choice by its value (its number, then Enter)."""
    return f"{KB.triage.question(question_id).values.index(value) + 1}{ENTER}"


def prompt_of(question_id: str) -> str:
    return KB.triage.question(question_id).prompt.patient


def group_of(question_id: str) -> str:
    return next(g.id for g in KB.triage.asking if question_id in g.questions)


# --- the three cases whose prompt counts the README reports ----------------------------------

BENIGN = {"location": choice("location", "neck")}  # neck; every warning sign "None of these"
CAUDA_EQUINA = {"location": choice("location", "lower_back"), group_of("bladder_bowel_change"):
                tick(prompt_of("bladder_bowel_change"))}
DRUG_REACTION = {group_of("muscle_jerks_or_sweating"): tick(prompt_of("muscle_jerks_or_sweating")),
                 MEDICINES: "Zoloft" + ENTER}


def walk(plan, *args: str, columns: int = 100) -> tuple[Person, str]:
    person = Person(spawn("--country", "GB", *args, columns=columns), plan)
    return person, person.finish()


def test_benign_neck_spasm_reaches_self_care_in_at_most_12_prompts_and_one_screen():
    person, out = walk(BENIGN)
    assert person.child.exitstatus == 0
    assert len(person.met) <= 12, person.met
    assert person.met[:3] == ["location", "duration_days", "trauma"]  # where, how long, how
    assert person.met[-1] == "review"
    result = out[out.index("SELF-CARE"):]
    lines = result.rstrip().splitlines()
    assert len(lines) < 40, result  # one 100x40 screen, with a line left for the shell prompt
    text = clean(result)
    assert "call 999." in text and "call 999 now" not in text.lower()
    assert "leg cramp" not in text  # advice for where the spasm is: the neck
    for inner in ("_", "--country", "Not answered", "read as no"):
        assert inner not in text, inner


def test_cauda_equina_answer_stops_at_once_with_the_number_first():
    person, out = walk(CAUDA_EQUINA)
    assert person.met[-1] == "stop_or_continue"
    assert "review" not in person.met
    text = clean(out)
    assert text.startswith("CALL 999 NOW") or "CALL 999 NOW" in text[:200]
    assert flag("cauda_equina") in text
    assert "1 to 3 days" not in text and "midwife" not in text  # steps for this level only
    assert "run again" not in text and "--country" not in text


def test_drug_reaction_is_urgent_without_dosing_tips():
    person, out = walk(DRUG_REACTION)
    text = clean(out)
    assert "URGENT" in text and flag("serotonin_syndrome") in text
    assert "Zoloft = sertraline" in clean(" ".join(person.screens)) or "Zoloft = sertraline" in text
    assert "miss a dose" not in text and "1 to 2 hours" not in text
    assert "call 999." in text


@pytest.mark.long
def test_prompt_counts_in_the_readme_are_the_measured_ones():
    with open("README.md", encoding="utf-8") as handle:
        readme = handle.read()
    for case, plan in (("benign neck spasm", BENIGN), ("cauda equina stop", CAUDA_EQUINA),
                       ("drug reaction", DRUG_REACTION)):
        person, _ = walk(plan)
        found = re.search(rf"\| {case} \| (\d+) \|", readme)
        assert found, case
        assert int(found.group(1)) == len(person.met), (case, person.met)


# --- fault 1: Enter in a checklist -------------------------------------------------------------


def test_enter_on_sertraline_in_the_checklist_ticks_it():
    person, out = walk({CHECKLIST: tick("sertraline")})
    text = clean(out)
    assert "sertraline" in text and "MAJOR" in text
    assert "No medicines listed" not in text


def test_a_word_typed_ahead_answers_one_question_only():
    yes_no = [q for q in KB.triage.questions if q.is_yes_no and q.ask_when is None
              and group_of(q.id) in {g.id for g in KB.triage.asking if g.style == "one"}]
    calm_word = {q.id: ("yes" if q.alarming is False else "no") + ENTER for q in yes_no}
    person, out = walk(calm_word)
    assert any(name in calm_word for name in person.met), person.met
    assert "SELF-CARE" in out, person.met  # the Enter after "yes" ticked no warning sign


def test_enter_on_none_of_these_never_clears_a_ticked_warning_sign():
    screen = group_of("chest_pain")
    child = spawn("--country", "GB")

    def tick_then_none(text: str) -> str:
        child.send(SPACE + UP + UP + ENTER)  # chest pain ticked, then Enter on "None of these"
        child.expect("Some items are ticked")
        return DOWN + DOWN + ENTER  # back on the ticked item: go on

    person = Person(child, {screen: tick_then_none})
    out = person.finish()
    assert "CALL 999 NOW" in clean(out)


def test_not_sure_asks_each_sign_on_its_own_and_an_emergency_answer_stops_at_once():
    screen = group_of("chest_pain")
    first = KB.triage.question(next(g for g in KB.triage.asking if g.id == screen).questions[0])
    person, out = walk({screen: UP + ENTER, first.id: "u" + ENTER})  # "Not sure", then it
    at = person.met.index(screen)
    assert person.met[at + 1] == first.id  # asked on its own, "Not sure" offered
    assert "u) Not sure" in person.screens[at + 1]
    assert person.met[at + 2] == "stop_or_continue"  # before the other signs are asked
    assert "CALL 999 NOW" in clean(out)


# --- fault 2: a comma list of medicines --------------------------------------------------------


def test_a_comma_list_is_several_medicines_each_shown_as_recognised():
    person, out = walk({MEDICINES: "Zoloft, ibuprofen and Tylenol" + ENTER})
    seen = clean(" ".join(person.screens) + out)
    assert "Zoloft = sertraline" in seen and "Tylenol = acetaminophen" in seen
    assert "not recognised" not in clean(out).lower()
    assert "MODERATE" in clean(out)  # sertraline + ibuprofen: both names were checked


def test_an_unrecognised_name_can_be_kept_and_the_top_says_the_check_is_incomplete():
    person, out = walk({MEDICINES: "Zoloft, Zyzzyvamol" + ENTER, "unrecognised": "k" + ENTER})
    assert "unrecognised" in person.met
    text = clean(out)
    banner = text[:text.index("Why")]
    assert "Check incomplete" in banner and "NOT checked" in banner
    assert "Zyzzyvamol" in text


def test_an_unrecognised_name_can_be_typed_again():
    person, out = walk({MEDICINES: "Zolofft" + ENTER, "unrecognised": "t" + ENTER,
                        "retype": "Zoloft" + ENTER})
    assert "retype" in person.met
    assert "Zoloft = sertraline" in clean(" ".join(person.screens) + out)
    assert "Check incomplete" not in clean(out)


def test_a_misspelt_name_offers_close_names_and_one_can_be_picked():
    person, out = walk({MEDICINES: "sertralin" + ENTER, "unrecognised": "1" + ENTER})
    assert "I meant sertraline" in person.screens[person.met.index("unrecognised")]
    assert "sertraline" in clean(out) and "Check incomplete" not in clean(out)


# --- fault 3: one medicine named two ways ------------------------------------------------------


def test_a_named_medicine_is_ticked_in_the_checklist_and_counted_once():
    person, out = walk({MEDICINES: "Zoloft" + ENTER})
    checklist = person.screens[person.met.index(CHECKLIST)]
    assert re.search(r"\[x\] sertraline", checklist), checklist
    text = clean(out)
    assert "more than once" not in text and "double dose" not in text
    assert "sertraline" in text


# --- fault 4: every question in full at 40, 80 and 120 columns ---------------------------------


def unsure_everywhere(location: str = "leg", high: bool = False) -> dict[str, str]:
    """Keys for "Not sure" on every screen and question (the most alarming choice where there
    is no "not sure"), going on past the emergency card: each question is then asked on its
    own, so each can be read in full. A number alarming at both ends (age) takes its low end
    unless `high`; questions asked only for some places or ages need more than one walk."""
    plan = {g.id: UP + ENTER for g in KB.triage.asking if g.style == "screen"}  # "Not sure"
    for q in KB.triage.questions:
        if q.type is QuestionType.YES_NO_UNSURE:
            plan[q.id] = "u" + ENTER
        elif q.is_yes_no:
            plan[q.id] = ("y" if q.alarming else "n") + ENTER
        elif q.type is QuestionType.CHOICE:
            plan[q.id] = str(len(q.choices)) + ENTER
        elif q.type is QuestionType.NUMBER:
            up = q.alarming_direction == "up" or (high and q.alarming_direction == "both")
            plan[q.id] = str(q.maximum if up else q.minimum) + ENTER
    return {**plan, "location": choice("location", location), "stop_or_continue": "c" + ENTER}


@pytest.mark.long
@pytest.mark.parametrize("columns", [40, 80, 120])
def test_every_question_and_choice_is_shown_in_full(columns):
    met: set[str] = set()
    for plan in (unsure_everywhere(), unsure_everywhere("lower_back", high=True)):
        person, out = walk(plan, columns=columns)
        met |= set(person.met)
        _read_in_full(person, out, columns)
    assert {q.id for q in KB.triage.questions} <= met, "every question asked"


def _read_in_full(person: Person, out: str, columns: int) -> None:
    for name, screen in zip(person.met, person.screens, strict=True):
        if name in {q.id for q in KB.triage.questions}:
            q = KB.triage.question(name)
            assert clean(q.prompt.patient) in screen, (columns, name)
            if q.help:
                assert clean(q.help.patient) in screen, (columns, name)
            for choice in q.choices:
                assert clean(choice.label.patient) in screen, (columns, choice)
        group = next((g for g in KB.triage.asking if g.id == name), None)
        if group is not None:
            prompts = [clean(KB.triage.question(i).prompt.patient) for i in group.questions]
            for item in items(screen)[:-2]:  # then "None of these", "Not sure"
                assert any(item.startswith(p) for p in prompts), (columns, item)
    raw = re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]", "", " ".join(person.screens) + out)
    assert "CALL 999 NOW" in raw
    result = re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]", "", out)
    result = result[result.rindex("CALL 999 NOW"):]  # the result, after the last prompt
    wide = [line for line in result.splitlines() if len(line.rstrip("\r")) > columns]
    assert not wide, wide


@pytest.mark.parametrize("columns", [40, 80])
def test_the_emergency_card_fits_the_terminal(columns):
    child = spawn("--country", "GB", columns=columns)
    child.logfile_read = io.StringIO()
    person = Person(child, {**CAUDA_EQUINA, "stop_or_continue": "c" + ENTER})
    person.plan["review"] = "r" + ENTER
    person.finish()
    card = clean(re.sub("[│╭╮╰╯─]", " ", person.screens[person.met.index("stop_or_continue")]))
    assert "CALL 999 NOW" in card and clean(flag("cauda_equina")) in card
    lines = re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]", "", child.logfile_read.getvalue()).splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith("╭"))
    bottom = next(i for i, line in enumerate(lines) if line.startswith("╰"))
    drawn = [line.rstrip("\r") for line in lines[top:bottom + 1]]
    assert all(len(line) <= columns for line in drawn), drawn  # the card as drawn
    assert "review" in person.met  # "answer the rest too" goes on to the end


# --- fault 5: no answer chosen in advance ------------------------------------------------------


def test_enter_alone_never_answers_a_yes_no_question():
    yes_no = next(q for q in KB.triage.questions
                  if q.is_yes_no and q.ask_when is None and group_of(q.id) in
                  {g.id for g in KB.triage.asking if g.style == "one"})

    child = spawn("--country", "GB")

    def stray_enter_then_no(text: str) -> str:
        child.send(ENTER)
        child.expect("Choose an answer first")
        return ("y" if yes_no.alarming is False else "n") + ENTER

    person = Person(child, {yes_no.id: stray_enter_then_no})
    out = person.finish()
    assert yes_no.id in person.met and "SELF-CARE" in out


# --- back, review, and the follow-ups a change brings ------------------------------------------


def answers_in_turn(*keys: str):
    """Different keys each time the same prompt comes back."""
    left = list(keys)
    return lambda text: left.pop(0) if len(left) > 1 else left[0]


def test_going_back_changes_an_earlier_answer():
    person, out = walk({"duration_days": answers_in_turn("<" + ENTER, "3" + ENTER),
                        "location": answers_in_turn(choice("location", "neck"),
                                                    choice("location", "upper_back"))})
    assert person.met[:4] == ["location", "duration_days", "location", "duration_days"]
    review = person.screens[person.met.index("review")]
    assert "Upper back, between the shoulder blades" in review
    assert "mainly? Neck" not in review
    assert person.child.exitstatus == 0


def test_review_changes_an_answer_and_asks_the_follow_ups_it_brings():
    cramp = clean(prompt_of("cramp_over_10_min"))[:40]
    # At the review, the first "Change:" line is where it hurts (the pointer starts on
    # nothing: down once is "show my result", twice the first answer).
    person, out = walk({"location": answers_in_turn(choice("location", "neck"),
                                                    choice("location", "leg")),
                        "review": answers_in_turn(DOWN + DOWN + ENTER, "r" + ENTER)})
    assert "Change: Where are the spasms" in person.screens[person.met.index("review")]
    assert person.met.count("location") == 2
    again = person.met.index("location", person.met.index("review"))
    assert any(cramp in screen for screen in person.screens[again:]), person.met[again:]
    assert cramp not in " ".join(person.screens[:again])  # asked only once it applied
    assert "stretch the muscle" in clean(out)  # the leg's own advice


# --- Ctrl-C --------------------------------------------------------------------------------------


@pytest.mark.parametrize("at", ["location", "duration_days", group_of("chest_pain"),
                                "stop_or_continue", MEDICINES])
def test_ctrl_c_exits_130_without_a_traceback(at):
    child = spawn("--country", "GB")
    plan = {**CAUDA_EQUINA} if at == "stop_or_continue" else {}
    person = Person(child, {**plan, at: CTRL_C})
    out = person.answer_all()
    child.close()
    assert person.met[-1] == at
    assert child.exitstatus == 130
    assert "Traceback" not in out and "stopped (Ctrl-C)" in out


def test_ctrl_c_right_after_an_answer_still_stops():
    """Pressed while no prompt is reading keys (one ends, the next starts)."""
    child = spawn("--country", "GB")
    person = Person(child, {"location": "1" + ENTER + CTRL_C})
    out = person.answer_all()
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in out and "Unhandled exception" not in out


def test_n_then_enter_answers_a_long_warning_sign_screen_with_none_of_these():
    """On a narrow terminal a screen scrolls past its end; `n` jumps to "None of these"."""
    screens = {g.id: "n" + ENTER for g in KB.triage.asking if g.style == "screen"}
    person, out = walk({**BENIGN, **screens}, columns=40)
    assert person.child.exitstatus == 0
    assert set(screens) <= set(person.met)
    assert "SELF-CARE" in out and "none of your answers is a warning sign" in clean(out).lower()


@pytest.mark.parametrize(("drug", "offered"), [("tizanidine", False), ("baclofen", True)])
def test_did_you_mean_never_offers_the_drug_being_checked_against(drug, offered):
    """Issue 16: "tizatidine" is close to tizanidine; checked against tizanidine itself, the
    picker must not turn the typo into the very drug the check is about."""
    seen: list[str] = []

    def keep(text: str) -> str:
        seen.append(text)
        return "k" + ENTER

    person, _ = walk({MEDICINES: "tizatidine" + ENTER, "unrecognised": keep}, "--drug", drug)
    assert person.child.exitstatus == 3 and seen
    assert ("I meant tizanidine" in seen[0]) is offered
