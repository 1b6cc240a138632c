"""The triage engine: validated answers in, one urgency with its reasons out. Pure.

Every red flag is evaluated (the first matching tier of each gives its urgency) and the level is
the highest of them, so a red flag always wins and no answer can cancel another. "Not sure" is
read as the alarming answer. A question left out is read as calm, except where the tables say
otherwise: a follow-up opened by an alarming answer, or a question whose `unsure_when` holds, is
read as "not sure"; one whose `implied_by` medicine is listed is read as its alarming answer.
The person's medicines go through the one interaction engine.
"""

from collections.abc import Callable, Mapping
from operator import attrgetter
from typing import Any

from spasmcheck.core import interactions
from spasmcheck.core.answers import MEDICATIONS, Answers, schema
from spasmcheck.core.conditions import (
    Facts,
    Plan,
    Predicate,
    carried,
    compile_condition,
    from_plan,
    holding_plan,
    holds,
    keys_of,
)
from spasmcheck.core.model import (
    UNSURE,
    Drug,
    KnowledgeBase,
    Notice,
    Question,
    QuestionType,
    RedFlag,
    Severity,
    Text,
    Tier,
    TriageTables,
    Urgency,
)
from spasmcheck.core.record import Record

_NOTHING: frozenset[str] = frozenset()  # no advice section withheld, no medicine taken
_URGENCY = attrgetter("tier.urgency")  # a FlagHit's urgency, to sort by
_WORDED_SIZE = 4096  # kinds of worst findings whose medicine steps are kept worded


class FlagHit(Record):
    """A red flag that fired, at which tier, and the answer keys that fired it."""

    flag: RedFlag
    tier: Tier
    because: tuple[str, ...]

    @property
    def urgency(self) -> Urgency:
        return self.tier.urgency

    @property
    def do_now(self) -> Text:
        return self.tier.do_now or self.flag.do_now


class Assessment(Record):
    urgency: Urgency
    hits: tuple[FlagHit, ...]  # most urgent first
    next_steps: tuple[Text, ...]  # in the order to act on them
    medicine_check: interactions.MedicineCheck
    answers: Answers
    unanswered: tuple[str, ...]  # question ids with no answer, read as the calm answer
    read_as_unsure: tuple[str, ...] = ()  # question ids with no answer, read as "not sure"
    notices: tuple[Notice, ...] = ()  # shown plainly at the top (a child's answers...)
    withheld: frozenset[str] = frozenset()  # advice sections the notices hold back
    # warning-sign questions not answered, in asking order: the emergency screen (read as no;
    # a follow-up only when its ask_when holds) and every question read as "not sure"
    unanswered_screen: tuple[str, ...] = ()


class _Reading:
    """How a question left out is read: each predicate gets the facts so far. (Plain classes
    with slots here and in `_Questions`: a NamedTuple costs start-up time to create.)"""

    __slots__ = ("id", "alarming", "implied_by", "gate", "alarms", "unsure_when")

    def __init__(self, question: Question,
                 implied_by: Predicate | None,  # a listed medicine stands for the alarming answer
                 gate: Predicate | None,  # the follow-up's ask_when
                 alarms: tuple[str, ...],  # the answers the ask_when reads that can alarm
                 unsure_when: Predicate | None) -> None:
        self.id, self.alarming = question.id, question.alarming
        self.implied_by = implied_by
        self.gate = gate
        self.alarms = alarms
        self.unsure_when = unsure_when


class _Questions:
    """What the engine needs to know about the question list, worked out once per table."""

    __slots__ = ("order", "answer_ids", "implied", "readings", "calm", "reads", "read_words")

    def __init__(self,
                 order: dict[str, int],  # answer key -> position, for reasons in asking order
                 answer_ids: tuple[str, ...],  # every question that is not a medicine list
                 implied: tuple[tuple[str, str, Any], ...],  # (question, condition, answer)
                 readings: tuple[_Reading, ...],  # yes/no questions read when left out
                 calm: dict[str, Any],  # question id -> its calmest answer (yes/no, ordered)
                 reads: dict[str, dict[Any, Any]],  # question id -> {"not sure": value read}
                 ) -> None:
        self.order = order
        self.answer_ids = answer_ids
        self.implied = implied
        self.readings = readings
        self.calm = calm
        self.reads = reads
        # every answer that is read as another ("unsure"): most answer sets hold none
        self.read_words = frozenset([word for read in reads.values() for word in read])


