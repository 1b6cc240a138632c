"""Bad input never crashes spasmcheck: one clear message, the documented exit code, no traceback.

Every test feeds one kind of bad input (unknown or misspelt names, empty names, absurd counts,
oversized, non-UTF-8, alias-bomb and deeply nested files, wrong types and ranges, missing or
unreadable tables, Rich markup and terminal escapes, a closed stdout, no terminal, bad options,
report paths that cannot be used, bad batch lines) and checks that

- the exit code is the one documented in `spasmcheck.core.errors.ExitCode`;
- a message a person can act on is shown (on stderr for errors; a result with unrecognised
  names is a complete report, so it says so on stdout);
- there is no Python traceback anywhere;
- stdout is empty, or one complete, valid JSON document when `--json` was given.

Most cases run in-process with typer's CliRunner (stdout and stderr are separate); the ones
where a real process matters (closed pipes, no terminal, argv bytes, hard crashes, hangs) run
the installed `spasmcheck` console script. The whole file runs in a few seconds.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

import pytest
from console import SPASMCHECK
from typer.testing import CliRunner

from spasmcheck.core.errors import ExitCode
from spasmcheck.core.model import KnowledgeBase
from spasmcheck.frontends.cli import app

DATA = Path(__file__).resolve().parent.parent / "data"
runner = CliRunner()

BILLION_LAUGHS = "\n".join(
    ['lol1: &a1 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(2, 10)]) + "\n"

MARKUP = "[bold red]x[/]"
CLEAR_SCREEN = "\x1b[2J"
SET_TITLE = "\x1b]0;title\x07"


# --- helpers -------------------------------------------------------------------------------------


def invoke(args: list[str], input: str | bytes | None = None,
           env: dict[str, str] | None = None) -> Any:
    result = runner.invoke(app, args, input=input, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"unexpected exception: {result.exception!r}"
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    return result


def expect_error(args: list[str], code: ExitCode, *needles: str, input: str | bytes | None = None,
                 env: dict[str, str] | None = None, as_json: bool = True) -> str:
    """Run, check the code, a clear stderr message, empty stdout; return stderr.

    By default `--json` is added, to check that a failure never leaves half a document.
    """
    result = invoke([*args, "--json"] if as_json else args, input=input, env=env)
    assert result.exit_code == code, (result.exit_code, result.stderr)
    assert result.stdout == "", "stdout must stay empty when the command fails"
    message = result.stderr.strip()
    assert message, "a failure must say what went wrong on stderr"
    assert message.startswith(("spasmcheck:", "Usage:")), message
    for needle in needles:
        assert needle in message, f"{needle!r} not in stderr: {message}"
    assert "\x1b" not in result.stderr
    return message


def json_doc(result: Any) -> dict[str, Any]:
    """stdout is one complete JSON document and nothing else."""
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    assert document["schema_version"] == 1
    return document


def write(path: Path, content: str | bytes) -> str:
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


def table_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "tables"
    shutil.copytree(DATA, folder)
    return folder


def run_script(args: list[str | bytes], timeout: float = 30, **kwargs: Any
               ) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([SPASMCHECK, *args], capture_output=True, timeout=timeout, **kwargs)


# --- medicine names ------------------------------------------------------------------------------


def test_unknown_name_is_reported_not_checked_with_exit_3() -> None:
    result = invoke(["interactions", "--med", "xyzzy-not-a-drug"])
    assert result.exit_code == ExitCode.UNKNOWN_MEDICINE
    assert "xyzzy-not-a-drug: NOT RECOGNISED" in result.stdout
    assert "not the same as safe" in result.stdout.replace("\n", " ")


def test_misspelt_name_exits_3_and_offers_the_right_name() -> None:
    result = invoke(["interactions", "--med", "sertralin"])
    assert result.exit_code == ExitCode.UNKNOWN_MEDICINE
    shown = " ".join(result.stdout.split())
    assert "sertralin: NOT RECOGNISED" in shown and "Did you mean: sertraline" in shown
    as_json = invoke(["interactions", "--med", "Zoloftt", "--json"])
    assert as_json.exit_code == ExitCode.UNKNOWN_MEDICINE
    (unknown,) = json_doc(as_json)["unknown"]
    assert unknown["input"] == "Zoloftt" and "Zoloft" in unknown["suggestions"]


@pytest.mark.parametrize("name", ["", "   ", "\t"], ids=["empty", "spaces", "tab"])
def test_empty_medicine_name_is_a_usage_error(name: str) -> None:
    expect_error(["interactions", "--med", "sertraline", "--med", name], ExitCode.USAGE,
                 "empty medicine name")


def test_no_medicine_at_all_is_a_usage_error() -> None:
    expect_error(["interactions"], ExitCode.USAGE, "--med")


def test_overlong_medicine_name_is_a_usage_error() -> None:
    expect_error(["interactions", "--med", "x" * 5000], ExitCode.USAGE, "longer than 200")


def test_ten_thousand_medicines_are_refused_quickly() -> None:
    args = [arg for _ in range(10_000) for arg in ("--med", "sertraline")]
    done = run_script(["interactions", *args, "--json"], timeout=30)  # must not hang
    stderr = done.stderr.decode()
    assert done.returncode == ExitCode.USAGE, stderr
    assert done.stdout == b""
    assert "10000 medicines given" in stderr and "--batch" in stderr
    assert "Traceback" not in stderr


def test_non_utf8_bytes_in_a_medicine_name_still_give_valid_utf8_json() -> None:
    done = run_script(["interactions", "--med", b"ab\xff\xfe", "--json"])
    stderr = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr
    assert done.returncode in (ExitCode.USAGE, ExitCode.UNKNOWN_MEDICINE), stderr
    if done.returncode == ExitCode.USAGE:
        assert done.stdout == b"" and stderr.startswith("spasmcheck:")
    else:
        document = json.loads(done.stdout.decode("utf-8"))  # strict: the bytes must be UTF-8
        assert document["unknown"]


def test_non_utf8_medicine_name_with_a_strict_utf8_stdout_does_not_crash() -> None:
    done = run_script(["interactions", "--med", b"ab\xff", "--json"],
                      env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    stderr = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr
    assert done.returncode in (ExitCode.USAGE, ExitCode.UNKNOWN_MEDICINE), stderr


# --- answers files -------------------------------------------------------------------------------


def test_lone_surrogate_escape_in_json_answers_does_not_crash(tmp_path: Path) -> None:
    path = write(tmp_path / "answers.json", '{"medications": ["ab\\ud800", "sertraline"]}')
    result = invoke(["triage", "--answers", path, "--json"])
    assert result.exit_code in (ExitCode.UNKNOWN_MEDICINE, ExitCode.BAD_ANSWERS), result.stderr
    if result.exit_code == ExitCode.BAD_ANSWERS:
        assert result.stdout == "" and result.stderr.startswith("spasmcheck:")
    else:
        json_doc(result)


def test_five_megabyte_answers_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "big.yaml", "age: 30\n" + "# padding\n" * (5 * 1024 * 1024 // 10))
    expect_error(["triage", "--answers", path], ExitCode.BAD_ANSWERS, "larger than 1 MB")


def test_five_megabyte_answers_on_stdin_is_refused() -> None:
    expect_error(["triage", "--answers", "-"], ExitCode.BAD_ANSWERS, "larger than 1 MB",
                 input=b"{" + b" " * (5 * 1024 * 1024) + b"}")


@pytest.mark.parametrize("content", [b"age: 30\nlocation: n\xe9ck\n", b"\xff\xfe\x00a\x00g\x00e",
                                     b'{"age": 30, "location": "\xc3"}'],
                         ids=["latin-1", "utf-16", "truncated-utf8-in-json"])
def test_non_utf8_answers_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path / "answers.yaml", content)
    expect_error(["triage", "--answers", path], ExitCode.BAD_ANSWERS, "not UTF-8")


def test_alias_bomb_in_answers_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "answers.yaml", "age: 30\n" + BILLION_LAUGHS)
    expect_error(["triage", "--answers", path], ExitCode.BAD_ANSWERS, "aliases")


@pytest.mark.parametrize("content", ["[1, 2]", "- 1\n- 2\n", "just text\n", "42\n", ""],
                         ids=["json-list", "yaml-list", "scalar", "number", "empty"])
def test_answers_that_are_not_a_mapping_are_refused(tmp_path: Path, content: str) -> None:
    path = write(tmp_path / "answers.yaml", content)
    expect_error(["triage", "--answers", path], ExitCode.BAD_ANSWERS, "mapping", "valid keys")


@pytest.mark.parametrize(("line", "valid"), [
    ('fever: maybe', "none, low, high"),
    ('trauma: 3', "none, minor, major"),
    ('chest_pain: 3', 'true, false or "unsure"'),
    ('medications: {sertraline: 1}', "list of medicine names"),
    ('medications: [sertraline, 5]', "non-empty text"),
], ids=["fever-maybe", "trauma-3", "chest-pain-3", "medications-mapping", "medications-number"])
def test_wrong_answer_types_name_the_valid_values(tmp_path: Path, line: str, valid: str) -> None:
    path = write(tmp_path / "answers.yaml", line + "\n")
    expect_error(["triage", "--answers", path], ExitCode.BAD_ANSWERS, line.split(":")[0], valid)


def test_age_as_a_word_names_the_valid_range(tmp_path: Path, kb: KnowledgeBase) -> None:
    age = next(q for q in kb.triage.questions if q.id == "age")
    path = write(tmp_path / "answers.yaml", 'age: "forty"\n')
    expect_error(["triage", "--answers", path], ExitCode.BAD_ANSWERS, "age", "'forty'",
                 "whole number", f"{age.minimum} to {age.maximum}")


def test_all_wrong_types_are_listed_at_once(tmp_path: Path) -> None:
    path = write(tmp_path / "answers.yaml", 'age: "forty"\nfever: maybe\ntrauma: 3\n')
    message = expect_error(["triage", "--answers", path], ExitCode.BAD_ANSWERS)
    assert all(key in message for key in ("age:", "fever:", "trauma:"))


@pytest.mark.parametrize("line", ["age: -1", "age: 1000", "duration_days: -5", "age: 30.5",
                                  "age: 1e309"])
def test_negative_or_absurd_numbers_in_answers_are_refused(tmp_path: Path, line: str) -> None:
    path = write(tmp_path / "answers.yaml", line + "\n")
    expect_error(["triage", "--answers", path], ExitCode.BAD_ANSWERS, line.split(":")[0])


@pytest.mark.parametrize("age", ["-3", "1000", "forty"])
def test_bad_age_option_is_a_usage_error(age: str) -> None:
    expect_error(["interactions", "--med", "sertraline", "--age", age], ExitCode.USAGE, "--age")


@pytest.mark.parametrize(("name", "content"), [
    ("answers.yaml", "age: 30\nfever: none\nage: 31\n"),
    ("answers.json", '{"age": 30, "fever": "none", "age": 31}'),
], ids=["yaml", "json"])
def test_duplicate_keys_in_answers_are_refused(tmp_path: Path, name: str, content: str) -> None:
    path = write(tmp_path / name, content)
    expect_error(["triage", "--answers", path], ExitCode.BAD_ANSWERS, "duplicate key 'age'")


@pytest.mark.parametrize("content", ["[" * 100_000 + "]" * 100_000,
                                     '{"a":' * 100_000 + "1" + "}" * 100_000],
                         ids=["lists", "objects"])
def test_deeply_nested_json_answers_are_refused(tmp_path: Path, content: str) -> None:
    path = write(tmp_path / "answers.json", content)
    expect_error(["triage", "--answers", path], ExitCode.BAD_ANSWERS, "nested too deeply")


@pytest.mark.parametrize("content", ["- " * 100_000 + "x\n",
                                     "age: " + "[" * 100_000 + "]" * 100_000 + "\n"],
                         ids=["block-sequence", "flow-sequence"])
def test_deeply_nested_yaml_answers_are_refused_without_crashing(tmp_path: Path,
                                                                 content: str) -> None:
    # a real process: a crash in the YAML parser would take the test run down with it
    path = write(tmp_path / "answers.yaml", content)
    done = run_script(["triage", "--answers", path, "--json"])
    stderr = done.stderr.decode()
    assert done.returncode == ExitCode.BAD_ANSWERS, (done.returncode, stderr)
    assert done.stdout == b""
    assert "nested too deeply" in stderr
    assert "Traceback" not in stderr


def test_python_tag_on_an_answer_value_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "answers.yaml", "age: !!python/object/apply:os.getcwd\n")
    expect_error(["triage", "--answers", path], ExitCode.BAD_ANSWERS, "answers.yaml:1", "tag")


def test_python_tag_on_an_answer_list_is_refused(tmp_path: Path) -> None:
    # "aliases, duplicate keys and tags are refused" (answers_file.parse_text): lists included
    path = write(tmp_path / "answers.yaml",
                 "medications: !!python/object/apply:os.system [sertraline]\n")
    expect_error(["triage", "--answers", path], ExitCode.BAD_ANSWERS, "answers.yaml:1", "tag")


def test_python_tag_on_a_table_list_is_a_data_error(tmp_path: Path) -> None:
    folder = table_copy(tmp_path)
    table = folder / "interactions.yaml"
    text = table.read_text("utf-8")
    assert "brands: [" in text
    table.write_text(text.replace("brands: [", "brands: !!python/tuple [", 1), "utf-8")
    check = invoke(["data", "check", "--data-dir", str(folder)])
    assert check.exit_code == ExitCode.DATA_ERROR, check.stdout
    assert "interactions.yaml:" in check.stdout and "tag" in check.stdout


def test_unknown_answer_key_suggests_the_right_one(tmp_path: Path) -> None:
    path = write(tmp_path / "answers.yaml", "fevr: high\n")
    expect_error(["triage", "--answers", path], ExitCode.BAD_ANSWERS, "'fevr'",
                 "did you mean 'fever'?")


def test_missing_answers_file_is_refused(tmp_path: Path) -> None:
    expect_error(["triage", "--answers", str(tmp_path / "nope.yaml")], ExitCode.BAD_ANSWERS,
                 "cannot read answers file", "No such file")


# --- tables --------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["append", "insert"])
def test_alias_bomb_in_a_table_is_a_data_error(tmp_path: Path, where: str) -> None:
    folder = table_copy(tmp_path)
    table = folder / "interactions.yaml"
    text = table.read_text("utf-8")
    table.write_text(text + "\n" + BILLION_LAUGHS if where == "append" else BILLION_LAUGHS + text,
                     "utf-8")

    check = invoke(["data", "check", "--data-dir", str(folder)])
    assert check.exit_code == ExitCode.DATA_ERROR, check.stdout
    assert "interactions.yaml:" in check.stdout and "aliases" in check.stdout  # the report
    check_json = invoke(["data", "check", "--data-dir", str(folder), "--json"])
    assert check_json.exit_code == ExitCode.DATA_ERROR
    problems = json.loads(check_json.stdout)["problems"]
    assert any("aliases" in p["message"] for p in problems)

    expect_error(["interactions", "--med", "sertraline", "--data-dir", str(folder)],
                 ExitCode.DATA_ERROR, "interactions.yaml:", "aliases")


def test_missing_data_dir_is_a_data_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-folder")
    expect_error(["interactions", "--med", "sertraline", "--data-dir", missing],
                 ExitCode.DATA_ERROR, missing, "does not exist")
    expect_error(["interactions", "--med", "sertraline"], ExitCode.DATA_ERROR, missing,
                 env={"SPASMCHECK_DATA_DIR": missing})
    check = invoke(["data", "check", "--data-dir", missing])
    assert check.exit_code == ExitCode.DATA_ERROR
    assert "does not exist" in check.stdout


def test_missing_table_in_data_dir_is_a_data_error(tmp_path: Path) -> None:
    folder = table_copy(tmp_path)
    (folder / "countries.yaml").unlink()
    expect_error(["triage", "--answers", "-", "--data-dir", str(folder)], ExitCode.DATA_ERROR,
                 "countries.yaml", "missing", input="{}")


def test_unreadable_table_is_a_data_error(tmp_path: Path) -> None:
    folder = table_copy(tmp_path)
    table = folder / "redflags.yaml"
    if os.geteuid() == 0:
        # root reads a chmod 000 file anyway: a folder in the table's place cannot be read
        table.unlink()
        table.mkdir()
    else:
        table.chmod(0)
    try:
        expect_error(["triage", "--answers", "-", "--data-dir", str(folder)],
                     ExitCode.DATA_ERROR, "redflags.yaml", "cannot be read", input="{}")
        check = invoke(["data", "check", "--data-dir", str(folder)])
        assert check.exit_code == ExitCode.DATA_ERROR
        assert "cannot be read" in check.stdout
    finally:
        if table.is_file():
            table.chmod(0o644)


def test_non_utf8_table_is_a_data_error(tmp_path: Path) -> None:
    folder = table_copy(tmp_path)
    table = folder / "countries.yaml"
    table.write_bytes(table.read_bytes() + b"\n# caf\xe9\n")
    expect_error(["interactions", "--med", "sertraline", "--data-dir", str(folder)],
                 ExitCode.DATA_ERROR, "countries.yaml", "not UTF-8")


# --- markup and terminal escapes -----------------------------------------------------------------

HOSTILE = [MARKUP, CLEAR_SCREEN + "sertraline", SET_TITLE]


def _assert_shown_literally(stdout: str) -> None:
    assert "\x1b[2J" not in stdout and "\x1b]0;" not in stdout and "\x07" not in stdout
    assert MARKUP in stdout, "Rich markup must be shown as written"
    assert "\\x1b[2J" in stdout and "\\x1b]0;title\\x07" in stdout, "escapes shown visibly"


def test_markup_and_escapes_in_medicine_names_are_shown_literally_in_plain_text() -> None:
    result = invoke(["interactions", *[a for n in HOSTILE for a in ("--med", n)]])
    assert result.exit_code == ExitCode.UNKNOWN_MEDICINE
    assert "\x1b" not in result.stdout
    _assert_shown_literally(result.stdout)


def test_markup_and_escapes_in_medicine_names_are_shown_literally_in_colour() -> None:
    result = invoke(["interactions", *[a for n in HOSTILE for a in ("--med", n)]],
                    env={"FORCE_COLOR": "1"})
    assert result.exit_code == ExitCode.UNKNOWN_MEDICINE
    assert "\x1b[" in result.stdout, "FORCE_COLOR should give the styled renderer"
    _assert_shown_literally(result.stdout)


def test_markup_and_escapes_in_medicine_names_stay_data_in_json() -> None:
    result = invoke(["interactions", *[a for n in HOSTILE for a in ("--med", n)], "--json"])
    assert result.exit_code == ExitCode.UNKNOWN_MEDICINE
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    document = json_doc(result)
    assert [m["input"] for m in document["medications"]] == HOSTILE


@pytest.mark.parametrize("env", [{}, {"FORCE_COLOR": "1"}], ids=["plain", "colour"])
def test_markup_and_escapes_in_answers_are_shown_literally(tmp_path: Path,
                                                           env: dict[str, str]) -> None:
    path = write(tmp_path / "answers.json",
                 json.dumps({"location": "neck", "medications": HOSTILE}))
    result = invoke(["triage", "--answers", path], env=env)
    assert result.exit_code == ExitCode.UNKNOWN_MEDICINE
    _assert_shown_literally(result.stdout)


def test_markup_and_escapes_in_answers_stay_data_in_json(tmp_path: Path) -> None:
    path = write(tmp_path / "answers.json",
                 json.dumps({"location": "neck", "medications": HOSTILE}))
    result = invoke(["triage", "--answers", path, "--json"])
    assert result.exit_code == ExitCode.UNKNOWN_MEDICINE
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert json_doc(result)["answers"]["medications"] == HOSTILE


@pytest.mark.parametrize("value", [MARKUP, CLEAR_SCREEN, SET_TITLE])
def test_markup_and_escapes_in_a_bad_answer_are_shown_literally_in_the_error(
        tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "answers.json", json.dumps({"location": value}))
    message = expect_error(["triage", "--answers", path], ExitCode.BAD_ANSWERS, "location")
    assert "\x07" not in message
    if value == MARKUP:
        assert MARKUP in message


@pytest.mark.parametrize("option", ["--drug", "--condition"])
def test_markup_and_escapes_in_options_are_shown_literally_in_the_error(option: str) -> None:
    for value in (MARKUP, SET_TITLE):
        message = expect_error(["interactions", "--med", "sertraline", option, value],
                               ExitCode.USAGE)
        assert "\x07" not in message
        assert value in message if value == MARKUP else "\\x1b]0;title\\x07" in message


# --- real processes: closed stdout, no terminal ------------------------------------------------


def test_stdout_closed_early_in_batch_mode_exits_141_quietly(tmp_path: Path) -> None:
    lines = tmp_path / "many.jsonl"
    lines.write_text("".join(json.dumps({"id": i, "meds": ["sertraline", "tramadol"]}) + "\n"
                             for i in range(3000)))
    done = subprocess.run(
        ["bash", "-c", f'set -o pipefail; "{SPASMCHECK}" interactions --batch "{lines}" '
                       "| head -c1 >/dev/null"],
        capture_output=True, timeout=60)
    stderr = done.stderr.decode()
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    assert done.returncode == ExitCode.BROKEN_PIPE, (done.returncode, stderr)


def test_stdout_closed_early_during_one_large_result_exits_141_quietly() -> None:
    meds = " ".join(["--med sertraline --med Percocet --med zoloftt"] * 333)
    done = subprocess.run(
        ["bash", "-c", f'"{SPASMCHECK}" interactions {meds} --json | head -c1 >/dev/null; '
                       'exit "${PIPESTATUS[0]}"'],
        capture_output=True, timeout=60)
    stderr = done.stderr.decode()
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    # the JSON is far larger than a pipe holds, so stdout was closed before it was all written
    assert done.returncode == ExitCode.BROKEN_PIPE, (done.returncode, stderr)


def test_triage_without_a_terminal_asks_for_answers_instead() -> None:
    done = run_script(["triage"], stdin=subprocess.DEVNULL)
    stderr = done.stderr.decode()
    assert done.returncode == ExitCode.NO_TERMINAL, stderr
    assert done.stdout == b""
    assert "--answers" in stderr and stderr.startswith("spasmcheck:")
    assert "Traceback" not in stderr


# --- options -------------------------------------------------------------------------------------


def test_unknown_drug_lists_the_valid_candidates(kb: KnowledgeBase) -> None:
    message = expect_error(["interactions", "--med", "sertraline", "--drug", "aspirin"],
                           ExitCode.USAGE, "'aspirin'")
    for candidate in kb.interactions.candidates:
        assert candidate in message
    expect_error(["triage", "--answers", "-", "--drug", "aspirin"], ExitCode.USAGE, "'aspirin'",
                 input="{}")


def test_unknown_condition_lists_the_valid_ones(kb: KnowledgeBase) -> None:
    message = expect_error(["interactions", "--med", "sertraline", "--condition", "gout"],
                           ExitCode.USAGE, "'gout'")
    for condition in kb.interactions.conditions:
        assert condition in message


@pytest.mark.parametrize(("args", "needle"), [
    (["interactions", "--med", "sertraline", "--fail-on", "severe"], "--fail-on"),
    (["triage", "--answers", "-", "--fail-on", "critical"], "--fail-on"),
    (["interactions", "--med", "sertraline", "--audience", "doctor"], "--audience"),
], ids=["fail-on-severity", "fail-on-level", "audience"])
def test_bad_option_values_are_usage_errors(args: list[str], needle: str) -> None:
    expect_error(args, ExitCode.USAGE, needle, input="{}")


# --- reports -------------------------------------------------------------------------------------


def test_report_in_a_missing_folder_is_an_output_error(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "report.md"
    expect_error(["interactions", "--med", "sertraline", "--report", str(path)],
                 ExitCode.OUTPUT_ERROR, "does not exist")
    assert not path.parent.exists()


def test_report_over_an_existing_file_needs_force(tmp_path: Path) -> None:
    path = tmp_path / "report.md"
    path.write_text("keep me\n")
    expect_error(["triage", "--answers", "-", "--report", str(path)], ExitCode.OUTPUT_ERROR,
                 "already exists", "--force", input="location: neck\n")
    assert path.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"], "no temporary file left"


@pytest.mark.parametrize("stop", [KeyboardInterrupt(), OSError(28, "No space left on device")])
@pytest.mark.parametrize("force", [False, True])
def test_a_report_stopped_while_it_is_moved_into_place_leaves_no_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: BaseException, force: bool) -> None:
    """Ctrl-C or a failing disk at the last step of writing a report: neither the report nor
    a temporary file is left behind (H-17), and a failure is a clear error (exit 8)."""
    from spasmcheck.core.errors import OutputError
    from spasmcheck.frontends import report

    def fail(*args: object) -> None:
        raise stop

    monkeypatch.setattr(report.os, "replace" if force else "link", fail)
    with pytest.raises(type(stop) if isinstance(stop, KeyboardInterrupt) else OutputError):
        report.write(tmp_path / "report.md", "# A report\n", force=force)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("stop", [KeyboardInterrupt(), OSError(28, "No space left on device")])
def test_a_cache_entry_stopped_while_it_is_moved_into_place_leaves_no_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase,
        stop: BaseException) -> None:
    """The same for the tables' cache: Ctrl-C stops the run, a failure only costs the next run
    a compile; no temporary file is left in the cache folder either way (H-17)."""
    from spasmcheck.tables import knowledge

    cache = tmp_path / "cache"
    monkeypatch.setenv("SPASMCHECK_CACHE_DIR", str(cache))

    def fail(*args: object) -> None:
        raise stop

    monkeypatch.setattr(knowledge.os, "replace", fail)
    if isinstance(stop, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            knowledge._cache_write("0" * 16, kb)
    else:
        knowledge._cache_write("0" * 16, kb)
    assert sorted(p.name for p in cache.iterdir()) == ["cache.key"]


def test_report_with_an_unknown_extension_is_a_usage_error(tmp_path: Path) -> None:
    expect_error(["interactions", "--med", "sertraline", "--report", str(tmp_path / "r.pdf")],
                 ExitCode.USAGE, ".md or .html")


# --- batch ---------------------------------------------------------------------------------------


def _batch(kind: str, lines: list[bytes], tmp_path: Path) -> tuple[Any, list[dict[str, Any]]]:
    path = write(tmp_path / "in.jsonl", b"\n".join(lines) + b"\n")
    result = invoke([kind, "--batch", path])
    assert result.stdout.endswith("\n") or result.stdout == ""
    out = [json.loads(line) for line in result.stdout.split("\n")[:-1]]  # every line is JSON
    return result, out


def test_bad_interaction_batch_lines_get_errors_and_good_lines_are_still_answered(
        tmp_path: Path) -> None:
    lines = [
        b'{"id": "first", "meds": ["sertraline"]}',
        b"this is not JSON",
        b'{"id": "meds-string", "meds": "sertraline"}',
        b'{"id": "meds-numbers", "meds": [1, 2]}',
        b'{"id": "drug-number", "meds": ["sertraline"], "drug": 5}',
        b'{"id": "caf\xe9", "meds": ["sertraline"]}',
        b"",
        b'{"id": "extra-field", "meds": [], "dose": 5}',
        b"[" * 100_000 + b"]" * 100_000,
        b'["a", "list"]',
        b'{"id": "last", "meds": ["tramadol", "Percocet"], "drug": "tizanidine"}',
    ]
    result, out = _batch("interactions", lines, tmp_path)
    assert result.exit_code == ExitCode.BATCH_LINE_ERRORS
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5, 6, 8, 9, 10, 11]  # blank line 7 skipped
    good = [o for o in out if "error" not in o]
    assert [o["id"] for o in good] == ["first", "last"]
    assert good[1]["candidate"] == "tizanidine" and good[0]["schema_version"] == 1
    errors = {o["line"]: o["error"]["message"] for o in out if "error" in o}
    assert "not valid JSON" in errors[2]
    assert "meds must be a list" in errors[3] and "meds must be a list" in errors[4]
    assert "drug" in errors[5]
    assert "not UTF-8" in errors[6]
    assert "dose" in errors[8]
    assert "nested too deeply" in errors[9]
    assert "JSON object" in errors[10]
    assert all(o["id"] in (None, "meds-string", "meds-numbers", "drug-number", "extra-field")
               for o in out if "error" in o)


def test_bad_triage_batch_lines_get_errors_and_good_lines_are_still_answered(
        tmp_path: Path) -> None:
    lines = [
        b'{"id": 1, "answers": {"chest_pain": true}}',
        b'{"id": 2, "answers": {"age": "forty", "fever": "maybe"}}',
        b'{"id": 3, "answers": [1, 2]}',
        b'{"id": 4, "answers": {"age": -1}}',
        b'{"id": 5}',
        b'{"id": 6, "answers": {"fever": "n\xf6ne"}}',
        b"{not json",
        b'{"id": 8, "answers": {"fever": "high", "location": "lower_back"}}',
    ]
    result, out = _batch("triage", lines, tmp_path)
    assert result.exit_code == ExitCode.BATCH_LINE_ERRORS
    assert [o["line"] for o in out] == list(range(1, 9))
    assert ["error" in o for o in out] == [False, True, True, True, True, True, True, False]
    assert out[0]["urgency"]["level"] == "emergency" and out[7]["id"] == 8
    messages = [o["error"]["message"] for o in out if "error" in o]
    assert "none, low, high" in messages[0] and "whole number" in messages[0]
    assert "mapping" in messages[1]
    assert "out of range" in messages[2]
    assert "answers" in messages[3]
    assert "not UTF-8" in messages[4]
    assert "not valid JSON" in messages[5]


def test_lone_surrogate_escape_in_a_batch_line_fails_that_line_only(tmp_path: Path) -> None:
    lines = [b'{"id": 1, "meds": ["ab\\ud800"]}', b'{"id": 2, "meds": ["sertraline"]}']
    result, out = _batch("interactions", lines, tmp_path)
    assert result.exit_code in (ExitCode.BATCH_LINE_ERRORS, ExitCode.UNKNOWN_MEDICINE), \
        result.stderr
    assert [o["id"] for o in out] == [1, 2]
    assert "error" not in out[1]


def test_missing_batch_file_is_refused(tmp_path: Path) -> None:
    expect_error(["interactions", "--batch", str(tmp_path / "nope.jsonl")],
                 ExitCode.BAD_ANSWERS, "cannot read batch file", as_json=False)


# --- numbers, tables that never end, folders that loop (issue 14) --------------------------------


@pytest.mark.parametrize(("text", "read_as"), [("065", 65), ("+70", 70)])
def test_an_age_with_a_leading_zero_is_read_as_the_decimal_it_looks_like(
        tmp_path: Path, text: str, read_as: int) -> None:
    """YAML 1.1 reads `065` as octal 53: the over-65 caution would go missing."""
    answers = write(tmp_path / "a.yaml", f"age: {text}\nlocation: lower_back\n"
                    "duration_days: 3\nmedications: [metformin]\n")
    result = invoke(["triage", "--answers", answers, "--drug", "ibuprofen", "--json"])
    document = json_doc(result)
    assert document["answers"]["age"] == read_as
    assert "nsaid_age_65" in [i["rule"] for i in document["interactions"]]


@pytest.mark.parametrize("text", ["1:05", "0x41", "0o101", "0b1000001", "6_5"])
def test_an_age_yaml_would_read_in_another_base_is_refused(tmp_path: Path, text: str) -> None:
    answers = write(tmp_path / "a.yaml", f"age: {text}\n")
    expect_error(["triage", "--answers", answers], ExitCode.BAD_ANSWERS,
                 f"age: '{text}' is not a whole number")


def test_a_five_thousand_digit_number_in_answers_is_refused(tmp_path: Path) -> None:
    answers = write(tmp_path / "a.yaml", f"age: {'9' * 5000}\n")
    expect_error(["triage", "--answers", answers], ExitCode.BAD_ANSWERS, "a.yaml:1: age:",
                 "more than 100 digits")


def test_a_five_thousand_digit_number_in_a_table_is_located(tmp_path: Path) -> None:
    folder = table_copy(tmp_path)
    table = folder / "countries.yaml"
    table.write_text(table.read_text().replace("schema: 1", f"schema: {'1' * 5000}", 1))
    expect_error(["interactions", "--med", "sertraline", "--data-dir", str(folder)],
                 ExitCode.DATA_ERROR, "countries.yaml:", "meta.schema", "more than 100 digits")


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_table_that_never_ends_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    """A FIFO would wait for a writer and /dev/zero never ends: both are refused unread."""
    folder = table_copy(tmp_path)
    table = folder / "countries.yaml"
    table.unlink()
    if kind == "fifo":
        os.mkfifo(table)
    else:
        table.symlink_to("/dev/zero")
    done = run_script(["interactions", "--med", "sertraline", "--data-dir", str(folder)],
                      timeout=20)
    stderr = done.stderr.decode()
    assert done.returncode == ExitCode.DATA_ERROR, stderr
    assert "countries.yaml" in stderr and "not a regular file" in stderr


def test_a_data_dir_that_loops_is_a_data_error(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    expect_error(["interactions", "--med", "sertraline", "--data-dir", str(tmp_path / "a")],
                 ExitCode.DATA_ERROR, str(tmp_path / "a"))


def test_a_data_dir_that_is_a_file_is_a_data_error(tmp_path: Path) -> None:
    """As the README's order says, a tables problem (5) outranks a bad option (2)."""
    afile = write(tmp_path / "file", "x")
    expect_error(["interactions", "--med", "sertraline", "--data-dir", afile],
                 ExitCode.DATA_ERROR, "not a folder")
    expect_error(["interactions", "--med", "sertraline", "--data-dir", afile, "--fail-on",
                  "bogus"], ExitCode.DATA_ERROR, "not a folder")


