"""The CDS Hooks service, started for real on a loopback port and called over HTTP."""

from __future__ import annotations

import copy
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from console import SPASMCHECK, loaded_by
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from typer.testing import CliRunner

from spasmcheck.core.errors import ExitCode
from spasmcheck.frontends import cds
from spasmcheck.frontends.cli import app

RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
PATIENT = "pt-4410"
pytestmark = [pytest.mark.slow]  # most tests here talk to a server in another process


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replaces the suite's network block: these tests may reach loopback, nothing else."""
    connect = socket.socket.connect

    def loopback_only(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise RuntimeError(f"spasmcheck tests tried to reach {address}")
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)


class Server:
    def __init__(self, tmp: Path, *args: str) -> None:
        self.db = tmp / "feedback.sqlite3"
        env = {**os.environ, "XDG_DATA_HOME": str(tmp / "data"), "SPASMCHECK_DEBUG": ""}
        self.process = subprocess.Popen(
            [SPASMCHECK, "serve", "--port", "0", "--db", str(self.db), *args],
            stderr=subprocess.PIPE, text=True, env=env)
        assert self.process.stderr is not None
        line = self.process.stderr.readline()
        self.stderr = [line]
        threading.Thread(target=lambda: self.stderr.extend(self.process.stderr or []),
                         daemon=True).start()
        assert "CDS Hooks service on http://127.0.0.1:" in line, line
        self.url = line.split(" on ", 1)[1].split()[0].rsplit("/cds-services", 1)[0]
        self.client = httpx.Client(base_url=self.url, timeout=20)
        for _ in range(100):
            try:
                self.client.get("/cds-services")
                break
            except httpx.TransportError:
                time.sleep(0.1)

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        assert self.process.wait(timeout=20) == 0  # SIGTERM is a clean stop


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("serve"), "--cors-origin",
                     "https://ehr.example.org")
    yield running
    running.stop()


def _order(order_id: str, text: str, codes: tuple[tuple[str, str], ...] = (),
           status: str = "draft") -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text}
    if codes:
        concept["coding"] = [{"system": RX, "code": c, "display": d} for c, d in codes]
    return {"resourceType": "MedicationRequest", "id": order_id, "status": status,
            "intent": "order", "subject": {"reference": f"Patient/{PATIENT}"},
            "medicationCodeableConcept": concept,
            "dosageInstruction": [{"text": "1 tablet by mouth at night"}]}


def _statement(statement_id: str, text: str, status: str = "active",
               patient: str = PATIENT) -> dict[str, Any]:
    return {"resourceType": "MedicationStatement", "id": statement_id, "status": status,
            "subject": {"reference": f"Patient/{patient}"},
            "medicationCodeableConcept": {"text": text}}


def _bundle(*resources: dict[str, Any]) -> dict[str, Any] | None:
    if not resources:
        return None  # an empty search result is sent as null
    return {"resourceType": "Bundle", "type": "searchset",
            "entry": [{"fullUrl": f"https://ehr.example.org/fhir/{r['resourceType']}/{r['id']}",
                       "resource": r} for r in resources]}


def _call(hook: str, drafts: list[dict[str, Any]], requests: tuple[dict[str, Any], ...] = (),
          statements: tuple[dict[str, Any], ...] = (),
          selections: list[str] | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/pr-77", "patientId": PATIENT,
                               "encounterId": "enc-9",
                               "draftOrders": {"resourceType": "Bundle", "type": "collection",
                                               "entry": [{"resource": d} for d in drafts]}}
    if hook == "order-select":
        context["selections"] = selections or [f"MedicationRequest/{drafts[0]['id']}"]
    return {"hook": hook, "hookInstance": str(uuid.uuid4()),
            "fhirServer": "https://ehr.example.org/fhir", "context": context,
            "prefetch": {"medicationRequests": _bundle(*requests),
                         "medicationStatements": _bundle(*statements)}}


def _post(server: Server, service: str, body: Any) -> httpx.Response:
    return server.client.post(f"/cds-services/{service}", json=body)


