"""CDS Hooks 2.0 for the interaction check: discovery, and a hook call turned into cards.

Pure: a parsed request body and the knowledge base in, cards out (or a HookError carrying the
HTTP status). The web server (serve.py) only moves bytes and checks tokens. The medicines being
ordered are checked with the same engine as `spasmcheck interactions`: each drafted drug
against the patient's active medicines and the other drafts, and only findings that involve a
drafted drug become cards, so an order never re-alerts about what the patient already takes.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from spasmcheck.core.checker import Checker
from spasmcheck.core.interactions import Interaction
from spasmcheck.core.limits import LIMITS
from spasmcheck.core.model import Audience, Finding, KnowledgeBase, Severity
from spasmcheck.core.names import fold
from spasmcheck.core.record import Record
from spasmcheck.frontends import fhir_meds

PREFETCH = {
    "medicationRequests": "MedicationRequest?patient={{context.patientId}}&status=active"
                          "&_include=MedicationRequest:medication",
    "medicationStatements": "MedicationStatement?patient={{context.patientId}}&status=active"
                            "&_include=MedicationStatement:medication",
}


class Service(Record):
    id: str
    hook: str
    title: str
    description: str


SERVICES: Mapping[str, Service] = {service.id: service for service in (
    Service("spasmcheck-order-select", "order-select", "spasmcheck medicine interactions",
            "Checks the medicine orders being selected against the patient's active "
            "medicines and each other, offline, with the interaction tables' sources."),
    Service("spasmcheck-order-sign", "order-sign", "spasmcheck medicine interactions (signing)",
            "Checks every draft medicine order before signing against the patient's active "
            "medicines and each other, offline, with the interaction tables' sources."),
)}
USAGE = ("Send both prefetch keys (an empty search as null); this service works offline and "
         "does not query the FHIR server. No patient data is stored: feedback keeps card ids, "
         "rules and outcomes only.")

INDICATOR = {Severity.CONTRAINDICATED: "critical", Severity.MAJOR: "warning"}
SUMMARY_LIMIT = 139  # the specification: under 140 characters
OVERRIDE_SYSTEM = "urn:spasmcheck:cds-hooks:override-reason"
OVERRIDE_REASONS = (  # words of the ordering screen, not clinical facts
    ("benefit-outweighs-risk", "Benefit outweighs the risk for this patient"),
    ("will-monitor", "Will monitor the patient for this effect"),
    ("previously-tolerated", "Patient has taken this combination before without harm"),
    ("dose-adjusted", "Dose or timing already adjusted for this interaction"),
    ("not-taking", "Patient no longer takes the other medicine (record out of date)"),
)
_OVERRIDE_CODINGS = [{"system": OVERRIDE_SYSTEM, "code": code, "display": display}
                     for code, display in OVERRIDE_REASONS]  # shared by every card: never changed
_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>()#+-!|~"})


class HookError(Exception):
    """A request the service cannot answer: the HTTP status and a message for the caller."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class IssuedCard(Record):
    """What the feedback log keeps about a card it was sent (no patient data)."""

    uuid: str
    service: str
    rule: str
    drugs: tuple[str, ...]
    indicator: str


class Answer(Record):
    cards: list[dict[str, Any]]
    issued: list[IssuedCard]


def discovery() -> dict[str, Any]:
    """The `GET /cds-services` document."""
    return {"services": [{"hook": s.hook, "id": s.id, "title": s.title,
                          "description": s.description, "prefetch": dict(PREFETCH),
                          "usageRequirements": USAGE} for s in SERVICES.values()]}


def service(service_id: str) -> Service:
    found = SERVICES.get(service_id)
    if found is None:
        raise HookError(404, f"no CDS service {service_id!r}; see GET /cds-services")
    return found


class _Med(Record):
    """One medicine name from the request and where it came from."""

    name: str
    drugs: tuple[str, ...]
    unchecked: tuple[str, ...]  # partly recognised: words that may name more medicines
    origin: fhir_meds.RecordMedicine
    drafted: bool  # one of the orders the hook is about


