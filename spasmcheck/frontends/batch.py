"""Streaming batch mode: JSON Lines in, one JSON line out per input line, in input order.

Input is shared among worker processes, one per core (spasmcheck.frontends.batchpool), so the output
is in input order and no result passes through the parent. Results stream (a line that arrives
alone is answered at once) and memory stays flat however long the input, or a line in it.
Without real file descriptors (tests) or on one core, one process answers line by line. A bad
line gets an error object (its id, line number and message) and the run goes on; the exit code
says that some lines failed. The command line's options are each line's defaults (Defaults).
SIGTERM and SIGHUP stop a run as Ctrl-C does; output holds whole lines only, always.
"""

from __future__ import annotations

import io
import json
import math
import multiprocessing
import os
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from spasmcheck.core.answers import require_core, validate
from spasmcheck.core.checker import Checker, RequestError
from spasmcheck.core.emergency import Contact
from spasmcheck.core.errors import ExitCode, SpasmcheckError, Stopped, UsageError
from spasmcheck.core.limits import LIMITS
from spasmcheck.core.model import Audience, Drug, KnowledgeBase, Severity, Urgency
from spasmcheck.render import jsonlines

MAX_LINE_BYTES = LIMITS.line_bytes
MAX_NAME_LENGTH = LIMITS.name_length
WORKERS_ENV = "SPASMCHECK_WORKERS"
PROGRESS_AFTER = 1.5  # seconds before a progress line appears (terminals only)
BAR_WIDTH = 24  # characters of the progress bar
# Input from which the workers' shared indexes are worked out before they fork (about 50 ms);
# a smaller file is over sooner with each worker working out only what its lines meet.
PREPARE_FROM = 256 * 1024


class LineError(Exception):
    """A batch line that cannot be used; the run goes on."""


@dataclass(frozen=True)
class Defaults:
    """What the command line sets for every line that does not set its own."""

    drug: Drug | None = None
    conditions: tuple[str, ...] = ()
    age: int | None = None
    country: str | None = None  # --country, else $SPASMCHECK_COUNTRY (read by the CLI)
    territory: str | None = None  # the locale's (read by the CLI)


def run(kind: str, source: str, kb: KnowledgeBase, audience: Audience,
        threshold: Severity | Urgency | None, defaults: Defaults = Defaults()) -> int:
    """Process a whole stream, writing results to stdout; returns the exit code."""
    handle: IO[bytes] = sys.stdin.buffer if source == "-" else _open(source)
    outcome = Outcome()
    work = Work(kind, kb, audience, threshold, defaults)
    try:
        size = _size(handle)
        workers = _workers(handle)
        # SIGTERM and SIGHUP stop a run as Ctrl-C does: workers first, whole lines only.
        with Progress(sys.stderr, size) as progress, \
                _handling((signal.SIGTERM, signal.SIGHUP), lambda signum, _: _stopped(signum)):
            if workers > 1:
                from spasmcheck.frontends import batchpool

                if size is None or size >= PREPARE_FROM:
                    work.prepare()
                batchpool.run(work, handle.fileno(), workers, outcome, progress, process_block)
            else:
                _serial(work, handle, outcome, progress, size)
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()
    return outcome.exit_code


@contextmanager
def _handling(signums: tuple[int, ...], handler: Callable[[int, Any], None]) -> Iterator[None]:
    """`handler` for these signals meanwhile (only the main thread may set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, handler) for signum in signums}
    try:
        yield
    finally:
        for signum, before in previous.items():
            signal.signal(signum, before)


def _serial(work: Work, handle: IO[bytes], outcome: Outcome, progress: Progress,
            size: int | None) -> None:
    """One process, line by line. A stopping signal that arrives while a line is written is
    noted and acted on once it is out, so the line is always whole (cheaper than holding
    signals back for each line); at any other time, waiting for input included, it stops the
    run at once."""
    from spasmcheck.frontends.output import emit

    writing, arrived = [False], []

    def note(signum: int, _frame: object) -> None:
        if writing[0]:
            arrived.append(signum)
        else:
            _stopped(signum)

    with _handling((signal.SIGINT, signal.SIGTERM, signal.SIGHUP), note):
        for line in process(work, _lines(handle), outcome):
            writing[0] = True
            emit(line, hold_signals=False)
            writing[0] = False
            if arrived:
                _stopped(arrived[0])
            progress.tick(1, handle.tell() if size else None)


def _stopped(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Stopped(signum)


def _size(handle: IO[bytes]) -> int | None:
    """The input's length when it is a regular file (a progress bar), else None (a counter)."""
    try:
        status = os.fstat(handle.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) and status.st_size else None


def _workers(handle: IO[bytes]) -> int:
    """Worker processes for this input: one per core, where both ends are real descriptors."""
    try:
        handle.fileno()
        sys.stdout.fileno()  # workers write to the real stdout, not a stand-in for it
    except (OSError, ValueError, io.UnsupportedOperation):
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    chosen = os.environ.get(WORKERS_ENV, "").strip()
    if not chosen:
        return min(os.cpu_count() or 1, 8)
    if not (chosen.isascii() and chosen.isdigit() and 1 <= int(chosen) <= LIMITS.workers):
        raise UsageError(f"{WORKERS_ENV}={chosen!r}: use a whole number from 1 to {LIMITS.workers}")
    return int(chosen)


