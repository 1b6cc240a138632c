"""The typed, frozen records the tables are loaded into. No behaviour beyond lookups."""

from collections.abc import Mapping, Sequence
from enum import Enum, IntEnum
from typing import TYPE_CHECKING, Literal, get_args

from spasmcheck.core.record import Record

if TYPE_CHECKING:
    from spasmcheck.core.conditions import Condition
    from spasmcheck.core.names import NameIndex


# The kinds of thing the tables and engines name: the one home of each list of words.
SideKind = Literal["drug", "class"]
FlagKind = Literal["red_flag", "combination", "duration", "medicine"]
FindingKind = Literal["pair", "group", "same_drug", "caution"]
FLAG_KINDS: tuple[FlagKind, ...] = get_args(FlagKind)


class Audience(str, Enum):
    """Who the words are for."""

    PATIENT = "patient"
    CLINICIAN = "clinician"


class Severity(IntEnum):
    """Interaction severity, ordered so that `max()` and `>=` mean "more severe"."""

    MINOR = 1
    MODERATE = 2
    MAJOR = 3
    CONTRAINDICATED = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        return cls[text.upper()]


class Urgency(IntEnum):
    """Triage levels, ordered so that `max()` and `>=` mean "more urgent"."""

    SELF_CARE = 0
    ROUTINE = 1
    SOON = 2
    URGENT = 3
    EMERGENCY = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Urgency":
        return cls[text.upper()]


class Text(Record):
    """Words in two registers; `--audience` picks one."""

    patient: str
    clinician: str

    def for_(self, audience: Audience) -> str:
        return self.clinician if audience is Audience.CLINICIAN else self.patient

    def fill(self, **values: str) -> "Text":
        """Replace `{name}` placeholders; any other braces are left as written."""
        patient, clinician = self.patient, self.clinician
        for key, value in values.items():
            patient = patient.replace("{" + key + "}", value)
            clinician = clinician.replace("{" + key + "}", value)
        return Text(patient, clinician)


class Meta(Record):
    table: str
    version: str
    reviewed: str


class Source(Record):
    id: str
    title: str
    url: str | None = None
    section: str | None = None

    def cite(self) -> str:
        """One line naming the document, section and address."""
        parts = [self.title]
        if self.section:
            parts.append(self.section)
        if self.url:
            parts.append(self.url)
        return ", ".join(parts)


class Advice(Record):
    text: Text
    sources: tuple[str, ...]
    # safety_net only: the level the words promise for the answers in `when` (checked by tests)
    urgency: Urgency | None = None
    when: "Condition | None" = None
    shown_when: "Condition | None" = None  # shown only when the answers meet it (a leg cramp)


# --- interactions.yaml -----------------------------------------------------------------------


class DrugClass(Record):
    id: str
    name: Text
    parents: tuple[str, ...]


class Drug(Record):
    id: str
    brands: tuple[str, ...]
    other_names: tuple[str, ...]
    classes: tuple[str, ...]  # as written in the table
    all_classes: frozenset[str]  # with every parent class, transitively
    rxcui: str | None
    moiety: str | None = None  # the drug id whose active moiety this is (another form of it)

    @property
    def name(self) -> str:
        return self.id.replace("_", " ")

    @property
    def active(self) -> str:
        """The active moiety: two drugs with the same one are one medicine twice."""
        return self.moiety or self.id


class Product(Record):
    name: str
    ingredients: tuple[str, ...]
    other_names: tuple[str, ...]


class Side(Record):
    """One side of a rule: a single drug or a whole class."""

    kind: SideKind
    id: str

    def matches(self, drug: Drug) -> bool:
        return drug.id == self.id if self.kind == "drug" else self.id in drug.all_classes


class Finding(Record):
    """Shared wording of anything the interaction engine can report."""

    severity: Severity
    effect: Text
    mechanism: Text
    advice: Text
    sources: tuple[str, ...]


class PairRule(Record):
    id: str
    a: Side
    b: Side
    finding: Finding
    replaces: frozenset[str]
    min_age: int | None = None  # written for people of this age and over (Beers: 65)
    lowered_because: str | None = None  # why it is less severe than a rule it replaces


class GroupRule(Record):
    id: str
    class_id: str
    min_count: int
    finding: Finding
    min_age: int | None = None


class Caution(Record):
    id: str
    drug: Side
    condition: str | None
    min_age: int | None  # applies at this age and over
    under_age: int | None  # applies below this age
    finding: Finding

    def applies(self, conditions: Sequence[str], age: int | None) -> bool:
        if self.condition is not None:
            return self.condition in conditions
        if age is None:
            return False
        return age >= self.min_age if self.min_age is not None else age < (self.under_age or 0)


class HealthCondition(Record):
    id: str
    name: Text
    aliases: tuple[str, ...]


class InteractionTables(Record):
    meta: Meta
    sources: Mapping[str, Source]
    classes: Mapping[str, DrugClass]
    conditions: Mapping[str, HealthCondition]
    drugs: Mapping[str, Drug]
    products: tuple[Product, ...]
    default_candidate: str
    candidates: tuple[str, ...]
    same_drug: Finding  # one ingredient reached through two different medicines
    unknown_medicine: Text  # what to do about a name the tables do not know
    rules: tuple[PairRule, ...]
    group_rules: tuple[GroupRule, ...]
    cautions: tuple[Caution, ...]
    listed_twice: Finding  # the same medicine named twice (Zoloft and sertraline)
    already_taking: Finding  # a listed medicine is the candidate itself
    age_not_given: Text  # said before a rule written for an age group when no age is given


# --- redflags.yaml ---------------------------------------------------------------------------