def _nulls(value: Any, path: str = "") -> list[str]:
    if value is None or value == "" or value == []:
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nulls(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nulls(v, f"{path}[{i}]")]
    return []


CYCLOBENZAPRINE = _order("draft-cbz", "cyclobenzaprine 10 mg",
                         (("828320", "cyclobenzaprine hydrochloride 10 MG Oral Tablet"),))
SERTRALINE = _statement("ms-sert", "Zoloft 100 mg")


def test_discovery_lists_both_hooks_with_medication_prefetch(server):
    response = server.client.get("/cds-services")
    assert response.status_code == 200
    services = {s["hook"]: s for s in response.json()["services"]}
    assert set(services) == {"order-select", "order-sign"}
    for service in services.values():
        templates = service["prefetch"]
        assert any(t.startswith("MedicationRequest?patient={{context.patientId}}")
                   and "status=active" in t for t in templates.values())
        assert any(t.startswith("MedicationStatement?patient={{context.patientId}}")
                   for t in templates.values())
        assert service["description"] and service["id"]


def test_order_sign_cyclobenzaprine_for_a_patient_on_sertraline(server):
    response = _post(server, "spasmcheck-order-sign",
                     _call("order-sign", [CYCLOBENZAPRINE], statements=(SERTRALINE,)))
    assert response.status_code == 200
    cards = response.json()["cards"]
    assert len(cards) == 1
    card = cards[0]
    assert card["indicator"] == "warning"
    assert "cyclobenzaprine" in card["summary"] and "sertraline" in card["summary"]
    assert len(card["summary"]) < 140
    uuid.UUID(card["uuid"])
    assert card["source"]["label"] and card["source"]["url"].startswith("https://")
    for part in ("**Effect:**", "**Mechanism:**", "**What to do:**", "serotonin",
                 "MedicationStatement/ms\\-sert"):
        assert part in card["detail"]
    assert card["detail"].count("dailymed") >= 2  # every source, not only the first
    assert all(reason["display"] for reason in card["overrideReasons"])
    assert "suggestions" not in card  # only contraindicated findings suggest removal
    meta = _tables_meta()
    assert f"tables {meta.version} (reviewed {meta.reviewed}" in card["detail"]
    assert _nulls(response.json()) == []


def test_order_select_tizanidine_with_ciprofloxacin_is_critical_and_offers_removal(server):
    tizanidine = _order("draft-tzd", "Zanaflex 4 mg")
    cipro = _order("mr-cipro", "ciprofloxacin 500 mg", (("197511", "ciprofloxacin 500 MG Oral "
                                                                   "Tablet"),), status="active")
    response = _post(server, "spasmcheck-order-select",
                     _call("order-select", [tizanidine], requests=(cipro,),
                           statements=(SERTRALINE,)))
    cards = response.json()["cards"]
    critical = [c for c in cards if c["indicator"] == "critical"]
    assert len(critical) == 1
    card = critical[0]
    assert "tizanidine" in card["summary"] and "ciprofloxacin" in card["summary"]
    assert card["selectionBehavior"] == "at-most-one"
    action = card["suggestions"][0]["actions"][0]
    assert action == {"type": "delete", "description": "Remove MedicationRequest/draft-tzd",
                      "resourceId": "MedicationRequest/draft-tzd"}
    assert _nulls(response.json()) == []


def test_order_select_alerts_only_on_the_selected_order(server):
    cbz = copy.deepcopy(CYCLOBENZAPRINE)
    other = _order("draft-amox", "amoxicillin 500 mg")
    body = _call("order-select", [other, cbz], statements=(SERTRALINE,),
                 selections=["MedicationRequest/draft-amox"])
    assert _post(server, "spasmcheck-order-select", body).json() == {"cards": []}
    body["context"]["selections"] = ["https://ehr.example.org/fhir/MedicationRequest/draft-cbz"]
    cards = _post(server, "spasmcheck-order-select", body).json()["cards"]
    assert [c["indicator"] for c in cards] == ["warning"]


