"""The format registry: every format renders every kind it claims, and only those.

Walking `Format` means a new member without a renderer, or a renderer that breaks on a kind of
result, fails here rather than in front of a user.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from console import loaded_by
from typer.testing import CliRunner

from spasmcheck.core import emergency, interactions
from spasmcheck.core.answers import validate
from spasmcheck.core.errors import ExitCode, UsageError
from spasmcheck.core.model import Audience
from spasmcheck.core.triage import assess
from spasmcheck.frontends.cli import app
from spasmcheck.frontends.report import report_format
from spasmcheck.render import data, discovery
from spasmcheck.render.formats import (
    REGISTRY,
    REPORT_SUFFIXES,
    Format,
    Kind,
    Result,
    Screen,
    choose,
    render,
)
from spasmcheck.tables import knowledge

KB = knowledge.load()
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
runner = CliRunner()


def _result(kind: Kind) -> tuple[Result, str]:
    """A fixed result of each kind, and words every rendering of it must contain."""
    if kind is Kind.INTERACTIONS:
        report = interactions.check(["Zoloft", "nosuchpill"], KB)
        shaped = data.interactions_result(report, KB, Audience.PATIENT)
        return Result(kind, shaped, "t", outcome=report, kb=KB), "nosuchpill"
    if kind is Kind.TRIAGE:
        assessment = assess(validate({"chest_pain": True}, KB.triage), KB)
        shaped = data.triage_result(assessment, KB, Audience.PATIENT,
                                    emergency.contact(KB, "GB"))
        return Result(kind, shaped, "t", outcome=assessment, kb=KB), "999"
    if kind is Kind.REDFLAGS:
        return Result(kind, discovery.redflags_result(KB, Audience.PATIENT), "t"), "cauda"
    if kind is Kind.SEARCH:
        return Result(kind, discovery.search_result(KB, "sert"), "t"), "sertraline"
    return Result(kind, discovery.show_result(KB, "Zoloft", Audience.PATIENT), "t"), "Lustral"


def _words(text: str) -> str:
    return " ".join(ANSI.sub("", text).split())


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_renders_every_kind_it_claims(fmt):
    assert fmt in REGISTRY, f"{fmt} has no renderer"
    assert REGISTRY[fmt].kinds, f"{fmt} renders nothing"
    for kind in Kind:
        result, words = _result(kind)
        if kind not in REGISTRY[fmt].kinds:
            with pytest.raises(UsageError, match=f"--format {fmt.value}"):
                render(fmt, result, Screen(now=NOW))
            continue
        for screen in (Screen(now=NOW), Screen(styled=True, width=120, now=NOW)):
            text = render(fmt, result, screen)
            assert text.endswith("\n")
            assert words in _words(text), (fmt, kind)
            if kind in (Kind.INTERACTIONS, Kind.TRIAGE):  # every result carries the disclaimer
                assert _words(KB.triage.disclaimer.patient)[:40] in _words(text), (fmt, kind)


def test_the_machine_formats_parse_and_the_human_ones_say_the_same_words():
    result, _ = _result(Kind.INTERACTIONS)
    assert json.loads(render(Format.JSON, result)) == json.loads(json.dumps(result.shaped))
    assert json.loads(render(Format.FHIR, result))["resourceType"] == "Bundle"
    plain = render(Format.PLAIN, result)
    assert render(Format.RICH, result, Screen(styled=False)) == plain  # not a terminal
    styled = render(Format.RICH, result, Screen(styled=True, width=200))
    assert "\x1b[" in styled and "MAJOR" in styled
    assert render(Format.MD, result, Screen(now=NOW)).startswith("# t\n")
    assert render(Format.HTML, result, Screen(now=NOW)).startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(("fmt", "as_json", "plain", "chosen"), [
    (None, False, False, Format.RICH),
    (None, True, False, Format.JSON),
    (None, False, True, Format.PLAIN),
    (None, True, True, Format.JSON),  # as before the registry: --json wins over --plain
    (Format.JSON, True, False, Format.JSON),
    (Format.MD, False, False, Format.MD),
])
def test_aliases_choose_the_same_format(fmt, as_json, plain, chosen):
    assert choose(fmt, as_json, plain) is chosen


@pytest.mark.parametrize(("fmt", "as_json", "plain"), [
    (Format.PLAIN, True, False), (Format.JSON, False, True), (Format.FHIR, True, False)])
def test_an_alias_that_contradicts_format_is_refused(fmt, as_json, plain):
    with pytest.raises(UsageError, match="contradicts"):
        choose(fmt, as_json, plain)


def test_report_file_extensions_pick_registry_formats():
    assert {report_format(Path(f"a{suffix.upper()}")) for suffix in REPORT_SUFFIXES} == \
        {Format.MD, Format.HTML}
    with pytest.raises(UsageError, match=r"\.md or \.html"):
        report_format(Path("a.txt"))


# --- through the command line ----------------------------------------------------------------


def invoke(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


@pytest.mark.parametrize("args", [
    ["interactions", "--med", "sertraline"], ["redflags"], ["meds", "search", "sert"],
    ["meds", "show", "Zoloft"]])
@pytest.mark.parametrize("fmt", [f for f in Format if f is not Format.FHIR])
def test_format_works_on_every_result_command(args, fmt):
    done = invoke(*args, "--format", fmt.value)
    assert done.exit_code == 0, done.output
    if fmt is Format.JSON:
        assert json.loads(done.stdout)["schema_version"] == 1
    if fmt is Format.HTML:
        assert done.stdout.startswith("<!DOCTYPE html>")


def test_md_on_stdout_is_the_report_file(tmp_path):
    report = tmp_path / "r.md"
    done = invoke("interactions", "--med", "sertraline", "--format", "md",
                  "--report", str(report))
    assert done.exit_code == 0
    stamp = re.compile(r"_Written .* by spasmcheck\._")
    assert stamp.sub("", done.stdout) == stamp.sub("", report.read_text(encoding="utf-8"))


def test_report_and_fhir_together(tmp_path):
    report = tmp_path / "r.html"
    done = invoke("interactions", "--med", "sertraline", "--format", "fhir",
                  "--report", str(report))
    assert done.exit_code == 0
    assert json.loads(done.stdout)["resourceType"] == "Bundle"
    assert "cyclobenzaprine + sertraline" in report.read_text(encoding="utf-8")


@pytest.mark.parametrize(("args", "message"), [
    (["redflags", "--format", "fhir"], "--format fhir is available for interactions and "
                                       "triage only"),
    (["meds", "show", "Zoloft", "--format", "fhir"], "not for meds show"),
    (["interactions", "--med", "x", "--json", "--format", "plain"], "--json contradicts"),
    (["interactions", "--batch", "-", "--format", "fhir"], "--batch writes JSON Lines"),
    (["interactions", "--med", "x", "--format", "yaml"], "yaml"),
    (["interactions", "--med", "x", "--report", "r.txt"], ".md or .html"),
])
def test_a_format_that_cannot_be_given_is_a_usage_error(args, message, tmp_path):
    done = invoke(*args, stdin="")
    assert done.exit_code == ExitCode.USAGE
    assert message in done.output
    assert done.stdout == "" or "Usage" in done.output


@pytest.mark.slow
def test_json_start_up_loads_no_drawing_or_fhir_code():
    """`--format json` and `--json` stay as light as before the registry."""
    for flag in (["--json"], ["--format", "json"]):
        assert loaded_by(["interactions", "--med", "sertraline", *flag],
                         ("rich", "questionary", "pydantic", "fhir"),
                         ("spasmcheck.render.layout", "spasmcheck.render.fhir")) == [], flag


def _triage(raw: dict[str, object]) -> Result:
    assessment = assess(validate(raw, KB.triage), KB)
    shaped = data.triage_result(assessment, KB, Audience.PATIENT, emergency.contact(KB, "GB"))
    return Result(Kind.TRIAGE, shaped, "t", {shaped["urgency"]["level"]: "bold"}, assessment, KB)


@pytest.mark.parametrize("fmt", [f for f in Format if f is not Format.JSON])
def test_every_human_and_fhir_format_names_the_unanswered_warning_signs(fmt):
    """A partial answer set is read as "no" to what is missing: every format says so."""
    result = _triage({"location": "lower_back", "improving": True})
    assert "chest_pain" in result.shaped["unanswered_screen"]
    text = _words(render(fmt, result, Screen(styled=True, width=120, now=NOW)))
    assert "warning-sign question(s) were not answered" in text.replace("\\", "")
    assert "chest" in text  # by the question's words for a person, by name in FHIR


@pytest.mark.parametrize("fmt", [Format.RICH, Format.PLAIN, Format.MD, Format.HTML])
def test_at_emergency_every_document_starts_with_the_number_to_call(fmt):
    text = _words(render(fmt, _triage({"chest_pain": True}),
                         Screen(styled=True, width=120, now=NOW)))
    first = text.index("CALL 999 NOW")
    assert first < text.index("Why") and first < text.index("What to do next")
    assert not any(word in text[:first] for word in ("Possible heart attack", "sertraline"))


def test_the_level_colours_come_from_the_tables_alone(tmp_path):
    """redflags.yaml is the one home of a level's colour: a changed colour shows in the terminal."""
    import shutil

    folder = tmp_path / "tables"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data", folder)
    table = folder / "redflags.yaml"
    text = table.read_text(encoding="utf-8")
    assert text.count('colour: "bold blue"') == 1  # the routine level's
    table.write_text(text.replace('colour: "bold blue"', 'colour: "bold magenta"'),
                     encoding="utf-8")
    done = runner.invoke(app, ["redflags", "--format", "rich", "--data-dir", str(folder)],
                         env={"FORCE_COLOR": "1"})
    assert done.exit_code == 0, done.output
    assert "\x1b[1;35m" in done.output and "\x1b[1;34m" not in done.output
    report = runner.invoke(app, ["redflags", "--format", "html", "--data-dir", str(folder)])
    assert ".routine{border-color:#8b1a89}" in report.output and "1f4e99" not in report.output


def test_a_table_colour_reaches_the_html_only_as_a_fixed_paper_colour():
    from spasmcheck.render.html import tone_css

    assert tone_css({"urgent": "bold white on red", "soon": "#000}body{display:none"}) == \
        ".urgent{background:#b00020;color:#fff}"
