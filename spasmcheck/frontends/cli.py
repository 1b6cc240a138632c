"""The command line: parse, call an engine, pick a format, write, exit. Nothing clinical here.

Exit codes are the table in errors.ExitCode (documented in the README), the same in every
output format. Reports go to stdout; prompts, notices and errors go to stderr.
"""

import os
import shutil
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from spasmcheck import __version__
from spasmcheck.core.errors import ExitCode, SpasmcheckError, Stopped, UsageError, stopped
from spasmcheck.core.limits import LIMITS
from spasmcheck.core.model import Audience, KnowledgeBase, Severity, Urgency
from spasmcheck.frontends.output import cannot_write, emit, silence_stdout
from spasmcheck.render import formats
from spasmcheck.render.formats import Format, Kind, Result

if TYPE_CHECKING:
    from spasmcheck.core.checker import Checker
    from spasmcheck.frontends.fhir_meds import MedicationRecord
    from spasmcheck.render import shapes

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
    "--data-dir", envvar="SPASMCHECK_DATA_DIR", show_envvar=True, readable=False,
    help="Use the tables in this folder instead of the built-in ones.")]
AsJson = Annotated[bool, typer.Option(
    "--json", help="Print only JSON on stdout (schema 1); the same as --format json.")]
FormatOpt = Annotated[Format | None, typer.Option(
    "--format", case_sensitive=False,
    help="Output format: rich (the default: colour on a terminal, plain text elsewhere), plain, "
         "json, md, html, or fhir (a FHIR R4 Bundle; interactions and triage only).")]
AudienceOpt = Annotated[Audience, typer.Option(
    "--audience", envvar="SPASMCHECK_AUDIENCE", show_envvar=True, case_sensitive=False,
    help="Whose words to use.")]
Plain = Annotated[bool, typer.Option(
    "--plain", help="Plain text: no colour, no boxes; the same as --format plain.")]
Country = Annotated[str | None, typer.Option(
    "--country", envvar="SPASMCHECK_COUNTRY", show_envvar=True,
    help="Country code for the emergency number (GB, US, AU, EU...). Default: from the locale.")]
ReportFile = Annotated[Path | None, typer.Option(
    "--report", dir_okay=False, help="Also write a dated summary to FILE.md or FILE.html.")]
Force = Annotated[bool, typer.Option("--force", help="Let --report replace an existing file.")]
CandidateOpt = Annotated[str | None, typer.Option(
    "--drug", help="The drug about to be taken (default: the tables' default candidate).")]
FhirOpt = Annotated[str | None, typer.Option(
    "--fhir", help="Also check the medicines of a FHIR record (R4/R5 Bundle or medication "
                   "resource, JSON; - for stdin).")]


def _complete_medicine(incomplete: str) -> list[str]:
    """Shell completion for --med: known names starting with what was typed."""
    from spasmcheck.core.names import fold
    from spasmcheck.tables.knowledge import load, resolve_data_dir

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
    from spasmcheck.render.safe import printable
    from spasmcheck.tables.knowledge import load, resolve_data_dir

    line = f"spasmcheck {__version__}"
    try:
        kb = load(resolve_data_dir(None))
        tables = "; ".join(f"{m.table} {m.version} (reviewed {m.reviewed})" for m in kb.tables)
        line += "\n" + printable(f"tables ({kb.origin}): {tables}")
    except SpasmcheckError as error:
        line += "\n" + printable(f"tables: cannot be loaded: {error.message}")
    typer.echo(line)
    raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True,
        help="Show the tool's and the tables' versions.")] = False,
) -> None:
    """Offline triage and medicine-interaction checks for muscle spasms. Not a diagnosis."""


def main(collector_held: bool = False) -> None:
    """Console-script entry point (by way of `spasmcheck.__main__`).

    Exits with os._exit once the output is flushed: tearing down the tables' objects at
    interpreter exit costs a few milliseconds on every run and achieves nothing.
    `collector_held`: the caller turned the cyclic collector off for start-up; it is turned
    back on once the tables are loaded (`_kb`).
    """
    global _collector_held
    _collector_held = collector_held
    if sys.stdout is None:  # started with stdout closed (`>&-`)
        _notice("spasmcheck: cannot write the output: stdout is closed")
        os._exit(ExitCode.OUTPUT_ERROR)
    try:
        _app_for(sys.argv)()
        code: Any = 0
    except KeyboardInterrupt:  # Ctrl-C while Typer builds the command, before `_run` runs
        code = _interrupted()
    except SystemExit as done:
        code = done.code
        if code == 1 and type(sys.stdout).__name__ == "PacifyFlushWrapper":
            code = ExitCode.BROKEN_PIPE  # Click's own answer to EPIPE (while writing --help)
    except OSError as error:  # writing --version or --help failed
        code = _write_failed(error)
    try:
        sys.stdout.flush()
    except OSError as error:
        code = _write_failed(error)
    sys.stderr.flush()
    if code is None or isinstance(code, int):
        os._exit(code or 0)
    print(code, file=sys.stderr)  # SystemExit("message"), as raised by some libraries
    os._exit(1)


