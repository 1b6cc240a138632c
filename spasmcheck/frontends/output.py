"""Writing results to stdout: the one edge that the CLI, batch mode and its workers share.

Nothing here knows a command or a format; it only gets bytes out whole, or says why not.
"""

from __future__ import annotations

import os
import signal
import sys

from spasmcheck.core.errors import ExitCode, OutputError

STOPPING = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def cannot_write(error: OSError) -> str:
    """The one line that says stdout could not be written, and why."""
    return f"cannot write the output: {error.strerror or error}"


def silence_stdout() -> None:
    """Point stdout at /dev/null, so nothing more (not even the exit's flush) can fail on it."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def reader_gone() -> BaseException:
    """The quiet end of a run whose reader closed the pipe (exit 141), stdout silenced."""
    import typer

    silence_stdout()
    return typer.Exit(ExitCode.BROKEN_PIPE)


def emit(text: str, hold_signals: bool = True) -> None:
    """Write a whole result to stdout; a reader that goes away ends the run quietly (141).

    Ctrl-C, SIGTERM and SIGHUP are held back while it writes, so stdout never ends in the
    middle of a result: they take effect once the last byte is out. (Batch mode, writing line
    after line, notes them itself and passes `hold_signals=False`.)

    Bytes go out in a loop that checks what was written: when the reader closes the pipe in
    the middle of one large write, the buffered writer reports a short write rather than an
    error, and only the next write fails.
    """
    data = text.encode(sys.stdout.encoding or "utf-8", "replace")
    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING) if hold_signals else None
    try:
        sys.stdout.flush()
        out = sys.stdout.buffer
        view = memoryview(data)
        while view:
            view = view[out.write(view) or 0:]
        out.flush()
    except BrokenPipeError:
        raise reader_gone() from None
    except OSError as error:  # a full disk, a device that refuses writes
        silence_stdout()
        raise OutputError(cannot_write(error)) from None
    finally:
        if held is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
