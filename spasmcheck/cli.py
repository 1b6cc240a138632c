"""The command line: parse, call an engine, pick a format, write, exit. Nothing clinical here.

Exit codes are the table in errors.ExitCode (documented in the README), the same in every
output format. Reports go to stdout; prompts, notices and errors go to stderr.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from spasmcheck import __version__
from spasmcheck.errors import ExitCode, SpasmcheckError, UsageError
from spasmcheck.model import Audience, KnowledgeBase, Severity, Urgency

app = typer.Typer(
    name="spasmcheck",
    help="Offline triage and medicine-interaction checks for muscle spasms. Not a diagnosis.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
data_app = typer.Typer(help="Check a folder of tables.", no_args_is_help=True)
meds_app = typer.Typer(help="Look up the medicines spasmcheck knows.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(meds_app, name="meds")

DataDir = Annotated[Path | None, typer.Option(
    "--data-dir", envvar="SPASMCHECK_DATA_DIR", show_envvar=True, file_okay=False,
    help="Use the tables in this folder instead of the built-in ones.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print only JSON on stdout (schema 1).")]
AudienceOpt = Annotated[Audience, typer.Option(
    "--audience", envvar="SPASMCHECK_AUDIENCE", show_envvar=True, case_sensitive=False,
    help="Whose words to use.")]
Plain = Annotated[bool, typer.Option("--plain", help="Plain text: no colour, no boxes.")]
Country = Annotated[str | None, typer.Option(
    "--country", envvar="SPASMCHECK_COUNTRY", show_envvar=True,
    help="Country code for the emergency number (GB, US, AU, EU...). Default: from the locale.")]
ReportFile = Annotated[Path | None, typer.Option(
    "--report", dir_okay=False, help="Also write a dated summary to FILE.md or FILE.html.")]
Force = Annotated[bool, typer.Option("--force", help="Let --report replace an existing file.")]
CandidateOpt = Annotated[str | None, typer.Option(
    "--drug", help="The drug about to be taken (default: the tables' default candidate).")]


def _complete_medicine(incomplete: str) -> list[str]:
    """Shell completion for --med: known names starting with what was typed."""
    from spasmcheck.knowledge import load, resolve_data_dir
    from spasmcheck.names import fold

    try:
        kb = load(resolve_data_dir(None))
    except SpasmcheckError:
        return []
    key = fold(incomplete)
    names = sorted({e.name for e in kb.names.entries() if fold(e.name).startswith(key)},
                   key=str.lower)
    return names[:50]


def _version(value: bool) -> None:
    if not value:
        return
    from spasmcheck.knowledge import load, resolve_data_dir

    line = f"spasmcheck {__version__}"
    try:
        kb = load(resolve_data_dir(None))
        tables = "; ".join(f"{m.table} {m.version} (reviewed {m.reviewed})" for m in kb.tables)
        line += f"\ntables ({kb.origin}): {tables}"
    except SpasmcheckError as error:
        line += f"\ntables: cannot be loaded: {error.message}"
    typer.echo(line)
    raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True,
        help="Show the tool's and the tables' versions.")] = False,
) -> None:
    """Offline triage and medicine-interaction checks for muscle spasms. Not a diagnosis."""


def main() -> None:
    """Console-script entry point.

    Exits with os._exit once the output is flushed: tearing down the tables' objects at
    interpreter exit costs a few milliseconds on every run and achieves nothing.
    """
    try:
        app()
        code: Any = 0
    except SystemExit as done:
        code = done.code
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        code = ExitCode.BROKEN_PIPE
    sys.stderr.flush()
    if code is None or isinstance(code, int):
        os._exit(code or 0)
    print(code, file=sys.stderr)  # SystemExit("message"), as raised by some libraries
    os._exit(1)


# --- shared edges ----------------------------------------------------------------------------


def _run(body: Callable[[], int]) -> None:
    """Run a command body; every known failure becomes one stderr line and its exit code."""
    try:
        code = body()
    except SpasmcheckError as error:
        _notice(f"spasmcheck: {error.message}")
        code = error.exit_code
    except KeyboardInterrupt:
        _notice("\nspasmcheck: stopped (Ctrl-C) before the result was complete; no report "
                "was written.")
        code = ExitCode.INTERRUPTED
    except (typer.Exit, typer.Abort):
        raise
    except Exception as error:  # a bug: say so plainly; SPASMCHECK_DEBUG=1 shows the traceback
        if os.environ.get("SPASMCHECK_DEBUG"):
            raise
        _notice(f"spasmcheck: internal error ({type(error).__name__}: {error}). This is a bug; "
                "please report it with the command you ran. Nothing was printed.")
        code = ExitCode.INTERNAL
    raise typer.Exit(int(code))


def _notice(text: str) -> None:
    from spasmcheck.render.safe import printable

    try:
        sys.stderr.write(printable(text).replace("\\x0a", "\n") + "\n")
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def emit(text: str) -> None:
    """Write a whole result to stdout; a reader that goes away ends the run quietly (141).

    Bytes go out in a loop that checks what was written: when the reader closes the pipe in
    the middle of one large write, the buffered writer reports a short write rather than an
    error, and only the next write fails.
    """
    data = text.encode(sys.stdout.encoding or "utf-8", "replace")
    try:
        sys.stdout.flush()
        out = sys.stdout.buffer
        view = memoryview(data)
        while view:
            view = view[out.write(view) or 0:]
        out.flush()
    except BrokenPipeError:
        _silence_stdout()
        raise typer.Exit(ExitCode.BROKEN_PIPE) from None


def _kb(data_dir: Path | None) -> KnowledgeBase:
    from spasmcheck.knowledge import load

    return load(data_dir)


def _styled() -> bool:
    """Colour and boxes only on a terminal, unless NO_COLOR or TERM=dumb say otherwise."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()


