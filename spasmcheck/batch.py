"""Streaming batch mode: JSON Lines in, one JSON line out per input line, in input order.

Input is shared among worker processes (one per core): the parent cuts it into blocks of
whole lines as it arrives and deals them out in turn; each worker answers its blocks and writes
the results itself when their turn comes, so the output is in input order and no result passes
through the parent. Results stream (a line that arrives alone is answered at once) and memory
stays flat however long the input. Without real file descriptors (tests) or on one core, one
process answers line by line. A bad line gets an error object (its id, line number and
message) and the run goes on; the exit code says that some lines failed.
"""

from __future__ import annotations

import gc
import io
import json
import multiprocessing
import os
import select
import signal
import stat
import struct
import sys
import time
from collections.abc import Iterable, Iterator
from functools import partial
from typing import IO, Any

from spasmcheck import interactions
from spasmcheck.answers import require_core, validate
from spasmcheck.emergency import Contact
from spasmcheck.errors import ExitCode, SpasmcheckError
from spasmcheck.model import Audience, KnowledgeBase, Severity, Urgency
from spasmcheck.render import jsonlines
from spasmcheck.triage import assess

MAX_LINE_BYTES = 1024 * 1024
WORKERS_ENV = "SPASMCHECK_WORKERS"
PROGRESS_AFTER = 1.5  # seconds before a progress line appears (terminals only)
BAR_WIDTH = 24  # characters of the progress bar


class LineError(Exception):
    """A batch line that cannot be used; the run goes on."""


def run(kind: str, source: str, kb: KnowledgeBase, audience: Audience,
        threshold: Severity | Urgency | None, country: str | None = None) -> int:
    """Process a whole stream, writing results to stdout; returns the exit code."""
    from spasmcheck.cli import emit

    handle: IO[bytes] = sys.stdin.buffer if source == "-" else _open(source)
    outcome = Outcome()
    work = (kind, kb, audience, threshold, country)
    try:
        size = _size(handle)
        with Progress(sys.stderr, size) as progress:
            workers = _workers(handle)
            if workers > 1:
                _parallel(work, handle.fileno(), workers, outcome, progress)
            else:
                for line in process(kind, handle, kb, audience, threshold, outcome, country):
                    emit(line)
                    progress.tick(1, handle.tell() if size else None)
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()
    return outcome.exit_code


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
    chosen = os.environ.get(WORKERS_ENV, "")
    return max(1, int(chosen)) if chosen.isdigit() else min(os.cpu_count() or 1, 8)


Work = tuple[str, KnowledgeBase, Audience, Severity | Urgency | None, str | None]