def _app_for(argv: list[str]) -> typer.Typer:
    """The app with only the invoked top-level command, when one is named first.

    Typer builds the Click tree of every command on each run (a few ms for the ~100 options of
    all of them); a one-shot check needs only its own. Anything else (help, version, a
    sub-app, a mistyped command) gets the whole app, so its messages are unchanged. The app's
    own options (`--version`, `--install-completion`, `--show-completion`) come before a
    command name, so they always reach the whole app: the lean one builds none of them.
    """
    name = argv[1] if len(argv) > 1 else ""
    chosen = [info for info in app.registered_commands
              if (info.name or getattr(info.callback, "__name__", "")) == name]
    if len(chosen) != 1:
        return app
    lean = typer.Typer(name=app.info.name, help=app.info.help, no_args_is_help=True,
                       pretty_exceptions_enable=False, rich_markup_mode=None,
                       add_completion=False)
    lean.callback()(_lean_root)
    lean.registered_commands = chosen
    return lean


def _lean_root() -> None:
    """The lean app's own callback: options of the app come before the command, so none."""


# --- shared edges ----------------------------------------------------------------------------


def _run(body: Callable[[], int]) -> None:
    """Run a command body; every known failure becomes one stderr line and its exit code."""
    try:
        code = body()
    except SpasmcheckError as error:
        _notice(f"spasmcheck: {error.message}")
        code = error.exit_code
    except KeyboardInterrupt:
        code = _interrupted()
    except Stopped as stop:
        _notice(stopped(signal.Signals(stop.signum).name))
        code = 128 + stop.signum
    except (typer.Exit, typer.Abort):
        raise
    except Exception as error:  # a bug: say so plainly; SPASMCHECK_DEBUG=1 shows the traceback
        if os.environ.get("SPASMCHECK_DEBUG"):
            raise
        _notice(f"spasmcheck: internal error ({type(error).__name__}: {error}). This is a bug; "
                "please report it with the command you ran.")
        code = ExitCode.INTERNAL
    raise typer.Exit(int(code))


def _interrupted() -> int:
    """Ctrl-C: say so on a line of its own (after the ^C the terminal echoes) and give 130."""
    _notice("\n" + stopped())
    return ExitCode.INTERRUPTED


def _notice(text: str) -> None:
    from spasmcheck.render.safe import printable

    try:
        sys.stderr.write("\n".join(printable(line) for line in text.split("\n")) + "\n")
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass


def _write_failed(error: OSError) -> int:
    """The exit code for stdout that cannot be written: 141 for a closed pipe, else 8."""
    silence_stdout()
    if isinstance(error, BrokenPipeError):
        return ExitCode.BROKEN_PIPE
    _notice(f"spasmcheck: {cannot_write(error)}")
    return ExitCode.OUTPUT_ERROR


_collector_held = False  # see main()


def _kb(data_dir: Path | None, one_shot: bool = False) -> KnowledgeBase:
    """The tables; from here on the collector runs again (batch mode, the service, prompts),
    except for a `one_shot` check: what is left of it (one result, written) makes no cyclic
    garbage worth a pass, and the process ends with os._exit (two passes, 0.1 ms, saved)."""
    global _collector_held
    from spasmcheck.tables.knowledge import load

    try:
        return load(data_dir)
    finally:
        if _collector_held and not one_shot:
            # what start-up made lives until exit: the collector need never look at it (else
            # its first pass would go through all of it, ~7 ms)
            import gc

            gc.freeze()
            gc.enable()
            _collector_held = False


