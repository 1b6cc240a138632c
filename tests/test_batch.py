"""Streaming batch mode: one result per line, in order, bad lines reported, the run goes on."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from spasmcheck.core.errors import ExitCode
from spasmcheck.core.model import UNSURE, Audience, QuestionType
from spasmcheck.frontends import batch, batchpool
from spasmcheck.frontends.cli import app
from spasmcheck.tables import knowledge

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
    results = batch.process(batch.Work("interactions", kb, Audience.PATIENT, None), lines(),
                            outcome)
    next(results)
    assert read == [0]
    next(results)
    assert read == [0, 1]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run_for(monkeypatch, seconds: float, total: int | None) -> str:
    """Tick through 100,000 lines of a `total`-byte input over `seconds` of a fake clock."""
    clock = iter(range(10**6))
    monkeypatch.setattr(batch.time, "monotonic", lambda: next(clock) * seconds / 400)
    screen = _Terminal()
    with batch.Progress(screen, total) as progress:
        for done in range(1, 401):
            progress.tick(250, done * (total or 0) // 400)
    return screen.getvalue()


def test_progress_shows_only_on_a_terminal():
    quiet = io.StringIO()
    with batch.Progress(quiet, 1000) as progress:
        for _ in range(1000):
            progress.tick()
    assert quiet.getvalue() == ""


def test_a_file_gets_a_progress_bar_that_ends_full(monkeypatch):
    shown = _run_for(monkeypatch, seconds=10, total=4_000_000).split("\r")[1:]
    assert len(shown) > 5
    middle = shown[len(shown) // 2]
    assert middle.startswith("spasmcheck: [") and "-]" in middle and "%" in middle
    assert shown[-1].startswith("spasmcheck: [" + "#" * batch.BAR_WIDTH + "] 100%")
    assert "100,000 lines" in shown[-1] and shown[-1].endswith("\n")


def test_a_pipe_gets_a_count_and_a_quick_run_gets_nothing(monkeypatch):
    shown = _run_for(monkeypatch, seconds=10, total=None).split("\r")[1:]
    assert shown and "[" not in shown[-1] and "100,000 lines" in shown[-1]
    assert _run_for(monkeypatch, seconds=batch.PROGRESS_AFTER / 2, total=4_000_000) == ""


def _command(source: str) -> list[str]:
    return [sys.executable, "-m", "spasmcheck", "interactions", "--batch", source]


def _workers(number: str = "2") -> dict[str, str]:
    return {**os.environ, "SPASMCHECK_WORKERS": number}


def _batch(path, workers: str, stdin=None):
    return subprocess.run(_command("-" if stdin is not None else str(path)), input=stdin,
                          capture_output=True, timeout=120, env=_workers(workers))


def test_a_file_shared_among_workers_comes_back_whole_and_in_order(tmp_path):
    """Several blocks of input, a line longer than a block, blank lines, bad lines and a last
    line without a newline: the same bytes from two or three workers, one process and a pipe."""
    lines = [json.dumps({"id": i, "meds": ["sertraline", "Tylenol"] if i % 7 else ["nosuch"]})
             for i in range(4000)]
    lines[1000] = json.dumps({"id": 1000, "meds": ["ibuprofen"] * 900 + ["tramadol"]})
    lines[2000] = ""
    lines[2500] = "oops"
    path = tmp_path / "lists.jsonl"
    path.write_bytes("\n".join(lines).encode())  # no newline after the last line
    assert path.stat().st_size > 4 * batchpool.BLOCK_BYTES

    serial = _batch(path, "1")
    out = [json.loads(line) for line in serial.stdout.splitlines()]
    assert serial.returncode == ExitCode.BATCH_LINE_ERRORS
    assert [o["line"] for o in out] == [n for n in range(1, 4001) if n != 2001]
    assert [o.get("id") for o in out if "error" not in o] == \
        [i for i in range(4000) if i not in (2000, 2500)]
    assert out[1000]["summary"]["worst"] == "major"  # tramadol, at the far end of a long line
    for workers in ("2", "3"):
        shared = _batch(path, workers)
        assert shared.returncode == serial.returncode and shared.stdout == serial.stdout
    piped = _batch(path, "2", stdin=path.read_bytes())
    assert piped.stdout == serial.stdout


def test_a_pipe_is_answered_line_by_line_as_lines_arrive():
    """A script that waits for each answer before sending the next line is never left waiting."""
    with subprocess.Popen(_command("-"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=_workers()) as run:
        assert run.stdin is not None and run.stdout is not None
        for i, med in enumerate(["sertraline", "tramadol", "nosuch", "Zoloft", "ibuprofen"]):
            run.stdin.write(json.dumps({"id": i, "meds": [med]}).encode() + b"\n")
            run.stdin.flush()
            answer = json.loads(run.stdout.readline())
            assert (answer["id"], answer["line"]) == (i, i + 1)
            assert answer["medications"][0]["input"] == med
        run.stdin.close()
        assert run.stdout.read() == b""
        assert run.wait(timeout=60) == ExitCode.UNKNOWN_MEDICINE


@pytest.mark.parametrize("source", ["file", "pipe"])
def test_workers_stop_quietly_when_the_reader_goes_away(tmp_path, source):
    path = tmp_path / "lists.jsonl"
    path.write_text("".join(json.dumps({"id": i, "meds": ["sertraline"]}) + "\n"
                            for i in range(20000)))
    command = _command(str(path) if source == "file" else "-")
    feed = subprocess.Popen(["cat", str(path)], stdout=subprocess.PIPE) \
        if source == "pipe" else None
    with feed or contextlib.nullcontext(), subprocess.Popen(
            command, stdin=feed.stdout if feed else None, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=_workers()) as run:
        assert run.stdout is not None and run.stderr is not None
        first = run.stdout.readline()
        run.stdout.close()
        assert run.wait(timeout=60) == ExitCode.BROKEN_PIPE
        assert json.loads(first)["id"] == 0
        assert b"Traceback" not in run.stderr.read()


def test_ctrl_c_stops_the_workers_and_says_so(tmp_path):
    path = tmp_path / "lists.jsonl"
    path.write_text("".join(json.dumps({"id": i, "meds": ["sertraline", "tramadol"]}) + "\n"
                            for i in range(50000)))
    with subprocess.Popen(_command(str(path)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=_workers()) as run:
        assert run.stdout is not None
        assert json.loads(run.stdout.readline())["id"] == 0
        run.send_signal(signal.SIGINT)
        _, stderr = run.communicate(timeout=60)
    assert run.returncode == ExitCode.INTERRUPTED
    assert b"stopped (Ctrl-C)" in stderr and b"Traceback" not in stderr


def test_compact_encoding_equals_plain_json():
    """Batch lines reuse the JSON text of memoised parts; the result must be plain JSON."""
    from spasmcheck.core import emergency, interactions
    from spasmcheck.core.answers import validate
    from spasmcheck.core.triage import assess
    from spasmcheck.render import data
    from spasmcheck.render.encoding import compact

    kb = knowledge.load()
    report = interactions.check(["Zoloft", "oxycodone", "nosuch", "Tylenol #3"], kb, age=70)
    for audience in Audience:
        shaped = data.interactions_result(report, kb, audience)
        assert compact(shaped) == json.dumps(shaped, separators=(",", ":"))
        answers = validate({"chest_pain": True, "fever": "high", "iv_drug_use": True,
                            "medications": ["sertraline"]}, kb.triage)
        result = data.triage_result(assess(answers, kb), kb, audience,
                                    emergency.contact(kb, "GB"))
        assert compact(result) == json.dumps(result, separators=(",", ":"))


KB = knowledge.load()
NAMES = sorted({entry.name for entry in KB.names.entries()})
IDS = st.one_of(st.none(), st.integers(), st.text(max_size=8), st.booleans(),
                st.lists(st.integers(), max_size=2))


@settings(max_examples=150, deadline=None)
@given(IDS, st.lists(st.sampled_from([*NAMES, "nosuch", "sertralin", "Zoloft 50 mg"]),
                     max_size=7),
       st.sampled_from(KB.interactions.candidates), st.sampled_from(list(Audience)),
       st.lists(st.sampled_from(sorted(KB.interactions.conditions)), max_size=2, unique=True),
       st.one_of(st.none(), st.integers(0, 110)))
def test_a_batch_line_is_the_one_shot_object_on_one_line(line_id, meds, candidate, audience,
                                                          conditions, age):
    """Batch lines are assembled from pre-encoded parts; they must say exactly what --json says."""
    from spasmcheck.core import interactions
    from spasmcheck.render import data, jsonlines

    report = interactions.check(meds, KB, KB.interactions.drugs[candidate], conditions, age)
    shaped = {"id": line_id, "line": 7, **data.interactions_result(report, KB, audience)}
    assert jsonlines.Writer(KB, audience).interactions(line_id, 7, report) == \
        json.dumps(shaped, separators=(",", ":")) + "\n"


def answer_for(question):
    if question.type is QuestionType.NUMBER:
        return st.integers(question.minimum, question.maximum)
    if question.is_yes_no:
        return st.sampled_from([True, False, UNSURE] if question.type is
                               QuestionType.YES_NO_UNSURE else [True, False])
    return st.sampled_from(question.values)


@st.composite
def answer_sets(draw):
    answers = {q.id: draw(answer_for(q)) for q in KB.triage.questions
               if not q.is_medicines and draw(st.booleans())}
    if draw(st.booleans()):
        answers["medications"] = draw(st.lists(st.sampled_from([*NAMES, "nosuch"]), max_size=4))
    return answers


@settings(max_examples=150, deadline=None)
@given(IDS, answer_sets(), st.sampled_from(KB.interactions.candidates),
       st.sampled_from(list(Audience)), st.sampled_from([None, "GB", "US", "ZZ", "AT"]))
def test_a_batch_assessment_is_the_one_shot_object_on_one_line(line_id, answers, candidate,
                                                                audience, country):
    from spasmcheck.core import emergency
    from spasmcheck.core.answers import validate
    from spasmcheck.core.triage import assess
    from spasmcheck.render import data, jsonlines

    assessment = assess(validate(answers, KB.triage), KB, KB.interactions.drugs[candidate])
    contact = emergency.contact(KB, country)
    shaped = {"id": line_id, "line": 3, **data.triage_result(assessment, KB, audience, contact)}
    assert jsonlines.Writer(KB, audience).triage(line_id, 3, assessment, contact) == \
        json.dumps(shaped, separators=(",", ":")) + "\n"


def loose_answer_for(question):
    """An answer as a file or a script may write it: yes/no as words in any case, "not sure"
    in its other spellings, numbers for children and adults alike."""
    if question.is_yes_no:
        words = [True, False, "yes", "No", "y", "FALSE"]
        if question.type is QuestionType.YES_NO_UNSURE:
            words += [UNSURE, "not sure", "Don't know", "unknown"]
        return st.sampled_from(words)
    if question.type is QuestionType.CHOICE and UNSURE in question.values:
        return st.sampled_from([*question.values, "not sure", " Unsure "])
    return answer_for(question)


@st.composite
def loose_answer_sets(draw):
    """Partial answer sets in any key order, with medicines typed every way (a strength, a
    misspelling, a name no table holds) and sometimes none at all."""
    questions = [q for q in KB.triage.questions if not q.is_medicines]
    answers = {q.id: draw(loose_answer_for(q)) for q in draw(st.permutations(questions))
               if draw(st.integers(0, 2))}
    answers.setdefault("location", "lower_back")
    if draw(st.booleans()):
        answers["medications"] = draw(st.lists(st.sampled_from(
            [*NAMES[:200], "nosuch", "sertralin", "Zoloft 50 mg", "IBUPROFEN 200MG tablet"]),
            max_size=5))
    return answers


@settings(max_examples=150, deadline=None)
@given(loose_answer_sets(), st.sampled_from(list(Audience)),
       st.sampled_from([None, "GB", "US", "ZZ"]))
def test_a_batch_line_answered_any_way_is_the_one_shot_object(answers, audience, country):
    """A batch worker checks answers with the Checker's precompiled schema and encodes them
    from pre-encoded parts: the line must still be what `triage --answers F --json` says for
    the same answers (partial, "not sure", children, unknown medicines, any key order)."""
    from spasmcheck.core import emergency
    from spasmcheck.core.answers import validate
    from spasmcheck.core.triage import assess
    from spasmcheck.render import data
    from spasmcheck.render.encoding import compact

    line = json.dumps({"id": 5, "answers": answers, "country": country}).encode()
    [text] = batch.process(batch.Work("triage", KB, audience, None), [line], batch.Outcome(), 5)
    one_shot = data.triage_result(assess(validate(answers, KB.triage), KB), KB, audience,
                                  emergency.contact(KB, country))
    assert text == compact({"id": 5, "line": 5, **one_shot}) + "\n"


def test_answers_are_kept_in_asking_order_however_they_are_given():
    from spasmcheck.core.answers import validate

    given = {"improving": "yes", "duration_days": 3, "location": "neck", "chest_pain": "no"}
    answers = validate(given, KB.triage)
    asking = [q.id for q in KB.triage.questions if q.id in given]
    assert list(answers.values) == asking
    assert answers.values == {"improving": True, "duration_days": 3, "location": "neck",
                              "chest_pain": False}


@pytest.mark.long
def test_a_long_run_draws_its_progress_bar_on_the_terminal(tmp_path):
    """In a real terminal, with results going to a file: the bar fills and the file is whole."""
    import pexpect

    meds = ["sertraline", "tramadol", "Tylenol", "ibuprofen", "Zoloft"]
    path = tmp_path / "lists.jsonl"
    path.write_text("".join(json.dumps({"id": i, "meds": meds}) + "\n" for i in range(150000)))
    out = tmp_path / "out.jsonl"
    child = pexpect.spawn("bash", ["-c", f'"{sys.executable}" -m spasmcheck interactions '
                                         f'--batch "{path}" > "{out}"'],
                          encoding="utf-8", timeout=120, dimensions=(24, 100))
    child.expect(r"spasmcheck: \[#*-+\] +\d+%")
    child.expect(r"\[#+\] 100%  150,000 lines")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == ExitCode.OK
    with out.open() as results:
        assert sum(1 for _ in results) == 150000


def test_a_partly_recognised_line_matches_one_shot_and_the_run_exits_3():
    meds = ["Tylenol Sinus", "Sertraline HCl 100mg tab"]
    result, out = run("interactions", [json.dumps({"id": "p", "meds": meds})])
    assert result.exit_code == ExitCode.UNKNOWN_MEDICINE
    one_shot = json.loads(runner.invoke(app, ["interactions", "--med", meds[0], "--med",
                                              meds[1], "--json"]).stdout)
    assert {k: v for k, v in out[0].items() if k not in ("id", "line")} == one_shot
    assert out[0]["summary"]["partial"] == 1 and out[0]["summary"]["known"] == 1


def test_suggestions_never_offer_each_lines_own_candidate():
    lines = [json.dumps({"id": n, "meds": ["Tylenol tizatidine"], "drug": drug})
             for n, drug in enumerate(["baclofen", "tizanidine", "baclofen"])]
    result, out = run("interactions", lines)
    assert result.exit_code == ExitCode.UNKNOWN_MEDICINE
    offered = [o["medications"][0]["suggestions"] for o in out]
    assert "tizanidine" in offered[0] and "tizanidine" in offered[2]
    assert "tizanidine" not in offered[1]


# --- options and line fields (issue 14) ------------------------------------------------------


def test_command_line_options_are_the_default_for_lines_without_their_own():
    """`--drug`, `--condition` and `--age` apply to each line that does not set its own."""
    lines = [json.dumps({"id": 1, "meds": ["fluvoxamine"]}),
             json.dumps({"id": 2, "meds": ["fluvoxamine"], "drug": "cyclobenzaprine"}),
             json.dumps({"id": 3, "meds": ["metformin"]}),
             json.dumps({"id": 4, "meds": ["metformin"], "conditions": []})]
    result, out = run("interactions", lines, "--drug", "tizanidine", "--condition", "liver_disease")
    assert result.exit_code == 0, result.stderr
    assert out[0]["candidate"] == "tizanidine"
    assert out[0]["summary"]["worst"] == "contraindicated"  # as the one-shot check says
    assert out[1]["candidate"] == "cyclobenzaprine"
    assert [i["rule"] for i in out[2]["interactions"]] == ["tizanidine_liver_impairment"]
    assert out[3]["interactions"] == []
    result, out = run("interactions", [json.dumps({"meds": ["metformin"]}),
                                       json.dumps({"meds": ["metformin"], "age": 40})],
                      "--age", "70")
    assert [i["rule"] for i in out[0]["interactions"]] == ["cyclobenzaprine_age_65"]
    assert out[1]["interactions"] == []


def test_triage_lines_take_the_drug_option_as_their_default():
    answers = {"location": "neck", "duration_days": 2, "medications": ["fluvoxamine"]}
    result, out = run("triage", [json.dumps({"id": 1, "answers": answers}),
                                 json.dumps({"id": 2, "answers": answers,
                                             "drug": "cyclobenzaprine"})],
                      "--drug", "tizanidine")
    assert result.exit_code == 0, result.stderr
    assert [o["candidate"] for o in out] == ["tizanidine", "cyclobenzaprine"]


@pytest.mark.parametrize(("kind", "option"), [
    ("interactions", ["--med", "sertraline"]), ("interactions", ["--report", "r.md"]),
    ("triage", ["--answers", "a.yaml"]), ("triage", ["--report", "r.html"])])
def test_options_batch_cannot_honour_are_refused(kind, option):
    result = runner.invoke(app, [kind, "--batch", "-", *option], input='{"meds": []}\n')
    assert result.exit_code == ExitCode.USAGE
    assert result.stdout == ""
    assert f"{option[0]} cannot be used with --batch" in result.stderr


@pytest.mark.parametrize("line", [
    '{"id": 1, "answers": {"chest_pain": true, "chest_pain": false}}',
    '{"id": 1, "answers": {"chest_pain": true}, "answers": {}}'])
def test_a_duplicate_key_in_a_triage_line_is_an_error_not_the_last_value(line):
    result, out = run("triage", [line])
    assert result.exit_code == ExitCode.BATCH_LINE_ERRORS
    assert "duplicate key" in out[0]["error"]["message"]


def test_a_duplicate_key_in_an_interactions_line_is_an_error():
    result, out = run("interactions", ['{"meds": ["phenelzine"], "meds": ["ibuprofen"]}'])
    assert result.exit_code == ExitCode.BATCH_LINE_ERRORS
    assert out[0]["error"]["message"] == "duplicate key 'meds'"


@pytest.mark.parametrize(("raw", "message"), [
    (b'{"meds": ["ibuprofen"]}', None),
    (b'  {"meds": ["ibuprofen"]}\t\r\n', None),
    (b'{"meds": ["ibuprofen"]} {"meds": []}\n',
     "not valid JSON: Extra data: line 1 column 25 (char 24)"),
    (b'{"meds": ["ibuprofen"]}\n\n', None),
    (b'{"meds": ["ibuprofen"]}\x0b\n', "not valid JSON: Extra data: line 1 column 24 (char 23)"),
    (b' {"meds": [], "meds": []}\n', "duplicate key 'meds'"),
    (b'{"meds": [{"a": 1, "a": 2}]}  x\n', "duplicate key 'a'"),
    (b'{"meds": \n', "not valid JSON: Expecting value: line 2 column 1 (char 10)"),
    (b' \n', "not valid JSON: Expecting value: line 2 column 1 (char 2)"),
])
def test_a_line_is_read_as_json_reads_it_with_spaces_around_and_nothing_after(raw, message):
    """The lines' reader skips the decoder's passes over whitespace; the same lines must be
    taken, and refused in the same words."""
    if message is None:
        assert batch._decode(raw) == {"meds": ["ibuprofen"]}
    else:
        with pytest.raises(batch.LineError) as refused:
            batch._decode(raw)
        assert str(refused.value) == message


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e309"])
def test_an_id_json_cannot_spell_is_refused(value):
    result = runner.invoke(app, ["interactions", "--batch", "-"],
                           input=f'{{"id": {value}, "meds": ["sertraline"]}}\n')
    assert result.exit_code == ExitCode.BATCH_LINE_ERRORS
    out = json.loads(result.stdout, parse_constant=lambda name: pytest.fail(name))
    assert out["id"] is None and "finite" in out["error"]["message"]


def test_line_names_have_the_command_lines_length_limit():
    lines = [json.dumps({"meds": ["x" * 201]}), json.dumps({"meds": ["a"], "drug": "x" * 201})]
    result, out = run("interactions", lines)
    assert result.exit_code == ExitCode.BATCH_LINE_ERRORS
    assert all("longer than 200 characters" in o["error"]["message"] for o in out)


def test_a_bad_drug_in_a_line_names_the_field_not_the_option():
    result, out = run("interactions", [json.dumps({"meds": ["a"], "drug": "sertraline"})])
    message = out[0]["error"]["message"]
    assert message.startswith("drug 'sertraline' is not one of") and "--drug" not in message


# --- signals: whole lines only, workers stop with the parent (issue 14) ----------------------


def _many_lines(tmp_path, count=40000):
    path = tmp_path / "lists.jsonl"
    path.write_text("".join(json.dumps({"id": i, "meds": ["sertraline", "tramadol", "Percocet"]})
                            + "\n" for i in range(count)))
    return path


def _whole_lines_in_order(stdout: bytes) -> int:
    """Every line is a complete result, ids in input order; returns how many."""
    assert stdout.endswith(b"\n"), stdout[-200:]
    ids = [json.loads(line)["id"] for line in stdout.splitlines()]
    assert ids == list(range(len(ids)))
    return len(ids)


def _rest(run) -> tuple[bytes, bytes]:
    """The rest of stdout (past what readline buffered) and stderr, once the run has ended."""
    rest = run.stdout.read()
    run.wait(timeout=60)
    return rest, run.stderr.read()


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return [int(child) for child in listing.read().split()]


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code", "workers"), [
    (signal.SIGINT, ExitCode.INTERRUPTED, "1"),
    (signal.SIGTERM, ExitCode.TERMINATED, "2"), (signal.SIGTERM, ExitCode.TERMINATED, "1"),
    (signal.SIGHUP, ExitCode.HANGUP, "2")])
def test_a_stopping_signal_leaves_only_whole_lines_and_no_worker_behind(tmp_path, signum, code,
                                                                        workers):
    """stdout reaches its end (every process holding it has gone) right after the exit."""
    with subprocess.Popen(_command(str(_many_lines(tmp_path))), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=_workers(workers)) as run:
        assert run.stdout is not None
        first = run.stdout.readline()
        run.send_signal(signum)
        rest, stderr = _rest(run)
    assert run.returncode == code, stderr
    assert f"stopped ({signal.Signals(signum).name if signum != signal.SIGINT else 'Ctrl-C'})" \
        in stderr.decode()
    assert 1 <= _whole_lines_in_order(first + rest) < 40000


@pytest.mark.slow
def test_a_worker_killed_in_the_middle_of_a_write_still_leaves_whole_lines(tmp_path):
    """The pipe is left full so a worker is stopped in the middle of its write, then every
    worker is killed: the parent finishes the line, and says what happened."""
    with subprocess.Popen(_command(str(_many_lines(tmp_path))), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=_workers("2")) as run:
        assert run.stdout is not None
        first = run.stdout.readline()
        workers = _children(run.pid)
        for _ in range(100):  # until the pipe is full and every worker waits
            if all(Path(f"/proc/{worker}/stat").read_text().split()[2] == "S"
                   for worker in workers):
                break
            time.sleep(0.05)
        for worker in workers:
            os.kill(worker, signal.SIGKILL)
        rest, stderr = _rest(run)
    assert run.returncode == ExitCode.INTERNAL
    assert b"killed (signal 9); the lines on stdout are whole" in stderr
    assert _whole_lines_in_order(first + rest) >= 1


def test_workers_env_must_be_a_sensible_number(tmp_path):
    path = _many_lines(tmp_path, 3)
    for value in ("600", "0", "\u00b2", "two"):
        done = subprocess.run(_command(str(path)), capture_output=True, timeout=60,
                              env=_workers(value))
        assert done.returncode == ExitCode.USAGE, done.stderr
        assert b"SPASMCHECK_WORKERS" in done.stderr and b"1 to 64" in done.stderr
        assert done.stdout == b""


# --- reads with a bound (issue 14) -----------------------------------------------------------

LONG = 5 * batch.MAX_LINE_BYTES


def test_a_line_without_end_is_not_held_whole_by_the_reader_in_one_process():
    source = io.BytesIO(b"x" * LONG + b"\n" + b'{"meds": ["sertraline"]}\n')
    lines = list(batch._lines(source))
    assert [len(line) for line in lines] == [batch.MAX_LINE_BYTES + 1, 25]
    outcome = batch.Outcome()
    work = batch.Work("interactions", KB, Audience.PATIENT, None)
    out = [json.loads(line) for line in batch.process(work, lines, outcome)]
    assert out[0]["error"]["message"] == "the line is longer than 1 MB"
    assert (out[1]["line"], out[1]["medications"][0]["input"]) == (2, "sertraline")


def test_a_line_without_end_is_not_held_whole_by_the_dealer_of_the_workers(tmp_path):
    path = tmp_path / "long.jsonl"
    path.write_bytes(b'{"meds": ["a"]}\n' + b"x" * LONG + b"\n" + b'{"meds": ["b"]}\n')
    with open(path, "rb") as handle:
        blocks = list(batchpool.blocks(handle.fileno()))
    assert max(len(block) for _, block in blocks) <= batch.MAX_LINE_BYTES + 2 * \
        batchpool.BLOCK_BYTES
    lines = b"".join(block for _, block in blocks).split(b"\n")
    assert [len(line) for line in lines] == [15, batch.MAX_LINE_BYTES + 1, 15, 0]
    assert [first for first, _ in blocks] == [1, 2]


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_run_waiting_for_input_stops_at_once(signum):
    """One process (as on one core): a signal while it waits for the next line stops it."""
    with subprocess.Popen(_command("-"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=_workers("1")) as run:
        assert run.stdin is not None and run.stdout is not None
        run.stdin.write(b'{"id": 0, "meds": ["sertraline"]}\n')
        run.stdin.flush()
        assert json.loads(run.stdout.readline())["id"] == 0
        run.send_signal(signum)
        assert run.wait(timeout=30) == 128 + signum
        run.stdin.close()


MIXED_LINES = [  # each case the lean batch path treats apart from a plain list of names
    {"id": "unknown", "meds": ["nosuch", "sertralin", "sertraline"]},
    {"id": "partial", "meds": ["Advil Sinus", "tramadol"], "drug": "tizanidine"},
    {"id": "product", "meds": ["Percocet", "Tylenol PM", "diazepam"]},
    {"id": "duplicate", "meds": ["Tylenol", "acetaminophen", "Percocet", "paracetamol"]},
    {"id": "forms", "meds": ["escitalopram", "citalopram", "tramadol", "Zoloft 50 mg tablet"]},
    {"id": "same as the candidate", "meds": ["Flexeril", "Tylenol"], "drug": "cyclobenzaprine"},
    {"id": "conditions", "meds": ["ibuprofen", "diazepam"], "conditions": ["epilepsy"],
     "age": 70},
    {"id": "age only", "meds": ["diphenhydramine", "oxycodone"], "age": 8},
    {"id": "no age", "meds": ["diphenhydramine", "codeine", "Nyquil"]},
    {"id": "non-ASCII", "meds": ["Ibuprofène 200 mg", "Zoloft"]},
    {"id": "empty list", "meds": []},
]


@pytest.mark.parametrize("prepared", [False, True], ids=["warmed by lines", "before forking"])
def test_batch_lines_of_every_kind_are_the_one_shot_objects(prepared):
    """Unknown and partly recognised names, products, duplicates, two forms of one moiety,
    conditions and age per line: each line says exactly what the one-shot --json says, whether
    the indexes were worked out line by line or all at once before the workers fork."""
    from spasmcheck.core import interactions
    from spasmcheck.render import data

    work = batch.Work("interactions", KB, Audience.CLINICIAN, None)
    if prepared:
        work.prepare()
    raw = [json.dumps(line).encode() for line in MIXED_LINES * 2]  # the second time, memoised
    out = list(batch.process(work, raw, batch.Outcome()))
    assert len(out) == len(raw)
    for number, (line, text) in enumerate(zip(MIXED_LINES * 2, out, strict=True), start=1):
        candidate = interactions.candidate_drug(KB, line.get("drug"))
        conditions = [interactions.resolve_condition(KB, c) for c in line.get("conditions", [])]
        report = interactions.check(line["meds"], KB, candidate, conditions, line.get("age"))
        shaped = {"id": line["id"], "line": number,
                  **data.interactions_result(report, KB, Audience.CLINICIAN)}
        assert text == json.dumps(shaped, separators=(",", ":")) + "\n", line["id"]
