"""Batch results as JSON Lines, written straight from pre-encoded parts.

Each line is `{"id": ..., "line": ..., **result}` in one-line JSON, where `result` is the very
object `render.data` builds for the one-shot `--json`: the same keys, in the same order, with
the same words. A batch run meets the same header, medicines, findings and advice on line after
line, so each part is encoded once, from `render.data`'s own builders, and a line only joins
them. `tests/test_batch.py` checks, line for line, that the text equals `data.compact` of the
object `render.data` builds.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from spasmcheck.answers import MEDICATIONS
from spasmcheck.model import (
    UNSURE,
    Audience,
    Drug,
    KnowledgeBase,
    QuestionType,
    Severity,
    Text,
    TriageTables,
    Urgency,
)
from spasmcheck.names import SPELLED_MEMO_SIZE, as_listed
from spasmcheck.render import data

if TYPE_CHECKING:
    from spasmcheck.emergency import Contact
    from spasmcheck.interactions import Interaction, Report
    from spasmcheck.triage import Assessment, FlagHit

_dumps = data._dumps
_text = data._text_json
_MEMO_SIZE = 1024  # entries in each memo of fixed parts that the tables bound


def error(line_id: Any, number: int, message: str) -> str:
    return data.compact({"id": line_id, "line": number, "error": {"message": message}}) + "\n"


def triage(line_id: Any, number: int, assessment: Assessment, kb: KnowledgeBase,
           audience: Audience, contact: Contact) -> str:
    """`data.compact({"id": line_id, "line": number, **data.triage_result(...)})`."""
    if assessment.notices:  # less common (they may withhold sections): built the long way
        return data.compact({"id": line_id, "line": number,
                             **data.triage_result(assessment, kb, audience, contact)}) + "\n"
    parts = _parts(kb, audience)
    said = parts.answers
    phone = contact.number or data.UNKNOWN_NUMBER
    report = assessment.interactions
    given = assessment.answers
    medications = said.medications(given.medications)
    flags = ",".join([parts.flag(hit, phone) + ',"because":' + said.ids(hit.because)
                      + ',"answers":' + said.some(hit.because, given.values, medications) + "}"
                      for hit in assessment.hits])
    return "".join([
        _start(line_id, number), parts.head_only, parts.emergency(contact),
        ',"urgency":', data.urgency(kb, assessment.urgency, phone, audience).json(),
        ',"red_flags":[', flags, '],"next_steps":[',
        ",".join([parts.step(step, phone) for step in assessment.next_steps]), "]",
        parts.emergency_advice if assessment.urgency is Urgency.EMERGENCY else parts.advice,
        ',"candidate":', _text(report.candidate.name), parts.medications(report),
        ',"interactions":[', ",".join([parts.finding(i) for i in report.interactions]),
        '],"answers":', said.all(given.values, medications),
        ',"unanswered":', said.ids(assessment.unanswered),
        ',"unanswered_screen":', said.ids(assessment.unanswered_screen),
        ',"read_as_unsure":', said.ids(assessment.read_as_unsure), ',"notices":[]',
        parts.disclaimer])


class _Encoded(dict[str, str]):
    """Question ids as JSON text; an id the tables do not hold is encoded when met."""

    def __missing__(self, key: str) -> str:
        return _text(key)


class _Said:
    """The answers of a triage result, from pre-encoded parts: each question's id, and each
    of its fixed answers (yes, no, "unsure", a choice) with its key, as `"id":value`."""

    def __init__(self, tables: TriageTables) -> None:
        self.keys = _Encoded({q.id: _text(q.id) for q in tables.questions})
        self.keys[MEDICATIONS] = _text(MEDICATIONS)
        self.pairs: dict[str, dict[Any, str]] = {}
        for q in tables.questions:
            fixed: tuple[Any, ...] = (True, False) if q.is_yes_no else q.values \
                if q.type is QuestionType.CHOICE else ()
            if q.type is QuestionType.YES_NO_UNSURE:
                fixed += (UNSURE,)
            self.pairs[q.id] = {value: f"{self.keys[q.id]}:{_dumps(value)}" for value in fixed}
        self.medications_key = self.keys[MEDICATIONS] + ":"

    def ids(self, keys: tuple[str, ...]) -> str:
        """A list of question ids (or `medications`)."""
        return "[" + ",".join(map(self.keys.__getitem__, keys)) + "]" if keys else "[]"

    def medications(self, names: tuple[str, ...]) -> str:
        return self.medications_key + "[" + ",".join([_text(name) for name in names]) + "]"

    def other(self, key: str, value: Any) -> str:
        """`"id":value` for an answer with no pre-encoded text (a number)."""
        return self.keys[key] + ":" + (
            str(value) if type(value) is int else _dumps(value))

    def all(self, values: Mapping[str, Any], medications: str) -> str:
        """`{**values, "medications": [...]}` (Answers.as_dict)."""
        pairs, other = self.pairs, self.other
        return "{" + ",".join([pairs[key].get(value) or other(key, value)
                               for key, value in values.items()] + [medications]) + "}"

    def some(self, keys: tuple[str, ...], values: Mapping[str, Any], medications: str) -> str:
        """`{key: as_dict().get(key) for key in keys}`: null for a question not answered."""
        pairs, other = self.pairs, self.other
        return "{" + ",".join([
            medications if key == MEDICATIONS else
            (pairs[key].get(values[key]) or other(key, values[key])) if key in values
            else self.keys[key] + ":null" for key in keys]) + "}"


def _start(line_id: Any, number: int) -> str:
    kind = type(line_id)
    encoded = _text(line_id) if kind is str else str(line_id) if kind is int else \
        _dumps(line_id)
    return f'{{"id":{encoded},"line":{number},'


def interactions(line_id: Any, number: int, report: Report, kb: KnowledgeBase,
                 audience: Audience) -> str:
    """`data.compact({"id": line_id, "line": number, **data.interactions_result(...)})`."""
    parts = _parts(kb, audience)
    context = ',"conditions":[],"age":null' if not report.conditions and report.age is None \
        else f',"conditions":{_dumps(list(report.conditions))},"age":{_dumps(report.age)}'
    return "".join([_start(line_id, number), parts.head(report.candidate),
                    parts.medications(report), context, _summary(report),
                    ',"interactions":[', ",".join([parts.finding(i) for i in report.interactions]),
                    "]", parts.disclaimer])


_COUNT = {severity: f'"{severity.label}":' for severity in Severity}
_WORST = {severity: f'"{severity.label}"' for severity in Severity}


def _summary(report: Report) -> str:
    """The summary object; findings come most severe first, so counts are in that order."""
    counts: dict[Severity, int] = {}
    for item in report.interactions:
        counts[item.finding.severity] = counts.get(item.finding.severity, 0) + 1
    worst = _WORST[next(iter(counts))] if counts else "null"
    known = partial = 0
    for med in report.medications:
        if med.status == "known":
            known += 1
        elif med.status == "partial":
            partial += 1
    listed = ",".join([_COUNT[severity] + str(n) for severity, n in counts.items()])
    return (f',"summary":{{"worst":{worst},"counts":{{{listed}}},"known":{known},'
            f'"partial":{partial},"unknown":{len(report.medications) - known - partial}}}')


class _Parts:
    """The pre-encoded parts for one knowledge base and audience."""

    def __init__(self, kb: KnowledgeBase, audience: Audience) -> None:
        self.kb, self.audience = kb, audience
        self.names = {drug_id: _text(drug.name) for drug_id, drug in kb.interactions.drugs.items()}
        self.bodies: dict[tuple[str, str, str | None, int | None], str] = {}
        self.heads: dict[str, str] = {}  # candidate id -> the fields up to "candidate"
        self.head_only = data.compact(data.header(kb, audience))[1:-1]
        self.contacts: dict[str | None, str] = {}  # country code -> the emergency field
        guidance = "clinician_guidance" if audience is Audience.CLINICIAN else "medicine_tips"
        tips = data.compact({"guidance": data._advice(kb, guidance, audience)})[1:-1]
        self.advice = ',"seek_help_sooner":' + data.compact(
            {"": data._advice(kb, "safety_net", audience)})[4:-1] + "," + tips
        self.emergency_advice = ',"seek_help_sooner":[],' + tips
        # a name as typed (with its suggestions, if any) -> its medications entry
        self.medicines: dict[str | tuple[str, tuple[str, ...]], str] = {}
        self.unknown_advice = ',"unknown_advice":' + _text(
            kb.interactions.unknown_medicine.for_(audience))
        self.disclaimer = ',"disclaimer":' + _text(kb.triage.disclaimer.for_(audience)) + "}\n"
        self.answers = _Said(kb.triage)
        self.flags: dict[tuple[str, int, str], str] = {}  # the red flag's fields, open
        self.steps: dict[tuple[Text, str], str] = {}  # a step, filled and encoded

    def emergency(self, contact: Contact) -> str:
        code = contact.country.code if contact.country else None
        text = self.contacts.get(code)
        if text is None:
            text = self.contacts[code] = ',"emergency":' + _dumps(
                data.emergency(contact, self.audience))
        return text

    def flag(self, hit: FlagHit, phone: str) -> str:
        """`data.red_flag(...)` as text without its `because` and `answers` and closing brace."""
        index = next(i for i, tier in enumerate(hit.flag.tiers) if tier is hit.tier)
        key = (hit.flag.id, index, phone)
        text = self.flags.get(key)
        if text is None:
            text = data._flag_at(self.kb, hit.flag.id, index, self.audience, phone).json()[:-1]
            if len(self.flags) < _MEMO_SIZE:  # flags x tiers x emergency numbers met
                self.flags[key] = text
        return text

    def step(self, step: Text, phone: str) -> str:
        """A next step as JSON text, with the emergency number filled in."""
        key = (step, phone)
        text = self.steps.get(key)
        if text is None:
            text = _text(data._text(step, phone, self.audience))
            if len(self.steps) < _MEMO_SIZE:  # the tables' steps (a few name a medicine)
                self.steps[key] = text
        return text

    def head(self, candidate: Drug) -> str:
        """The header fields and the candidate."""
        head = self.heads.get(candidate.id)
        if head is None:
            shaped = {**data.header(self.kb, self.audience), "candidate": candidate.name}
            head = self.heads[candidate.id] = data.compact(shaped)[1:-1]
        return head

    def medications(self, report: Report) -> str:
        """The medications, unknown and unknown_advice fields."""
        memo = self.medicines
        listed = []
        for med in report.medications:
            # a partial entry carries suggestions, which depend on the candidate
            key = med.input if not med.suggestions else (med.input, med.suggestions)
            text = memo.get(key)
            if text is None:
                if as_listed(med):
                    text = data._medication(med, self.kb).json()
                    if len(memo) < SPELLED_MEMO_SIZE:
                        memo[key] = text
                else:  # most are met once: not kept by render.data's memo either
                    text = data._medication.__wrapped__(med, self.kb).json()
            listed.append(text)
        unknown = _dumps(data.medications(report, self.kb, self.audience)["unknown"]) \
            if report.unknown else "[]"
        return f',"medications":[{",".join(listed)}],"unknown":{unknown}' + self.unknown_advice

    def finding(self, item: Interaction) -> str:
        """`data.interaction(item, ...)` as text; all but the drugs is shared by the rule (a
        duplicate names the medicines it was listed as, so it is built each time)."""
        if item.kind == "same_drug":  # names the list's own medicines: not memoised
            return data.interaction.__wrapped__(item, self.kb, self.audience).json()
        names = self.names
        drugs = ",".join([names[d] for d in item.drugs])
        key = (item.kind, item.rule_id, item.condition, item.applies_from_age)
        body = self.bodies.get(key)
        if body is None:
            whole = data.interaction(item, self.kb, self.audience).json()
            body = self.bodies[key] = whole[len(f'{{"drugs":[{drugs}]'):]
        return f'{{"drugs":[{drugs}]{body}'


@lru_cache(maxsize=16)
def _parts(kb: KnowledgeBase, audience: Audience) -> _Parts:
    return _Parts(kb, audience)