class TriageIndex:
    """What the engine works out once per tables, before the first assessment: the question
    list's readings, the red-flag tiers as one generated test (and each tier's closure, once
    it holds), the screen and the notices, and the answers' schema. A `Checker` builds one and
    passes it in; a caller without one gets a fresh one each call (tests, one-shot helpers:
    about 0.5 ms; `holding` is made from the plan the compiled tables carry, `red_flag_plan`,
    else written now)."""

    __slots__ = ("questions", "flags", "_because", "holding", "screen", "notices", "schema",
                 "classes", "self_care", "worded")

    def __init__(self, kb: KnowledgeBase) -> None:
        triage = kb.triage
        gates = _gates(triage.questions)  # the readings and the screen share them
        self.questions = _questions(triage.questions, gates)
        self.flags = triage.red_flags
        # the closure saying which answers made a tier hold, compiled when the tier first holds
        # (`because`): a triage meets a few of some 60 tiers
        self._because: dict[tuple[int, int], Predicate] = {}
        # which tier of each flag holds first, as one generated function
        self.holding = from_plan(carried(triage.red_flags) or red_flag_plan(triage))
        self.screen = _screen(triage.questions, gates)
        self.notices = tuple((notice, compile_condition(notice.when))
                             for notice in triage.notices)
        self.schema = schema(triage)
        # drug id -> its classes, with every parent class
        self.classes = {drug_id: drug.all_classes
                        for drug_id, drug in kb.interactions.drugs.items()}.__getitem__
        self.self_care = tuple([advice.text for advice in triage.self_care])
        # the medicine steps of each kind of worst findings (`_medicine_steps`), once worded
        self.worded: dict[tuple[Any, ...], tuple[Text, ...]] = {}

    def because(self, flag_number: int, tier_number: int) -> Predicate:
        """The compiled condition of one tier of one red flag (numbers as `holding` gives)."""
        found = self._because.get((flag_number, tier_number))
        if found is None:
            when = self.flags[flag_number].tiers[tier_number].when
            found = self._because[flag_number, tier_number] = compile_condition(when)
        return found


def red_flag_plan(triage: TriageTables) -> Plan:
    """`TriageIndex.holding` as data: the first tier of each red flag that holds."""
    return holding_plan([[tier.when for tier in flag.tiers] for flag in triage.red_flags])


def _questions(questions: tuple[Question, ...], gates: "_Gates | None" = None) -> _Questions:
    """The readings of the question list, in one pass over it (a triage's start-up pays it)."""
    gates = _gates(questions) if gates is None else gates
    answer_ids: list[str] = []
    implied: list[tuple[str, str, Any]] = []
    gated: list[tuple[Question, Predicate | None, frozenset[str]]] = []
    calm: dict[str, Any] = {}
    calm_choices: dict[str, Any] = {}
    reads: dict[str, dict[Any, Any]] = {}
    reads_choices: dict[str, dict[Any, Any]] = {}
    for q in questions:
        kind = q.type
        if kind is not QuestionType.MEDICINES and kind is not QuestionType.MEDICINE_CHECKLIST:
            answer_ids.append(q.id)
        if kind is QuestionType.YES_NO or kind is QuestionType.YES_NO_UNSURE:
            calm[q.id] = not q.alarming
            if kind is QuestionType.YES_NO_UNSURE:
                reads[q.id] = {UNSURE: q.alarming}
            if q.implied_by or q.ask_when or q.unsure_when:
                gated.append((q, *gates.get(q.id, (None, frozenset()))))
        elif kind is QuestionType.CHOICE and q.ordered:
            calm_choices[q.id] = q.levels[0]
        if q.choices and (unsure_reads := q.unsure_reads):
            reads_choices[q.id] = unsure_reads
        if q.condition and q.alarming is not None:
            implied.append((q.id, q.condition, q.alarming))
    calm |= calm_choices
    # a gate's keys that can alarm: a medicine list, or an answer with a calm one
    readings = tuple([_Reading(q, _compile(q.implied_by), gate,
                               tuple([key for key in keys if key == MEDICATIONS or key in calm]),
                               _compile(q.unsure_when)) for q, gate, keys in gated])
    return _Questions({key: i for i, key in enumerate((*answer_ids, MEDICATIONS))},
                      tuple(answer_ids), tuple(implied), readings, calm, reads | reads_choices)