def test_a_broken_table_outranks_a_bad_fail_on(tmp_path: Path) -> None:
    folder = table_copy(tmp_path)
    (folder / "countries.yaml").write_text("meta: [\n")
    for command in (["interactions", "--med", "sertraline"], ["triage", "--answers", "-"]):
        expect_error([*command, "--fail-on", "bogus", "--data-dir", str(folder)],
                     ExitCode.DATA_ERROR, "countries.yaml", input="{}")


# --- newlines in names (issue 14) -----------------------------------------------------------------

INJECTED = "zzz\n\nNO INTERACTION FOUND\n===\nAll clear"


def _no_injected_line(text: str) -> None:
    lines = [line.strip(" >-*#\\") for line in text.splitlines()]
    assert not any(line.startswith(("NO INTERACTION FOUND", "===", "All clear"))
                   for line in lines), text
    assert "zzz\\x0a" in text.replace("\\\\", "\\"), text


@pytest.mark.parametrize("fmt", ["plain", "colour", "md", "html"])
def test_a_newline_in_a_medicine_name_cannot_start_a_line_of_its_own(tmp_path: Path,
                                                                     fmt: str) -> None:
    args = ["interactions", "--med", INJECTED, "--med", "fluvoxamine", "--drug", "tizanidine"]
    env = {"FORCE_COLOR": "1"} if fmt == "colour" else {}
    if fmt in ("md", "html"):
        report = tmp_path / f"r.{fmt}"
        invoke([*args, "--report", str(report)])
        _no_injected_line(report.read_text())
    else:
        _no_injected_line(invoke([*args, "--plain"] if fmt == "plain" else args, env=env).stdout)


