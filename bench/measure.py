"""Run one command and record its wall clock, CPU time and peak memory.

    python -S bench/measure.py OUT -- COMMAND [ARG...]

Writes JSON to OUT: `seconds` (wall clock), `cpu_seconds` (user + system of the command and
every process it waited for), `max_rss_kib` (the largest peak RSS of any one of those
processes), `tree_rss_kib` and `tree_pss_kib` (the largest total over the command's process
tree, sampled every 10 ms at first and every 100 ms from a quarter second on: RSS counts
pages shared after fork once per process, PSS shares them out, so PSS is the memory the run
really holds), `processes` (the most seen at once),
`other_cpu_seconds` (CPU time the rest of the machine used meanwhile: a busy neighbour slows
the wall clock down) and `exit`. The command's stdin, stdout and stderr are this process's.
Used by bench/run.py.

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

PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
# A /proc scan costs about 2 ms. Samples start 10 ms apart, so that a run of a fraction of a
# second (10,000 clean lines take 0.2 s) is seen with its workers up, and thin out to one
# every 100 ms (2 % of a core) as a run goes on.
FIRST_INTERVAL, INTERVAL = 0.01, 0.1


def descendants(root: int) -> list[int]:
    """`root` and every process below it, from /proc (Linux); [root] elsewhere."""
    children: dict[int, list[int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return [root]
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in KiB; (0, 0) once it has gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for row in handle:
                if row.startswith(b"Rss:"):
                    rss = int(row.split()[1])
                elif row.startswith(b"Pss:"):
                    pss = int(row.split()[1])
        return rss, pss
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            rss = int(handle.read().split()[1]) * PAGE_KIB
    except OSError:
        return 0, 0
    return rss, rss


def busy_seconds() -> float | None:
    """CPU time all processes on the machine have used since boot (Linux), in seconds."""
    try:
        with open("/proc/stat", "rb") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    out, sep, *command = sys.argv[1:]
    if sep != "--" or not command:
        sys.exit("usage: python -S measure.py OUT -- COMMAND [ARG...]")
    busy_before = busy_seconds()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: become the command
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    tree_rss = tree_pss = processes = 0
    interval = FIRST_INTERVAL
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        tree = descendants(pid)
        sizes = [memory(p) for p in tree]
        tree_rss = max(tree_rss, sum(s[0] for s in sizes))
        tree_pss = max(tree_pss, sum(s[1] for s in sizes))
        processes = max(processes, len(tree))
        time.sleep(interval)
        interval = min(INTERVAL, interval * 1.5)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_after = busy_seconds()
    cpu = usage.ru_utime + usage.ru_stime
    # What the rest of the machine used meanwhile (this sampler included, about 2 %): a busy
    # neighbour makes the wall clock, not the CPU figures, look worse.
    other = None if busy_before is None or busy_after is None else \
        max(0.0, busy_after - busy_before - cpu)
    result = {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "other_cpu_seconds": other,
        "max_rss_kib": usage.ru_maxrss,
        "tree_rss_kib": max(tree_rss, usage.ru_maxrss),
        "tree_pss_kib": tree_pss,
        "processes": processes,
        "exit": os.waitstatus_to_exitcode(status),
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