def _parallel(work: Work, fd: int, workers: int, outcome: Outcome, progress: Progress) -> None:
    """Answer the input on `fd` with `workers` forked processes, writing in input order.

    The parent deals block `n` to worker `n % workers` through that worker's inbox pipe. A
    worker writes its results for a block to stdout when it holds the turn, a token passed
    round a ring of pipes in block order, so output stays in order and memory is one block's
    results per worker however long the input.
    """
    from multiprocessing.connection import wait

    from spasmcheck.cli import _silence_stdout

    context = multiprocessing.get_context("fork")
    ring = [os.pipe() for _ in range(workers)]
    inboxes = [os.pipe() for _ in range(workers)]
    answered = context.Array("q", workers, lock=False)
    reports = context.SimpleQueue()
    sys.stdout.flush()
    processes = [context.Process(target=_worker, daemon=True,
                                 args=(work, number, inboxes, ring, answered, reports))
                 for number in range(workers)]
    gc.freeze()  # the collector leaves inherited objects alone, so their pages stay shared
    dealing = [write for _, write in inboxes]
    try:
        # Ctrl-C is held back while forking: a worker ignores it from its first instruction.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for process_ in processes:
                process_.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        for read, write in inboxes:
            os.close(read)  # so a worker that has gone makes dealing to it fail at once
            os.set_blocking(write, False)
        os.write(ring[0][1], TURN)
        sentinels = [p.sentinel for p in processes]
        dealt = 0
        try:
            for index, (first, block) in enumerate(_blocks(fd)):
                frame = _FRAME.pack(first, len(block)) + block
                if not _deal(dealing[index % workers], frame, sentinels):
                    break  # a worker stopped: its report says why
                dealt += len(block)
                progress.tick(sum(answered) - progress.count, dealt)
        except BrokenPipeError:
            pass  # the same, seen first as its inbox closing
        for write in dealing:
            os.close(write)  # end of input: each worker finishes its last block
        dealing = []
        pending = {p.sentinel for p in processes}
        while pending:
            pending -= set(wait(list(pending), timeout=0.25))
            progress.tick(sum(answered) - progress.count)
            if any(p.exitcode not in (None, 0) for p in processes):
                raise RuntimeError("a batch worker process ended unexpectedly")
        problems = []
        for _ in processes:
            failed, unknown, over, problem = reports.get()
            outcome.failed |= failed
            outcome.unknown |= unknown
            outcome.over_threshold |= over
            problems.append(problem)
    finally:
        for write in dealing:
            os.close(write)
        for process_ in processes:
            if process_.is_alive():
                process_.terminate()
            if process_.pid is not None:
                process_.join()
        for read, write in ring:
            os.close(read)
            os.close(write)
    if "broken pipe" in problems:
        import typer

        _silence_stdout()
        raise typer.Exit(ExitCode.BROKEN_PIPE)
    for problem in problems:
        if problem:
            raise RuntimeError(problem)


TURN, STOP = b".", b"!"
BLOCK_BYTES = 8 * 1024  # of input; a worker holds one block's results until its turn
_FRAME = struct.Struct("<QQ")  # a dealt block: the number of its first line, its length


def _worker(work: Work, number: int, inboxes: list[tuple[int, int]],
            ring: list[tuple[int, int]], answered: Any, reports: Any) -> None:
    """Answer the blocks dealt to worker `number`; report the outcome and any problem."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    for index, (read, write) in enumerate(inboxes):
        os.close(write)  # so the inbox ends when the parent closes its end
        if index != number:
            os.close(read)
    kind, kb, audience, threshold, country = work
    outcome = Outcome()
    problem = ""
    mine, following = ring[number][0], ring[(number + 1) % len(ring)][1]
    inbox = os.fdopen(inboxes[number][0], "rb")
    try:
        while header := inbox.read(_FRAME.size):
            first, size = _FRAME.unpack(header)
            lines = inbox.read(size).split(b"\n")
            if not lines[-1]:
                lines.pop()
            text = "".join(process(kind, lines, kb, audience, threshold, outcome, country,
                                   first)).encode("utf-8")
            if os.read(mine, 1) != TURN:  # a worker before this one has stopped
                problem = "stopped"
                break
            _write_all(1, text)
            os.write(following, TURN)
            answered[number] += len(lines)
    except BrokenPipeError:
        problem = "broken pipe"
    except Exception as error:  # a bug: the parent reports it
        problem = f"batch worker: {type(error).__name__}: {error}"
    if problem:
        os.write(following, STOP)
        problem = "" if problem == "stopped" else problem
    reports.put((outcome.failed, outcome.unknown, outcome.over_threshold, problem))


def _deal(fd: int, frame: bytes, sentinels: list[int]) -> bool:
    """Write a frame to a worker's inbox as room appears; False once any worker has ended."""
    view = memoryview(frame)
    while view:
        ended, _, _ = select.select(sentinels, [fd], [])
        if ended:
            return False
        view = view[_write_some(fd, view):]
    return True


