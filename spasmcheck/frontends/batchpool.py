"""Batch mode's worker processes: input dealt out in blocks, output written in input order.

The parent cuts the input into blocks of whole lines as it arrives and deals block `n` to
worker `n % workers` through that worker's inbox pipe. A worker answers its blocks and writes
the results to stdout itself when it holds the turn, a token passed round a ring of pipes in
block order, so the output is in order, no result passes through the parent, and memory is one
block's results per worker however long the input.

Output holds whole lines only, whatever stops the run:
- Ctrl-C, SIGTERM and SIGHUP set a shared stop flag instead of killing a worker: the worker
  holding the turn finishes the write it has begun, then passes STOP instead of the turn.
- A worker killed outright (SIGKILL, the out-of-memory killer) may leave its write half done.
  It counts what it writes in shared memory, and the kernel's own count of the bytes it wrote
  (/proc/PID/io, read before the dead worker is reaped) covers a write cut short or not yet
  counted; without that count, writes to a pipe are made in pieces the kernel writes whole
  (PIPE_BUF). The parent keeps the blocks it dealt until they are written, answers the killed
  worker's block again (the same input gives the same bytes) and writes the rest of its results.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import select
import signal
import stat
import struct
import sys
from typing import TYPE_CHECKING, Any, cast

from spasmcheck.core.errors import ExitCode, OutputError, SpasmcheckError, Stopped
from spasmcheck.core.limits import LIMITS
from spasmcheck.frontends.output import cannot_write, reader_gone

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from spasmcheck.frontends.batch import Outcome, Progress, Work

    Answer = Callable[[Work, bytes, int, Outcome], Iterable[str]]

TURN, STOP = b".", b"!"
BLOCK_BYTES = 32 * 1024  # of input; a worker holds one block's results until its turn
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
_FRAME = struct.Struct("<QQ")  # a dealt block: the number of its first line, its length
# Shared, per worker: lines answered; the first line of the block it is writing or last wrote;
# the bytes of that block's results written so far; their length; the bytes of every write it
# has made (results and turns); the kernel's count of its written bytes when it began.
_ANSWERED, _CURRENT, _WRITTEN, _LENGTH, _SENT, _BASE = range(_FIELDS := 6)


class WorkerKilled(SpasmcheckError):
    """A worker process was killed from outside; the lines already written are whole."""

    exit_code = ExitCode.INTERNAL


def run(work: Work, fd: int, workers: int, outcome: Outcome, progress: Progress,
        answer: Answer) -> None:
    """Answer the input on `fd` with `workers` forked processes, writing in input order.

    `answer` turns a block of lines into their output lines (batch.process_block); it is
    passed in, so this module never imports the batch driver that imports it."""
    pool = _Pool(work, workers, answer, type(outcome))
    try:
        pool.start()
        pool.deal(fd, progress)
        pool.wait(progress)
    except BaseException:
        pool.stop()
        raise
    finally:
        pool.close()
    pool.report(outcome)


class _Pool:
    """The worker processes, their pipes and shared counters, and the blocks not yet written."""

    def __init__(self, work: Work, workers: int, answer: Answer,
                 fresh: Callable[[], Outcome]) -> None:
        context = multiprocessing.get_context("fork")
        self.work, self.workers = work, workers
        self.answer, self.fresh = answer, fresh
        self.ring = [os.pipe() for _ in range(workers)]
        self.inboxes = [os.pipe() for _ in range(workers)]
        self.shared = context.Array("q", _FIELDS * workers, lock=False)
        self.flag = context.Array("i", 1, lock=False)  # the signal that stops the run, or 0
        self.reports = context.SimpleQueue()
        self.kept: list[dict[int, bytes]] = [{} for _ in range(workers)]
        self.dealing: list[int] = []
        self.ended: set[int] = set()
        self.killed: list[int] = []  # the exit codes of workers that ended abnormally
        self.processes = [context.Process(target=_worker, daemon=True, args=(self, number))
                          for number in range(workers)]

    def at(self, number: int, field: int) -> int:
        return int(self.shared[_FIELDS * number + field])

    def start(self) -> None:
        sys.stdout.flush()
        gc.freeze()  # the collector leaves inherited objects alone, so their pages stay shared
        # Stopping signals are held back while forking: a worker sets its own handlers first.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            for process in self.processes:
                process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        for read, write in self.inboxes:
            os.close(read)  # so a worker that has gone makes dealing to it fail at once
            os.set_blocking(write, False)
            self.dealing.append(write)
        os.write(self.ring[0][1], TURN)

    def deal(self, fd: int, progress: Progress) -> None:
        sentinels = [p.sentinel for p in self.processes]
        dealt = 0
        try:
            for index, (first, block) in enumerate(blocks(fd)):
                number = index % self.workers
                kept = self.kept[number]
                for done in [line for line in kept if line < self.at(number, _CURRENT)]:
                    del kept[done]  # written whole: no longer needed to finish a line
                kept[first] = block
                frame = _FRAME.pack(first, len(block)) + block
                if not _deal(self.dealing[number], frame, sentinels):
                    break  # a worker stopped: its report or exit code says why
                dealt += len(block)
                progress.tick(self.answered() - progress.count, dealt)
        except BrokenPipeError:
            pass  # the same, seen first as its inbox closing
        self._close_inboxes()  # end of input: each worker finishes its last block

    def answered(self) -> int:
        return sum(self.at(number, _ANSWERED) for number in range(self.workers))

    def wait(self, progress: Progress) -> None:
        """Until every worker has ended; finish the lines of any worker killed meanwhile."""
        from multiprocessing.connection import wait

        pending = {p.sentinel: number for number, p in enumerate(self.processes)}
        while pending:
            for ended in wait(list(pending), timeout=0.25):
                self._ended(pending.pop(cast(int, ended)))
            progress.tick(self.answered() - progress.count)

    def _ended(self, number: int) -> None:
        process = self.processes[number]
        if process.pid is None:
            return
        total = _bytes_written(process.pid)  # read before the process is reaped
        process.join()
        self.ended.add(number)
        if process.exitcode == 0:
            return
        self.killed.append(process.exitcode or 0)
        self.flag[0] = self.flag[0] or signal.SIGKILL
        written, length = self.at(number, _WRITTEN), self.at(number, _LENGTH)
        if written < length:  # it died in the middle of its turn: write the rest of its lines
            if total is not None:  # it may have been killed as a write returned, uncounted
                uncounted = total - self.at(number, _BASE) - self.at(number, _SENT)
                written = min(written + max(uncounted, 0), length)
            first = self.at(number, _CURRENT)
            lines = self.answer(self.work, self.kept[number][first], first, self.fresh())
            text = "".join(lines).encode("utf-8")
            with contextlib.suppress(OSError):  # the reader has gone too: nothing half read
                _write_all(1, text[written:])
        os.write(self.ring[(number + 1) % self.workers][1], STOP)  # the turn ends here

    def stop(self) -> None:
        """Ask every worker to stop after the write it has begun, and wait for them.

        A second Ctrl-C (or SIGTERM) while waiting kills them: the person has insisted.
        """
        self.flag[0] = self.flag[0] or signal.SIGINT
        self._close_inboxes()
        try:
            for number, process in enumerate(self.processes):
                if process.pid is not None and number not in self.ended:
                    self._ended(number)
        except BaseException:
            for process in self.processes:
                if process.pid is not None:
                    process.kill()
                    process.join()
            raise

    def _close_inboxes(self) -> None:
        for write in self.dealing:
            os.close(write)
        self.dealing = []

    def close(self) -> None:
        for read, write in self.ring:
            os.close(read)
            os.close(write)
        self.ring = []

    def report(self, outcome: Outcome) -> None:
        """Fold the workers' reports into `outcome`; raise for a problem any of them met."""
        problems = []
        for _ in range(self.workers - len(self.killed)):
            failed, unknown, over, problem = self.reports.get()
            outcome.failed |= failed
            outcome.unknown |= unknown
            outcome.over_threshold |= over
            problems.append(problem)
        if "broken pipe" in problems:
            raise reader_gone()
        for problem in problems:
            if problem.startswith("cannot write"):
                raise OutputError(problem)
        for problem in problems:
            if problem:
                raise RuntimeError(problem)
        if self.killed:
            code = self.killed[0]
            how = f"was killed (signal {-code})" if code < 0 else f"ended with exit {code}"
            raise WorkerKilled(f"a batch worker process {how}; the lines on stdout are whole, "
                               "and the rest of the input was not answered")
        if self.flag[0]:  # a worker was sent a stopping signal of its own
            raise Stopped(self.flag[0])


