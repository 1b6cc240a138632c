"""Batch results as JSON Lines, written from pre-encoded parts.

Each line is `{"id": ..., "line": ..., **result}` in one-line JSON, where `result` is the very
object `render.data` builds for the one-shot `--json`: the same keys, in the same order, with
the same words. A batch run meets the same header, medicines, findings and advice on line after
line, so a `Writer` (one a run, made before the workers fork, so they share it) encodes each
part once, with `render.encoding`, from `render.data`'s own builders, and a line only joins
the members. Tests hold the line to the one-shot JSON byte for byte: `tests/test_render_json.py`
on fixed results against the `--json` renderer, `tests/test_batch.py` on random lines
(hypothesis) and on every kind of name the lean path treats apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spasmcheck.core.answers import MEDICATIONS
from spasmcheck.core.model import (
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
from spasmcheck.core.names import as_listed
from spasmcheck.render import data
from spasmcheck.render.encoding import compact, members, text, value_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from spasmcheck.core.emergency import Contact
    from spasmcheck.core.interactions import Interaction, MedicineCheck
    from spasmcheck.core.names import Resolution
    from spasmcheck.core.triage import Assessment, FlagHit

_MEMO_SIZE = 1024  # entries in each memo of fixed parts that the tables bound
_PAIRS_SIZE = 8192  # answers to a question, encoded: the fixed ones and numbers met
_COUNT = {severity: f'"{severity.label}":' for severity in Severity}
_WORST = {severity: f'"{severity.label}"' for severity in Severity}


def error(line_id: Any, number: int, message: str) -> str:
    return compact({"id": line_id, "line": number, "error": {"message": message}}) + "\n"


def _start(line_id: Any, number: int) -> str:
    kind = type(line_id)
    encoded = text(line_id) if kind is str else str(line_id) if kind is int else \
        value_text(line_id)
    return f'{{"id":{encoded},"line":{number},'


class Writer:
    """The pre-encoded parts for one knowledge base and audience, and the lines made of them.

    Every memo here is bounded by the tables (rules, drugs, the names they list), not by the
    input, so a long run's memory stays flat."""

    def __init__(self, kb: KnowledgeBase, audience: Audience) -> None:
        self.kb, self.audience = kb, audience
        self.names = {drug_id: text(drug.name) for drug_id, drug in kb.interactions.drugs.items()}
        self.head_only = members(data.header(kb, audience))
        self.heads: dict[str, str] = {}  # candidate id -> the members up to "candidate"
        # (kind, rule, condition, applies_from_age) -> the members of a finding after "drugs"
        self.rulings: dict[tuple[str, str, str | None, int | None], str] = {}
        # a name as typed (as the tables list it) -> its medications entry
        self.medicines: dict[str, str] = {}
        self.spelled = kb.names.spelled_limit()
        # the severities of a list's findings, in order -> the start of its summary
        self.counted: dict[tuple[Severity, ...], str] = {}
        self.answers = _Said(kb.triage)
        # (country code, urgency) -> a triage's members from the header to "red_flags"
        self.openings: dict[tuple[str | None, Urgency], str] = {}
        # (red flag, tier, emergency number) -> the fired flag up to its "because"
        self.flags: dict[tuple[str, int, str], str] = {}
        self.steps: dict[str, _Steps] = {}  # emergency number -> the steps filled with it
        # (at emergency level, candidate id) -> the advice members and the candidate
        self.closings: dict[tuple[bool, str], str] = {}
        guidance = "clinician_guidance" if audience is Audience.CLINICIAN else "medicine_tips"
        tips = ',"guidance":' + value_text(data.advice(kb, guidance, audience))
        self.advice = ',"seek_help_sooner":' + value_text(
            data.advice(kb, "safety_net", audience)) + tips
        self.emergency_advice = ',"seek_help_sooner":[]' + tips
        self.unknown_advice = ',"unknown_advice":' + text(
            kb.interactions.unknown_medicine.for_(audience))
        self.disclaimer = ',"disclaimer":' + text(kb.triage.disclaimer.for_(audience)) + "}\n"

    def prepare(self, listed: Iterable[Resolution]) -> None:
        """Encode now the medicines of names typed as the tables list them (before batch
        workers fork: they share the text rather than each encoding it)."""
        memo = self.medicines
        for med in listed:
            if len(memo) < self.spelled and as_listed(med):
                memo[med.input] = self.medicine(med)

    def interactions(self, line_id: Any, number: int, report: MedicineCheck) -> str:
        """`{"id": line_id, "line": number, **data.interactions_result(...)}`, one line."""
        context = ',"conditions":[],"age":null' if not report.conditions and report.age is None \
            else f',"conditions":{value_text(list(report.conditions))},' \
                 f'"age":{value_text(report.age)}'
        medications, odd = self.medication_parts(report)
        findings = report.findings
        return "".join([
            _start(line_id, number), self.head(report.candidate), medications, context,
            self.summary(findings, len(report.medications), odd),
            ',"interactions":[', self.findings(findings), "]",
            self.disclaimer])

    def triage(self, line_id: Any, number: int, assessment: Assessment, contact: Contact) -> str:
        """`{"id": line_id, "line": number, **data.triage_result(...)}`, one line."""
        if assessment.notices:  # less common (they may withhold sections): built the long way
            return compact({"id": line_id, "line": number, **data.triage_result(
                assessment, self.kb, self.audience, contact)}) + "\n"
        said = self.answers
        phone = contact.number or data.UNKNOWN_NUMBER
        report = assessment.medicine_check
        given = assessment.answers
        values = given.values
        medications = said.medications(given.medications)
        level = assessment.urgency
        steps = self.steps.get(phone)
        if steps is None:
            steps = self.steps[phone] = _Steps(phone, self.audience)  # one a country met
        flags = ",".join([self.flag(hit, phone) + said.ids(hit.because) + ',"answers":'
                          + said.some(hit.because, values, medications) + "}"
                          for hit in assessment.hits])
        return "".join([
            _start(line_id, number), self.opening(contact, level), flags, '],"next_steps":[',
            ",".join(map(steps.__getitem__, assessment.next_steps)), "]",
            self.closing(level, report.candidate), self.medications(report),
            ',"interactions":[', self.findings(report.findings),
            '],"answers":', said.all(values, medications),
            ',"unanswered":', said.ids(assessment.unanswered),
            ',"unanswered_screen":', said.ids(assessment.unanswered_screen),
            ',"read_as_unsure":', said.ids(assessment.read_as_unsure), ',"notices":[]',
            self.disclaimer])

    def opening(self, contact: Contact, level: Urgency) -> str:
        """A triage's members from the header to the start of "red_flags" (the emergency
        contact and the urgency object), encoded once for each country and level."""
        key = (contact.country.code if contact.country else None, level)
        encoded = self.openings.get(key)
        if encoded is None:
            phone = contact.number or data.UNKNOWN_NUMBER
            encoded = (self.head_only + ',"emergency":'
                       + value_text(data.emergency(contact, self.audience)) + ',"urgency":'
                       + data.urgency(self.kb, level, phone, self.audience).json()
                       + ',"red_flags":[')
            if len(self.openings) < _MEMO_SIZE:  # countries x levels
                self.openings[key] = encoded
        return encoded

    def closing(self, level: Urgency, candidate: Drug) -> str:
        """The advice members (none to seek help sooner at emergency level) and the
        candidate, encoded once."""
        key = (level is Urgency.EMERGENCY, candidate.id)
        encoded = self.closings.get(key)
        if encoded is None:
            encoded = self.closings[key] = (self.emergency_advice if key[0] else self.advice) \
                + ',"candidate":' + text(candidate.name)
        return encoded

    def flag(self, hit: FlagHit, phone: str) -> str:
        """A red flag that fired, up to its "because": `data.flag` (the flag at its tier),
        encoded once."""
        key = (hit.flag.id, hit.flag.tiers.index(hit.tier), phone)
        encoded = self.flags.get(key)
        if encoded is None:
            encoded = "{" + data.flag(hit, self.kb, self.audience, phone).members() \
                + ',"because":'
            if len(self.flags) < _MEMO_SIZE:  # flags x tiers x emergency numbers met
                self.flags[key] = encoded
        return encoded

    def head(self, candidate: Drug) -> str:
        """The header's members and the candidate."""
        head = self.heads.get(candidate.id)
        if head is None:
            head = self.heads[candidate.id] = \
                self.head_only + ',"candidate":' + text(candidate.name)
        return head

    def medications(self, report: MedicineCheck) -> str:
        """The medications, unknown and unknown_advice members."""
        return self.medication_parts(report)[0]

    def medication_parts(self, report: MedicineCheck) -> tuple[str, list[Resolution]]:
        """The medications, unknown and unknown_advice members, and the medicines whose
        entry was not kept already: only these can be unknown or partly known (an entry is
        kept only for a name typed as the tables list it, which is known)."""
        memo = self.medicines
        listed, odd = [], []
        for med in report.medications:
            entry = memo.get(med.input)
            if entry is None:
                entry = self.encoded(med)
                odd.append(med)
            listed.append(entry)
        # `data.unknown(report)` as text, written directly
        unknown = ",".join([f'{{"input":{text(med.input)},"suggestions":['
                            f'{",".join([text(name) for name in med.suggestions])}]}}'
                            for med in odd if not med.drugs]) if odd else ""
        return f',"medications":[{",".join(listed)}],"unknown":[{unknown}]' \
            f'{self.unknown_advice}', odd

    def encoded(self, med: Resolution) -> str:
        """A medicine met for the first time: kept when typed as the tables list it (bounded
        by them; most other names are met once)."""
        entry = self.medicine(med)
        if len(self.medicines) < self.spelled and as_listed(med):
            self.medicines[med.input] = entry
        return entry

    def medicine(self, med: Resolution) -> str:
        """`data.medication(med, ...)` as text, written directly: most typed names that are
        not as the tables list them are met once, so nothing is kept."""
        names = self.names
        matched = ",".join([names[d] for d in med.drugs])
        entry = f'{{"input":{text(med.input)},"matched":[{matched}],"status":"{med.status}"'
        if med.entry is not None:
            entry += f',"matched_as":"{med.entry.kind}"'
        if med.unchecked:
            entry += f',"unchecked":{value_text(list(med.unchecked))},' \
                     f'"suggestions":{value_text(list(med.suggestions))}'
        return entry + "}"

    def findings(self, items: tuple[Interaction, ...]) -> str:
        """The findings as the members of a JSON list (`data.interaction` for each): all but a
        finding's drugs is shared by its rule and encoded once (a duplicate names the
        medicines it was listed as, so it is built each time). One loop, not a call a finding:
        a long list has a hundred."""
        rulings, names = self.rulings, self.names
        parts: list[str] = []
        for item in items:
            kind, rule_id, drugs, found, condition, from_age = item
            key = (kind, rule_id, condition, from_age)
            ruling = rulings.get(key)
            if ruling is None:
                ruling = data.ruling(kind, rule_id, found, condition, from_age, self.kb,
                                     self.audience).members()
                if kind != "same_drug":
                    rulings[key] = ruling
            if len(drugs) == 2:  # most findings are of a pair: no list to join
                parts += ('{"drugs":[', names[drugs[0]], ",", names[drugs[1]], "],", ruling,
                          "},")
            else:
                parts += ('{"drugs":[', ",".join([names[d] for d in drugs]), "],", ruling, "},")
        if parts:
            parts[-1] = "}"
        return "".join(parts)

    def summary(self, findings: tuple[Interaction, ...], count: int,
                odd: list[Resolution]) -> str:
        """The summary member of `count` medicines, of which only those in `odd` may be
        other than known (`medication_parts`). Findings come most severe first, so the
        counts are in that order; those of one run of severities are encoded once (few runs
        are met)."""
        severities = tuple([item.finding.severity for item in findings])
        counted = self.counted.get(severities)
        if counted is None:
            counted = _counted(severities)
            if len(self.counted) < _MEMO_SIZE:
                self.counted[severities] = counted
        known, partial = count - len(odd), 0
        for med in odd:
            if med.status == "known":
                known += 1
            elif med.status == "partial":
                partial += 1
        return f'{counted},"known":{known},"partial":{partial},' \
               f'"unknown":{count - known - partial}}}'