def evaluate(service_id: str, body: Any, kb: KnowledgeBase,
             audience: Audience = Audience.CLINICIAN, checker: Checker | None = None) -> Answer:
    """The cards for one hook call. A server passes its one `checker`, which keeps what the
    tables say about the drugs and names met, from call to call."""
    checker = checker or Checker(kb)
    chosen = service(service_id)
    context = _request(body, chosen)
    patient = context["patientId"]
    drafts = _record(context["draftOrders"], "context.draftOrders", checker)
    prefetch = body.get("prefetch")
    missing = [key for key in PREFETCH if not isinstance(prefetch, dict) or key not in prefetch]
    if missing:
        extra = (" (this service does not query the FHIR server)" if body.get("fhirServer")
                 else " and no fhirServer was given")
        raise HookError(412, f"prefetch {', '.join(missing)} missing{extra}; the patient's "
                             "active medicines are needed to check the orders")
    patient_meds = _record(_merged(prefetch), "prefetch", checker)
    _same_patient(drafts, patient, "context.draftOrders")
    _same_patient(patient_meds, patient, "prefetch")

    selected = _selected(context, drafts) if chosen.hook == "order-select" else None
    if selected is not None and not any(med.resource in selected for med in drafts.used):
        selected = None  # selections that name no medicine draft: check every draft instead
    meds: list[_Med] = []
    for med in drafts.used:
        drafted = selected is None or med.resource in selected
        meds += [_Med(name, *_resolved(checker, name), med, drafted) for name in med.names]
    if not any(m.drafted for m in meds):
        return Answer([], [])  # no medicine ordered: nothing to say
    seen: set[Any] = set()  # the record lists a medicine twice (order and statement): once
    for med in patient_meds.used:
        for name in med.names:
            resolved, unchecked = _resolved(checker, name)
            key = (resolved, unchecked) if resolved else fold(name)
            if key not in seen:
                seen.add(key)
                meds.append(_Med(name, resolved, unchecked, med, False))
    return _cards(chosen, meds, checker, audience)