def _worker(pool: _Pool, number: int) -> None:
    """Answer the blocks dealt to worker `number`; report the outcome and any problem."""
    def stopping(signum: int, _frame: Any) -> None:
        pool.flag[0] = pool.flag[0] or signum  # the write under way goes on to its end

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to pass on
    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGHUP, stopping)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    for index, (read, write) in enumerate(pool.inboxes):
        os.close(write)  # so the inbox ends when the parent closes its end
        if index != number:
            os.close(read)
    outcome = pool.fresh()
    problem = ""
    mine, following = pool.ring[number][0], pool.ring[(number + 1) % pool.workers][1]
    inbox = os.fdopen(pool.inboxes[number][0], "rb")
    base = _FIELDS * number
    shared = pool.shared
    counted = _bytes_written(os.getpid())
    shared[base + _BASE] = counted or 0
    piece = _piece(counted is not None)
    results = bytearray()
    try:
        while header := inbox.read(_FRAME.size):
            first, size = _FRAME.unpack(header)
            block = inbox.read(size)
            length = _fill(results, pool.answer(pool.work, block, first, outcome))
            if os.read(mine, 1) != TURN or pool.flag[0]:  # stopped before this turn
                problem = "stopped"
                break
            shared[base + _LENGTH] = 0
            shared[base + _CURRENT], shared[base + _WRITTEN] = first, 0
            shared[base + _LENGTH] = length
            _write_counted(results, length, piece, shared, base)
            shared[base + _ANSWERED] += block.count(b"\n") + (not block.endswith(b"\n"))
            if pool.flag[0]:
                problem = "stopped"
                break
            os.write(following, TURN)
            shared[base + _SENT] += 1
    except BrokenPipeError:
        problem = "broken pipe"
    except OSError as error:  # a full disk, a device that refuses writes
        problem = cannot_write(error)
    except Exception as error:  # a bug: the parent reports it
        problem = f"batch worker: {type(error).__name__}: {error}"
    if problem:
        os.write(following, STOP)
        problem = "" if problem == "stopped" else problem
    pool.reports.put((outcome.failed, outcome.unknown, outcome.over_threshold, problem))


