"""Results as the documented JSON shapes (schema_version 1). Every other format reads these.

Building one dict per result, in one place, keeps the JSON contract, the terminal text and the
reports saying the same thing: a renderer only lays out what is here. Parts that recur are
memoised (`encoding.Shared`): read them, never change them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, cast

from spasmcheck import __version__
from spasmcheck.core.model import Advice, Audience, Finding, KnowledgeBase, Notice, Text, Urgency
from spasmcheck.render.encoding import Joined, Shared

if TYPE_CHECKING:
    from spasmcheck.core.emergency import Contact
    from spasmcheck.core.interactions import Interaction, MedicineCheck
    from spasmcheck.core.names import Resolution
    from spasmcheck.core.triage import Assessment, FlagHit
    from spasmcheck.render import shapes

SCHEMA_VERSION: Final = 1
UNKNOWN_NUMBER = "your local emergency number"


def _cite(kb: KnowledgeBase, ids: tuple[str, ...]) -> list[str]:
    return [kb.source(i).cite() for i in ids]


def header(kb: KnowledgeBase, audience: Audience) -> shapes.Header:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": cast("shapes.Tool", Shared(name="spasmcheck", version=__version__)),
        "tables": cast("list[shapes.Table]", [
            Shared(table=m.table, version=m.version, reviewed=m.reviewed, origin=kb.origin)
            for m in kb.tables]),
        "audience": audience.value,
    }


def finding(found: Finding, kb: KnowledgeBase, audience: Audience) -> shapes.Finding:
    return {
        "severity": cast("shapes.Severity", found.severity.label),
        "effect": found.effect.for_(audience),
        "mechanism": found.mechanism.for_(audience),
        "advice": found.advice.for_(audience),
        "sources": _cite(kb, found.sources),
    }


def interaction(item: Interaction, kb: KnowledgeBase, audience: Audience) -> Joined:
    """A finding: the drugs it names, then what its rule says (`ruling`)."""
    return Joined({"drugs": [kb.interactions.drugs[d].name for d in item.drugs]},
                  ruling(item.kind, item.rule_id, item.finding, item.condition,
                         item.applies_from_age, kb, audience))


def ruling(kind: str, rule_id: str, found: Finding, condition: str | None,
           applies_from_age: int | None, kb: KnowledgeBase, audience: Audience) -> Shared:
    """All of a finding but its drugs: the same for each finding of one rule, condition and
    age (but a duplicate's, which names the list's own medicines)."""
    out = Shared(kind=kind, rule=rule_id, **finding(found, kb, audience))
    if kind == "caution":
        out["condition"] = condition
    if applies_from_age is not None:
        out["applies_from_age"] = applies_from_age
    return out


def medications(report: MedicineCheck, kb: KnowledgeBase, audience: Audience) -> shapes.Medications:
    return {"medications": cast("list[shapes.Medication]",
                                [medication(med, kb) for med in report.medications]),
            "unknown": unknown(report),
            "unknown_advice": kb.interactions.unknown_medicine.for_(audience)}


def unknown(report: MedicineCheck) -> list[shapes.UnknownMedicine]:
    """The names not recognised, with close names the person may have meant."""
    return [{"input": m.input, "suggestions": list(m.suggestions)} for m in report.unknown]


def medication(med: Resolution, kb: KnowledgeBase) -> Shared:
    """One entry of `medications`: the name as given and what it was matched to."""
    entry = Shared(input=med.input, matched=[kb.interactions.drugs[d].name for d in med.drugs],
                   status=med.status)
    if med.entry is not None:
        entry["matched_as"] = med.entry.kind
    if med.unchecked:
        entry["unchecked"] = list(med.unchecked)
        entry["suggestions"] = list(med.suggestions)
    return entry


def interactions_result(report: MedicineCheck, kb: KnowledgeBase,
                        audience: Audience) -> shapes.InteractionsResult:
    """The `spasmcheck interactions --json` object."""
    counts: dict[Any, int] = {s.label: sum(1 for i in report.findings if i.severity is s)
              for s in sorted({i.severity for i in report.findings}, reverse=True)}
    head, meds = header(kb, audience), medications(report, kb, audience)
    return {  # the shared parts' keys written out, so that mypy checks every one
        "schema_version": head["schema_version"], "tool": head["tool"],
        "tables": head["tables"], "audience": head["audience"],
        "candidate": report.candidate.name,
        "medications": meds["medications"], "unknown": meds["unknown"],
        "unknown_advice": meds["unknown_advice"],
        "conditions": list(report.conditions),
        "age": report.age,
        "summary": {"worst": cast("shapes.Severity", report.worst.label) if report.worst
                    else None,
                    "counts": counts,
                    "known": sum(1 for m in report.medications if m.known),
                    "partial": sum(1 for m in report.medications if m.status == "partial"),
                    "unknown": len(report.unknown)},
        "interactions": cast("list[shapes.Interaction]",
                             [interaction(i, kb, audience) for i in report.findings]),
        "disclaimer": kb.triage.disclaimer.for_(audience),
    }


def emergency(contact: Contact, audience: Audience) -> shapes.Emergency:
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


def advice(kb: KnowledgeBase, section: str, audience: Audience) -> list[Shared]:
    items: tuple[Advice, ...] = getattr(kb.triage, section)
    return [Shared(text=a.text.for_(audience), sources=_cite(kb, a.sources)) for a in items]


def flag(hit: FlagHit, kb: KnowledgeBase, audience: Audience, number: str) -> Shared:
    """A red flag at the tier that fired, without the answers that fired it."""
    flag, tier = hit.flag, hit.tier
    return Shared(id=flag.id, kind=flag.kind, title=flag.title.for_(audience),
                  concern=flag.concern.for_(audience), urgency=tier.urgency.label,
                  do_now=filled(tier.do_now or flag.do_now, number, audience),
                  sources=_cite(kb, flag.sources))


def urgency(kb: KnowledgeBase, level: Urgency, number: str, audience: Audience) -> Shared:
    shown = kb.triage.levels[level]
    return Shared(level=shown.urgency.label, rank=int(shown.urgency),
                  label=shown.label.for_(audience), action=filled(shown.action, number, audience),
                  colour=shown.colour)


def red_flag(hit: FlagHit, kb: KnowledgeBase, audience: Audience, number: str,
             answers: dict[str, Any]) -> Joined:
    """A red flag that fired, with the answers that fired it."""
    return Joined(flag(hit, kb, audience, number), {"because": list(hit.because),
                  "answers": {key: answers.get(key) for key in hit.because}})


def triage_result(assessment: Assessment, kb: KnowledgeBase, audience: Audience,
                  contact: Contact) -> shapes.TriageResult:
    """The `spasmcheck triage --json` object."""
    tables = kb.triage
    number = contact.number or UNKNOWN_NUMBER
    answers = assessment.answers.as_dict()
    guidance = "clinician_guidance" if audience is Audience.CLINICIAN else "medicine_tips"
    head, meds = header(kb, audience), medications(assessment.medicine_check, kb, audience)
    return {  # the shared parts' keys written out, so that mypy checks every one
        "schema_version": head["schema_version"], "tool": head["tool"],
        "tables": head["tables"], "audience": head["audience"],
        "emergency": emergency(contact, audience),
        "urgency": cast("shapes.Urgency", urgency(kb, assessment.urgency, number, audience)),
        "red_flags": cast("list[shapes.RedFlag]", [red_flag(hit, kb, audience, number, answers)
                                                   for hit in assessment.hits]),
        "next_steps": [filled(step, number, audience) for step in assessment.next_steps],
        "seek_help_sooner": [] if assessment.urgency is Urgency.EMERGENCY
        else cast("list[shapes.Advice]", advice(kb, "safety_net", audience)),
        "guidance": [] if guidance in assessment.withheld
        else cast("list[shapes.Advice]", advice(kb, guidance, audience)),
        "candidate": assessment.medicine_check.candidate.name,
        "medications": meds["medications"], "unknown": meds["unknown"],
        "unknown_advice": meds["unknown_advice"],
        "interactions": cast("list[shapes.Interaction]", [
            interaction(i, kb, audience) for i in assessment.medicine_check.findings]),
        "answers": answers,
        "unanswered": list(assessment.unanswered),
        "unanswered_screen": list(assessment.unanswered_screen),
        "read_as_unsure": list(assessment.read_as_unsure),
        "notices": cast("list[shapes.Notice]",
                        [notice(n, kb, audience) for n in assessment.notices]),
        "disclaimer": tables.disclaimer.for_(audience),
    }


def notice(shown: Notice, kb: KnowledgeBase, audience: Audience) -> Shared:
    return Shared(id=shown.id, text=shown.text.for_(audience), sources=_cite(kb, shown.sources))


def filled(text: Text, number: str, audience: Audience) -> str:
    return text.fill(emergency_number=number).for_(audience)


def triage_person(assessment: Assessment, kb: KnowledgeBase, audience: Audience,
                  number: str | None) -> shapes.Person:
    """What a person reads beyond the JSON (never part of it): every answer in its question's
    words, the steps for this level only, and advice that fits where the spasm is."""
    from spasmcheck.core.answers import MEDICATIONS
    from spasmcheck.core.conditions import holds
    from spasmcheck.core.triage import facts
    from spasmcheck.render.answers import label

    tables = kb.triage
    phone = number or UNKNOWN_NUMBER
    known = facts(assessment.answers, assessment.medicine_check, kb)
    questions = {q.id: q for q in tables.questions}
    medicines = next((q for q in tables.questions if q.is_medicines), None)
    unsure = set(assessment.read_as_unsure)

    def shown(advice: Advice) -> bool:
        return advice.shown_when is None or holds(advice.shown_when, known) is not None

    def said(key: str) -> shapes.Said:
        if key == MEDICATIONS or key not in questions:
            meds = ", ".join(assessment.answers.medications) or "None"
            return {"question": medicines.prompt.for_(audience) if medicines else key,
                    "answer": meds}
        question = questions[key]
        value = assessment.answers.values.get(key)
        answer = "Not answered, read as not sure" if key in unsure or value is None \
            else label(question, value, audience)
        return {"question": question.prompt.for_(audience), "answer": answer}

    level = assessment.urgency
    flag_steps = {hit.do_now for hit in assessment.hits}
    care = {advice.text for advice in tables.self_care}
    steps = [hit.do_now for hit in assessment.hits if hit.urgency is level]
    if level is not Urgency.EMERGENCY:
        steps += [s for s in assessment.next_steps if s not in flag_steps and s not in care]
    if level <= Urgency.ROUTINE and "self_care" not in assessment.withheld:
        steps += [advice.text for advice in tables.self_care if shown(advice)]
    section = "clinician_guidance" if audience is Audience.CLINICIAN else "medicine_tips"
    tips = [] if section in assessment.withheld or (
        level > Urgency.ROUTINE and audience is Audience.PATIENT) else [
        a.text.for_(audience) for a in getattr(tables, section) if shown(a)]
    given = [said(key) for key in assessment.answers.values]
    if medicines is not None:
        given.append(said(MEDICATIONS))
    return {
        "what_to_do": [filled(step, phone, audience) for step in dict.fromkeys(steps)],
        "why": [{"urgency": hit.urgency.label, "title": hit.flag.title.for_(audience),
                 "concern": hit.flag.concern.for_(audience),
                 "said": [said(key) for key in hit.because],
                 "sources": _cite(kb, hit.flag.sources)} for hit in assessment.hits],
        "help_sooner": [] if level is Urgency.EMERGENCY else [  # only what is more urgent
            {"text": a.text.for_(audience), "sources": _cite(kb, a.sources)}
            for a in tables.safety_net if shown(a) and (a.urgency is None or a.urgency > level)],
        "call_if": None if level is Urgency.EMERGENCY or tables.call_if is None
        else filled(tables.call_if, phone, audience),
        "tips": tips,
        "answers_given": given,
        "notices": [n.text.for_(audience) for n in assessment.notices],
        "not_asked": [] if level is Urgency.EMERGENCY else [  # nothing is more urgent
            questions[key].prompt.for_(audience)
            for key in assessment.unanswered_screen if key not in unsure],
        "read_as_unsure": [] if level is Urgency.EMERGENCY else [
            questions[key].prompt.for_(audience) for key in assessment.read_as_unsure
            if key in questions],
    }
