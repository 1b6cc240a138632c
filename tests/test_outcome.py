"""The result a person reads, and the reports they take to an appointment (issue 17, faults
7 to 10): one level's steps, their answers in the questions' words, no internal ids, links."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from spasmcheck.frontends.cli import app

runner = CliRunner()
NECK = "location: neck\nduration_days: 3\ntrauma: none\nage: 40\nimproving: true\n"
LEG = "location: leg\nduration_days: 3\ntrauma: none\nage: 40\nimproving: true\n"
# Emergency (cauda equina) with lower-level flags too (pregnancy, weakness, a drug reaction).
MANY = ("location: lower_back\nduration_days: 20\nimproving: false\nbladder_bowel_change: true\n"
        "pregnant: true\nweakness: mild\nmuscle_jerks_or_sweating: true\n"
        "medications: [Zoloft, ibuprofen, sertraline]\n")
URGENT_REACTION = NECK + "muscle_jerks_or_sweating: true\nmedications: [Zoloft]\n"


def triage(answers: str, *args: str) -> str:
    result = runner.invoke(app, ["triage", "--answers", "-", "--country", "GB", *args],
                           input=answers)
    assert result.exit_code in (0, 3), result.stderr
    return result.stdout


def words(text: str) -> str:
    return " ".join(text.split())


def section(text: str, heading: str) -> str:
    after = text.split(f"\n{heading}\n", 1)[1]
    return re.split(r"\n\n[A-Z][^\n]*\n-+\n", after, maxsplit=1)[0]


def test_an_emergency_lists_only_what_to_do_now():
    text = triage(MANY, "--plain")
    steps = words(section(text, "What to do next"))
    assert "emergency department now" in steps
    for lower in ("1 to 3 days", "midwife", "physiotherap", "routine appointment"):
        assert lower not in steps, lower
    assert "Get help sooner" not in text
    assert "run again" not in text and "--country" not in text


def test_get_help_sooner_lists_only_what_is_more_urgent_than_the_result(kb):
    """An urgent result ("be seen today") never adds "see a doctor within a few days if the
    pain keeps you awake at night" when the person said it does."""
    text = triage(NECK.replace("age: 40", "age: 10") + "night_pain: true\n", "--plain")
    assert text.startswith("URGENT")
    sooner = words(section(text, "Get help sooner if"))
    for advice in kb.triage.safety_net:
        shown = words(advice.text.patient)[:60] in sooner
        assert shown == (advice.urgency is None or advice.urgency.label == "emergency"), advice
    calm = words(section(triage(NECK, "--plain"), "Get help sooner if"))
    assert all(words(a.text.patient)[:60] in calm for a in kb.triage.safety_net
               if a.shown_when is None)


def test_a_self_care_result_never_says_call_now_even_without_a_country():
    result = runner.invoke(app, ["triage", "--answers", "-", "--plain"], input=NECK,
                           env={"LANG": "C.UTF-8"})
    text = words(result.stdout)
    assert "SELF-CARE" in text
    assert "number now" not in text and "Call your local" not in text
    assert "call your local emergency number." in text  # when, not now


def test_self_care_advice_fits_where_the_spasm_is():
    neck, leg = words(triage(NECK, "--plain")), words(triage(LEG, "--plain"))
    assert "leg cramp" not in neck and "leg cramp" in leg
    assert "chair" in neck and "chair" not in leg


def test_an_urgent_drug_reaction_gets_no_dosing_tips():
    text = words(triage(URGENT_REACTION, "--plain"))
    assert "URGENT" in text
    assert "miss a dose" not in text and "1 to 2 hours" not in text
    assert "miss a dose" not in words(triage(URGENT_REACTION, "--plain", "--details"))


def test_why_is_in_the_questions_words_and_no_internal_id_is_shown(kb):
    ids = {q.id for q in kb.triage.questions} | {f.id for f in kb.triage.red_flags}
    ids = {i for i in ids if "_" in i}
    for extra in ((), ("--details",)):
        text = triage(MANY, "--plain", *extra)
        assert "Since this started, have you had new trouble peeing" in words(text)
        shown = set(re.findall(r"[a-z]+(?:_[a-z0-9]+)+", re.sub(r"https?://\S+", "", text)))
        assert not shown & ids, shown & ids
        assert "Not answered (read as no)" not in text  # no list of skipped follow-ups


def test_one_pair_of_medicines_is_listed_once_with_everything_said_about_it():
    several = NECK + "medications: [fluoxetine, tramadol, ondansetron]\n"
    text = triage(several, "--plain")
    titles = re.findall(r"^\[[A-Z]+\] (.+)$", text, re.MULTILINE)
    assert titles and len(titles) == len(set(titles)), titles
    cited = json.loads(triage(several, "--json"))["interactions"]
    for finding in cited:  # merged, nothing lost
        assert words(finding["effect"]) in words(text)


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_a_report_lists_every_answer_given_with_its_question(tmp_path, kb, suffix):
    path = tmp_path / f"visit{suffix}"
    triage(NECK + "chest_pain: false\nmedications: [Zoloft]\n", "--report", str(path))
    report = path.read_text("utf-8")
    plain = words(re.sub(r"<[^>]+>", " ", report).replace("\\", ""))
    for key, answer in (("location", "Neck"), ("duration_days", "3"), ("trauma", "No injury"),
                        ("age", "40"), ("improving", "Yes"), ("chest_pain", "No")):
        assert f"{words(kb.triage.question(key).prompt.patient)} {answer}" in plain, key
    assert "Zoloft" in plain
    assert "Sources" in report


def test_markdown_escapes_only_what_markdown_needs(tmp_path):
    path = tmp_path / "visit.md"
    triage(MANY, "--report", str(path))
    text = path.read_text("utf-8")
    written = re.search(r"_Written (\S+)", text)
    assert written and re.fullmatch(r"\d{4}-\d\d-\d\d", written.group(1))  # not 2026\-11\-29
    assert "\\." not in text.replace("https\\:", "") and "\\-" not in text
    assert re.search(r"<https://[^>\s]+>", text), "a source's address is a link"


def test_html_sources_are_links(tmp_path):
    path = tmp_path / "visit.html"
    triage(URGENT_REACTION, "--report", str(path))
    text = path.read_text("utf-8")
    links = re.findall(r'<a href="(https://[^"]+)">', text)
    assert links and all("&amp;" not in link or "&" in link for link in links)


def test_the_terminal_never_splits_a_web_address():
    result = runner.invoke(app, ["triage", "--answers", "-", "--country", "GB", "--details"],
                           input=URGENT_REACTION, env={"FORCE_COLOR": "1", "COLUMNS": "60"})
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    cited = json.loads(triage(URGENT_REACTION, "--json"))
    sources = [s for item in (*cited["interactions"], *cited["red_flags"])
               for s in item["sources"]]
    addresses = {a for s in sources for a in re.findall(r"https?://\S+", s)}
    assert addresses
    for address in addresses:
        assert address in plain, address  # whole, on one line