class Work:
    """What every line of a run is answered with, made once: the service core (with its
    indexes) and the writer of result lines (with its pre-encoded parts). Made before the
    workers fork, so that they share what it holds."""

    def __init__(self, kind: str, kb: KnowledgeBase, audience: Audience,
                 threshold: Severity | Urgency | None, defaults: Defaults = Defaults()) -> None:
        self.kind, self.kb, self.audience = kind, kb, audience
        self.threshold, self.defaults = threshold, defaults
        self.checker = Checker(kb)
        self.candidate = defaults.drug or self.checker.candidate(None)  # a line without `drug`
        self.writer = jsonlines.Writer(kb, audience)
        self.contacts: dict[str | None, Contact] = {}  # the emergency contact of each country

    def prepare(self) -> None:
        """Work out now what lines would work out as they come (before forking: shared)."""
        self.checker.prepare_interactions()  # triage lines check their medicines too
        if self.kind == "triage":
            self.checker.triage  # noqa: B018  the compiled red flags and answers' schema
        self.writer.prepare(self.checker.pairs.names.values())


def process_block(work: Work, block: bytes, first: int, outcome: Outcome) -> Iterator[str]:
    """The results of a block of lines whose first is line `first`, a line at a time."""
    lines = block.split(b"\n")
    if not lines[-1]:
        lines.pop()
    return process(work, lines, outcome, first)


def _lines(handle: IO[bytes]) -> Iterator[bytes]:
    """The input's lines; of one longer than the limit only enough to refuse it is kept."""
    keep = MAX_LINE_BYTES + 1
    while line := handle.readline(keep):
        if len(line) == keep and not line.endswith(b"\n"):
            while (rest := handle.readline(64 * 1024)) and not rest.endswith(b"\n"):
                pass  # skipped, so memory stays bounded however long the line
        yield line


def _open(source: str) -> IO[bytes]:
    from spasmcheck.core.errors import AnswersError

    try:
        return open(source, "rb")
    except OSError as exc:
        raise AnswersError(f"cannot read batch file {source}: {exc.strerror}") from None


class Outcome:
    """What the lines amounted to, for the exit code."""

    def __init__(self) -> None:
        self.failed = self.unknown = self.over_threshold = False

    @property
    def exit_code(self) -> int:
        if self.failed:
            return ExitCode.BATCH_LINE_ERRORS
        if self.over_threshold:
            return ExitCode.FAIL_ON
        return ExitCode.UNKNOWN_MEDICINE if self.unknown else ExitCode.OK


def process(work: Work, lines: Iterable[bytes], outcome: Outcome, start: int = 1,
            ) -> Iterator[str]:
    """One output line (with its newline) per non-blank input line."""
    threshold = work.threshold
    handle = _interactions_line if work.kind == "interactions" else _triage_line
    for number, raw in enumerate(lines, start=start):
        if not raw.strip():
            continue
        line_id: Any = None
        try:
            item = _decode(raw)
            line_id = _line_id(item)
            text, worst, unknown = handle(item, line_id, number, work)
        except (LineError, SpasmcheckError) as problem:
            outcome.failed = True
            message = problem.message if isinstance(problem, SpasmcheckError) else str(problem)
            yield jsonlines.error(line_id, number, message)
            continue
        outcome.unknown |= unknown
        outcome.over_threshold |= threshold is not None and worst is not None and \
            worst >= threshold
        yield text


def _decode(raw: bytes) -> dict[str, Any]:
    if len(raw) - raw.endswith(b"\n") > MAX_LINE_BYTES:  # its newline does not count
        raise LineError(f"the line is longer than {MAX_LINE_BYTES // (1024 * 1024)} MB")
    try:
        text = raw.decode("utf-8")
        try:  # the decoder's own scanner, without the two passes over whitespace of `decode`
            item, end = _SCAN(text, 0)
            whole = end == len(text) or text[end:] == "\n"
        except (StopIteration, ValueError):
            whole = False
        if not whole:  # spaces around it, more after it, not JSON: read again by `decode`,
            item = _DECODER.decode(text)  # to be taken or refused in its own words
    except UnicodeDecodeError as exc:
        raise LineError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except ValueError as exc:
        raise LineError(f"not valid JSON: {exc}") from None
    except RecursionError:
        raise LineError("nested too deeply") from None
    if not isinstance(item, dict):
        raise LineError("each line must be a JSON object")
    return item


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refused when a key appears twice (JSON parsers differ on which wins)."""
    out = dict(pairs)
    if len(out) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise LineError(f"duplicate key {key!r}")
            seen.add(key)
    return out


_DECODER = json.JSONDecoder(object_pairs_hook=_unique)  # one, not one per line
# its scanner (C), which `decode` calls between two passes over whitespace; typeshed omits it
_SCAN: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]


def _line_id(item: dict[str, Any]) -> Any:
    """The line's id, echoed in its result; NaN and infinities have no JSON spelling."""
    line_id = item.get("id")
    if isinstance(line_id, float) and not math.isfinite(line_id):
        raise LineError("id must be text or a finite number")
    return line_id