def _resolved(checker: Checker, name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The drug ids a name resolves to, and the words of it that were not understood when
    it was only partly recognised."""
    found = checker.lookup(name)
    return found.drugs, found.unchecked if found.status == "partial" else ()


def _merged(prefetch: dict[str, Any]) -> dict[str, Any]:
    """The prefetched searches as one Bundle, so a reference from one search to a Medication
    included in another is still followed."""
    entries: list[Any] = []
    for key in PREFETCH:
        value = prefetch[key]
        if isinstance(value, dict) and value.get("resourceType") == "Bundle":
            found = value.get("entry") or []
            if not isinstance(found, list):
                raise HookError(400, f"prefetch.{key}: Bundle.entry must be a list")
            entries += found
        elif value is not None:
            entries.append({"resource": value})
    return {"resourceType": "Bundle", "entry": entries}


def _request(body: Any, chosen: Service) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise HookError(400, "the request body must be a JSON object")
    if body.get("hook") != chosen.hook:
        raise HookError(400, f"service {chosen.id} answers the {chosen.hook!r} hook, "
                             f"not {body.get('hook')!r}")
    if not isinstance(body.get("hookInstance"), str) or not body["hookInstance"]:
        raise HookError(400, "hookInstance (a UUID string) is required")
    context = body.get("context")
    if not isinstance(context, dict):
        raise HookError(400, "context must be an object")
    if not isinstance(context.get("patientId"), str) or not context["patientId"]:
        raise HookError(400, "context.patientId is required")
    if not isinstance(context.get("draftOrders"), dict):
        raise HookError(400, "context.draftOrders (a Bundle of orders) is required")
    return context


def _record(document: Any, where: str, checker: Checker) -> fhir_meds.MedicationRecord:
    try:
        return fhir_meds.read(document, checker.kb, checker.codes)
    except fhir_meds.FhirError as error:
        raise HookError(400, f"{where}: {error.message}") from None


def _same_patient(record: fhir_meds.MedicationRecord, patient: str, where: str) -> None:
    """Refuse medicines that belong to another patient than the one in context."""
    for med in record.used:
        subject = med.subject
        if subject and "Patient/" in subject and \
                subject.rsplit("Patient/", 1)[1].split("/", 1)[0] != patient:
            raise HookError(400, f"{where}: {med.entry} is for {subject}, not Patient/"
                                 f"{patient}; nothing was checked")


def _selected(context: dict[str, Any], drafts: fhir_meds.MedicationRecord) -> set[str] | None:
    selections = context.get("selections")
    if selections is None or selections == []:
        return None
    if not isinstance(selections, list) or not all(isinstance(s, str) for s in selections):
        raise HookError(400, "context.selections must be a list of references")
    return {s.rsplit("/", 2)[-2] + "/" + s.rsplit("/", 1)[-1] if s.count("/") > 1 else s
            for s in selections}


def _cards(chosen: Service, meds: list[_Med], checker: Checker, audience: Audience) -> Answer:
    kb = checker.kb
    tables = kb.interactions
    drafted = list(dict.fromkeys(d for m in meds if m.drafted for d in m.drugs))
    cards: list[dict[str, Any]] = []
    issued: list[IssuedCard] = []
    if drafted:
        first = next((d for d in drafted if d in tables.candidates), drafted[0])
        names = [tables.drugs[d].name for d in drafted if d != first]
        names += [m.name for m in meds if not m.drafted]
        report = checker.check_medicines(names, tables.drugs[first])
        wanted = set(drafted)
        for item in report.findings:
            if wanted.intersection(item.drugs):
                card, record = _interaction_card(chosen, item, meds, kb, audience)
                cards.append(card)
                issued.append(record)
    unknown = [m for m in meds if not m.drugs or m.unchecked]
    if unknown:
        card = _unknown_card(unknown, checker, audience)
        cards.append(card)
        issued.append(IssuedCard(card["uuid"], chosen.id, "not_checked", (), "info"))
    return Answer(cards, issued)


def _interaction_card(chosen: Service, item: Interaction, meds: list[_Med], kb: KnowledgeBase,
                      audience: Audience) -> tuple[dict[str, Any], IssuedCard]:
    drugs = kb.interactions.drugs
    found = item.finding
    names = [drugs[d].name for d in item.drugs]
    indicator = INDICATOR.get(found.severity, "info")
    main = kb.source(found.sources[0])
    source = {"label": _clip(main.title, 200)}
    if main.url:
        source["url"] = main.url
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": _summary(item, names),
        "indicator": indicator,
        "detail": _detail(item, meds, kb, audience),
        "source": source,
        "overrideReasons": _OVERRIDE_CODINGS,
    }
    if found.severity is Severity.CONTRAINDICATED:
        orders = [m.origin for m in meds if m.drafted and set(m.drugs) & set(item.drugs)
                  and "/" in m.origin.resource]
        suggestions = [{"label": f"Remove the draft order for {_clip(order.written, 60)}",
                        "uuid": str(uuid.uuid4()), "isRecommended": True,
                        "actions": [{"type": "delete",
                                     "description": f"Remove {order.resource}",
                                     "resourceId": order.resource}]}
                       for order in dict.fromkeys(orders)]
        if suggestions:
            card["suggestions"] = suggestions
            card["selectionBehavior"] = "at-most-one"
    return card, IssuedCard(card["uuid"], chosen.id, item.rule_id, tuple(names), indicator)


def _summary(item: Interaction, names: list[str]) -> str:
    level = item.finding.severity.label.capitalize()
    if item.kind == "same_drug":
        text = f"{level}: {names[0]} twice (ordered and already listed)"
    elif item.kind == "group":
        text = f"{level}: {', '.join(names[:-1])} and {names[-1]} together"
    else:
        text = f"{level} interaction: {names[0]} with {' and '.join(names[1:])}"
    return _clip(text, SUMMARY_LIMIT)


def _finding_text(found: Finding, kb: KnowledgeBase, audience: Audience) -> list[str]:
    """The Markdown of a finding: effect, mechanism, what to do, numbered sources."""
    lines = [f"**Effect:** {found.effect.for_(audience)}", "",
             f"**Mechanism:** {found.mechanism.for_(audience)}", "",
             f"**What to do:** {found.advice.for_(audience)}", "", "**Sources:**", ""]
    return lines + [f"{n}. {kb.source(s).cite()}" for n, s in enumerate(found.sources, 1)]


def _detail(item: Interaction, meds: list[_Med], kb: KnowledgeBase, audience: Audience) -> str:
    lines = [*_finding_text(item.finding, kb, audience), "", "**Medicines:**", ""]
    for drug_id in item.drugs:
        came = [m for m in meds if drug_id in m.drugs]
        where = "; ".join(f"{'draft order' if m.drafted else 'record'} "
                          f"{_md(m.origin.resource)}: "
                          f"{_md(m.origin.written)}" for m in came[:3]) or "the order"
        lines.append(f"- {kb.interactions.drugs[drug_id].name} ({where})")
    lines += ["", _footer(kb, audience)]
    return "\n".join(lines)


def _unknown_card(unknown: list[_Med], checker: Checker, audience: Audience) -> dict[str, Any]:
    kb = checker.kb
    written = list(dict.fromkeys(m.origin.written for m in unknown))
    shown = ", ".join(written[:3]) + (f" and {len(written) - 3} more" if len(written) > 3 else "")
    lines = [kb.interactions.unknown_medicine.for_(audience), "", "**Not checked:**", ""]
    for med in unknown:
        hints = checker.lookup(med.name).suggestions
        hint = f" (did you mean {', '.join(hints)}?)" if hints else ""
        kind = "draft order" if med.drafted else "record"
        part = ""
        if med.drugs:  # partly recognised: say what was checked and what may be missing
            names = ", ".join(kb.interactions.drugs[d].name for d in med.drugs)
            words = ", ".join(f"'{_md(w)}'" for w in med.unchecked)
            part = (f": partly recognised, only {names} checked; {words} may mean more "
                    "medicines, not checked")
        lines.append(f"- {_md(med.origin.written)}: {kind} {_md(med.origin.resource)}"
                     f"{part}{hint}")
    lines += ["", _footer(kb, audience)]
    meta = kb.interactions.meta
    lead = "Not checked" if all(not m.drugs for m in unknown) else \
        "Not fully checked" if all(m.drugs for m in unknown) else "Not checked or not fully checked"
    return {"uuid": str(uuid.uuid4()),
            "summary": _clip(f"{lead} for interactions: {shown}", SUMMARY_LIMIT),
            "indicator": "info",
            "detail": "\n".join(lines),
            "source": {"label": f"spasmcheck interaction tables {meta.version} "
                                f"(reviewed {meta.reviewed})"}}


def _footer(kb: KnowledgeBase, audience: Audience) -> str:
    meta = kb.interactions.meta
    return (f"*spasmcheck, {meta.table} tables {meta.version} (reviewed {meta.reviewed}, "
            f"{kb.origin}). {kb.triage.disclaimer.for_(audience)}*")


def _md(text: str) -> str:
    """Record text shown in Markdown: every character that could format or link escaped."""
    return " ".join(text.split()).translate(_MARKDOWN)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


class Outcome(Record):
    """One feedback item: what the clinician did with a card."""

    card: str
    outcome: str  # "accepted" or "overridden"
    reason_code: str | None
    reason_display: str | None
    comment: str | None
    accepted_suggestions: int
    at: str | None


MAX_FEEDBACK_ITEMS = LIMITS.feedback_items
MAX_COMMENT = LIMITS.comment_length


def feedback_items(service_id: str, body: Any) -> list[Outcome]:
    """The items of a `POST /cds-services/{id}/feedback` body, or HookError 400."""
    service(service_id)
    items = body.get("feedback") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise HookError(400, "feedback must be a non-empty list of items")
    if len(items) > MAX_FEEDBACK_ITEMS:
        raise HookError(400, f"at most {MAX_FEEDBACK_ITEMS} feedback items in one request")
    outcomes = []
    for number, item in enumerate(items, 1):
        where = f"feedback item {number}"
        if not isinstance(item, dict) or not isinstance(item.get("card"), str):
            raise HookError(400, f"{where}: card (the card's uuid) is required")
        if item.get("outcome") not in ("accepted", "overridden"):
            raise HookError(400, f"{where}: outcome must be accepted or overridden")
        reason = item.get("overrideReason")
        coding = reason.get("reason") if isinstance(reason, dict) else None
        coding = coding if isinstance(coding, dict) else {}
        comment = reason.get("userComment") if isinstance(reason, dict) else None
        accepted = item.get("acceptedSuggestions")
        at = item.get("outcomeTimestamp")
        outcomes.append(Outcome(
            item["card"][:100], item["outcome"],
            _text_or_none(coding.get("code"), 100), _text_or_none(coding.get("display"), 200),
            _text_or_none(comment, MAX_COMMENT),
            len(accepted) if isinstance(accepted, list) else 0, _text_or_none(at, 40)))
    return outcomes


def _text_or_none(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None
