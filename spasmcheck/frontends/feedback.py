"""The service's audit trail: cards sent and what clinicians did with them, in SQLite.

Only card ids, rule ids, drug names, indicators, outcomes and override reasons are kept: no
patient identifier, no medicine list. Clinicians' free-text override comments are kept as
given (cut to 500 characters); the database file is made readable by its owner only. Cards
sent are written in batches: a crash loses at most the last second of them (feedback itself
is written at once).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spasmcheck.core.errors import OutputError

if TYPE_CHECKING:
    from spasmcheck.frontends.cds import IssuedCard, Outcome

FLUSH_ROWS = 256
FLUSH_SECONDS = 1.0
_SCHEMA = """
CREATE TABLE IF NOT EXISTS cards (
    uuid TEXT PRIMARY KEY, service TEXT NOT NULL, rule TEXT NOT NULL, drugs TEXT NOT NULL,
    indicator TEXT NOT NULL, issued_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY, card TEXT NOT NULL, service TEXT NOT NULL, outcome TEXT NOT NULL,
    reason_code TEXT, reason_display TEXT, comment TEXT, accepted_suggestions INTEGER NOT NULL,
    outcome_at TEXT, received_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS feedback_card ON feedback (card);
"""


def default_path() -> Path:
    """$XDG_DATA_HOME/spasmcheck/feedback.sqlite3 (~/.local/share when unset)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                            "share")
    return Path(base) / "spasmcheck" / "feedback.sqlite3"


class FeedbackStore:
    """One connection shared by the server's requests (a lock keeps writes whole)."""

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fresh = not path.exists()
            self._db = sqlite3.connect(str(path), check_same_thread=False,
                                       isolation_level=None)
            if fresh:
                os.chmod(path, 0o600)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise OutputError(f"cannot open the feedback database {path}: {error}") from None
        self.path = path
        self._lock = threading.Lock()
        self._pending: list[tuple[str, ...]] = []
        self._flushed = time.monotonic()

    def issued(self, cards: Iterable[IssuedCard]) -> None:
        """Note the cards sent. Rows are written in batches (every FLUSH_ROWS rows or
        FLUSH_SECONDS), which keeps a write off most requests; feedback, the summary and
        closing write them at once."""
        now = _now()
        rows = [(c.uuid, c.service, c.rule, ", ".join(c.drugs), c.indicator, now) for c in cards]
        with self._lock:
            self._pending += rows
            if len(self._pending) >= FLUSH_ROWS or \
                    time.monotonic() - self._flushed > FLUSH_SECONDS:
                self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR IGNORE INTO cards VALUES (?, ?, ?, ?, ?, ?)",
                                 self._pending)
            self._db.execute("COMMIT")
            self._pending = []
        self._flushed = time.monotonic()

    def record(self, service: str, outcomes: Iterable[Outcome]) -> None:
        now = _now()
        rows = [(o.card, service, o.outcome, o.reason_code, o.reason_display, o.comment,
                 o.accepted_suggestions, o.at, now) for o in outcomes]
        with self._lock:
            self._flush()
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO feedback (card, service, outcome, reason_code, reason_display, "
                "comment, accepted_suggestions, outcome_at, received_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            self._db.execute("COMMIT")

    def summary(self) -> dict[str, Any]:
        """Per rule: cards sent, accepted, overridden and the override reasons given."""
        with self._lock:
            self._flush()
            sent = self._db.execute(
                "SELECT rule, indicator, COUNT(*) FROM cards GROUP BY rule, indicator").fetchall()
            outcomes = self._db.execute(
                "SELECT COALESCE(c.rule, '(unknown card)'), f.outcome, "
                "COALESCE(f.reason_display, f.reason_code, '(no reason given)'), COUNT(*) "
                "FROM feedback f LEFT JOIN cards c ON c.uuid = f.card "
                "GROUP BY 1, 2, 3").fetchall()
        rules: dict[str, dict[str, Any]] = {}
        for rule, indicator, count in sent:
            entry = rules.setdefault(rule, _blank())
            entry["sent"] += count
            entry["indicator"] = indicator
        for rule, outcome, reason, count in outcomes:
            entry = rules.setdefault(rule, _blank())
            entry[outcome] += count
            if outcome == "overridden":
                entry["override_reasons"][reason] = entry["override_reasons"].get(reason, 0) + count
        return {"database": str(self.path), "rules": dict(sorted(rules.items()))}

    def close(self) -> None:
        with self._lock:
            self._flush()
            self._db.close()


def _blank() -> dict[str, Any]:
    return {"indicator": None, "sent": 0, "accepted": 0, "overridden": 0,
            "override_reasons": {}}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def report_text(summary: dict[str, Any]) -> str:
    """`spasmcheck serve --report-feedback`: one block per rule, most overridden first."""
    rules = summary["rules"]
    lines = [f"Feedback in {summary['database']}"]
    if not rules:
        return lines[0] + ": no cards sent and no feedback yet.\n"
    lines.append("")
    ranked = sorted(rules.items(), key=lambda kv: (-kv[1]["overridden"], -kv[1]["sent"], kv[0]))
    for rule, entry in ranked:
        shown = f" [{entry['indicator']}]" if entry["indicator"] else ""
        lines.append(f"{rule}{shown}: {entry['sent']} sent, {entry['accepted']} accepted, "
                     f"{entry['overridden']} overridden")
        for reason, count in sorted(entry["override_reasons"].items(), key=lambda kv: -kv[1]):
            lines.append(f"  overridden {count}x: {reason}")
    return "\n".join(lines) + "\n"
