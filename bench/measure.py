"""Run one command and record its wall clock and peak memory: `python -S measure.py OUT -- CMD...`.

Writes `{"seconds": ..., "max_rss_kib": ..., "exit": ...}` to OUT; the command's stdin, stdout
and stderr are this process's. Used by bench/run.py for the batch figures.

Why a separate, small process: Linux carries a process's peak RSS across fork and exec, so a
child started by a big parent (bench/run.py holds the tables and parsed samples) reports the
parent's peak, not its own. Started with `python -S`, this process stays at a few MiB, and
resource.getrusage(RUSAGE_CHILDREN) after the wait is then the command's own peak.
"""

import json
import os
import resource
import sys
import time


def main() -> int:
    out, sep, *command = sys.argv[1:]
    if sep != "--" or not command:
        sys.exit("usage: python -S measure.py OUT -- COMMAND [ARG...]")
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: become the command
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    _, status = os.waitpid(pid, 0)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w", encoding="utf-8") as handle:
        json.dump({"seconds": seconds, "max_rss_kib": usage.ru_maxrss,
                   "exit": os.waitstatus_to_exitcode(status)}, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