def _human(blocks: list[Any], plain: bool, styles: dict[str, str] | None = None) -> str:
    from spasmcheck.render import terminal

    width = min(shutil.get_terminal_size((80, 24)).columns, terminal.WIDTH)
    if plain or not _styled():
        from spasmcheck.render import plain as plain_text

        return plain_text.draw(blocks, width)
    return terminal.draw(blocks, styles, width)


def _dump(result: Any) -> str:
    return json.dumps(result, indent=2) + "\n"  # ASCII: safe whatever the names held


def _output(shaped: dict[str, Any], kind: str, as_json: bool, plain: bool,
            report_file: Path | None, force: bool, title: str,
            styles: dict[str, str] | None = None, view: dict[str, Any] | None = None,
            details: bool = True) -> None:
    """Write the report file (if asked), then the result to stdout in the chosen format.
    `view` adds what only a person reads; reports always carry the details."""
    blocks: list[Any] = []
    if report_file is not None or not as_json:  # the JSON path never loads the layout code
        from spasmcheck.render import layout

        build = getattr(layout, f"{kind}_blocks")
        blocks = build(view or shaped, details)
    if report_file is not None:
        from spasmcheck import report

        full = blocks if details else build(view or shaped, True)
        report.write(report_file, report.render(full, report_file, title), force)
        _notice(f"spasmcheck: report written to {report_file}")
    emit(_dump(shaped) if as_json else _human(blocks, plain, styles))


def _parse_fail_on(value: str | None, kind: type[Severity] | type[Urgency]) -> Any:
    if value is None:
        return None
    try:
        return kind.parse(value)
    except KeyError:
        valid = ", ".join(member.label for member in kind)
        raise UsageError(f"--fail-on {value!r} is not valid; use one of: {valid}") from None


# --- interactions ----------------------------------------------------------------------------