_Gates = dict[str, tuple[Predicate, frozenset[str]]]


def _gates(questions: tuple[Question, ...]) -> _Gates:
    """Each follow-up's ask_when, compiled, and the answer keys it reads."""
    return {q.id: (compile_condition(q.ask_when), keys_of(q.ask_when))
            for q in questions if q.ask_when is not None}


def _compile(condition: Any) -> Predicate | None:
    return compile_condition(condition) if condition is not None else None


def effective_values(answers: Answers, kb: KnowledgeBase,
                     index: TriageIndex | None = None) -> dict[str, Any]:
    """Answers as rules read them: "unsure" becomes the alarming answer of a yes/no question,
    and a choice question's "not sure" the value its table says (`read_as`)."""
    return _effective(answers, _known(kb, index))


def _effective(answers: Answers, known: _Questions) -> dict[str, Any]:
    values = dict(answers.values)
    if known.read_words.isdisjoint(values.values()):  # the usual set: nothing to read
        return values  # (validated answers are text, numbers, yes or no: all hashable)
    reads = known.reads
    for key, value in values.items():
        if type(value) is str and key in reads:  # only text is ever read as something else
            read = reads[key]
            if value in read:
                values[key] = read[value]
    return values


def _known(kb: KnowledgeBase, index: TriageIndex | None) -> _Questions:
    """The question list's readings: the index's, else worked out now (cheap, unlike the
    rest of an index)."""
    return index.questions if index is not None else _questions(kb.triage.questions)


def _implied(values: dict[str, Any], known: _Questions) -> tuple[str, ...]:
    return tuple([condition for question_id, condition, alarming in known.implied
                  if values.get(question_id) == alarming])


def facts(answers: Answers, report: interactions.MedicineCheck, kb: KnowledgeBase,
          index: TriageIndex | None = None) -> Facts:
    """What rules read: answers with "unsure" made alarming, and the medicines recognised."""
    classes = index.classes if index is not None else \
        lambda drug_id: kb.interactions.drugs[drug_id].all_classes
    return _facts(effective_values(answers, kb, index), report.medications, classes)


def _facts(values: dict[str, Any], medications: tuple[Any, ...],
           classes: Callable[[str], frozenset[str]]) -> Facts:
    taken = [drug_id for med in medications for drug_id in med.drugs]
    if not taken:
        return Facts(values, _NOTHING, _NOTHING)
    # a list, not the map: a tuple made from an iterator of unknown length is resized, which
    # fills CPython's free lists of small tuples for good (about 1 MiB a batch worker)
    return Facts(values, _NOTHING.union(*list(map(classes, taken))), frozenset(taken))


def _read_left_out(facts_now: Facts, answers: Answers, known: _Questions) -> tuple[
        tuple[str, ...], frozenset[str]]:
    values = facts_now.values
    assert isinstance(values, dict)
    given = answers.values
    unsure: list[str] = []
    from_medicines: set[str] = set()
    for reading in known.readings:
        question_id = reading.id
        if question_id in given:
            continue
        if reading.implied_by is not None and reading.implied_by(facts_now) is not None:
            values[question_id] = reading.alarming
            from_medicines.add(question_id)
        elif (reading.alarms and _opened(reading, facts_now, known.calm)) or (
                reading.unsure_when is not None and reading.unsure_when(facts_now) is not None):
            values[question_id] = reading.alarming
            unsure.append(question_id)
    return tuple(unsure), frozenset(from_medicines)


