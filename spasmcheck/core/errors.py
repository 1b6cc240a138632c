"""Errors a person can act on, and the exit codes that scripts rely on.

Each error carries its exit code, so the CLI maps an outcome to the same code whatever the
output format. The README's table documents them, and
`tests/test_robustness.py::test_readme_exit_code_table_matches_exit_code` holds the two together.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The documented exit codes of every spasmcheck command."""

    OK = 0
    USAGE = 2  # bad option or argument (Typer's own code for usage errors)
    UNKNOWN_MEDICINE = 3  # the result is complete, but some medicine names were not recognised
    BAD_ANSWERS = 4  # the answers file or batch input could not be used
    DATA_ERROR = 5  # a table is missing, unreadable or fails validation
    NO_TERMINAL = 6  # interactive triage needs a terminal; pass --answers instead
    BATCH_LINE_ERRORS = 7  # batch mode: some lines were rejected (each has an error object)
    OUTPUT_ERROR = 8  # a report file exists (use --force), or a report or stdout cannot be written
    FAIL_ON = 10  # --fail-on threshold reached
    INTERNAL = 70  # a bug in spasmcheck (the message asks for a report), or a killed worker
    HANGUP = 129  # SIGHUP (the terminal went away)
    INTERRUPTED = 130  # Ctrl-C
    BROKEN_PIPE = 141  # stdout was closed early (for example `| head -c1`)
    TERMINATED = 143  # SIGTERM


class SpasmcheckError(Exception):
    """Base for errors shown as one clear line and an exit code, never a traceback."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(SpasmcheckError):
    """A bad option value that Typer itself cannot catch (an unknown --drug, say)."""

    exit_code = ExitCode.USAGE


class NoTerminalError(SpasmcheckError):
    """Interactive questions were needed but there is no terminal to ask them on."""

    exit_code = ExitCode.NO_TERMINAL


class OutputError(SpasmcheckError):
    """A report could not be written."""

    exit_code = ExitCode.OUTPUT_ERROR


class LocatedError(SpasmcheckError):
    """A problem at a place in a file: `name:line: field: message`."""

    exit_code = ExitCode.DATA_ERROR

    def __init__(self, file: str, line: int | None, field: str, problem: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.problem = problem
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {field}: {problem}" if field else f"{where}: {problem}")


class DataError(SpasmcheckError):
    """One or more problems in the tables; `problems` lists each, located."""

    exit_code = ExitCode.DATA_ERROR

    def __init__(self, problems: list[LocatedError]) -> None:
        self.problems = problems
        first = problems[0].message if problems else "the tables could not be loaded"
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(first + more)


class AnswersError(SpasmcheckError):
    """Answers that cannot be used; the message lists what is valid."""

    exit_code = ExitCode.BAD_ANSWERS


def stopped(by: str = "Ctrl-C") -> str:
    """What a run stopped by Ctrl-C or a signal says on stderr, from wherever it stopped."""
    return f"spasmcheck: stopped ({by}) before the result was complete; no report was written."


class Stopped(BaseException):
    """SIGTERM or SIGHUP arrived: the run stops as for Ctrl-C, with exit 128 + the signal.

    A BaseException, like KeyboardInterrupt, so no `except Exception` on the way swallows it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