@app.command()
def interactions(
    med: Annotated[list[str] | None, typer.Option(
        "--med", "-m", help="A medicine the person takes (brand or generic); repeat for more.",
        autocompletion=_complete_medicine)] = None,
    drug: CandidateOpt = None,
    condition: Annotated[list[str] | None, typer.Option(
        "--condition", "-c", help="A health condition id (see docs); repeat for more.")] = None,
    age: Annotated[int | None, typer.Option("--age", min=0, max=130, help="Age in years.")] = None,
    as_json: AsJson = False,
    fail_on: Annotated[str | None, typer.Option(
        "--fail-on", help="Exit 10 when a finding is at least this severe "
                          "(contraindicated, major, moderate, minor).")] = None,
    batch: Annotated[str | None, typer.Option(
        "--batch", help="JSON Lines in (FILE or - for stdin), one result a line out.")] = None,
    audience: AudienceOpt = Audience.PATIENT,
    plain: Plain = False,
    report_file: ReportFile = None,
    force: Force = False,
    data_dir: DataDir = None,
) -> None:
    """Check medicines against the drug about to be taken, and against each other."""

    def body() -> int:
        from spasmcheck import interactions as engine
        from spasmcheck.render import data

        threshold = _parse_fail_on(fail_on, Severity)
        kb = _kb(data_dir)
        if batch is not None:
            from spasmcheck import batch as batch_mode

            return batch_mode.run("interactions", batch, kb, audience, threshold)
        names = _checked_names(med or [])
        candidate = engine.candidate_drug(kb, _arg(drug) if drug else None)
        conditions = [engine.resolve_condition(kb, _arg(c)) for c in condition or []]
        result = engine.check(names, kb, candidate, conditions, age)
        shaped = data.interactions_result(result, kb, audience)
        _output(shaped, "interactions", as_json, plain, report_file, force,
                f"spasmcheck: medicines and {candidate.name}")
        if threshold is not None and result.worst is not None and result.worst >= threshold:
            return ExitCode.FAIL_ON
        return ExitCode.UNKNOWN_MEDICINE if result.unknown else ExitCode.OK

    _run(body)


MAX_MEDS = 1000


def _arg(text: str) -> str:
    """Command-line text as valid Unicode: bytes that were not UTF-8 become U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _checked_names(names: list[str]) -> list[str]:
    if not names:
        raise UsageError("give at least one medicine with --med NAME (repeat for more)")
    if len(names) > MAX_MEDS:
        raise UsageError(f"{len(names)} medicines given; at most {MAX_MEDS} in one check "
                         "(use --batch for many lists)")
    cleaned = [_arg(name).strip() for name in names]
    if not all(cleaned):
        raise UsageError("an empty medicine name was given; every --med needs a name")
    if any(len(name) > 200 for name in cleaned):
        raise UsageError("a medicine name is longer than 200 characters")
    return cleaned


# --- triage ----------------------------------------------------------------------------------


@app.command()
def triage(
    answers: Annotated[str | None, typer.Option(
        "--answers", "-a", help="Answers file (YAML or JSON; - for stdin) instead of questions.")
    ] = None,
    drug: CandidateOpt = None,
    as_json: AsJson = False,
    fail_on: Annotated[str | None, typer.Option(
        "--fail-on", help="Exit 10 when the level is at least this urgent "
                          "(emergency, urgent, soon, routine, self_care).")] = None,
    batch: Annotated[str | None, typer.Option(
        "--batch", help="JSON Lines in (FILE or - for stdin), one assessment a line out.")] = None,
    audience: Annotated[Audience | None, typer.Option(
        "--audience", envvar="SPASMCHECK_AUDIENCE", show_envvar=True, case_sensitive=False,
        help="Whose words to use (default patient).")] = None,
    country: Country = None,
    plain: Plain = False,
    report_file: ReportFile = None,
    force: Force = False,
    details: Annotated[bool, typer.Option(
        "--details", help="Also show sources, tips and every answer given.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Ask about the spasm (or read --answers) and give one urgency level with its reasons."""

    def body() -> int:
        from spasmcheck import emergency, interactions
        from spasmcheck import triage as engine
        from spasmcheck.answers import validate
        from spasmcheck.render import data

        threshold = _parse_fail_on(fail_on, Urgency)
        kb = _kb(data_dir)
        contact = emergency.contact(kb, _arg(country) if country else None)
        if contact.requested:
            _notice(f"spasmcheck: no emergency number for {contact.requested!r} in the tables; "
                    "showing the common numbers instead")
        if batch is not None:
            from spasmcheck import batch as batch_mode

            return batch_mode.run("triage", batch, kb, audience or Audience.PATIENT, threshold,
                                  _arg(country) if country else None)
        candidate = interactions.candidate_drug(kb, _arg(drug) if drug else None)
        if answers is not None:
            raw, chosen = _read_answers(answers), audience or Audience.PATIENT
        else:
            from spasmcheck import prompts

            raw, chosen = prompts.ask(kb, audience, contact)
        result = engine.assess(validate(raw, kb.triage), kb, candidate)
        shaped = data.triage_result(result, kb, chosen, contact)
        view = None if as_json and report_file is None else {
            **shaped, "person": data.triage_person(result, kb, chosen, contact)}
        _output(shaped, "triage", as_json, plain, report_file, force,
                "spasmcheck: spasm check summary",
                {shaped["urgency"]["level"]: shaped["urgency"]["colour"]}, view, details)
        if threshold is not None and result.urgency >= threshold:
            return ExitCode.FAIL_ON
        return ExitCode.UNKNOWN_MEDICINE if result.interactions.unknown else ExitCode.OK

    _run(body)