def test_nothing_found_is_an_empty_card_list(server):
    body = _call("order-sign", [_order("draft-amox", "amoxicillin 500 mg")],
                 statements=(_statement("ms-lis", "lisinopril"),))
    response = _post(server, "spasmcheck-order-sign", body)
    assert response.status_code == 200
    assert response.json() == {"cards": []}


def test_a_patient_medicine_already_known_from_two_resources_is_not_a_duplicate(server):
    both = (_order("mr-sert", "sertraline", status="active"),)
    body = _call("order-sign", [_order("draft-amox", "amoxicillin 500 mg")], requests=both,
                 statements=(SERTRALINE,))
    assert _post(server, "spasmcheck-order-sign", body).json() == {"cards": []}


def test_unknown_medicines_get_one_info_card_naming_them(server):
    body = _call("order-sign", [_order("draft-x", "Zyxolotamab 5 mg injection")],
                 statements=(_statement("ms-y", "Grandma's herbal sleep tea"), SERTRALINE))
    cards = _post(server, "spasmcheck-order-sign", body).json()["cards"]
    assert len(cards) == 1
    card = cards[0]
    assert card["indicator"] == "info"
    assert "Zyxolotamab" in card["summary"] and len(card["summary"]) < 140
    assert "Zyxolotamab" in card["detail"] and "herbal sleep tea" in card["detail"]
    assert "Grandma\\'s" not in card["detail"]  # escaped only where Markdown needs it


def test_a_known_order_with_an_unknown_home_medicine_still_says_what_was_not_checked(server):
    body = _call("order-sign", [CYCLOBENZAPRINE],
                 statements=(SERTRALINE, _statement("ms-y", "[click](javascript:alert)")))
    cards = _post(server, "spasmcheck-order-sign", body).json()["cards"]
    assert [c["indicator"] for c in cards] == ["warning", "info"]
    assert "](javascript" not in cards[1]["detail"]  # record text cannot make a link


@pytest.mark.parametrize("fhir_server", [None, "https://ehr.example.org/fhir"])
def test_missing_prefetch_is_412(server, fhir_server):
    body = _call("order-sign", [CYCLOBENZAPRINE])
    del body["prefetch"]
    body.pop("fhirServer")
    if fhir_server:
        body["fhirServer"] = fhir_server
    response = _post(server, "spasmcheck-order-sign", body)
    assert response.status_code == 412
    assert "prefetch" in response.json()["error"]["message"]


def test_medicines_of_another_patient_are_refused(server):
    body = _call("order-sign", [CYCLOBENZAPRINE],
                 statements=(_statement("ms-other", "sertraline", patient="pt-9999"),))
    response = _post(server, "spasmcheck-order-sign", body)
    assert response.status_code == 400
    assert "Patient/pt-9999" in response.json()["error"]["message"]


@pytest.mark.parametrize(("body", "status", "words"), [
    (b'{"hook": "order-sign", "context": ', 400, "not valid JSON"),
    (b"\xff\xfe\x00", 400, "not valid JSON"),
    (b"[" * 100_000, 400, "not valid JSON"),
    (b'["order-sign"]', 400, "JSON object"),
    (b'{"hook": "order-select", "hookInstance": "x", "context": {}}', 400, "order-sign"),
    (json.dumps({"hook": "order-sign", "hookInstance": "x", "context": {
        "patientId": PATIENT, "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": {
            "resourceType": "MedicationRequest", "id": "d1", "status": "draft"}}]}},
        "prefetch": {"medicationRequests": None, "medicationStatements": None}}).encode(),
     400, "entry 1 (MedicationRequest/d1)"),
])
def test_bad_requests_get_a_json_error_without_a_trace(server, body, status, words):
    response = server.client.post("/cds-services/spasmcheck-order-sign", content=body,
                                  headers={"content-type": "application/json"})
    assert response.status_code == status
    message = response.json()["error"]["message"]
    assert words in message
    assert "Traceback" not in response.text and "File \"" not in response.text


def test_oversized_body_is_413(server):
    padding = "x" * (3 * 1024 * 1024)
    body = _call("order-sign", [CYCLOBENZAPRINE], statements=(_statement("ms-big", padding),))
    response = _post(server, "spasmcheck-order-sign", body)
    assert response.status_code == 413
    assert response.json()["error"]["status"] == 413


