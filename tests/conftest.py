"""Shared test set-up: no network, no stray environment, no cache outside tmp."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import pytest

from spasmcheck.core.model import KnowledgeBase
from spasmcheck.tables import knowledge

# Before any test module loads the tables: the parse cache goes to a throw-away folder.
os.environ["SPASMCHECK_CACHE_DIR"] = tempfile.mkdtemp(prefix="spasmcheck-test-cache-")

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


class NetworkBlocked(RuntimeError):
    pass


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection attempt fails the test: the tool must work offline."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise NetworkBlocked("spasmcheck tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("NO_COLOR", "FORCE_COLOR", "SPASMCHECK_DATA_DIR", "SPASMCHECK_AUDIENCE",
                "SPASMCHECK_COUNTRY", "SPASMCHECK_CACHE", "TERM", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("COLUMNS", "80")


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The built-in knowledge base, validated once for the session."""
    return knowledge.load()