def _styled() -> bool:
    """Colour and boxes only on a terminal, unless NO_COLOR or TERM=dumb say otherwise."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()


def _format(fmt: Format | None, as_json: bool, plain: bool, kind: Kind,
            report_file: Path | None = None, batch: str | None = None) -> Format:
    """The one output format, checked against the command before any work is done."""
    chosen = formats.choose(fmt, as_json, plain)
    formats.check(chosen, kind)
    if batch is not None and fmt not in (None, Format.JSON):
        raise UsageError(f"--batch writes JSON Lines; --format {fmt.value} cannot be used with it")
    if report_file is not None:
        from spasmcheck.frontends.report import report_format

        report_format(report_file)
    return chosen


def _output(result: Result, fmt: Format, report_file: Path | None = None,
            force: bool = False, details: bool = True) -> None:
    """Write the report file (if asked), then the result to stdout in the chosen format."""
    screen = formats.Screen(_styled(), shutil.get_terminal_size((80, 24)).columns,
                            details=details)
    if report_file is not None:
        from spasmcheck.frontends import report

        text = formats.render(report.report_format(report_file), result, screen)
        report.write(report_file, text, force)
        _notice(f"spasmcheck: report written to {report_file}")
    emit(formats.render(fmt, result, screen))


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
    age: Annotated[int | None, typer.Option(
        "--age", min=0, max=LIMITS.age, help="Age in years.")] = None,
    fmt: FormatOpt = None,
    as_json: AsJson = False,
    fail_on: Annotated[str | None, typer.Option(
        "--fail-on", help="Exit 10 when a finding is at least this severe "
                          "(contraindicated, major, moderate, minor).")] = None,
    batch: Annotated[str | None, typer.Option(
        "--batch", help="JSON Lines in (FILE or - for stdin), one result a line out.")] = None,
    fhir: FhirOpt = None,
    audience: AudienceOpt = Audience.PATIENT,
    plain: Plain = False,
    report_file: ReportFile = None,
    force: Force = False,
    data_dir: DataDir = None,
) -> None:
    """Check medicines against the drug about to be taken, and against each other."""

    def body() -> int:
        from spasmcheck.render import data

        # a table problem (exit 5) outranks a usage error (exit 2)
        kb = _kb(data_dir, one_shot=batch is None)
        threshold = _parse_fail_on(fail_on, Severity)
        shown_as = _format(fmt, as_json, plain, Kind.INTERACTIONS, report_file, batch)
        from spasmcheck.core.checker import Checker

        checker = Checker(kb)
        with _as_options():
            candidate = checker.candidate(_arg(drug) if drug else None)
            conditions = checker.conditions([_arg(c) for c in condition or []])
        if batch is not None:
            from spasmcheck.frontends import batch as batch_mode

            _refuse_in_batch(("--med", bool(med)), ("--report", report_file is not None),
                             ("--fhir", fhir is not None))
            defaults = batch_mode.Defaults(candidate if drug else None, tuple(conditions), age)
            return batch_mode.run("interactions", batch, kb, audience, threshold, defaults)
        record = _read_fhir(fhir, kb) if fhir is not None else None
        given = _checked_names(checker, med or [], record is None)
        names = (record.names if record else []) + given
        if not names:
            from spasmcheck.frontends.fhir_meds import FhirError

            raise FhirError(f"{_source_name(fhir)}: the record lists no medicine in use "
                            "and no --med was given")
        result = checker.check_medicines(names, candidate, conditions, age)
        shaped = data.interactions_result(result, kb, audience)
        if record is not None:
            shaped["record"] = _record_summary(record, fhir, shown_as is not Format.JSON)
        _output(Result(Kind.INTERACTIONS, shaped, f"spasmcheck: medicines and {candidate.name}",
                       kb.triage.colours, result, kb), shown_as, report_file, force)
        if threshold is not None and result.worst is not None and result.worst >= threshold:
            return ExitCode.FAIL_ON
        return ExitCode.UNKNOWN_MEDICINE if result.incomplete else ExitCode.OK

    _run(body)


def _refuse_in_batch(*given: tuple[str, bool]) -> None:
    """Options that only make sense for one check are refused, never silently ignored."""
    used = [option for option, present in given if present]
    if used:
        raise UsageError(f"{' and '.join(used)} cannot be used with --batch: each line gives "
                         "its own input and the results go to stdout, one a line")


# What the command line adds to the core's words for a refused request.
_OPTION_HINTS = {("meds", "too_many"): " (use --batch for many lists)",
                 ("meds", "empty"): "; every --med needs a name"}


@contextmanager
def _as_options() -> Iterator[None]:
    """The core's request error names its field ("drug 'x' is not ..."); here it is the option."""
    from spasmcheck.core.checker import RequestError

    try:
        yield
    except RequestError as error:
        if error.problem == "unknown":
            raise UsageError(f"--{error.message}") from None
        raise UsageError(error.message + _OPTION_HINTS.get((error.field, error.problem), "")) \
            from None