class _Encoded(dict[str, str]):
    """Question ids as JSON text; an id the tables do not hold is encoded when met."""

    def __missing__(self, key: str) -> str:
        return text(key)


class _Steps(dict[Text, str]):
    """Next steps with one emergency number filled in, as JSON text, each encoded when first
    met (the tables' steps; a few name a medicine)."""

    def __init__(self, phone: str, audience: Audience) -> None:
        super().__init__()
        self.phone, self.audience = phone, audience

    def __missing__(self, step: Text) -> str:
        encoded = text(data.filled(step, self.phone, self.audience))
        if len(self) < _MEMO_SIZE:
            self[step] = encoded
        return encoded


class _Pairs(dict[tuple[str, Any], str]):
    """`"id":value` for a question id and an answer to it: the fixed answers (yes, no,
    "unsure", a choice) encoded up front, a number when first met (a question's range bounds
    them). A question's answers are all of one type, so `True` never meets `1` here."""

    def __init__(self, ids: _Encoded) -> None:
        super().__init__()
        self.ids = ids

    def __missing__(self, pair: tuple[str, Any]) -> str:
        key, value = pair
        encoded = self.ids[key] + ":" + (str(value) if type(value) is int else value_text(value))
        if len(self) < _PAIRS_SIZE:
            self[pair] = encoded
        return encoded