def _fill(results: bytearray, lines: Iterable[str]) -> int:
    """Put a block's results, as UTF-8, at the start of `results`; their length.

    The buffer is kept from block to block and only grows: a block's results (about 400 KiB
    of triage) made and freed afresh each time cost the kernel a page fault every 4 KiB."""
    end = 0
    for line in lines:
        data = line.encode("utf-8")
        results[end:end + len(data)] = data
        end += len(data)
    return end


def _write_counted(results: bytearray, length: int, piece: int, shared: Any, base: int) -> None:
    """Write the first `length` bytes of `results` to stdout, counting them in `shared`."""
    with memoryview(results) as whole:
        view = whole[:length]
        while view:  # to a pipe, each piece is written whole or not at all
            sent = os.write(1, view[:piece])
            shared[base + _SENT] += sent
            shared[base + _WRITTEN] += sent
            view = view[sent:]
        view.release()


def _piece(kernel_counts: bool) -> int:
    """Bytes a worker writes at once. Where the kernel counts each process's written bytes,
    the parent knows exactly how far a killed worker got; elsewhere, writes to a pipe are
    kept to the size the kernel writes whole or not at all."""
    if kernel_counts or not stat.S_ISFIFO(os.fstat(1).st_mode):
        return 1024 * 1024
    return select.PIPE_BUF


def _bytes_written(pid: int) -> int | None:
    """The bytes a process has written so far by the kernel's count (Linux), else None.

    SIGKILL takes effect as a write returns: the kernel has written the piece, but the worker
    never counted it. The kernel's own count, still there while the process is unreaped,
    tells the parent which.
    """
    try:
        with open(f"/proc/{pid}/io", "rb") as accounts:
            for line in accounts:
                if line.startswith(b"wchar:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


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


def blocks(fd: int, limit: int | None = None) -> Iterator[tuple[int, bytes]]:
    """(number of its first line, whole lines) per block, as soon as the lines have arrived.

    Memory is bounded whatever the input: of a line longer than `limit` bytes only the first
    `limit + 1` are kept (enough for its error), and the rest is skipped up to its newline.
    """
    keep = (limit or LIMITS.line_bytes) + 1
    number = 1
    carry: list[bytes] = []
    held = 0
    while data := os.read(fd, BLOCK_BYTES):
        cut = data.rfind(b"\n") + 1
        if not cut:
            if held < keep:
                carry.append(data[:keep - held])
                held += len(carry[-1])
            continue
        if held >= keep:  # an over-long line ends in this data: skip to its newline
            data = data[data.find(b"\n"):]
            cut = data.rfind(b"\n") + 1
        carry.append(data[:cut])
        block = b"".join(carry)
        carry = [data[cut:]] if cut < len(data) else []
        held = len(carry[0]) if carry else 0
        yield number, block
        number += block.count(b"\n")
    rest = b"".join(carry)  # a last line without a newline
    if rest:
        yield number, rest
