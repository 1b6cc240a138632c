"""Build the red-flag table (`data/redflags.yaml`) into typed records, with its checks.

Beyond structure, it checks that every red flag can only escalate: no rule may stop firing as
an answer becomes more alarming, so the level (the highest fired flag) never drops.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from spasmcheck.core import conditions
from spasmcheck.core.model import (
    FLAG_KINDS,
    Advice,
    AskGroup,
    Choice,
    InteractionTables,
    Level,
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
from spasmcheck.tables.reader import Reader, collecting, read_meta, read_sources, top, unique_ids
from spasmcheck.tables.yamlsource import Document, Path

_COLOURS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
_COLOUR = r"(?:default|(?:bright_)?(?:" + "|".join(_COLOURS) + "))"
_STYLE = re.compile(rf"^(?:(?:bold|dim|italic|underline|reverse) +)*(?:{_COLOUR}"
                    rf"(?: +on +{_COLOUR})?|on +{_COLOUR}|(?:bold|dim|italic|underline|reverse))$")


QUESTION_FIELDS = {"id", "type", "prompt"}
QUESTION_OPTIONAL = {"help", "choices", "ordered", "alarming", "min", "max", "alarming_direction",
                     "calm", "ask_when", "screen", "core", "class", "condition", "implied_by",
                     "unsure_when", "group"}
ADVICE_SECTIONS = ("self_care", "safety_net", "medicine_tips", "clinician_guidance")
WITHHOLDABLE = ("self_care", "medicine_tips", "clinician_guidance")  # never the safety net


def build_triage(doc: Document, interactions: InteractionTables) -> TriageTables:
    return collecting(lambda r: _triage(r, interactions))(doc)


def _triage(r: Reader, interactions: InteractionTables) -> TriageTables:
    doc = r.doc
    top(r, {"sources", "levels", "default_level", "questions", "red_flags", "disclaimer"},
         {"interaction_steps", "caution_steps", "listed_caution_steps", *ADVICE_SECTIONS,
          "notices", "asking", "call_if"},
         "redflags")
    meta = read_meta(r, "redflags")
    sources = read_sources(r)

    def build_level(path: Path) -> Level:
        r.mapping(path, {"id", "label", "action", "colour"})
        urgency = Urgency.parse(r.choice((*path, "id"), [u.label for u in Urgency]))
        colour = r.string((*path, "colour"))
        if not _STYLE.match(colour):
            raise r.fail((*path, "colour"), f"{colour!r} is not a style: use attributes (bold, "
                         "dim, italic, underline, reverse), then a colour, then `on` and a "
                         "colour, e.g. \"bold white on red\"; colours: " + ", ".join(_COLOURS))
        return Level(urgency, r.text((*path, "label")), r.text((*path, "action")), colour)

    levels = r.each(("levels",), build_level)
    if [level.urgency for level in levels] != sorted(Urgency, reverse=True):
        r.problems.append(r.fail(("levels",), "levels must be exactly, most urgent first: "
                                              + ", ".join(u.label for u in reversed(Urgency))))
    default = Urgency.parse(r.choice(("default_level",), [u.label for u in Urgency]))

    questions: dict[str, Question] = {}
    raw_questions = r.get(("questions",))
    if not isinstance(raw_questions, list):
        raise r.fail(("questions",), "expected a list of questions")
    # Conditions in ask_when may only name earlier questions, so build in order.
    vocab = conditions.Vocabulary(questions, frozenset(interactions.classes),
                                  frozenset(interactions.drugs))
    def build_question(path: Path) -> None:
        question = _question(r, path, vocab, interactions)
        if question.id in questions:
            raise r.fail((*path, "id"), f"question {question.id!r} is listed twice")
        questions[question.id] = question  # visible to the ask_when of later questions

    r.each(("questions",), build_question)

    def build_tier(path: Path) -> Tier:
        r.mapping(path, {"urgency", "when"}, {"do_now"})
        return Tier(Urgency.parse(r.choice((*path, "urgency"), [u.label for u in Urgency])),
                    conditions.parse(doc, (*path, "when"), vocab),
                    r.optional_text((*path, "do_now")))

    def build_flag(path: Path) -> RedFlag:
        r.mapping(path, {"id", "kind", "title", "concern", "tiers", "do_now", "sources"})
        tiers = [build_tier((*path, "tiers", i)) for i in range(len(r.get((*path, "tiers"))))]
        if not tiers:
            raise r.fail((*path, "tiers"), "a red flag needs at least one tier")
        for i, tier in enumerate(tiers):
            if i and tier.urgency > tiers[i - 1].urgency:
                r.problems.append(r.fail((*path, "tiers", i, "urgency"), "tiers must be listed "
                                         "most urgent first: the first tier that holds wins"))
            for problem in _monotonic(tier.when, questions):
                r.problems.append(r.fail((*path, "tiers", i, "when"), problem))
        return RedFlag(r.ident((*path, "id")),
                       r.choice((*path, "kind"), list(FLAG_KINDS)),
                       r.text((*path, "title")), r.text((*path, "concern")), tuple(tiers),
                       r.text((*path, "do_now")), r.refs((*path, "sources"), sources, "source"))

    flags = r.each(("red_flags",), build_flag)
    unique_ids(r, "red_flags", [flag.id for flag in flags])
    _check_reads(r, questions, flags)

    def build_advice(path: Path) -> Advice:
        promises = path[0] == "safety_net"
        r.mapping(path, {"text", "sources"},
                  {"urgency", "when", "shown_when"} if promises else {"shown_when"})
        urgency = when = None
        if r._present((*path, "urgency")) or r._present((*path, "when")):
            r.mapping(path, {"text", "sources", "urgency", "when"}, {"shown_when"})
            urgency = Urgency.parse(r.choice((*path, "urgency"), [u.label for u in Urgency]))
            when = conditions.parse(doc, (*path, "when"), vocab)
        shown_when = conditions.parse(doc, (*path, "shown_when"), vocab) \
            if r._present((*path, "shown_when")) else None
        return Advice(r.text((*path, "text")), r.refs((*path, "sources"), sources, "source"),
                      urgency, when, shown_when)

    def advice(section: str) -> tuple[Advice, ...]:
        return tuple(r.each((section,), build_advice)) if r._present((section,)) else ()

    def build_notice(path: Path) -> Notice:
        r.mapping(path, {"id", "when", "text", "sources"}, {"withhold"})
        when = conditions.parse(doc, (*path, "when"), vocab)
        for problem in _monotonic(when, questions):
            r.problems.append(r.fail((*path, "when"), problem))
        withhold = r.get((*path, "withhold")) if r._present((*path, "withhold")) else []
        if not isinstance(withhold, list):
            raise r.fail((*path, "withhold"), "a list of advice sections: "
                         + ", ".join(WITHHOLDABLE))
        for i, section in enumerate(withhold):
            if section not in WITHHOLDABLE:
                raise r.fail((*path, "withhold", i), f"{section!r} is not an advice section a "
                             "notice may hold back; use " + ", ".join(WITHHOLDABLE)
                             + " (the safety net is always shown)")
        return Notice(r.ident((*path, "id")), when, r.text((*path, "text")), tuple(withhold),
                      r.refs((*path, "sources"), sources, "source"))

    notices = tuple(r.each(("notices",), build_notice)) if r._present(("notices",)) else ()

    def steps(section: str) -> dict[Severity, Text]:
        if not r._present((section,)):
            return {}
        r.mapping((section,), set(), {s.label for s in Severity})
        return {Severity.parse(k): r.text((section, k)) for k in r.get((section,))}

    tables = TriageTables(meta, sources, {level.urgency: level for level in levels}, default,
                          tuple(questions.values()), tuple(flags), steps("interaction_steps"),
                          steps("caution_steps"), advice("self_care"),
                          advice("safety_net"), advice("medicine_tips"),
                          advice("clinician_guidance"), r.text(("disclaimer",)), notices,
                          steps("listed_caution_steps"))
    if r._present(("call_if",)):
        tables = tables._replace(call_if=r.text(("call_if",)))
    if r._present(("asking",)):
        grouped, asking = _asking(r, list(questions.values()))
        tables = tables._replace(questions=tuple(grouped), asking=asking)
    else:
        for i, question in enumerate(questions.values()):
            if question.group is not None:
                r.problems.append(r.fail(("questions", i, "group"), "`group` needs an "
                                         "`asking` section that lists the groups"))
    return tables


ASKING_STYLES = ("one", "screen")


def _asking(r: Reader, questions: list[Question]) -> tuple[list[Question], tuple[AskGroup, ...]]:
    """The asking groups, each question placed in one (its own `group`, else the group of the
    question above it), with the checks that keep the interactive order sound."""
    def build_group(path: Path) -> AskGroup:
        r.mapping(path, {"id", "style"}, {"title"})
        style = r.choice((*path, "style"), ASKING_STYLES)
        title = r.optional_text((*path, "title"))
        if style == "screen" and title is None:
            raise r.fail(path, "a screen group needs a `title` (the question over its list)")
        return AskGroup(r.ident((*path, "id")), style, title, ())

    groups = r.each(("asking",), build_group)
    unique_ids(r, "asking", [g.id for g in groups])
    rank = {g.id: i for i, g in enumerate(groups)}
    placed: list[Question] = []
    current: str | None = None
    for i, question in enumerate(questions):
        if question.group is not None and question.group not in rank:
            r.problems.append(r.fail(("questions", i, "group"), f"{question.group!r} is not a "
                                     "group in `asking`; groups: " + ", ".join(rank)))
        elif question.group is not None:
            current = question.group
        if current is None:
            r.problems.append(r.fail(("questions", i), "the first question must name its "
                                     "`group` (later ones join the group above them)"))
            current = groups[0].id if groups else None
        placed.append(question._replace(group=current))
    by_id = {q.id: q for q in placed}
    medicines = min((rank.get(q.group or "", 0) for q in placed if q.is_medicines),
                    default=len(groups))
    for i, question in enumerate(placed):
        problem = _placement_problem(question, by_id, rank, groups, medicines)
        if problem:
            r.problems.append(r.fail(("questions", i), problem))
    built = tuple(g._replace(questions=tuple(q.id for q in placed if q.group == g.id))
                  for g in groups)
    return placed, built


def _placement_problem(question: Question, by_id: dict[str, Question], rank: dict[str, int],
                       groups: list[AskGroup], medicines: int) -> str | None:
    """Why a question cannot be asked where its group puts it, if it cannot."""
    if question.group not in rank:
        return None
    mine = rank[question.group]
    reads = conditions.keys_of(question.ask_when) if question.ask_when else frozenset()
    for key in sorted(reads):
        other = medicines if key == conditions.MEDICATIONS_KEY else rank.get(
            by_id[key].group or "", 0)
        if other > mine:
            return (f"question {question.id!r} is asked only when {key!r} is answered, but its "
                    f"group {question.group!r} comes first in `asking`")
    follow_up = any(key != conditions.MEDICATIONS_KEY and by_id[key].group == question.group
                    for key in reads)
    if groups[mine].style != "screen" or follow_up:
        return None
    if question.is_yes_no and question.alarming is True:
        return None
    if question.type is QuestionType.CHOICE and question.ordered:
        return None
    return (f"question {question.id!r} cannot be an item of the screen {question.group!r}: a "
            "screen lists yes/no questions whose `alarming` answer is yes, and ordered choices "
            "(calmest first); ask it in a `one` group")


def _question(r: Reader, path: Path, vocab: conditions.Vocabulary,
              interactions: InteractionTables) -> Question:
    r.mapping(path, QUESTION_FIELDS, QUESTION_OPTIONAL)
    kind = QuestionType(r.choice((*path, "type"), [t.value for t in QuestionType]))
    allowed = {
        QuestionType.CHOICE: {"choices", "ordered", "core"},
        QuestionType.YES_NO: {"alarming", "condition", "implied_by", "unsure_when"},
        QuestionType.YES_NO_UNSURE: {"alarming", "condition", "implied_by", "unsure_when"},
        QuestionType.NUMBER: {"min", "max", "alarming_direction", "calm", "core"},
        QuestionType.MEDICINES: set(),
        QuestionType.MEDICINE_CHECKLIST: {"class"},
    }[kind] | {"help", "ask_when", "screen", "group"}
    for key in r.get(path):
        if key in QUESTION_OPTIONAL and key not in allowed:
            raise r.fail((*path, key), f"{key!r} does not apply to a {kind.value} question")
    choices: tuple[Choice, ...] = ()
    if kind is QuestionType.CHOICE:
        def build_choice(p: Path) -> Choice:
            r.mapping(p, {"value", "label"}, {"read_as"})
            return Choice(r.ident((*p, "value")), r.text((*p, "label")),
                          r.ident((*p, "read_as")) if r._present((*p, "read_as")) else None)
        choices = tuple(build_choice((*path, "choices", i))
                        for i in range(len(r.get((*path, "choices")))))
        plain = [c.value for c in choices if c.read_as is None]
        if len(plain) < 2:
            raise r.fail((*path, "choices"), "a choice question needs at least two choices")
        for i, choice in enumerate(choices):
            if choice.read_as is not None and choice.read_as not in plain:
                raise r.fail((*path, "choices", i, "read_as"), f"{choice.read_as!r} is not "
                             "another choice of this question; use one of: " + ", ".join(plain))
    needed = {QuestionType.CHOICE: "ordered", QuestionType.NUMBER: "alarming_direction"}.get(kind)
    if needed and not r._present((*path, needed)):
        raise r.fail(path, f"a {kind.value} question must say `{needed}`: the red-flag check "
                           "relies on it to keep every rule escalating only")
    minimum = r.integer((*path, "min")) if kind is QuestionType.NUMBER else None
    maximum = r.integer((*path, "max")) if kind is QuestionType.NUMBER else None
    if minimum is not None and maximum is not None and minimum > maximum:
        raise r.fail((*path, "max"), "max is below min")
    ask_when, implied_by, unsure_when = (
        conditions.parse(r.doc, (*path, key), vocab) if r._present((*path, key)) else None
        for key in ("ask_when", "implied_by", "unsure_when"))
    for key, read_when in (("implied_by", implied_by), ("unsure_when", unsure_when)):
        for problem in _monotonic(read_when, vocab.questions) if read_when else ():
            r.problems.append(r.fail((*path, key), problem))
    direction = r.choice((*path, "alarming_direction"), ["up", "down", "both", "none"]) \
        if r._present((*path, "alarming_direction")) else "none"
    calm = r.integer((*path, "calm")) if r._present((*path, "calm")) else None
    if (direction == "both") != (calm is not None):
        raise r.fail(path, "`calm` (the least alarming value) goes with, and only with, "
                           "alarming_direction: both")
    if calm is not None and not minimum <= calm <= maximum:  # type: ignore[operator]
        raise r.fail((*path, "calm"), "calm is outside min-max")
    return Question(
        id=r.ident((*path, "id")), type=kind, prompt=r.text((*path, "prompt")),
        help=r.optional_text((*path, "help")), choices=choices,
        ordered=r.boolean((*path, "ordered")),
        alarming=r.boolean((*path, "alarming"), True) if kind in (
            QuestionType.YES_NO, QuestionType.YES_NO_UNSURE) else None,
        minimum=minimum, maximum=maximum,
        alarming_direction=direction,
        ask_when=ask_when, screen=r.boolean((*path, "screen")),
        class_id=r.choice((*path, "class"), interactions.classes)
        if kind is QuestionType.MEDICINE_CHECKLIST else None,
        condition=r.choice((*path, "condition"), interactions.conditions)
        if r._present((*path, "condition")) else None,
        calm=calm, core=r.boolean((*path, "core")), implied_by=implied_by,
        unsure_when=unsure_when,
        group=r.ident((*path, "group")) if r._present((*path, "group")) else None,
    )


def _monotonic(condition: conditions.Condition,
              questions: Mapping[str, Question]) -> list[str]:
    """Why a red-flag condition could stop holding as an answer gets MORE alarming, if it could.

    The level is the highest fired flag, so it can never drop as answers worsen provided every
    condition is upward-closed: no `not`, and comparisons that keep holding for worse answers.
    A number alarming both ways (age) grows more alarming away from its `calm` value, so it may
    be compared upwards from above that value and downwards from below it.
    """
    if isinstance(condition, conditions.Not):
        return ["red flags may not use `not`: a more alarming answer could lower the level"]
    if isinstance(condition, conditions.All | conditions.AnyOf):
        return [p for item in condition.items for p in _monotonic(item, questions)]
    if isinstance(condition, conditions.Taking):
        return []
    question = questions[condition.key]
    key, op, value = condition.key, condition.op, condition.value
    worse = f"{key}: a more alarming answer would stop this rule from firing"
    if question.is_yes_no:
        ok = (op == "==" and value == question.alarming) or (op == "in" and question.alarming
                                                             in value)
        return [] if ok else [f"{worse}; compare with its alarming answer "
                              f"({str(question.alarming).lower()})"]
    if question.type is QuestionType.CHOICE:
        if not question.ordered:
            return []
        order = list(question.levels)
        chosen = {value} if op == "==" else set(value) if op == "in" else set()
        lowest = min((order.index(v) for v in chosen), default=len(order))
        ok = op in ("==", "in") and chosen == set(order[lowest:])
        return [] if ok else [f"{worse}; use `in` with every value from the lowest one up "
                              f"({', '.join(order)})"]
    direction = question.alarming_direction
    if direction == "both":
        calm = question.calm
        ok = (op == ">" and value >= calm) or (op == ">=" and value > calm) or \
            (op == "<" and value <= calm) or (op == "<=" and value < calm)
        return [] if ok else [f"{worse}; {key} is more alarming going away from {calm} either "
                              f"way: compare with > or >= above {calm}, < or <= below it"]
    ok = direction == "none" or (op in (">=", ">") if direction == "up" else op in ("<=", "<"))
    return [] if ok else [f"{worse}; {key} is more alarming going {direction}"]


def _check_reads(r: Reader, questions: dict[str, Question], flags: list[RedFlag]) -> None:
    """A question no rule reads, or a rule that reads no question, is a table mistake."""
    read: set[str] = set()
    for i, flag in enumerate(flags):
        keys = frozenset().union(*(conditions.keys_of(t.when) for t in flag.tiers))
        if not keys:
            r.problems.append(r.fail(("red_flags", i), f"red flag {flag.id!r} reads no answer"))
        read |= keys
    for question in questions.values():
        ask_reads = conditions.keys_of(question.ask_when) if question.ask_when else frozenset()
        read |= ask_reads
    for i, question in enumerate(questions.values()):
        counted = conditions.MEDICATIONS_KEY if question.is_medicines else question.id
        if counted not in read and question.condition is None:
            r.problems.append(r.fail(("questions", i), f"question {question.id!r} is read by "
                                     "no rule: remove it or add a rule that uses it"))


