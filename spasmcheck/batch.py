"""Streaming batch mode: JSON Lines in, one JSON line out per input line, in input order.

From a pipe, a line is read, checked, answered and written before the next is read, so results
stream and memory stays flat however long the input. From a regular file, chunks of lines go
to worker processes (one per core), with a bounded number of chunks in flight, and come back
in order: the same output, faster, and memory still flat. A bad line gets an error object (its
id, line number and message) and the run goes on; the exit code says that some lines failed.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import stat
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from functools import partial
from typing import IO, Any

from spasmcheck import interactions
from spasmcheck.answers import validate
from spasmcheck.errors import ExitCode, SpasmcheckError
from spasmcheck.model import Audience, KnowledgeBase, Severity, Urgency
from spasmcheck.render import data
from spasmcheck.triage import assess

MAX_LINE_BYTES = 1024 * 1024
CHUNK_LINES = 64  # small chunks: no large buffers to fragment the parent's heap
WORKER_CHUNKS = 200
WORKERS_ENV = "SPASMCHECK_WORKERS"
PROGRESS_AFTER = 1.5  # seconds before a progress line appears (terminals only)


class LineError(Exception):
    """A batch line that cannot be used; the run goes on."""


def run(kind: str, source: str, kb: KnowledgeBase, audience: Audience,
        threshold: Severity | Urgency | None, country: str | None = None) -> int:
    """Process a whole stream, writing results to stdout; returns the exit code."""
    from spasmcheck.cli import emit

    handle: IO[bytes] = sys.stdin.buffer if source == "-" else _open(source)
    outcome = Outcome()
    workers = _workers(handle)
    try:
        with Progress(sys.stderr) as progress:
            if workers > 1:
                for text, count in _parallel(kind, handle, kb, audience, threshold, outcome,
                                             country, workers):
                    emit(text)
                    progress.tick(count)
            else:
                for line in process(kind, handle, kb, audience, threshold, outcome, country):
                    emit(line)
                    progress.tick()
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()
    return outcome.exit_code


def _workers(handle: IO[bytes]) -> int:
    """Worker processes for this input: one per core for a regular file, none for a pipe."""
    chosen = os.environ.get(WORKERS_ENV)
    if chosen is not None:
        return max(1, int(chosen)) if chosen.isdigit() else 1
    try:
        regular = stat.S_ISREG(os.fstat(handle.fileno()).st_mode)
    except (OSError, ValueError, io.UnsupportedOperation):
        return 1
    forking = "fork" in multiprocessing.get_all_start_methods()
    return min(os.cpu_count() or 1, 8) if regular and forking else 1


_WORK: tuple[Any, ...] = ()  # what forked workers inherit: kind, kb, audience, ...


def _parallel(kind: str, handle: IO[bytes], kb: KnowledgeBase, audience: Audience,
              threshold: Severity | Urgency | None, outcome: Outcome, country: str | None,
              workers: int) -> Iterator[tuple[str, int]]:
    """(output text, line count) per chunk, in input order."""
    global _WORK
    _WORK = (kind, kb, audience, threshold, country)
    pending: deque[Any] = deque()
    # Workers are replaced every WORKER_CHUNKS chunks: the allocator's slow growth over a
    # million lines then never accumulates, and memory stays flat however long the input.
    with multiprocessing.get_context("fork").Pool(workers,
                                                  maxtasksperchild=WORKER_CHUNKS) as pool:
        for first, chunk in _chunks(handle):
            pending.append(pool.apply_async(_work, (first, chunk)))
            if len(pending) >= 2 * workers:  # bounded: memory stays flat
                yield _merge(pending.popleft().get(), outcome)
        while pending:
            yield _merge(pending.popleft().get(), outcome)


def _chunks(handle: IO[bytes]) -> Iterator[tuple[int, list[bytes]]]:
    chunk: list[bytes] = []
    first = 1
    for number, line in enumerate(handle, start=1):
        chunk.append(line)
        if len(chunk) == CHUNK_LINES:
            yield first, chunk
            chunk, first = [], number + 1
    if chunk:
        yield first, chunk


def _work(first: int, chunk: list[bytes]) -> tuple[str, int, tuple[bool, bool, bool]]:
    kind, kb, audience, threshold, country = _WORK
    outcome = Outcome()
    lines = list(process(kind, chunk, kb, audience, threshold, outcome, country, first))
    return "".join(lines), len(lines), (outcome.failed, outcome.unknown, outcome.over_threshold)


def _merge(done: tuple[str, int, tuple[bool, bool, bool]], outcome: Outcome) -> tuple[str, int]:
    text, count, (failed, unknown, over) = done
    outcome.failed |= failed
    outcome.unknown |= unknown
    outcome.over_threshold |= over
    return text, count


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
    handle = _interactions_line if kind == "interactions" else partial(_triage_line,
                                                                       country=country)
    for number, raw in enumerate(lines, start=start):
        if not raw.strip():
            continue
        line_id: Any = None
        try:
            item = _decode(raw)
            line_id = item.get("id")
            result, worst, unknown = handle(item, kb, audience)
        except (LineError, SpasmcheckError) as problem:
            outcome.failed = True
            message = problem.message if isinstance(problem, SpasmcheckError) else str(problem)
            yield data.compact({"id": line_id, "line": number, "error": {"message": message}}) \
                + "\n"
            continue
        outcome.unknown |= unknown
        outcome.over_threshold |= threshold is not None and worst is not None and \
            worst >= threshold
        yield data.compact({"id": line_id, "line": number, **result}) + "\n"


def _decode(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_LINE_BYTES:
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


def _keys(item: dict[str, Any], allowed: set[str], required: str) -> None:
    extra = sorted(set(item) - allowed)
    if extra:
        raise LineError(f"unknown field(s) {', '.join(extra)}; valid: {', '.join(sorted(allowed))}")
    if required not in item:
        raise LineError(f"missing field {required!r}")


def _interactions_line(item: dict[str, Any], kb: KnowledgeBase, audience: Audience) -> tuple[
        dict[str, Any], Severity | None, bool]:
    _keys(item, {"id", "meds", "drug"}, "meds")
    meds = item["meds"]
    if not isinstance(meds, list) or not all(isinstance(m, str) and m.strip() for m in meds):
        raise LineError("meds must be a list of non-empty medicine names")
    if len(meds) > 1000:
        raise LineError("at most 1000 medicines in one line")
    drug = item.get("drug")
    if drug is not None and not isinstance(drug, str):
        raise LineError("drug must be a medicine name")
    candidate = interactions.candidate_drug(kb, drug)
    report = interactions.check([m.strip() for m in meds], kb, candidate)
    return data.interactions_result(report, kb, audience), report.worst, bool(report.unknown)


def _triage_line(item: dict[str, Any], kb: KnowledgeBase, audience: Audience,
                 country: str | None = None) -> tuple[dict[str, Any], Urgency, bool]:
    from spasmcheck import emergency

    _keys(item, {"id", "answers", "drug", "country"}, "answers")
    for key in ("drug", "country"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise LineError(f"{key} must be text")
    candidate = interactions.candidate_drug(kb, item.get("drug"))
    contact = emergency.contact(kb, item.get("country") or country)
    assessment = assess(validate(item["answers"], kb.triage), kb, candidate)
    result = data.triage_result(assessment, kb, audience, contact)
    return result, assessment.urgency, bool(assessment.interactions.unknown)


class Progress:
    """A one-line counter on a terminal's stderr, once a run lasts more than a moment."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.count = 0
        self.start = self.last = time.monotonic()
        self.shown = False

    def __enter__(self) -> Progress:
        return self

    def tick(self, lines: int = 1) -> None:
        before = self.count
        self.count += lines
        if not self.enabled or before // 256 == self.count // 256:
            return
        now = time.monotonic()
        if now - self.start >= PROGRESS_AFTER and now - self.last >= 0.25:
            rate = self.count / (now - self.start)
            self.stream.write(f"\rspasmcheck: {self.count:,} lines ({rate:,.0f}/s)")
            self.stream.flush()
            self.last, self.shown = now, True

    def __exit__(self, *exc: object) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
