"""Meeting people where they are: audiences, local emergency numbers, reports, look-ups."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pexpect
import pytest
from console import SPASMCHECK
from typer.testing import CliRunner

from spasmcheck.core import emergency
from spasmcheck.core.errors import ExitCode
from spasmcheck.frontends.cli import app
from spasmcheck.tables import knowledge

runner = CliRunner()
EMERGENCY = "location: neck\nchest_pain: true\nmedications: [Zoloft]\n"
CALM = "location: neck\nduration_days: 2\nimproving: true\n"


def triage(*args: str, stdin: str = CALM, env: dict[str, str] | None = None):
    return runner.invoke(app, ["triage", "--answers", "-", *args], input=stdin, env=env)


@pytest.mark.parametrize(("country", "number"), [
    ("GB", "999"), ("gb", "999"), ("US", "911"), ("AU", "000"), ("NZ", "111"), ("JP", "119"),
    ("IN", "112"), ("ZA", "10177"), ("IE", "112"), ("DE", "112"), ("FR", "112"), ("MX", "911"),
    ("CA", "911")])
def test_emergency_number_comes_first_for_the_country(country, number):
    result = triage("--country", country, stdin=EMERGENCY)
    assert result.stdout.splitlines()[0] == f"CALL {number} NOW"
    shaped = json.loads(triage("--country", country, "--json", stdin=EMERGENCY).stdout)
    assert shaped["emergency"]["number"] == number
    assert number in shaped["urgency"]["action"]


def test_country_defaults_from_the_locale():
    result = triage(stdin=EMERGENCY, env={"LANG": "en_GB.UTF-8"})
    assert result.stdout.startswith("CALL 999 NOW")
    kb = knowledge.load()
    assert emergency.contact(kb, *emergency.place(None, {"LC_ALL": "de_DE.UTF-8"})).number == "112"
    assert emergency.contact(kb, *emergency.place(None, {"LANG": "C.UTF-8"})).number is None


def test_the_emergency_contact_never_reads_the_process_environment(monkeypatch):
    """A server's own locale or SPASMCHECK_COUNTRY must not choose a caller's number."""
    monkeypatch.setenv("SPASMCHECK_COUNTRY", "GB")
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    kb = knowledge.load()
    assert emergency.contact(kb, None).number is None
    assert emergency.contact(kb, "US").number == "911"


def test_unknown_country_shows_the_common_numbers_and_says_so():
    result = triage("--country", "XX", stdin=EMERGENCY)
    first = result.stdout.splitlines()[0]
    assert "112" in first and "911" in first and "999" in first
    assert "no emergency number for 'XX'" in result.stderr
    assert result.exit_code == 0


def test_self_care_result_names_the_number_in_the_safety_net():
    result = triage("--country", "GB")
    assert "SELF" in result.stdout.splitlines()[0].upper()
    text = " ".join(result.stdout.split())
    assert "sign above that needs an ambulance, call 999." in text
    assert "call 999 now" not in text.lower() and "number now" not in text.lower()


def test_patient_and_clinician_wording_differ_for_the_same_answers():
    patient = json.loads(triage("--json", stdin=EMERGENCY).stdout)
    clinician = json.loads(triage("--json", "--audience", "clinician", stdin=EMERGENCY).stdout)
    assert patient["red_flags"][0]["id"] == clinician["red_flags"][0]["id"]
    assert patient["red_flags"][0]["title"] != clinician["red_flags"][0]["title"]
    assert patient["interactions"][0]["effect"] != clinician["interactions"][0]["effect"]
    env = json.loads(triage("--json", stdin=EMERGENCY,
                            env={"SPASMCHECK_AUDIENCE": "clinician"}).stdout)
    assert env["audience"] == "clinician"


def test_clinician_guidance_and_patient_tips():
    clinician = triage("--audience", "clinician").stdout
    for fact in ("5 mg", "collar", "benzodiazepine", "pregabalin", "MRI"):
        assert fact in clinician, fact
    patient = triage("--details").stdout
    for fact in ("1 to 2 hours", "drive", "alcohol", "two doses"):
        assert fact in patient, fact
    assert "two doses" not in triage().stdout  # a person's result stays short without it


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_report_is_written_dated_and_never_overwritten(tmp_path, suffix):
    path = tmp_path / f"visit{suffix}"
    result = triage("--report", str(path), "--country", "GB", stdin=EMERGENCY)
    assert result.exit_code == 0, result.stderr
    text = path.read_text("utf-8")
    for expected in ("CALL 999 NOW", "Written 20", "sertraline", "Tables", "chest"):
        assert expected in text, expected
    again = triage("--report", str(path), stdin=CALM)
    assert again.exit_code == ExitCode.OUTPUT_ERROR and "--force" in again.stderr
    assert path.read_text("utf-8") == text
    assert triage("--report", str(path), "--force").exit_code == 0
    assert path.read_text("utf-8") != text
    assert [p.name for p in tmp_path.iterdir()] == [path.name], "no temporary file left behind"


def test_html_report_is_self_contained(tmp_path):
    path = tmp_path / "meds.html"
    result = runner.invoke(app, ["interactions", "--med", "<script>alert(1)</script>",
                                 "--med", "sertraline", "--report", str(path)])
    assert result.exit_code == ExitCode.UNKNOWN_MEDICINE
    html = path.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    for fetched in ("<script", "<link", "src=", "@import", "url("):
        assert fetched not in html.lower(), fetched
    assert "&lt;script&gt;" in html


def test_markdown_report_shows_links_tags_and_escapes_as_written(tmp_path):
    path = tmp_path / "meds.md"
    link = "[click me](https://example.com)"
    result = runner.invoke(app, ["interactions", "--med", f"{link} <b>bold</b> `code`",
                                 "--med", "\x1b[2Jsertraline", "--med", "Zoloft",
                                 "--report", str(path)])
    assert result.exit_code == ExitCode.UNKNOWN_MEDICINE
    text = path.read_text("utf-8")
    assert link not in text and "<b>" not in text and "`code`" not in text, \
        "a viewer would draw a link, bold text or code"
    assert "\\[click me\\](https://example\\.com)" in text, "shown as typed, not a link"
    assert "\x1b" not in text and "\\\\x1b" in text, "the escape is shown, not sent"


def test_report_needs_a_known_format(tmp_path):
    result = triage("--report", str(tmp_path / "x.pdf"))
    assert result.exit_code == ExitCode.USAGE and ".md or .html" in result.stderr


def test_plain_output_is_clean_and_fits_80_columns():
    for args in (["interactions", "--med", "sertraline", "--med", "oxycodone", "--plain"],
                 ["redflags", "--plain"], ["meds", "show", "cyclobenzaprine", "--plain"]):
        result = runner.invoke(app, args, env={"FORCE_COLOR": "1"})
        assert result.exit_code == 0, args
        assert "\x1b" not in result.stdout
        for line in result.stdout.splitlines():  # only a web address, never split, is longer
            assert len(line) <= 80 or re.fullmatch(r"\S*https?://\S+", line.split()[-1]), line
        addresses = re.findall(r"https?://\S+", result.stdout)
        assert all(re.search(r"\s" + re.escape(a), result.stdout) for a in addresses)
    coloured = runner.invoke(app, ["redflags"], env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in coloured and "EMERGENCY" in coloured


def test_meds_show_explains_sertraline_from_its_brand():
    text = runner.invoke(app, ["meds", "show", "Zoloft"]).stdout
    for expected in ("sertraline", "Lustral", "SSRI", "cyclobenzaprine", "MAJOR", "Sources"):
        assert expected in text, expected
    search = runner.invoke(app, ["meds", "search", "codamol"]).stdout
    assert "co-codamol" in search.lower()
    nothing = runner.invoke(app, ["meds", "search", "zzzzzz"])
    assert nothing.exit_code == ExitCode.UNKNOWN_MEDICINE


def test_shell_completion_offers_medicine_names():
    env = {**os.environ, "_SPASMCHECK_COMPLETE": "complete_bash",
           "_TYPER_COMPLETE_ARGS": "spasmcheck interactions --med sert", "COMP_WORDS":
           "spasmcheck interactions --med sert", "COMP_CWORD": "3"}
    done = subprocess.run([SPASMCHECK], env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert "sertraline" in done.stdout.split(), (done.stdout, done.stderr)


def test_interactive_clinician_gets_clinician_words():
    env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1",
           "SPASMCHECK_AUDIENCE": "clinician"}
    child = pexpect.spawn(SPASMCHECK, ["triage", "--country", "GB"], env=env, encoding="utf-8",
                          timeout=60, dimensions=(50, 200))
    kb = knowledge.load()
    chest = kb.triage.question("chest_pain")
    child.expect("Main site of spasm")
    child.send("1\r")  # neck
    child.expect("Duration")
    child.send("2\r")
    child.expect("Preceding trauma")
    child.send("1\r")
    child.expect(chest.prompt.clinician[:25])
    child.send("\r")  # Enter ticks the first item, chest pain
    child.expect("What would you like to do")
    child.send("s\r")
    child.expect(pexpect.EOF)
    child.close()
    assert "CALL 999 NOW" in child.before
    cardiac = next(f for f in kb.triage.red_flags if f.id == "cardiac")
    assert cardiac.title.clinician != cardiac.title.patient
    assert cardiac.title.clinician[:20] in child.before  # the clinician's own words


def test_emergency_banner_names_the_country_of_the_number():
    lines = triage("--country", "AU", stdin=EMERGENCY).stdout.splitlines()
    assert lines[0] == "CALL 000 NOW"
    assert "emergency number for Australia" in " ".join(lines[:6])


def test_unanswered_warning_sign_questions_are_flagged_up_front():
    result = triage(stdin="location: neck\n")
    shaped = json.loads(triage("--json", stdin="location: neck\n").stdout)
    assert "chest_pain" in shaped["unanswered_screen"]
    head = " ".join(result.stdout.split("What to do next")[0].split())
    assert "were not answered" in head and "tightness in your chest?" in head
    assert "chest_pain" not in result.stdout and "chest pain," not in head  # words, not ids


def test_a_childs_answers_get_the_under_age_caution_and_its_step():
    child = "age: 10\nlocation: leg\nduration_days: 1\nimproving: true\n"
    shaped = json.loads(triage("--json", stdin=child).stdout)
    cautions = [i for i in shaped["interactions"] if i["kind"] == "caution"]
    assert [(c["rule"], c["severity"]) for c in cautions] == [("cyclobenzaprine_under_15", "major")]
    assert not shaped["medications"]
    assert not any("your medicines" in step for step in shaped["next_steps"]), \
        "a child who takes nothing is not told a medicine is the risk"
    assert any("cyclobenzaprine" in step and "age" in step for step in shaped["next_steps"])
    teen = json.loads(triage("--json", stdin=child.replace("age: 10", "age: 15")).stdout)
    assert not any(i["kind"] == "caution" for i in teen["interactions"])


@pytest.mark.parametrize(("option", "env", "number"), [
    (["--country", "GB"], {}, "999"), ([], {"SPASMCHECK_COUNTRY": "AU"}, "000"),
    ([], {"LANG": "en_AU.UTF-8"}, "000"),
    ([], {"LANG": "en_AU.UTF-8", "LC_ALL": "en_US.UTF-8"}, "911")],
    ids=["option", "environment", "locale", "LC_ALL before LANG"])
def test_batch_triage_takes_the_default_country_from_the_option_or_environment(option, env,
                                                                               number):
    lines = '{"id": 1, "answers": {"chest_pain": true}}\n' \
            '{"id": 2, "answers": {"chest_pain": true}, "country": "JP"}\n'
    result = runner.invoke(app, ["triage", "--batch", "-", *option], input=lines, env=env)
    numbers = [json.loads(line)["emergency"]["number"] for line in result.stdout.splitlines()]
    assert numbers == [number, "119"]