def _arg(text: str) -> str:
    """Command-line text as valid Unicode: bytes that were not UTF-8 become U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _checked_names(checker: "Checker", names: list[str], required: bool = True) -> list[str]:
    if not names and required:
        raise UsageError("give at least one medicine with --med NAME (repeat for more)")
    with _as_options():
        cleaned = checker.medicines([_arg(name) for name in names])
    return cleaned


# --- triage ----------------------------------------------------------------------------------


@app.command()
def triage(
    answers: Annotated[str | None, typer.Option(
        "--answers", "-a", help="Answers file (YAML or JSON; - for stdin) instead of questions.")
    ] = None,
    drug: CandidateOpt = None,
    fmt: FormatOpt = None,
    as_json: AsJson = False,
    fail_on: Annotated[str | None, typer.Option(
        "--fail-on", help="Exit 10 when the level is at least this urgent "
                          "(emergency, urgent, soon, routine, self_care).")] = None,
    batch: Annotated[str | None, typer.Option(
        "--batch", help="JSON Lines in (FILE or - for stdin), one assessment a line out.")] = None,
    fhir: FhirOpt = None,
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
        from spasmcheck.core import emergency
        from spasmcheck.core.answers import require_core, validate
        from spasmcheck.render import data

        # a table problem (exit 5) outranks a usage error (exit 2); the questions and batch
        # mode run on, with the collector
        kb = _kb(data_dir, one_shot=batch is None and answers is not None)
        threshold = _parse_fail_on(fail_on, Urgency)
        shown_as = _format(fmt, as_json, plain, Kind.TRIAGE, report_file, batch)
        from spasmcheck.core.checker import Checker

        checker = Checker(kb)
        with _as_options():
            candidate = checker.candidate(_arg(drug) if drug else None)
        if batch is not None:
            _refuse_in_batch(("--answers", answers is not None),
                             ("--report", report_file is not None), ("--fhir", fhir is not None))
        where = emergency.place(_arg(country) if country else None, os.environ)
        contact = emergency.contact(kb, where.asked, where.territory)
        if contact.requested:
            _notice(f"spasmcheck: no emergency number for {contact.requested!r} in the tables; "
                    "showing the common numbers instead")
        if batch is not None:
            from spasmcheck.frontends import batch as batch_mode

            defaults = batch_mode.Defaults(candidate if drug else None,
                                           country=where.asked, territory=where.territory)
            return batch_mode.run("triage", batch, kb, audience or Audience.PATIENT, threshold,
                                  defaults)
        if fhir == "-" and answers == "-":
            raise UsageError("--fhir and --answers cannot both read stdin")
        record = _read_fhir(fhir, kb) if fhir is not None else None
        if answers is not None:
            raw, chosen = _read_answers(answers), audience or Audience.PATIENT
        else:
            from spasmcheck.frontends import prompts

            raw, chosen = prompts.ask(kb, audience, contact, candidate)
        known = checker.triage.schema  # the index the assessment uses: its schema, built once
        given = validate(raw, kb.triage, known)
        if answers is not None:
            require_core(given, kb.triage, known)
        if record is not None:
            given = given._replace(medications=tuple(dict.fromkeys(
                (*given.medications, *record.names))))
        result = checker.assess(given, candidate)
        shaped = data.triage_result(result, kb, chosen, contact)
        if record is not None:
            shaped["record"] = _record_summary(record, fhir, shown_as is not Format.JSON)
        _output(Result(Kind.TRIAGE, shaped, "spasmcheck: spasm check summary",
                       kb.triage.colours, result, kb),
                shown_as, report_file, force, details)
        if threshold is not None and result.urgency >= threshold:
            return ExitCode.FAIL_ON
        return ExitCode.UNKNOWN_MEDICINE if result.medicine_check.incomplete else ExitCode.OK

    _run(body)


def _read_answers(source: str) -> Any:
    from spasmcheck.core.errors import AnswersError
    from spasmcheck.frontends.answers_file import decode, parse_text

    name = "<stdin>" if source == "-" else source
    try:
        if source == "-":
            data = sys.stdin.buffer.read(LIMITS.answers_bytes + 1)
        else:
            with open(source, "rb") as handle:
                data = handle.read(LIMITS.answers_bytes + 1)
    except OSError as exc:
        raise AnswersError(f"cannot read answers file {name}: {exc.strerror}") from None
    return parse_text(decode(data, name), name)


def _source_name(source: str | None) -> str:
    return "<stdin>" if source == "-" else str(source)


def _read_fhir(source: str, kb: KnowledgeBase) -> "MedicationRecord":
    """The medicines of a FHIR record file (or stdin), exit 4 when it cannot be used."""
    from spasmcheck.frontends import fhir_meds

    name = _source_name(source)
    try:
        if source == "-":
            data = sys.stdin.buffer.read(fhir_meds.MAX_RECORD_BYTES + 1)
        else:
            with open(_arg(source), "rb") as handle:
                data = handle.read(fhir_meds.MAX_RECORD_BYTES + 1)
    except OSError as exc:
        raise fhir_meds.FhirError(f"cannot read FHIR file {name}: {exc.strerror}") from None
    try:
        return fhir_meds.read(fhir_meds.decode(data, name), kb)
    except fhir_meds.FhirError as error:
        if error.message.startswith(name):
            raise
        raise fhir_meds.FhirError(f"{name}: {error.message}") from None


def _record_summary(record: "MedicationRecord", source: str | None,
                    notices: bool) -> "shapes.Record":
    """Which entries of the record were checked and which skipped (JSON `record`); the human
    formats get the same as notices on stderr."""
    shaped: shapes.Record = {
        "source": _source_name(source),
        "used": [{"entry": m.entry, "resource": m.resource, "written": m.written,
                  "checked_as": list(m.names), "rxnorm": list(m.by_code)} for m in record.used],
        "skipped": [{"entry": s.entry, "resource": s.resource, "written": s.written,
                     "reason": s.reason} for s in record.skipped],
        "other_resources": record.ignored,
    }
    if notices:
        _notice(f"spasmcheck: from {shaped['source']}: {len(record.used)} medicine entries "
                f"used, {len(record.skipped)} skipped")
        for med in record.used:
            how = f" (RxNorm {', '.join(med.by_code)})" if med.by_code else ""
            _notice(f"  used     {med.entry}: {med.written}{how}")
        for skip in record.skipped:
            _notice(f"  skipped  {skip.entry}: {skip.written}: {skip.reason}")
    return shaped


# --- the CDS Hooks service --------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (loopback unless "
                                                     "told otherwise).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535,
                                      help="Port (0 picks a free one).")] = 8080,
    db: Annotated[Path | None, typer.Option(
        "--db", dir_okay=False, help="Feedback database (default: "
                                     "$XDG_DATA_HOME/spasmcheck/feedback.sqlite3).")] = None,
    jwks: Annotated[Path | None, typer.Option(
        "--jwks", dir_okay=False, help="JSON Web Key Set of the record systems allowed to call: "
                                       "requests then need a valid RS384/ES384 bearer token.")
    ] = None,
    public_url: Annotated[str | None, typer.Option(
        "--public-url", help="Base URL callers use (tokens' aud); default http://HOST:PORT.")
    ] = None,
    cors_origin: Annotated[list[str] | None, typer.Option(
        "--cors-origin", help="A browser origin allowed to call (repeat; * for any).")] = None,
    report_feedback: Annotated[bool, typer.Option(
        "--report-feedback", help="Summarise the feedback database and exit.")] = False,
    audience: Annotated[Audience, typer.Option(
        "--audience", case_sensitive=False, help="Whose words the cards use.")
    ] = Audience.CLINICIAN,
    data_dir: DataDir = None,
) -> None:
    """Run the CDS Hooks service (order-select, order-sign) for record systems."""

    def body() -> int:
        from importlib.util import find_spec

        from spasmcheck.frontends import feedback

        path = db or feedback.default_path()
        if report_feedback:
            if not path.exists():
                raise UsageError(f"no feedback database at {path}")
            store = feedback.FeedbackStore(path)
            emit(feedback.report_text(store.summary()))
            return ExitCode.OK
        needed = ["starlette", "uvicorn"] + (["jwt", "cryptography"] if jwks else [])
        missing = [name for name in needed if find_spec(name) is None]
        if missing:
            raise UsageError(f"spasmcheck serve needs the serve extra ({', '.join(missing)} "
                             "missing): pip install 'spasmcheck[serve]'")
        from spasmcheck.frontends import serve as server

        kb = _kb(data_dir)
        tokens = server.TokenCheck(jwks) if jwks else None
        store = feedback.FeedbackStore(path)
        sock = server.bind(host, port)
        bound = sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        options = server.Options(kb, audience, store, public_url or f"http://{shown}:{bound}",
                                 tokens, tuple(cors_origin or ()))
        tables = kb.interactions.meta
        _notice(f"spasmcheck: CDS Hooks service on http://{shown}:{bound}/cds-services "
                f"(interaction tables {tables.version}, reviewed {tables.reviewed}; "
                f"feedback in {path}); Ctrl-C stops")
        from datetime import date

        from spasmcheck.render.discovery import REVIEW_EVERY_DAYS

        for meta in kb.tables:
            age = (date.today() - date.fromisoformat(meta.reviewed)).days
            if age > REVIEW_EVERY_DAYS:
                _notice(f"spasmcheck: warning: the {meta.table} table was last reviewed "
                        f"{age} days ago ({meta.reviewed}); cards may miss newer evidence")
        if host not in ("127.0.0.1", "::1", "localhost"):
            _notice("spasmcheck: listening beyond this machine: put it behind HTTPS"
                    + ("" if jwks else " and give --jwks so only trusted systems can call"))
        server.run(options, sock)
        _notice("spasmcheck: service stopped")
        return ExitCode.OK

    _run(body)


# --- discovery -------------------------------------------------------------------------------


@app.command()
def redflags(fmt: FormatOpt = None, as_json: AsJson = False,
             audience: AudienceOpt = Audience.PATIENT, plain: Plain = False,
             data_dir: DataDir = None) -> None:
    """List the red flags with their levels and sources."""

    def body() -> int:
        from spasmcheck.render import discovery

        kb = _kb(data_dir, one_shot=True)
        shown_as = _format(fmt, as_json, plain, Kind.REDFLAGS)
        shaped = discovery.redflags_result(kb, audience)
        _output(Result(Kind.REDFLAGS, shaped, "spasmcheck: red flags", kb.triage.colours), shown_as)
        return ExitCode.OK

    _run(body)


@meds_app.command("search")
def meds_search(text: str, fmt: FormatOpt = None, as_json: AsJson = False,
                plain: Plain = False, data_dir: DataDir = None) -> None:
    """Known medicines whose names contain TEXT, with brands and classes."""

    def body() -> int:
        from spasmcheck.render import discovery

        kb = _kb(data_dir, one_shot=True)
        shown_as = _format(fmt, as_json, plain, Kind.SEARCH)
        shaped = discovery.search_result(kb, _arg(text))
        _output(Result(Kind.SEARCH, shaped, "spasmcheck: medicine search",
                       kb.triage.colours), shown_as)
        return ExitCode.OK if shaped["matches"] else ExitCode.UNKNOWN_MEDICINE

    _run(body)


@meds_app.command("show")
def meds_show(name: str, fmt: FormatOpt = None, as_json: AsJson = False,
              audience: AudienceOpt = Audience.PATIENT, plain: Plain = False,
              data_dir: DataDir = None) -> None:
    """Everything spasmcheck knows about one medicine: names, classes, every rule."""

    def body() -> int:
        from spasmcheck.render import discovery

        kb = _kb(data_dir, one_shot=True)
        shown_as = _format(fmt, as_json, plain, Kind.SHOW)
        shaped = discovery.show_result(kb, _arg(name), audience)
        _output(Result(Kind.SHOW, shaped, "spasmcheck: medicine details",
                       kb.triage.colours), shown_as)
        return ExitCode.OK if shaped["drugs"] else ExitCode.UNKNOWN_MEDICINE

    _run(body)


@data_app.command("check")
def data_check(as_json: AsJson = False, data_dir: DataDir = None) -> None:
    """Validate a set of tables; print counts, or every located problem."""

    def body() -> int:
        import json

        from spasmcheck.render import discovery
        from spasmcheck.tables import knowledge

        kb, problems = knowledge.check(data_dir)
        shaped = discovery.check_result(kb, problems, str(data_dir or knowledge.BUILTIN))
        emit(json.dumps(shaped, indent=2) + "\n" if as_json else discovery.check_text(shaped))
        return ExitCode.DATA_ERROR if problems else ExitCode.OK

    _run(body)