def test_unknown_service_and_method_are_json_errors(server):
    assert server.client.post("/cds-services/nope", json={}).json()["error"]["status"] == 404
    response = server.client.get("/cds-services/spasmcheck-order-sign")
    assert response.status_code == 405 and response.json()["error"]["status"] == 405


def test_cors_preflight_for_a_configured_origin_only(server):
    headers = {"Origin": "https://ehr.example.org", "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "authorization,content-type"}
    allowed = server.client.options("/cds-services/spasmcheck-order-sign", headers=headers)
    assert allowed.headers["access-control-allow-origin"] == "https://ehr.example.org"
    refused = server.client.options("/cds-services/spasmcheck-order-sign",
                                    headers={**headers, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in refused.headers


def test_feedback_round_trip_through_sqlite(server):
    cards = _post(server, "spasmcheck-order-sign",
                  _call("order-sign", [CYCLOBENZAPRINE], statements=(SERTRALINE,))).json()["cards"]
    reason = cards[0]["overrideReasons"][1]
    feedback = {"feedback": [
        {"card": cards[0]["uuid"], "outcome": "overridden",
         "overrideReason": {"reason": reason, "userComment": "low dose, reviewed"},
         "outcomeTimestamp": "2026-11-29T10:00:00Z"}]}
    response = server.client.post("/cds-services/spasmcheck-order-sign/feedback", json=feedback)
    assert response.status_code == 200
    with sqlite3.connect(server.db) as db:
        row = db.execute("SELECT c.rule, f.outcome, f.reason_code, f.comment FROM feedback f "
                         "JOIN cards c ON c.uuid = f.card WHERE f.card = ?",
                         (cards[0]["uuid"],)).fetchone()
    assert row == ("serotonergic_cyclobenzaprine", "overridden", reason["code"],
                   "low dose, reviewed")
    report = subprocess.run([SPASMCHECK, "serve", "--report-feedback", "--db", str(server.db)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert report.returncode == 0, report.stderr
    assert "serotonergic_cyclobenzaprine [warning]:" in report.stdout
    assert f"overridden 1x: {reason['display']}" in report.stdout


@pytest.mark.parametrize("body", [{}, {"feedback": [{"card": "x", "outcome": "ignored"}]}])
def test_bad_feedback_is_400(server, body):
    response = server.client.post("/cds-services/spasmcheck-order-sign/feedback", json=body)
    assert response.status_code == 400


def _tables_meta() -> Any:
    from spasmcheck.tables.knowledge import load

    return load().interactions.meta


def test_tables_not_reviewed_for_a_year_are_named_when_the_service_starts(tmp_path):
    folder = tmp_path / "tables"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data", folder)
    table = folder / "interactions.yaml"
    meta = _tables_meta()
    table.write_text(table.read_text().replace(f"reviewed: {meta.reviewed}",
                                               "reviewed: 2020-01-31", 1))
    running = Server(tmp_path, "--data-dir", str(folder))
    try:
        for _ in range(50):
            if any("last reviewed" in line for line in running.stderr):
                break
            time.sleep(0.1)
        warning = next(line for line in running.stderr if "last reviewed" in line)
        assert "interactions table" in warning and "2020-01-31" in warning
        assert "2020-01-31" in running.stderr[0]  # the start line names the review date too
    finally:
        running.stop()


# --- tokens ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    return {"ES384": ec.generate_private_key(ec.SECP384R1()),
            "RS384": rsa.generate_private_key(public_exponent=65537, key_size=2048)}


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory, keys: dict[str, Any]) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("secured")
    jwks = []
    for alg, private in keys.items():
        algorithm = jwt.algorithms.get_default_algorithms()[alg]
        jwk = json.loads(algorithm.to_jwk(private.public_key()))
        jwks.append({**jwk, "kid": f"ehr-{alg}", "alg": alg, "use": "sig"})
    path = tmp / "jwks.json"
    path.write_text(json.dumps({"keys": jwks}))
    running = Server(tmp, "--jwks", str(path))
    yield running
    running.stop()


def _token(secured: Server, keys: dict[str, Any], alg: str = "ES384", **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": "https://ehr.example.org", "sub": "client-1",
               "aud": f"{secured.url}/cds-services/spasmcheck-order-sign",
               "iat": now, "exp": now + 120, "jti": str(uuid.uuid4()), **claims}
    payload = {k: v for k, v in payload.items() if v is not None}
    if alg == "HS256":
        return jwt.encode(payload, "shared-secret-that-is-long-enough-32b", algorithm="HS256")
    if alg == "none":
        return jwt.encode(payload, None, algorithm="none")
    return jwt.encode(payload, keys[alg], algorithm=alg, headers={"kid": f"ehr-{alg}"})


def _signed(secured: Server, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return secured.client.post("/cds-services/spasmcheck-order-sign", headers=headers,
                               json=_call("order-sign", [CYCLOBENZAPRINE],
                                          statements=(SERTRALINE,)))


@pytest.mark.parametrize("alg", ["ES384", "RS384"])
def test_a_valid_token_is_accepted(secured, keys, alg):
    response = _signed(secured, _token(secured, keys, alg))
    assert response.status_code == 200
    assert response.json()["cards"][0]["indicator"] == "warning"


@pytest.mark.parametrize("forge", [
    lambda s, k: None,
    lambda s, k: "not-a-jwt",
    lambda s, k: _token(s, k, "HS256"),
    lambda s, k: _token(s, k, "none"),
    lambda s, k: _token(s, k, aud="https://elsewhere.example/cds-services"),
    lambda s, k: _token(s, k, exp=int(time.time()) - 600),
    lambda s, k: _token(s, k, exp=int(time.time()) + 3600),
    lambda s, k: _token(s, k, jti=None),
    lambda s, k: jwt.encode({"aud": f"{s.url}/cds-services/spasmcheck-order-sign",
                             "iss": "x", "iat": int(time.time()), "jti": "j",
                             "exp": int(time.time()) + 60},
                            ec.generate_private_key(ec.SECP384R1()), algorithm="ES384",
                            headers={"kid": "ehr-ES384"}),
], ids=["missing", "garbage", "hmac", "none", "audience", "expired", "too-long", "no-jti",
        "untrusted-key"])
def test_bad_tokens_are_401(secured, keys, forge):
    response = _signed(secured, forge(secured, keys))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["status"] == 401


def test_a_token_cannot_be_replayed(secured, keys):
    token = _token(secured, keys)
    assert _signed(secured, token).status_code == 200
    assert _signed(secured, token).status_code == 401


def test_discovery_needs_a_token_too_when_secured(secured, keys):
    assert secured.client.get("/cds-services").status_code == 401
    token = _token(secured, keys, aud=f"{secured.url}/cds-services")
    ok = secured.client.get("/cds-services", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200


# --- the command -----------------------------------------------------------------------------


def test_serve_without_the_extra_says_how_to_install_it(monkeypatch, tmp_path):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "uvicorn" else real(name, *a))
    result = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "f.sqlite3")])
    assert result.exit_code == ExitCode.USAGE
    assert "pip install 'spasmcheck[serve]'" in result.stderr


def test_other_commands_never_import_the_web_stack():
    assert loaded_by(["interactions", "--med", "sertraline", "--json"],
                     ("starlette", "uvicorn", "jwt", "cryptography", "anyio")) == []


def test_report_feedback_without_a_database_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(app, ["serve", "--report-feedback", "--db",
                                      str(tmp_path / "none.sqlite3")])
    assert result.exit_code == ExitCode.USAGE
    assert "no feedback database" in result.stderr


def test_a_port_in_use_is_a_clear_usage_error(tmp_path, server):
    port = server.url.rsplit(":", 1)[1]
    result = CliRunner().invoke(app, ["serve", "--port", port, "--db",
                                      str(tmp_path / "f.sqlite3")])
    assert result.exit_code == ExitCode.USAGE
    assert "cannot listen" in result.stderr


def test_every_interaction_involving_the_order_becomes_a_card(kb):
    """The service reports exactly the engine's findings that involve the drafted drug."""
    from spasmcheck.core.interactions import check

    drugs = list(kb.interactions.drugs.values())
    for ordered in ("cyclobenzaprine", "tizanidine", "tramadol", "warfarin"):
        for other in drugs[::7]:
            if other.id == ordered:
                continue
            body = _call("order-sign", [_order("d1", ordered)],
                         statements=(_statement("s1", other.name),))
            cards = cds.evaluate("spasmcheck-order-sign", body, kb).cards
            expected = check([other.name], kb, kb.interactions.drugs[ordered]).findings
            assert len(cards) == len(expected), (ordered, other.id)
            for card, item in zip(cards, expected, strict=True):
                assert card["indicator"] == cds.INDICATOR.get(item.severity, "info")
                assert len(card["summary"]) < 140


def test_a_medication_included_in_one_prefetch_search_is_found_from_another(kb):
    medication = {"resourceType": "Medication", "id": "med-sert",
                  "code": {"coding": [{"system": RX, "code": "36437", "display": "sertraline"}]}}
    statement = {"resourceType": "MedicationStatement", "id": "ms-ref", "status": "active",
                 "subject": {"reference": f"Patient/{PATIENT}"},
                 "medicationReference": {"reference": "Medication/med-sert"}}
    body = _call("order-sign", [CYCLOBENZAPRINE], requests=(medication,),
                 statements=(statement,))
    cards = cds.evaluate("spasmcheck-order-sign", body, kb).cards
    assert [c["indicator"] for c in cards] == ["warning"]  # and no "not checked" card
    assert "MedicationStatement/ms\\-ref" in cards[0]["detail"]


def test_selections_that_match_no_draft_fall_back_to_every_draft(kb):
    no_id = {k: v for k, v in CYCLOBENZAPRINE.items() if k != "id"}
    body = _call("order-select", [no_id], statements=(SERTRALINE,),
                 selections=["MedicationRequest/unknown-id"])
    cards = cds.evaluate("spasmcheck-order-select", body, kb).cards
    assert [c["indicator"] for c in cards] == ["warning"]


def test_a_partly_recognised_order_is_checked_for_what_is_known_and_says_what_is_not(kb):
    body = _call("order-sign", [_order("draft-ts", "Tylenol Sinus caplets")],
                 statements=(_statement("ms-w", "warfarin"),))
    cards = cds.evaluate("spasmcheck-order-sign", body, kb).cards
    info = cards[-1]
    assert info["indicator"] == "info"
    assert info["summary"].startswith("Not fully checked for interactions: Tylenol Sinus")
    assert "only acetaminophen checked" in info["detail"] and "'sinus'" in info["detail"]
    # what was recognised was still checked against the patient's medicines
    expected = check_pairs(kb, "acetaminophen", "warfarin")
    assert len(cards) - 1 == expected


def check_pairs(kb: Any, ordered: str, other: str) -> int:
    from spasmcheck.core.interactions import check

    return len(check([other], kb, kb.interactions.drugs[ordered]).findings)


def test_a_versioned_or_absolute_patient_reference_is_the_same_patient(kb):
    statement = _statement("ms-v", "sertraline")
    statement["subject"] = {"reference": f"https://ehr.example.org/fhir/Patient/{PATIENT}"
                                         "/_history/3"}
    body = _call("order-sign", [CYCLOBENZAPRINE], statements=(statement,))
    assert [c["indicator"] for c in cds.evaluate("spasmcheck-order-sign", body, kb).cards] == [
        "warning"]


@pytest.mark.parametrize("content", ["{not json", '{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}'])
def test_an_unusable_jwks_stops_before_listening(tmp_path, content):
    jwks = tmp_path / "jwks.json"
    jwks.write_text(content)
    result = CliRunner().invoke(app, ["serve", "--port", "0", "--jwks", str(jwks), "--db",
                                      str(tmp_path / "f.sqlite3")])
    assert result.exit_code == ExitCode.USAGE
    assert f"--jwks {jwks}" in result.stderr and "CDS Hooks service on" not in result.stderr