class _Said:
    """The answers of a triage result, from pre-encoded parts: each question's id, and each
    answer with its key, as `"id":value`."""

    def __init__(self, tables: TriageTables) -> None:
        self.keys = _Encoded({q.id: text(q.id) for q in tables.questions})
        self.keys[MEDICATIONS] = text(MEDICATIONS)
        self.pairs = _Pairs(self.keys)
        for q in tables.questions:
            fixed: tuple[Any, ...] = (True, False) if q.is_yes_no else q.values \
                if q.type is QuestionType.CHOICE else ()
            if q.type is QuestionType.YES_NO_UNSURE:
                fixed += (UNSURE,)
            for value in fixed:
                self.pairs[q.id, value] = f"{self.keys[q.id]}:{value_text(value)}"
        self.medications_key = self.keys[MEDICATIONS] + ":["

    def ids(self, keys: tuple[str, ...]) -> str:
        """A list of question ids (or `medications`)."""
        return "[" + ",".join(map(self.keys.__getitem__, keys)) + "]" if keys else "[]"

    def medications(self, names: tuple[str, ...]) -> str:
        return self.medications_key + ",".join(map(text, names)) + "]"

    def all(self, values: Mapping[str, Any], medications: str) -> str:
        """`{**values, "medications": [...]}` (Answers.as_dict)."""
        return "{" + ",".join([*map(self.pairs.__getitem__, values.items()), medications]) + "}"

    def some(self, keys: tuple[str, ...], values: Mapping[str, Any], medications: str) -> str:
        """`{key: as_dict().get(key) for key in keys}`: null for a question not answered."""
        pairs = self.pairs
        return "{" + ",".join([
            medications if key == MEDICATIONS else
            pairs[key, values[key]] if key in values else self.keys[key] + ":null"
            for key in keys]) + "}"


def _counted(severities: tuple[Severity, ...]) -> str:
    """The start of the summary member: the worst severity and the count of each."""
    counts: dict[Severity, int] = {}
    for severity in severities:
        counts[severity] = counts.get(severity, 0) + 1
    worst = _WORST[severities[0]] if severities else "null"
    listed = ",".join([_COUNT[severity] + str(n) for severity, n in counts.items()])
    return f',"summary":{{"worst":{worst},"counts":{{{listed}}}'