def _read_answers(source: str) -> Any:
    from spasmcheck.answers import decode, parse_text
    from spasmcheck.errors import AnswersError

    name = "<stdin>" if source == "-" else source
    try:
        if source == "-":
            data = sys.stdin.buffer.read(2 * 1024 * 1024)
        else:
            with open(source, "rb") as handle:
                data = handle.read(2 * 1024 * 1024)
    except OSError as exc:
        raise AnswersError(f"cannot read answers file {name}: {exc.strerror}") from None
    return parse_text(decode(data, name), name)


# --- discovery -------------------------------------------------------------------------------


@app.command()
def redflags(as_json: AsJson = False, audience: AudienceOpt = Audience.PATIENT,
             plain: Plain = False, data_dir: DataDir = None) -> None:
    """List the red flags with their levels and sources."""

    def body() -> int:
        from spasmcheck.render import discovery

        kb = _kb(data_dir)
        shaped = discovery.redflags_result(kb, audience)
        emit(_dump(shaped) if as_json else _human(discovery.redflags_blocks(shaped), plain))
        return ExitCode.OK

    _run(body)


@meds_app.command("search")
def meds_search(text: str, as_json: AsJson = False, plain: Plain = False,
                data_dir: DataDir = None) -> None:
    """Known medicines whose names contain TEXT, with brands and classes."""

    def body() -> int:
        from spasmcheck.render import discovery

        kb = _kb(data_dir)
        shaped = discovery.search_result(kb, _arg(text))
        emit(_dump(shaped) if as_json else _human(discovery.search_blocks(shaped), plain))
        return ExitCode.OK if shaped["matches"] else ExitCode.UNKNOWN_MEDICINE

    _run(body)


@meds_app.command("show")
def meds_show(name: str, as_json: AsJson = False, audience: AudienceOpt = Audience.PATIENT,
              plain: Plain = False, data_dir: DataDir = None) -> None:
    """Everything spasmcheck knows about one medicine: names, classes, every rule."""

    def body() -> int:
        from spasmcheck.render import discovery

        kb = _kb(data_dir)
        shaped = discovery.show_result(kb, _arg(name), audience)
        emit(_dump(shaped) if as_json else _human(discovery.show_blocks(shaped), plain))
        return ExitCode.OK if shaped["drugs"] else ExitCode.UNKNOWN_MEDICINE

    _run(body)


@data_app.command("check")
def data_check(as_json: AsJson = False, data_dir: DataDir = None) -> None:
    """Validate a set of tables; print counts, or every located problem."""

    def body() -> int:
        from spasmcheck import knowledge
        from spasmcheck.render import discovery

        kb, problems = knowledge.check(data_dir)
        shaped = discovery.check_result(kb, problems, str(data_dir or knowledge.BUILTIN))
        emit(_dump(shaped) if as_json else discovery.check_text(shaped))
        return ExitCode.DATA_ERROR if problems else ExitCode.OK

    _run(body)