def _opened(reading: _Reading, facts_now: Facts, calm: dict[str, Any]) -> bool:
    """Whether an alarming answer (not just any answer) opened this follow-up. A gate key left
    out is not alarming, but does not stop another answered key from opening an `any` gate
    (an injury opens `osteoporosis` whether or not `location` was given). Only the keys that
    can alarm are looked at (`alarms`), before the gate itself, which is dearer."""
    assert reading.gate is not None
    values = facts_now.values
    for key in reading.alarms:
        if key == MEDICATIONS or (key in values and values[key] != calm[key]):
            return reading.gate(facts_now) is not None
    return False


def assess(answers: Answers, kb: KnowledgeBase, candidate: Drug | None = None,
           finished: bool = True, index: TriageIndex | None = None,
           pairs: interactions.Index | None = None) -> Assessment:
    """`finished=False` while an interview is still asking: a follow-up not asked yet is not
    read as "not sure" (it is about to be asked), so the emergency card waits for its answer.
    `index` is the tables' TriageIndex and `pairs` their interactions index (a Checker keeps
    both); without them they are built."""
    index = index if index is not None else TriageIndex(kb)
    known = index.questions
    tables = kb.triage
    given = answers.values
    values = _effective(answers, known)
    conditions = _implied(values, known)
    report = interactions.check(answers.medications, kb, candidate, conditions,
                                given.get("age"), pairs)
    facts_now = _facts(values, report.medications, index.classes)
    read_as_unsure, from_medicines = _read_left_out(facts_now, answers, known) if finished \
        else ((), frozenset())
    if read_as_unsure or from_medicines:
        now_implied = _implied(values, known)
        if now_implied != conditions:  # a question read from its follow-up gate or medicine
            report = interactions.check(answers.medications, kb, candidate, now_implied,
                                        given.get("age"), pairs)
    order = known.order

    hits = []
    flags = index.flags
    for flag_number, tier_number in index.holding(facts_now):
        flag = flags[flag_number]
        tier = flag.tiers[tier_number]
        because = index.because(flag_number, tier_number)(facts_now)
        assert because is not None  # the same condition, tested the fast way
        if from_medicines & because:
            because = (because - from_medicines) | {MEDICATIONS}
        hits.append(FlagHit(flag, tier, tuple(sorted(because, key=order.__getitem__))))
    if len(hits) > 1:
        hits.sort(key=_URGENCY, reverse=True)  # stable: equals keep the flags' order
    urgency = hits[0].urgency if hits else tables.default_level  # the most urgent comes first

    notices = tuple([notice for notice, when in index.notices if when(facts_now) is not None])
    withheld = frozenset([section for notice in notices for section in notice.withhold]) \
        if notices else _NOTHING
    steps = [hit.do_now for hit in hits]
    if report.findings:
        steps += _medicine_steps(report, tables, kb.interactions.drugs, index.worded)
    if urgency <= Urgency.ROUTINE and "self_care" not in withheld:
        steps += index.self_care
    if read_as_unsure or from_medicines:
        left_out = set(read_as_unsure) | from_medicines
        unanswered = tuple([q for q in known.answer_ids if q not in given and q not in left_out])
    else:
        unanswered = tuple([q for q in known.answer_ids if q not in given])
    screen_gaps = _screen_gaps(index, unanswered, read_as_unsure, facts_now) \
        if unanswered or read_as_unsure else ()
    return Assessment(urgency, tuple(hits), tuple(dict.fromkeys(steps)), report, answers,
                      unanswered, read_as_unsure, notices, withheld, screen_gaps)