def _keys(item: dict[str, Any], allowed: frozenset[str], required: str) -> None:
    if not item.keys() <= allowed:
        extra = sorted(set(item) - allowed)
        raise LineError(f"unknown field(s) {', '.join(extra)}; valid: {', '.join(sorted(allowed))}")
    if required not in item:
        raise LineError(f"missing field {required!r}")


NOT_NAMES = "meds must be a list of non-empty medicine names"
_INTERACTIONS_FIELDS = frozenset({"id", "meds", "drug", "conditions", "age"})
_TRIAGE_FIELDS = frozenset({"id", "answers", "drug", "country"})


def _name(item: dict[str, Any], key: str) -> str | None:
    """An optional text field of a line, within the name length limit."""
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise LineError(f"{key} must be non-empty text")
    if len(value) > MAX_NAME_LENGTH:
        raise LineError(f"{key} is longer than {MAX_NAME_LENGTH} characters")
    return value


def _candidate(item: dict[str, Any], work: Work) -> Drug:
    """The line's own `drug`, else the command line's `--drug`, else the tables' default."""
    name = _name(item, "drug")
    if name is None:
        return work.candidate
    return work.checker.candidate(name)  # its error names the field, as a line does


def _interactions_line(item: dict[str, Any], line_id: Any, number: int, work: Work,
                       ) -> tuple[str, Severity | None, bool]:
    checker, defaults = work.checker, work.defaults
    _keys(item, _INTERACTIONS_FIELDS, "meds")
    meds = item["meds"]
    if type(meds) is not list:
        raise LineError(NOT_NAMES)
    try:
        names = checker.medicines(meds)
    except RequestError as error:
        raise LineError(NOT_NAMES if error.problem in ("not_text", "empty") else error.message) \
            from None
    candidate = _candidate(item, work)
    conditions = defaults.conditions
    if item.get("conditions") is not None:
        given = item["conditions"]
        if type(given) is not list or not all(type(c) is str for c in given):
            raise LineError("conditions must be a list of condition ids")
        conditions = checker.conditions(given)
    age = defaults.age if item.get("age") is None else item["age"]
    if age is not None and type(age) is not int:
        raise LineError(f"age must be a whole number of years (0 to {LIMITS.age})")
    report = checker.check_medicines(names, candidate, conditions, checker.age(age))
    text = work.writer.interactions(line_id, number, report)
    return text, report.worst, report.incomplete


def _triage_line(item: dict[str, Any], line_id: Any, number: int, work: Work,
                 ) -> tuple[str, Urgency, bool]:
    """One assessment; `work.contacts` keeps the emergency contact of each country met."""
    kb, checker, defaults, contacts = work.kb, work.checker, work.defaults, work.contacts
    _keys(item, _TRIAGE_FIELDS, "answers")
    candidate = _candidate(item, work)
    asked = _name(item, "country") or defaults.country
    contact = contacts.get(asked)
    if contact is None:
        from spasmcheck.core import emergency

        contact = contacts[asked] = emergency.contact(kb, asked, defaults.territory)
    known = checker.triage.schema
    given = validate(item["answers"], kb.triage, known)
    require_core(given, kb.triage, known)
    assessment = checker.assess(given, candidate)
    text = work.writer.triage(line_id, number, assessment, contact)
    return text, assessment.urgency, assessment.medicine_check.incomplete


class Progress:
    """A progress line on a terminal's stderr, once a run lasts more than a moment.

    A bar when the input's size is known (a file: the share of its bytes read), else a count.
    """

    def __init__(self, stream: IO[str], total: int | None = None) -> None:
        self.stream, self.total = stream, total
        self.enabled = stream.isatty()
        self.count = self.position = 0
        self.start = self.last = time.monotonic()
        self.shown = False

    def __enter__(self) -> Progress:
        return self

    def tick(self, lines: int = 1, position: int | None = None) -> None:
        """Count `lines` more answered; `position` is how far into the input, when known."""
        before = self.count
        self.count += lines
        if position is not None:
            self.position = position
        if not self.enabled or before // 256 == self.count // 256:
            return
        now = time.monotonic()
        if now - self.start >= PROGRESS_AFTER and now - self.last >= 0.25:
            self._draw(now)

    def _draw(self, now: float) -> None:
        rate = self.count / max(now - self.start, 1e-9)
        counted = f"{self.count:,} lines ({rate:,.0f}/s)"
        if self.total:
            share = min(self.position / self.total, 1.0)
            filled = round(share * BAR_WIDTH)
            counted = f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {share:4.0%}  {counted}"
        self.stream.write(f"\rspasmcheck: {counted}")
        self.stream.flush()
        self.last, self.shown = now, True

    def __exit__(self, *exc: object) -> None:
        if self.shown:
            if exc[0] is None:
                self.position = self.total or 0
                self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
