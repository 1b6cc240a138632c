"""Load on the CDS Hooks service: requests a second and latency at 1, 10 and 50 clients.

    python bench/serve_load.py                 # default: 3,000 requests a level, then memory
    python bench/serve_load.py --requests 500 --memory-requests 10000   # a quick look
    python bench/serve_load.py --json          # the figures as JSON on stdout

Starts `spasmcheck serve --port 0` (loopback, a throw-away feedback database), then drives it
from this process with keep-alive HTTP/1.1 connections, one per simulated client, each sending
its next hook call as soon as the last answer arrives. The calls rotate through four realistic
order-sign bodies (an interaction found, nothing found, an unknown medicine, and a fifteen-
medicine record). Each level stops at its request count or its time limit, whichever comes
first. Then memory: the server's resident set size (VmRSS from /proc) is sampled while
--memory-requests more calls are made at 10 clients; "flat" means the last samples do not
grow beyond noise. Loopback only; standard library only (the client is a few lines of asyncio
so that it costs less CPU than the server it measures, on the same two cores).

Goal (issue 18): p99 under 50 ms at 50 concurrent clients on 2 cores; memory flat.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
LEVELS = (1, 10, 50)
GOAL_P99_MS = 50.0


def _order(text: str) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": "draft-1", "status": "draft",
            "intent": "order", "subject": {"reference": "Patient/p1"},
            "medicationCodeableConcept": {"text": text}}


def _statement(number: int, text: str, code: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text}
    if code:
        concept["coding"] = [{"system": RX, "code": code, "display": text}]
    return {"resourceType": "MedicationStatement", "id": f"ms-{number}", "status": "active",
            "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": concept}


def _body(order: str, meds: list[dict[str, Any]]) -> bytes:
    bundle = {"resourceType": "Bundle", "type": "searchset",
              "entry": [{"resource": m} for m in meds]} if meds else None
    return json.dumps({
        "hook": "order-sign", "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/1", "patientId": "p1",
                    "draftOrders": {"resourceType": "Bundle", "entry": [
                        {"resource": _order(order)}]}},
        "prefetch": {"medicationRequests": None, "medicationStatements": bundle}}).encode()


RECORD = ["sertraline", "lisinopril", "metformin", "atorvastatin", "omeprazole", "gabapentin",
          "ibuprofen", "levothyroxine", "amlodipine", "Tylenol #3", "Vitamin D3", "lorazepam",
          "ondansetron", "Magic mouthwash", "fluoxetine"]
BODIES = [
    _body("cyclobenzaprine 10 mg", [_statement(1, "sertraline", "36437")]),
    _body("amoxicillin 500 mg", [_statement(1, "lisinopril")]),
    _body("Zyxolotamab 5 mg", [_statement(1, "sertraline")]),
    _body("tizanidine 4 mg", [_statement(n, name) for n, name in enumerate(RECORD)]),
]


def _request(body: bytes, port: int) -> bytes:
    return (f"POST /cds-services/spasmcheck-order-sign HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body


async def _client(port: int, deadline: float, budget: list[int],
                  latencies: list[float], errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    requests = [_request(body, port) for body in BODIES]
    turn = 0
    try:
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            start = time.perf_counter()
            writer.write(requests[turn % len(requests)])
            turn += 1
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(head.split(b"\r\n", 1)[0].decode())
    finally:
        writer.close()


async def _level(port: int, clients: int, count: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    budget = [count]
    start = time.perf_counter()
    await asyncio.gather(*[_client(port, start + seconds, budget, latencies, errors)
                           for _ in range(clients)])
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)

    def percentile(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {"clients": clients, "requests": len(ordered), "seconds": round(elapsed, 2),
            "per_second": round(len(ordered) / elapsed), "p50_ms": round(percentile(0.50), 2),
            "p99_ms": round(percentile(0.99), 2), "max_ms": round(ordered[-1] * 1000, 2),
            "errors": len(errors)}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server so far (clock ticks in /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measured(port: int, pid: int, clients: int, count: int, seconds: float) -> dict[str, Any]:
    """One level, with the server's CPU time per request: a figure that a busy machine
    disturbs far less than latency."""
    before = _cpu_seconds(pid)
    result = asyncio.run(_level(port, clients, count, seconds))
    used = _cpu_seconds(pid) - before
    result["server_cpu_us_per_request"] = round(used / max(1, result["requests"]) * 1e6)
    return result


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def _memory(port: int, pid: int, total: int, seconds: float) -> dict[str, Any]:
    samples = [(0, _rss_kib(pid))]
    step = max(1, total // 10)
    done = 0
    deadline = time.perf_counter() + seconds
    while done < total and time.perf_counter() < deadline:
        result = await _level(port, 10, step, deadline - time.perf_counter())
        done += result["requests"]
        samples.append((done, _rss_kib(pid)))
    rss = [kib for _, kib in samples]
    return {"requests": done, "samples_kib": samples,
            "growth_last_half_kib": rss[-1] - rss[len(rss) // 2]}


def _start(folder: Path) -> tuple[subprocess.Popen[str], int]:
    command = shutil.which("spasmcheck")
    if command is None:
        sys.exit("spasmcheck is not installed (pip install -e '.[serve]')")
    process = subprocess.Popen(
        [command, "serve", "--port", "0", "--db", str(folder / "feedback.sqlite3")],
        stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    line = process.stderr.readline()
    if "CDS Hooks service on" not in line:
        process.kill()
        sys.exit(f"the server did not start: {line}")
    port = int(line.split("http://127.0.0.1:", 1)[1].split("/", 1)[0])
    return process, port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests a level")
    parser.add_argument("--seconds", type=float, default=60, help="time limit a level")
    parser.add_argument("--memory-requests", type=int, default=100_000)
    parser.add_argument("--memory-seconds", type=float, default=300)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="spasmcheck-load-") as folder:
        process, port = _start(Path(folder))
        try:
            asyncio.run(_level(port, 10, 200, 30))  # warm up: tables, memos, connections
            levels = [_measured(port, process.pid, n, args.requests, args.seconds)
                      for n in LEVELS]
            memory = asyncio.run(_memory(port, process.pid, args.memory_requests,
                                         args.memory_seconds))
        finally:
            process.terminate()
            process.wait(timeout=30)
    report = {"cpus": os.cpu_count(), "load_average": os.getloadavg(), "levels": levels,
              "memory": memory, "goal_p99_ms_at_50": GOAL_P99_MS}
    out = sys.stderr if args.json else sys.stdout
    print(f"{'clients':>8} {'requests':>9} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8} {'errors':>6} {'server CPU us/req':>18}", file=out)
    for level in levels:
        print(f"{level['clients']:>8} {level['requests']:>9} {level['per_second']:>7} "
              f"{level['p50_ms']:>8} {level['p99_ms']:>8} {level['max_ms']:>8} "
              f"{level['errors']:>6} {level['server_cpu_us_per_request']:>18}", file=out)
    at_50 = levels[-1]["p99_ms"]
    print(f"p99 at 50 clients: {at_50} ms (goal < {GOAL_P99_MS}: "
          f"{'met' if at_50 < GOAL_P99_MS else 'NOT met'})", file=out)
    print("memory (requests: RSS MiB): " + ", ".join(
        f"{n}: {kib / 1024:.1f}" for n, kib in memory["samples_kib"]), file=out)
    print(f"growth over the second half: {memory['growth_last_half_kib']} KiB; load average "
          f"{', '.join(f'{x:.2f}' for x in report['load_average'])} on {report['cpus']} CPUs",
          file=out)
    if args.json:
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