_Screen = dict[str, tuple[frozenset[str], "Predicate | None"]]


def _screen_gaps(index: TriageIndex, unanswered: tuple[str, ...],
                 read_as_unsure: tuple[str, ...], facts_now: Facts) -> tuple[str, ...]:
    """The questions whose gap is named under the level, in asking order: every question read
    as "not sure", and an unanswered one on the screen (a follow-up once its gate is answered
    and opens it; until then the gate is the gap)."""
    screen = index.screen
    present = facts_now.values.keys()
    gaps = [q for q in unanswered if q in screen and (
        (applies := screen[q][1]) is None
        or (screen[q][0] <= present and applies(facts_now) is not None))]
    if not read_as_unsure:
        return tuple(gaps)
    return tuple(sorted([*gaps, *read_as_unsure], key=index.questions.order.__getitem__))


def _screen(questions: tuple[Question, ...], gates: _Gates) -> _Screen:
    """The questions whose gap is named when left out (read as no): the emergency screen, and
    each follow-up with its ask_when and the answers that opens on (None: always named)."""
    return {q.id: (gates[q.id][1] - {MEDICATIONS}, gates[q.id][0]) if q.ask_when is not None
            else (frozenset(), None)
            for q in questions if not q.is_medicines and (q.screen or q.ask_when)}


def _medicine_steps(report: interactions.MedicineCheck, tables: TriageTables,
                    drugs: Mapping[str, Drug],
                    memo: dict[tuple[Any, ...], tuple[Text, ...]]) -> tuple[Text, ...]:
    """The step for the worst findings, worded for what caused them: a medicine, or the
    person's age or health (a caution) about the candidate, or about a medicine they already
    take (named: they are not about to start it). A caution severity the table does not word
    gets the medicine wording rather than no step at all. `memo` keeps the steps of each
    kind of worst findings once worded (the tables bound them)."""
    worst = report.worst
    if worst is None:
        return ()
    candidate = report.candidate
    medicine = about_candidate = False
    listed: dict[str, None] = {}  # medicines already taken with a caution at the worst
    for item in report.findings:
        if item.finding.severity is not worst:
            continue
        if item.kind != "caution":
            medicine = True
        elif item.drugs[0] == candidate.id:
            about_candidate = True
        else:
            listed[item.drugs[0]] = None
    key = (worst, medicine, about_candidate, candidate.id, *listed)
    steps = memo.get(key)
    if steps is None:
        steps = _worded(worst, medicine, about_candidate, candidate, tuple(listed), tables, drugs)
        if len(memo) < _WORDED_SIZE:
            memo[key] = steps
    return steps


def _worded(worst: Severity, medicine: bool, about_candidate: bool, candidate: Drug,
            listed: tuple[str, ...], tables: TriageTables,
            drugs: Mapping[str, Drug]) -> tuple[Text, ...]:
    chosen = []
    if medicine:
        chosen.append(tables.interaction_steps.get(worst))
    if about_candidate:
        chosen.append(tables.caution_steps.get(worst) or tables.interaction_steps.get(worst))
    steps = [step.fill(candidate=candidate.name) for step in chosen if step is not None]
    worded = tables.listed_caution_steps.get(worst)
    if listed and worded is None:  # a table without the wording: the candidate's, as before
        fallback = tables.caution_steps.get(worst) or tables.interaction_steps.get(worst)
        steps += [fallback.fill(candidate=candidate.name)] if fallback is not None else []
    elif worded is not None:
        steps += [worded.fill(medicine=drugs[drug_id].name, candidate=candidate.name)
                  for drug_id in listed]
    return tuple(steps)


def should_ask(question: Question, answers: Answers, kb: KnowledgeBase) -> bool:
    """Whether a follow-up applies, given the answers so far."""
    if question.ask_when is None:
        return True
    report = interactions.check(answers.medications, kb)
    return holds(question.ask_when, facts(answers, report, kb)) is not None

