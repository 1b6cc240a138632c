"""The command line through typer's CliRunner, and as the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from console import SPASMCHECK, loaded_by
from typer.testing import CliRunner

from spasmcheck.core.errors import ExitCode
from spasmcheck.frontends.cli import app
from spasmcheck.render.formats import Format

runner = CliRunner()
CALM = ("location: lower_back\nduration_days: 3\nage: 40\ntrauma: none\nfever: none\n"
        "improving: true\n")


def invoke(*args: str, stdin: str | None = None, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), input=stdin, env=env)


def test_interactions_rich_and_json_give_the_same_finding():
    human = invoke("interactions", "--med", "sertraline")
    machine = invoke("interactions", "--med", "Zoloft", "--json")
    assert human.exit_code == machine.exit_code == 0
    result = json.loads(machine.stdout)
    assert result["schema_version"] == 1
    assert result["candidate"] == "cyclobenzaprine"
    assert result["medications"] == [{"input": "Zoloft", "matched": ["sertraline"],
                                      "status": "known", "matched_as": "brand"}]
    first = result["interactions"][0]
    assert first["drugs"] == ["cyclobenzaprine", "sertraline"]
    assert first["severity"] == "major"
    assert first["effect"] in human.stdout.replace("\n", " ").replace("  ", " ") or \
        first["effect"][:30] in human.stdout
    assert "MAJOR" in human.stdout and "cyclobenzaprine + sertraline" in human.stdout


def test_json_output_is_only_json():
    result = invoke("interactions", "--med", "sertralin", "--med", "ibuprofen", "--json")
    json.loads(result.stdout)
    assert result.exit_code == ExitCode.UNKNOWN_MEDICINE


def test_misspelling_gets_a_suggestion_and_exit_code():
    result = invoke("interactions", "--med", "sertralin")
    assert result.exit_code == ExitCode.UNKNOWN_MEDICINE
    assert "NOT RECOGNISED" in result.stdout
    assert "Did you mean: sertraline" in result.stdout
    assert "NO INTERACTION FOUND" not in result.stdout


def test_known_medicine_with_nothing_found_says_so():
    result = invoke("interactions", "--med", "metformin")
    assert result.exit_code == 0
    assert "NO INTERACTION FOUND" in result.stdout


@pytest.mark.parametrize("fmt", [[], ["--json"], ["--plain"],
                                 *(["--format", f.value] for f in Format)])
@pytest.mark.parametrize(("meds", "code"), [
    (["sertraline"], ExitCode.OK),
    (["nosuchdrug"], ExitCode.UNKNOWN_MEDICINE),
])
def test_exit_code_is_the_same_in_every_format(fmt, meds, code):
    args = [a for m in meds for a in ("--med", m)]
    assert invoke("interactions", *args, *fmt).exit_code == code


@pytest.mark.parametrize(("threshold", "code"), [
    ("contraindicated", ExitCode.OK), ("major", ExitCode.FAIL_ON), ("minor", ExitCode.FAIL_ON)])
def test_fail_on_severity(threshold, code):
    assert invoke("interactions", "--med", "sertraline", "--fail-on", threshold,
                  "--json").exit_code == code


def test_fail_on_rejects_an_unknown_severity():
    result = invoke("interactions", "--med", "sertraline", "--fail-on", "terrible")
    assert result.exit_code == ExitCode.USAGE
    assert "contraindicated" in result.stderr


def test_other_candidate_and_conditions():
    result = json.loads(invoke("interactions", "--med", "Luvox", "--drug", "Zanaflex",
                               "--json").stdout)
    assert result["candidate"] == "tizanidine"
    assert result["interactions"][0]["severity"] == "contraindicated"
    caution = json.loads(invoke("interactions", "--med", "ibuprofen", "--condition",
                                "hyperthyroidism", "--age", "70", "--json").stdout)
    kinds = {(i["kind"], i.get("condition")) for i in caution["interactions"]}
    assert ("caution", "hyperthyroidism") in kinds and ("caution", None) in kinds


def test_markup_in_names_is_shown_literally():
    result = invoke("interactions", "--med", "[bold red]sertraline[/]", "--med", "\x1b[2Jx",
                    env={"FORCE_COLOR": "1"})
    assert "[bold red]sertraline[/]" in result.stdout
    assert "\x1b[2J" not in result.stdout
    assert "\\x1b[2Jx" in result.stdout


def test_rich_output_uses_colour_and_words_and_no_color_is_plain():
    coloured = invoke("interactions", "--med", "sertraline", env={"FORCE_COLOR": "1"})
    assert "\x1b[" in coloured.stdout and "MAJOR" in coloured.stdout
    plain = invoke("interactions", "--med", "sertraline",
                   env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in plain.stdout and "MAJOR" in plain.stdout
    long = [line for line in plain.stdout.splitlines() if len(line) > 80]
    assert all("://" in line.split()[-1] for line in long), long  # a web address is not split


def test_triage_answers_file_in_rich_and_json(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text(CALM + "bladder_bowel_change: true\nmedications: [Zoloft]\n")
    human = invoke("triage", "--answers", str(path), "--country", "GB")
    machine = invoke("triage", "--answers", str(path), "--json", "--country", "GB")
    assert human.exit_code == machine.exit_code == 0
    result = json.loads(machine.stdout)
    assert result["urgency"]["level"] == "emergency"
    assert "999" in result["urgency"]["action"]
    flag = next(f for f in result["red_flags"] if f["id"] == "cauda_equina")
    assert flag["because"] == ["bladder_bowel_change"]
    assert result["interactions"][0]["drugs"] == ["cyclobenzaprine", "sertraline"]
    assert result["answers"]["medications"] == ["Zoloft"]
    assert human.stdout.splitlines()[0] == "CALL 999 NOW"


def test_triage_from_stdin_json_self_care():
    result = invoke("triage", "--answers", "-", "--json",
                    stdin=json.dumps({"location": "neck", "duration_days": 2, "improving": True}))
    assert result.exit_code == 0
    shaped = json.loads(result.stdout)
    assert shaped["urgency"]["level"] == "self_care"
    assert shaped["red_flags"] == []
    assert shaped["seek_help_sooner"]


def test_triage_bad_answers_list_what_is_valid():
    result = invoke("triage", "--answers", "-", stdin="fever: boiling\nfeverr: high\n")
    assert result.exit_code == ExitCode.BAD_ANSWERS
    assert "none, low, high" in result.stderr
    assert "did you mean 'fever'" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(("threshold", "code"), [("emergency", ExitCode.OK),
                                                 ("self_care", ExitCode.FAIL_ON)])
def test_triage_fail_on_level(threshold, code):
    assert invoke("triage", "--answers", "-", "--fail-on", threshold,
                  stdin=CALM).exit_code == code


def test_clinician_and_patient_get_their_own_words():
    patient = json.loads(invoke("triage", "--answers", "-", "--json", stdin=CALM).stdout)
    clinician = json.loads(invoke("triage", "--answers", "-", "--json", "--audience",
                                  "clinician", stdin=CALM).stdout)
    assert patient["audience"] == "patient" and clinician["audience"] == "clinician"
    assert patient["guidance"] != clinician["guidance"]
    assert any("5 mg" in g["text"] for g in clinician["guidance"])


def test_version_names_the_tables():
    result = invoke("--version")
    assert result.exit_code == 0
    assert "spasmcheck 0.1.0" in result.stdout and "interactions 2026" in result.stdout


def test_redflags_and_meds_lookups():
    flags = json.loads(invoke("redflags", "--json").stdout)
    assert any(f["id"] == "cauda_equina" and f["levels"][0] == "emergency"
               for f in flags["red_flags"])
    search = json.loads(invoke("meds", "search", "sert", "--json").stdout)
    assert any(m["name"] == "sertraline" for m in search["matches"])
    shown = json.loads(invoke("meds", "show", "Zoloft", "--json").stdout)
    assert shown["drugs"][0]["generic"] == "sertraline"
    assert "Lustral" in shown["drugs"][0]["brands"]
    assert any(r["severity"] == "major" for r in shown["drugs"][0]["rules"])
    missing = invoke("meds", "show", "zolof")
    assert missing.exit_code == ExitCode.UNKNOWN_MEDICINE and "Zoloft" in missing.stdout


def test_installed_console_script_runs_as_a_subprocess():
    done = subprocess.run([SPASMCHECK, "interactions", "--med", "Zoloft", "--json"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["interactions"][0]["severity"] == "major"
    module = subprocess.run([sys.executable, "-m", "spasmcheck", "interactions", "--med", "x"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert module.returncode == ExitCode.UNKNOWN_MEDICINE


@pytest.mark.parametrize(("args", "after"), [
    (["triage", "--batch", "-"], "True True"),  # on, start-up frozen
    (["interactions", "--med", "sertraline", "--json"], "False False"),  # one check: held
    (["triage", "--answers", "-", "--json"], "False False"),
])
def test_the_collector_is_held_for_start_up_only(args, after):
    """The console script starts with the cyclic collector off and turns it on once the tables
    are loaded, so batch mode, the service and the prompts run with it; what start-up made is
    frozen first, so its first pass does not go through all of it. A one-shot check keeps it
    off to the end (os._exit)."""
    code = ("import gc, os, sys\nfrom spasmcheck.tables import knowledge\nreal = knowledge.load\n"
            "seen = []\n"
            "def watching(folder=None):\n    seen.append(gc.isenabled())\n"
            "    return real(folder)\n"
            "knowledge.load = watching\nexit_ = os._exit\n"
            "def ending(code):\n"
            "    sys.stderr.write(f'{seen} {gc.isenabled()} {gc.get_freeze_count() > 0}\\n')\n"
            "    sys.stderr.flush()\n    exit_(code)\n"
            "os._exit = ending\n"
            f"sys.argv = ['spasmcheck', *{args!r}]\n"
            "from spasmcheck.__main__ import main\nmain()\n")
    answers = "location: neck\n" if "--answers" in args else ""
    done = subprocess.run([sys.executable, "-c", code], input=answers, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1] == f"[False] {after}"  # off while loading, then


def test_a_yaml_answers_file_leaves_the_json_decoder_unimported(tmp_path):
    """JSON is written with the encoder's C part alone: `import json` (its decoder) is paid
    only by runs that read JSON."""
    answers = tmp_path / "answers.yaml"
    answers.write_text("location: neck\nmedications: [sertraline]\n", encoding="utf-8")
    assert loaded_by(["triage", "--answers", str(answers), "--json"], ("json",)) == []
    assert loaded_by(["interactions", "--med", "sertraline", "--json"], ("json",)) == []


def test_json_path_leaves_rich_and_questionary_unimported():
    assert loaded_by(["interactions", "--med", "sertraline", "--json"],
                     ("rich", "questionary", "prompt_toolkit", "pydantic")) == []


def test_no_file_is_written_unless_asked(tmp_path):
    """Only the documented table cache, and nothing at all with SPASMCHECK_CACHE=off."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    for args in (["interactions", "--med", "Zoloft", "--json"], ["redflags"],
                 ["meds", "show", "Zoloft"]):
        done = subprocess.run([SPASMCHECK, *args], cwd=tmp_path, capture_output=True, timeout=60,
                              env={**env, "SPASMCHECK_CACHE": "off"}, check=False)
        assert done.returncode == 0, done.stderr
    assert [p.name for p in tmp_path.rglob("*")] == ["home"]
    subprocess.run([SPASMCHECK, "interactions", "--med", "Zoloft", "--json"], cwd=tmp_path,
                   capture_output=True, timeout=60, env=env, check=False)
    written = sorted(p.relative_to(home).parts[:2] for p in home.rglob("*") if p.is_file())
    assert written and all(parts == (".cache", "spasmcheck") for parts in written)