def _write_some(fd: int, view: memoryview) -> int:
    try:
        return os.write(fd, view)
    except BlockingIOError:
        return 0


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _blocks(fd: int) -> Iterator[tuple[int, bytes]]:
    """(number of its first line, whole lines) per block, as soon as the lines have arrived."""
    number = 1
    carry: list[bytes] = []
    while data := os.read(fd, BLOCK_BYTES):
        cut = data.rfind(b"\n") + 1
        if not cut:
            carry.append(data)
            continue
        carry.append(data[:cut])
        block = b"".join(carry)
        carry = [data[cut:]] if cut < len(data) else []
        yield number, block
        number += block.count(b"\n")
    rest = b"".join(carry)  # a last line without a newline
    if rest:
        yield number, rest


def _open(source: str) -> IO[bytes]:
    from spasmcheck.errors import AnswersError

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


def process(kind: str, lines: Iterable[bytes], kb: KnowledgeBase, audience: Audience,
            threshold: Severity | Urgency | None, outcome: Outcome,
            country: str | None = None, start: int = 1) -> Iterator[str]:
    """One output line (with its newline) per non-blank input line.

    `country` is the default emergency number for triage lines without their own.
    """
    handle = _interactions_line if kind == "interactions" else partial(
        _triage_line, country=country, contacts={})
    for number, raw in enumerate(lines, start=start):
        if not raw.strip():
            continue
        line_id: Any = None
        try:
            item = _decode(raw)
            line_id = item.get("id")
            text, worst, unknown = handle(item, line_id, number, kb, audience)
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
        raise LineError("the line is longer than 1 MB")
    try:
        item = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise LineError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except ValueError as exc:
        raise LineError(f"not valid JSON: {exc}") from None
    except RecursionError:
        raise LineError("nested too deeply") from None
    if not isinstance(item, dict):
        raise LineError("each line must be a JSON object")
    return item


def _keys(item: dict[str, Any], allowed: frozenset[str], required: str) -> None:
    if not item.keys() <= allowed:
        extra = sorted(set(item) - allowed)
        raise LineError(f"unknown field(s) {', '.join(extra)}; valid: {', '.join(sorted(allowed))}")
    if required not in item:
        raise LineError(f"missing field {required!r}")


_INTERACTIONS_FIELDS = frozenset({"id", "meds", "drug"})
_TRIAGE_FIELDS = frozenset({"id", "answers", "drug", "country"})


def _interactions_line(item: dict[str, Any], line_id: Any, number: int, kb: KnowledgeBase,
                       audience: Audience) -> tuple[str, Severity | None, bool]:
    _keys(item, _INTERACTIONS_FIELDS, "meds")
    meds = item["meds"]
    names = [m.strip() for m in meds if type(m) is str] if type(meds) is list else None
    if names is None or len(names) != len(meds) or not all(names):
        raise LineError("meds must be a list of non-empty medicine names")
    if len(meds) > 1000:
        raise LineError("at most 1000 medicines in one line")
    drug = item.get("drug")
    if drug is not None and not isinstance(drug, str):
        raise LineError("drug must be a medicine name")
    candidate = interactions.candidate_drug(kb, drug)
    report = interactions.check(names, kb, candidate)
    text = jsonlines.interactions(line_id, number, report, kb, audience)
    return text, report.worst, report.incomplete


def _triage_line(item: dict[str, Any], line_id: Any, number: int, kb: KnowledgeBase,
                 audience: Audience, country: str | None, contacts: dict[str | None, Contact],
                 ) -> tuple[str, Urgency, bool]:
    """One assessment; `contacts` keeps the emergency contact of each country met this run."""
    from spasmcheck import emergency

    _keys(item, _TRIAGE_FIELDS, "answers")
    for key in ("drug", "country"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise LineError(f"{key} must be text")
    candidate = interactions.candidate_drug(kb, item.get("drug"))
    asked = item.get("country") or country
    contact = contacts.get(asked) or contacts.setdefault(asked, emergency.contact(kb, asked))
    given = validate(item["answers"], kb.triage)
    require_core(given, kb.triage)
    assessment = assess(given, kb, candidate)
    text = jsonlines.triage(line_id, number, assessment, kb, audience, contact)
    return text, assessment.urgency, assessment.interactions.incomplete


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