class QuestionType(str, Enum):
    CHOICE = "choice"
    YES_NO = "yes_no"
    YES_NO_UNSURE = "yes_no_unsure"
    NUMBER = "number"
    MEDICINES = "medicines"
    MEDICINE_CHECKLIST = "medicine_checklist"


UNSURE = "unsure"


class Choice(Record):
    value: str
    label: Text
    read_as: str | None = None  # a "not sure" choice: the value rules read it as


class Question(Record):
    id: str
    type: QuestionType
    prompt: Text
    help: Text | None
    choices: tuple[Choice, ...]
    ordered: bool
    alarming: bool | None  # yes/no questions: the answer that raises concern
    minimum: int | None
    maximum: int | None
    alarming_direction: str  # numbers: "up", "down", "both" (away from `calm`) or "none"
    ask_when: "Condition | None"
    screen: bool
    class_id: str | None  # medicine_checklist: the class listed by name
    condition: str | None  # an interactions.yaml condition implied by the alarming answer
    calm: int | None = None  # numbers with direction "both": the least alarming value
    core: bool = False  # an answers file must give a core or screen question
    implied_by: "Condition | None" = None  # not answered: read as alarming when this holds
    unsure_when: "Condition | None" = None  # not answered: read as "unsure" when this holds
    group: str | None = None  # redflags.yaml `asking`: the group it is asked in

    @property
    def values(self) -> tuple[str, ...]:
        """Every valid answer, a "not sure" choice included."""
        return tuple(choice.value for choice in self.choices)

    @property
    def levels(self) -> tuple[str, ...]:
        """The values rules compare with, in table order (least alarming first when ordered):
        every value but a "not sure" choice, which is read as one of these."""
        return tuple(choice.value for choice in self.choices if choice.read_as is None)

    @property
    def unsure_reads(self) -> dict[str, str]:
        """A "not sure" choice value -> the value rules read it as."""
        return {c.value: c.read_as for c in self.choices if c.read_as is not None}

    @property
    def is_yes_no(self) -> bool:
        return self.type in (QuestionType.YES_NO, QuestionType.YES_NO_UNSURE)

    @property
    def is_medicines(self) -> bool:
        return self.type in (QuestionType.MEDICINES, QuestionType.MEDICINE_CHECKLIST)


class Tier(Record):
    urgency: Urgency
    when: "Condition"
    do_now: Text | None


class RedFlag(Record):
    id: str
    kind: FlagKind
    title: Text
    concern: Text
    tiers: tuple[Tier, ...]
    do_now: Text
    sources: tuple[str, ...]


class AskGroup(Record):
    """Questions asked together by the interactive check, in the table's asking order."""

    id: str
    style: str  # "one": each on its own; "screen": one "any of these?" list
    title: Text | None  # the screen's heading
    questions: tuple[str, ...]  # question ids, in table order


class Notice(Record):
    """Words shown plainly at the top of a result when `when` holds (a child's answers...),
    and the advice sections they hold back."""

    id: str
    when: "Condition"
    text: Text
    withhold: tuple[str, ...]
    sources: tuple[str, ...]


class Level(Record):
    urgency: Urgency
    label: Text
    action: Text
    colour: str


class TriageTables(Record):
    meta: Meta
    sources: Mapping[str, Source]
    levels: Mapping[Urgency, Level]
    default_level: Urgency
    questions: tuple[Question, ...]
    red_flags: tuple[RedFlag, ...]
    interaction_steps: Mapping[Severity, Text]  # the worst finding is about a medicine
    caution_steps: Mapping[Severity, Text]  # ... or about the person's age or health
    self_care: tuple[Advice, ...]
    safety_net: tuple[Advice, ...]
    medicine_tips: tuple[Advice, ...]
    clinician_guidance: tuple[Advice, ...]
    disclaimer: Text
    notices: tuple[Notice, ...] = ()
    # ... or about a medicine the person already takes (`{medicine}`), not the candidate
    listed_caution_steps: Mapping[Severity, Text] = {}
    asking: tuple[AskGroup, ...] = ()  # empty: every question on its own, in table order
    call_if: Text | None = None  # below emergency: when to call the emergency number

    def question(self, question_id: str) -> Question:
        return next(q for q in self.questions if q.id == question_id)

    @property
    def colours(self) -> dict[str, str]:
        """Each level's colour (a Rich style) by level id: the table is the one home of these."""
        return {level.urgency.label: level.colour for level in self.levels.values()}


# --- countries.yaml --------------------------------------------------------------------------


class Country(Record):
    code: str
    name: str
    emergency: str
    also: tuple[str, ...]
    advice_line: str | None
    sources: tuple[str, ...]


class CountryTables(Record):
    meta: Meta
    sources: Mapping[str, Source]
    countries: Mapping[str, Country]
    locales: Mapping[str, str]  # locale territory (e.g. "AT") -> country code (e.g. "EU")
    fallback: Text  # shown when the country is not known


class KnowledgeBase:
    """Everything the engines read. Built once per process; never written.

    A plain class rather than a record: it is compared and hashed by identity, so the engines
    can memoise per knowledge base, and importing `dataclasses` would cost more than it gives.
    """

    __slots__ = ("origin", "interactions", "triage", "countries", "names")

    def __init__(self, origin: str, interactions: InteractionTables, triage: TriageTables,
                 countries: CountryTables, names: "NameIndex") -> None:
        self.origin = origin  # "built-in" or the --data-dir path
        self.interactions = interactions
        self.triage = triage
        self.countries = countries
        self.names = names

    def source(self, source_id: str) -> Source:
        found = self.interactions.sources.get(source_id) or self.triage.sources.get(source_id)
        return found or self.countries.sources[source_id]

    @property
    def tables(self) -> list[Meta]:
        tables = [self.interactions.meta, self.triage.meta, self.countries.meta]
        return tables + [self.names.meta] if self.names.meta is not None else tables