def test_a_newline_in_an_answered_medicine_cannot_start_a_line_of_its_own(tmp_path: Path) -> None:
    answers = write(tmp_path / "a.json", json.dumps({"location": "neck", "duration_days": 2,
                                                        "medications": [INJECTED]}))
    _no_injected_line(invoke(["triage", "--answers", answers, "--plain"]).stdout)


# --- stdout that cannot be written (issue 14) -----------------------------------------------------

def run_into(stdout: Any, args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    """The console script with stdout going to `stdout` (a file or descriptor)."""
    return subprocess.run([SPASMCHECK, *args], stdout=stdout, stderr=subprocess.PIPE, timeout=60,
                          **kwargs)


WRITING = [["--version"], ["--help"], ["interactions", "--med", "sertraline"],
           ["interactions", "--med", "sertraline", "--json"], ["redflags"]]


@pytest.mark.parametrize("args", WRITING, ids=" ".join)
def test_a_full_disk_is_one_line_and_exit_8(args: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        done = run_into(full, args)
    assert done.returncode == ExitCode.OUTPUT_ERROR
    assert done.stderr.decode() == "spasmcheck: cannot write the output: No space left on device\n"


@pytest.mark.parametrize("args", WRITING, ids=" ".join)
def test_a_closed_stdout_is_one_line_and_exit_8(args: list[str]) -> None:
    done = run_into(None, args, preexec_fn=lambda: os.close(1))
    assert done.returncode == ExitCode.OUTPUT_ERROR
    assert done.stderr.decode() == "spasmcheck: cannot write the output: stdout is closed\n"


@pytest.mark.parametrize("args", WRITING, ids=" ".join)
def test_a_pipe_closed_before_anything_is_written_exits_141_quietly(args: list[str]) -> None:
    read, write = os.pipe()
    os.close(read)
    try:
        done = run_into(write, args)
    finally:
        os.close(write)
    assert done.returncode == ExitCode.BROKEN_PIPE
    assert done.stderr == b""


@pytest.mark.parametrize("workers", ["1", pytest.param("2", marks=pytest.mark.slow)])
def test_a_full_disk_in_batch_mode_is_one_line_and_exit_8(tmp_path: Path, workers: str) -> None:
    lines = write(tmp_path / "l.jsonl", '{"meds": ["sertraline"]}\n' * 50)
    with open("/dev/full", "wb") as full:
        done = run_into(full, ["interactions", "--batch", lines],
                        env={**os.environ, "SPASMCHECK_WORKERS": workers})
    assert done.returncode == ExitCode.OUTPUT_ERROR
    assert done.stderr.decode() == "spasmcheck: cannot write the output: No space left on device\n"


# --- the documented exit codes --------------------------------------------------------------------


def test_readme_exit_code_table_matches_exit_code() -> None:
    """Every code the tool can give is in the README's table, and the table has no other."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = [int(row.split("|")[1]) for row in section.splitlines()
                  if row.startswith("| ") and row.split("|")[1].strip().isdigit()]
    assert documented == sorted({int(code) for code in ExitCode})
    order = re.search(r"When two apply, the order is: ([0-9, ]+)", section)
    assert order, "the README states which code wins when two apply"
    assert {int(code) for code in order[1].strip(" ,").split(", ")} <= set(documented)


def test_a_report_name_as_long_as_a_name_can_be_is_written(tmp_path: Path) -> None:
    report = tmp_path / ("r" * 250 + ".md")
    result = invoke(["interactions", "--med", "sertraline", "--report", str(report)])
    assert result.exit_code == 0, result.stderr
    assert "sertraline" in report.read_text()
    assert sorted(os.listdir(tmp_path)) == [report.name]


def test_force_keeps_the_replaced_reports_permissions(tmp_path: Path) -> None:
    report = tmp_path / "r.md"
    report.write_text("old")
    report.chmod(0o640)
    result = invoke(["interactions", "--med", "sertraline", "--report", str(report), "--force"])
    assert result.exit_code == 0, result.stderr
    assert "sertraline" in report.read_text()
    assert report.stat().st_mode & 0o777 == 0o640


def test_forty_thousand_unknown_keys_give_a_short_error(tmp_path: Path) -> None:
    answers = write(tmp_path / "a.json", json.dumps({f"key{i}": True for i in range(40000)}))
    message = expect_error(["triage", "--answers", answers], ExitCode.BAD_ANSWERS,
                           "unknown key 'key0'", "... and 39980 more problems")
    assert len(message) < 5000


@pytest.mark.long
def test_sigterm_while_a_large_result_is_written_leaves_it_whole() -> None:
    """The pipe is full and the writer waits when SIGTERM comes: the document is still whole."""
    meds = [arg for _ in range(333) for arg in ("--med", "sertraline", "--med", "Percocet",
                                                 "--med", "zoloftt")]
    with subprocess.Popen([SPASMCHECK, "interactions", *meds, "--json"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as run:
        stat = Path(f"/proc/{run.pid}/stat")
        for _ in range(200):  # until it waits on the full pipe
            if stat.read_text().split()[2] == "S" and \
                    Path(f"/proc/{run.pid}/wchan").read_text() == "pipe_write":
                break
            time.sleep(0.05)
        run.send_signal(signal.SIGTERM)
        stdout = run.stdout.read() if run.stdout else b""
        run.wait(timeout=30)
    assert json.loads(stdout)["schema_version"] == 1


def test_ctrl_c_while_answers_come_from_stdin_assesses_nothing() -> None:
    """Ctrl-C while `--answers -` still waits for the end of the file: no result from half an
    answer set, nothing on stdout, the stop message and exit 130 (H-17)."""
    with subprocess.Popen([SPASMCHECK, "triage", "--answers", "-", "--json"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as run:
        assert run.stdin is not None
        run.stdin.write(b"location: lower_back\nduration_days: 5\n")  # no end of file yet
        run.stdin.flush()
        for _ in range(400):  # until the command has read those lines and waits for more
            waiting = fcntl.ioctl(run.stdin.fileno(), termios.FIONREAD, b"\0" * 4)
            if struct.unpack("i", waiting)[0] == 0:
                break
            time.sleep(0.025)
        run.send_signal(signal.SIGINT)
        stdout, stderr = run.communicate(timeout=30)
    assert run.returncode == ExitCode.INTERRUPTED
    assert stdout == b""
    assert b"stopped (Ctrl-C)" in stderr and b"Traceback" not in stderr


_CTRL_C_AT = {  # code run first in a fresh interpreter: where Ctrl-C is pressed
    "while typer is imported": (
        "class CtrlC:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'typer':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, CtrlC())\n"),
    "while the command is built": (
        "import typer.main\n"
        "def ctrl_c(*args, **kwargs):\n"
        "    raise KeyboardInterrupt\n"
        "typer.main.get_command = ctrl_c\n"),
}


@pytest.mark.parametrize("moment", list(_CTRL_C_AT))
def test_ctrl_c_before_the_command_runs_says_so_without_a_traceback(moment: str) -> None:
    """Ctrl-C in the first few tens of milliseconds after Enter, while the command line is
    still imported or built: the stop notice and exit 130, never a traceback (H-17)."""
    code = ("import sys\n" + _CTRL_C_AT[moment]
            + "sys.argv = ['spasmcheck', 'interactions', '--med', 'sertraline', '--json']\n"
              "from spasmcheck.__main__ import main\nmain()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == ExitCode.INTERRUPTED
    assert "stopped (Ctrl-C)" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_a_five_thousand_digit_key_in_answers_is_refused(tmp_path: Path) -> None:
    answers = write(tmp_path / "a.yaml", f"? {'9' * 5000}\n: 1\n")
    expect_error(["triage", "--answers", answers], ExitCode.BAD_ANSWERS, "more than 100 digits")


def test_an_impossible_date_in_answers_is_refused(tmp_path: Path) -> None:
    """YAML reads `2024-13-45` as a date, and Python cannot make it: a located error, not 70."""
    answers = write(tmp_path / "a.yaml", "age: 2024-13-45\n")
    expect_error(["triage", "--answers", answers], ExitCode.BAD_ANSWERS, "a.yaml:1: age:",
                 "bad value")


def test_a_newline_in_a_data_dir_name_cannot_start_a_line_of_its_own(tmp_path: Path) -> None:
    folder = tmp_path / "t\ntables OK (forged)"
    shutil.copytree(DATA, folder)
    result = invoke(["data", "check", "--data-dir", str(folder)])
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 1 and "\\x0a" in result.stdout


def test_version_shows_a_newline_in_the_tables_folder_as_an_escape(tmp_path: Path) -> None:
    folder = tmp_path / "t\ntables (forged)"
    shutil.copytree(DATA, folder)
    result = invoke(["--version"], env={"SPASMCHECK_DATA_DIR": str(folder)})
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2 and "\\x0a" in result.stdout


@pytest.mark.parametrize(("option", "value"), [("--drug", "aspirin"), ("--condition", "gout")])
def test_the_command_line_names_its_option_in_a_bad_choice(option: str, value: str) -> None:
    message = expect_error(["interactions", "--med", "sertraline", option, value],
                           ExitCode.USAGE, f"{option} '{value}' is not")
    assert "choose one of" in message


def test_the_valid_keys_are_listed_only_when_a_key_is_unknown(tmp_path):
    """A wrong value names the values that would do; the list of 50 keys would only bury it."""
    wrong_value = tmp_path / "value.yaml"
    wrong_value.write_text("location: lower_back\nduration_days: 3\nfever: 'no'\n")
    result = CliRunner().invoke(app, ["triage", "--answers", str(wrong_value)])
    assert result.exit_code == ExitCode.BAD_ANSWERS
    assert "none, low, high, unsure" in result.output and "valid keys" not in result.output
    wrong_key = tmp_path / "key.yaml"
    wrong_key.write_text("location: lower_back\nduration_days: 3\nfevr: none\n")
    result = CliRunner().invoke(app, ["triage", "--answers", str(wrong_key)])
    assert result.exit_code == ExitCode.BAD_ANSWERS
    assert "did you mean 'fever'" in result.output and "valid keys" in result.output
