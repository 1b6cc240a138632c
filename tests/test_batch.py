"""Streaming batch mode: one result per line, in order, bad lines reported, the run goes on."""

from __future__ import annotations

import io
import json

from typer.testing import CliRunner

from spasmcheck import batch, knowledge
from spasmcheck.cli import app
from spasmcheck.errors import ExitCode
from spasmcheck.model import Audience

runner = CliRunner()


def run(kind: str, lines: list[str], *args: str):
    result = runner.invoke(app, [kind, "--batch", "-", *args], input="\n".join(lines) + "\n")
    return result, [json.loads(line) for line in result.stdout.splitlines()]


def test_interaction_lines_match_the_one_shot_json_in_order():
    lines = [json.dumps({"id": "a", "meds": ["Zoloft", "Tylenol #3"]}),
             json.dumps({"id": 2, "meds": ["fluvoxamine"], "drug": "tizanidine"}),
             json.dumps({"id": None, "meds": ["metformin"]})]
    result, out = run("interactions", lines)
    assert result.exit_code == 0
    assert [o["id"] for o in out] == ["a", 2, None]
    assert [o["line"] for o in out] == [1, 2, 3]
    one_shot = json.loads(runner.invoke(app, ["interactions", "--med", "Zoloft", "--med",
                                              "Tylenol #3", "--json"]).stdout)
    assert {k: v for k, v in out[0].items() if k not in ("id", "line")} == one_shot
    assert out[1]["candidate"] == "tizanidine"
    assert out[1]["summary"]["worst"] == "contraindicated"


def test_bad_lines_get_error_objects_and_the_run_goes_on():
    lines = ['{"id": 1, "meds": ["sertraline"]}', "not json", '{"id": 3, "meds": "x"}',
             '{"id": 4, "medz": []}', "[1, 2]", '{"id": 6, "meds": ["ibuprofen"]}',
             '{"id": 7, "meds": ["x"], "drug": "sertraline"}']
    result, out = run("interactions", lines)
    assert result.exit_code == ExitCode.BATCH_LINE_ERRORS
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5, 6, 7]
    assert [("error" in o) for o in out] == [False, True, True, True, True, False, True]
    assert out[2]["id"] == 3 and "list" in out[2]["error"]["message"]
    assert "medz" in out[3]["error"]["message"]
    assert "tizanidine" in out[6]["error"]["message"]


def test_blank_lines_are_skipped_and_unknown_names_set_exit_3():
    result, out = run("interactions", ['{"id": 1, "meds": ["sertralin"]}', "", "  "])
    assert result.exit_code == ExitCode.UNKNOWN_MEDICINE
    assert len(out) == 1 and out[0]["unknown"][0]["suggestions"] == ["sertraline"]


def test_fail_on_in_batch_mode():
    result, _ = run("interactions", ['{"meds": ["phenelzine"]}'], "--fail-on", "major")
    assert result.exit_code == ExitCode.FAIL_ON


def test_triage_lines():
    lines = [json.dumps({"id": "p1", "answers": {"chest_pain": True}, "country": "GB"}),
             json.dumps({"id": "p2", "answers": {"location": "neck", "duration_days": 1,
                                                 "improving": True}}),
             json.dumps({"id": "p3", "answers": {"fever": "boiling"}})]
    result, out = run("triage", lines)
    assert result.exit_code == ExitCode.BATCH_LINE_ERRORS
    assert out[0]["urgency"]["level"] == "emergency"
    assert out[0]["emergency"]["number"] == "999"
    assert out[1]["urgency"]["level"] == "self_care"
    assert "none, low, high" in out[2]["error"]["message"]


def test_batch_file_and_missing_file(tmp_path):
    path = tmp_path / "lists.jsonl"
    path.write_text('{"id": 1, "meds": ["sertraline"]}\n')
    assert runner.invoke(app, ["interactions", "--batch", str(path)]).exit_code == 0
    missing = runner.invoke(app, ["interactions", "--batch", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == ExitCode.BAD_ANSWERS and "cannot read" in missing.stderr


def test_process_streams_one_line_at_a_time():
    """Each result is produced before the next input line is read (memory stays flat)."""
    kb = knowledge.load()
    read = []

    def lines():
        for i in range(3):
            read.append(i)
            yield json.dumps({"id": i, "meds": ["sertraline"]}).encode()

    outcome = batch.Outcome()
    results = batch.process("interactions", lines(), kb, Audience.PATIENT, None, outcome)
    next(results)
    assert read == [0]
    next(results)
    assert read == [0, 1]


def test_progress_shows_only_on_a_terminal():
    quiet = io.StringIO()
    with batch.Progress(quiet) as progress:
        for _ in range(1000):
            progress.tick()
    assert quiet.getvalue() == ""


def test_a_file_is_shared_among_workers_and_comes_back_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "CHUNK_LINES", 7)
    monkeypatch.setenv("SPASMCHECK_WORKERS", "2")
    lines = [json.dumps({"id": i, "meds": ["sertraline"] if i % 5 else ["nosuch"]})
             for i in range(60)] + ["oops"]
    path = tmp_path / "lists.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["interactions", "--batch", str(path)])
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["line"] for o in out] == list(range(1, 62))
    assert [o["id"] for o in out[:60]] == list(range(60))
    assert "error" in out[60]
    assert result.exit_code == ExitCode.BATCH_LINE_ERRORS
    serial = runner.invoke(app, ["interactions", "--batch", str(path)],
                           env={"SPASMCHECK_WORKERS": "1"})
    assert serial.stdout == result.stdout


def test_compact_encoding_equals_plain_json():
    """Batch lines reuse the JSON text of memoised parts; the result must be plain JSON."""
    from spasmcheck import emergency, interactions
    from spasmcheck.answers import validate
    from spasmcheck.render import data
    from spasmcheck.triage import assess

    kb = knowledge.load()
    report = interactions.check(["Zoloft", "oxycodone", "nosuch", "Tylenol #3"], kb, age=70)
    for audience in Audience:
        shaped = data.interactions_result(report, kb, audience)
        assert json.loads(data.compact(shaped)) == json.loads(json.dumps(shaped))
        answers = validate({"chest_pain": True, "fever": "high", "iv_drug_use": True,
                            "medications": ["sertraline"]}, kb.triage)
        result = data.triage_result(assess(answers, kb), kb, audience,
                                    emergency.contact(kb, "GB"))
        assert json.loads(data.compact(result)) == json.loads(json.dumps(result))