@pytest.mark.parametrize("form", ["plain", "markdown", "html"])
def test_a_partly_recognised_name_is_told_in_every_output_and_exits_3(tmp_path, form):
    args = ["interactions", "--med", "Advil Sinus Congestion", "--med", "Zoloft 50 mg tab"]
    if form == "plain":
        result = invoke(*args, "--plain")
        text = result.stdout
    else:
        report = tmp_path / ("report.md" if form == "markdown" else "report.html")
        result = invoke(*args, "--plain", "--report", str(report))
        text = report.read_text("utf-8")
    assert result.exit_code == ExitCode.UNKNOWN_MEDICINE
    flat = " ".join(text.split())
    assert "PARTLY RECOGNISED" in flat
    assert "Only ibuprofen was checked" in flat
    assert "NOT checked" in flat
    assert "NO INTERACTION FOUND" not in flat


def test_label_names_are_checked_and_exit_0():
    result = invoke("interactions", "--med", "Sertraline HCl 100mg tab",
                    "--med", "Hydrocodone/APAP 7.5/325", "--json")
    assert result.exit_code == 0
    meds = json.loads(result.stdout)["medications"]
    assert [m["matched"] for m in meds] == [["sertraline"], ["hydrocodone", "acetaminophen"]]


def test_meds_show_says_when_a_name_is_only_partly_recognised():
    result = invoke("meds", "show", "Tylenol Sinus", "--plain")
    flat = " ".join(result.stdout.split())
    assert "only partly recognised" in flat and "'sinus' may mean more medicines" in flat
    assert "partly" not in invoke("meds", "show", "Tylenol", "--plain").stdout


def test_plain_output_says_listed_twice_and_the_age_a_rule_is_for():
    result = invoke("interactions", "--med", "Zoloft", "--med", "sertraline", "--med",
                    "gabapentin", "--med", "lamotrigine", "--plain")
    text = " ".join(result.stdout.split())
    assert "Zoloft and sertraline are the same medicine" in text
    assert "two supplies" in text and "double dose. Do not take both" not in text
    assert "(if aged 65 or over)" in text
    young = invoke("interactions", "--drug", "duloxetine", "--med", "gabapentin", "--med",
                   "lamotrigine", "--age", "30", "--plain")
    assert young.stdout.startswith("MODERATE") and "65" not in young.stdout


def test_readme_heart_failure_example_warns_about_the_ibuprofen_itself():
    result = invoke("interactions", "--med", "ibuprofen", "--condition", "heart_failure",
                    "--age", "70", "--plain")
    text = " ".join(result.stdout.split())
    assert "ibuprofen with heart failure" in text
    assert "ibuprofen with your age" in text
