"""Results as the documented JSON shapes (schema_version 1). Every other format reads these.

Building one dict per result, in one place, keeps the JSON contract, the terminal text and the
reports saying the same thing: a renderer only lays out what is here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from spasmcheck import __version__
from spasmcheck.model import Audience, Finding, KnowledgeBase, Text, Urgency

if TYPE_CHECKING:
    from spasmcheck.emergency import Contact
    from spasmcheck.interactions import Interaction, Report
    from spasmcheck.names import Resolution
    from spasmcheck.triage import Assessment

SCHEMA_VERSION = 1
UNKNOWN_NUMBER = "your local emergency number"


def _cite(kb: KnowledgeBase, ids: tuple[str, ...]) -> list[str]:
    return [kb.source(i).cite() for i in ids]


# The shapes below are memoised (batch mode meets the same findings again and again), so the
# dicts they return are shared: read them, never change them.


@lru_cache(maxsize=16)
def header(kb: KnowledgeBase, audience: Audience) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "spasmcheck", "version": __version__},
        "tables": [{"table": m.table, "version": m.version, "reviewed": m.reviewed,
                    "origin": kb.origin} for m in kb.tables],
        "audience": audience.value,
    }


def finding(found: Finding, kb: KnowledgeBase, audience: Audience) -> dict[str, Any]:
    return {
        "severity": found.severity.label,
        "effect": found.effect.for_(audience),
        "mechanism": found.mechanism.for_(audience),
        "advice": found.advice.for_(audience),
        "sources": _cite(kb, found.sources),
    }


@lru_cache(maxsize=16384)
def interaction(item: Interaction, kb: KnowledgeBase, audience: Audience) -> dict[str, Any]:
    out: dict[str, Any] = {
        "drugs": [kb.interactions.drugs[d].name for d in item.drugs],
        "kind": item.kind,
        "rule": item.rule_id,
        **finding(item.finding, kb, audience),
    }
    if item.kind == "caution":
        out["condition"] = item.condition
    return out


def medications(report: Report, kb: KnowledgeBase) -> dict[str, Any]:
    return {"medications": [_medication(med, kb) for med in report.medications],
            "unknown": [{"input": m.input, "suggestions": list(m.suggestions)}
                        for m in report.unknown]}


@lru_cache(maxsize=16384)
def _medication(med: Resolution, kb: KnowledgeBase) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "input": med.input,
        "matched": [kb.interactions.drugs[d].name for d in med.drugs],
        "status": "known" if med.known else "unknown",
    }
    if med.entry is not None:
        entry["matched_as"] = med.entry.kind
    return entry


def interactions_result(report: Report, kb: KnowledgeBase, audience: Audience) -> dict[str, Any]:
    """The `spasmcheck interactions --json` object."""
    counts = {s.label: sum(1 for i in report.interactions if i.severity is s)
              for s in sorted({i.severity for i in report.interactions}, reverse=True)}
    return {
        **header(kb, audience),
        "candidate": report.candidate.name,
        **medications(report, kb),
        "conditions": list(report.conditions),
        "age": report.age,
        "summary": {"worst": report.worst.label if report.worst else None,
                    "counts": counts,
                    "known": sum(1 for m in report.medications if m.known),
                    "unknown": len(report.unknown)},
        "interactions": [interaction(i, kb, audience) for i in report.interactions],
        "disclaimer": kb.triage.disclaimer.for_(audience),
    }


def emergency(contact: Contact, audience: Audience) -> dict[str, Any]:
    country = contact.country
    return {
        "country": country.code if country else None,
        "name": country.name if country else None,
        "number": country.emergency if country else None,
        "also": list(country.also) if country else [],
        "advice_line": country.advice_line if country else None,
        "text": contact.fallback.for_(audience) if country is None else
        f"{country.name}: call {country.emergency}",
    }


def _advice(items: tuple[Any, ...], kb: KnowledgeBase, audience: Audience) -> list[dict[str, Any]]:
    return [{"text": a.text.for_(audience), "sources": _cite(kb, a.sources)} for a in items]


def triage_result(assessment: Assessment, kb: KnowledgeBase, audience: Audience,
                  contact: Contact) -> dict[str, Any]:
    """The `spasmcheck triage --json` object."""
    tables = kb.triage
    level = tables.levels[assessment.urgency]
    number = contact.number or UNKNOWN_NUMBER
    answers = assessment.answers.as_dict()
    guidance = tables.clinician_guidance if audience is Audience.CLINICIAN \
        else tables.medicine_tips
    return {
        **header(kb, audience),
        "emergency": emergency(contact, audience),
        "urgency": {"level": level.urgency.label, "rank": int(level.urgency),
                    "label": level.label.for_(audience),
                    "action": level.action.fill(emergency_number=number).for_(audience),
                    "colour": level.colour},
        "red_flags": [{
            "id": hit.flag.id,
            "kind": hit.flag.kind,
            "title": hit.flag.title.for_(audience),
            "concern": hit.flag.concern.for_(audience),
            "urgency": hit.urgency.label,
            "because": list(hit.because),
            "answers": {key: answers.get(key) for key in hit.because},
            "do_now": hit.do_now.fill(emergency_number=number).for_(audience),
            "sources": _cite(kb, hit.flag.sources),
        } for hit in assessment.hits],
        "next_steps": [_text(step, number, audience) for step in assessment.next_steps],
        "seek_help_sooner": [] if assessment.urgency is Urgency.EMERGENCY
        else _advice(tables.safety_net, kb, audience),
        "guidance": _advice(guidance, kb, audience),
        "candidate": assessment.interactions.candidate.name,
        **medications(assessment.interactions, kb),
        "interactions": [interaction(i, kb, audience)
                         for i in assessment.interactions.interactions],
        "answers": answers,
        "unanswered": list(assessment.unanswered),
        "unanswered_screen": [q.id for q in tables.questions
                              if q.screen and q.id in assessment.unanswered],
        "disclaimer": tables.disclaimer.for_(audience),
    }


def _text(text: Text, number: str, audience: Audience) -> str:
    return text.fill(emergency_number=number).for_(audience)
