"""The JSON results (schema_version 1) as typed definitions: the one home of the contract.

`render/data.py` returns these and every reader takes them, so mypy checks each field name and
type; `render/schema.py` writes schemas/*.schema.json from them. They are TypedDicts (plain dicts
at run time, so they cost nothing). What a Python type cannot say (a pattern, a length, a range,
a description) rides along as `Rule` metadata in `Annotated`; a class docstring is its object's
description; rules that join fields (if one field is this, another must be that) are in
`CONDITIONS`, written as JSON Schema.
"""

from typing import Annotated, Any, Literal, NotRequired, TypedDict

from spasmcheck.core.model import FindingKind, FlagKind
from spasmcheck.core.names import Kind as MatchedAs
from spasmcheck.core.names import Status


class Rule:
    """JSON Schema keywords for a type; `name` puts it under $defs and refers to it there."""

    __slots__ = ("keywords", "name")

    def __init__(self, name: str | None = None, **keywords: object) -> None:
        self.name, self.keywords = name, keywords


ID_PATTERN = "^[a-z][a-z0-9_]*$"
CITATIONS = "Citations, one line each (title, section, address)."

Words = Annotated[str, Rule(minLength=1)]
Ident = Annotated[str, Rule(pattern=ID_PATTERN)]
Source = Annotated[str, Rule("source", minLength=1)]
Sources = Annotated[list[Source], Rule(minItems=1, description=CITATIONS)]
Severity = Annotated[Literal["contraindicated", "major", "moderate", "minor"], Rule("severity")]
Level = Annotated[Literal["emergency", "urgent", "soon", "routine", "self_care"],
                  Rule("urgencyLevel")]
AudienceName = Annotated[Literal["patient", "clinician"], Rule("audience")]
Kind = FindingKind
AnswerValue = Annotated[bool | str | int, Rule(
    "answerValue",
    description='A canonical answer: true/false, "unsure", a choice value or a whole number.')]
UNKNOWN_ADVICE = "what to do about names the tables do not know (audience wording)"


class Tool(TypedDict):
    name: Literal["spasmcheck"]
    version: Words


class Table(TypedDict):
    table: Ident
    version: Words
    reviewed: Annotated[str, Rule(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    origin: Words


class Header(TypedDict):
    """The fields every result starts with."""

    schema_version: Literal[1]
    tool: NotRequired[Tool]
    tables: Annotated[list[Table], Rule(minItems=1)]
    audience: NotRequired[AudienceName]


class Medication(TypedDict):
    """One --med as typed, and what it was matched to. partial: a known medicine was found, but
    other words may name more medicines that were NOT checked (listed in `unchecked`)."""

    input: Words
    matched: list[Words]
    status: Status
    matched_as: NotRequired[MatchedAs]
    unchecked: NotRequired[Annotated[list[Words], Rule(
        minItems=1,
        description="partial only: the words that may name medicines that were not checked")]]
    suggestions: NotRequired[Annotated[list[Words], Rule(
        description="partial only: known names close to the words not understood")]]


class UnknownMedicine(TypedDict):
    """A name that was not recognised (so NOT checked), with close known names."""

    input: Words
    suggestions: Annotated[list[Words], Rule(uniqueItems=True)]


class Finding(TypedDict):
    """What a rule says: how severe, what can happen, why, what to do, and its sources."""

    severity: Severity
    effect: Words
    mechanism: Annotated[str, Rule(description="May be empty when the table gives none.")]
    advice: Words
    sources: Sources


class Interaction(Finding):
    """One finding, most severe first in its list."""

    drugs: Annotated[list[Words], Rule(minItems=1)]
    kind: NotRequired[Kind]
    rule: NotRequired[Ident]
    condition: NotRequired[Annotated[str | None, Rule(
        description="Cautions only: the condition id, or null for an age caution.")]]
    applies_from_age: NotRequired[Annotated[int, Rule(
        minimum=1,
        description="Present when the rule is written for people of this age and over (AGS "
        "Beers: 65) and no age was given: the finding is shown, worded as conditional on age.")]]


class Medications(TypedDict):
    """What the medicine names were read as (shared by both results)."""

    medications: list[Medication]
    unknown: list[UnknownMedicine]
    unknown_advice: Annotated[str, Rule(minLength=1, description=UNKNOWN_ADVICE)]


class UsedEntry(TypedDict):
    entry: str
    resource: str
    written: str
    checked_as: Annotated[list[str], Rule(minItems=1)]
    rxnorm: list[str]


class SkippedEntry(TypedDict):
    entry: str
    resource: str
    written: str
    reason: str


class Record(TypedDict):
    """only with --fhir: which entries of the FHIR record were checked and which were skipped"""

    source: str
    used: list[UsedEntry]
    skipped: list[SkippedEntry]
    other_resources: Annotated[int, Rule(minimum=0)]


class Summary(TypedDict):
    worst: Severity | None
    counts: dict[Severity, Annotated[int, Rule(minimum=1)]]
    known: Annotated[int, Rule(minimum=0)]
    partial: Annotated[int, Rule(
        minimum=0,
        description="medicines only partly recognised (counted neither as known nor unknown)")]
    unknown: Annotated[int, Rule(minimum=0)]


class InteractionsResult(Header, Medications):
    """The object printed by `spasmcheck interactions --json` (schema_version 1). Fields may be
    added to the top level in later versions; the ones listed under `required` are the
    contract."""

    candidate: Words
    conditions: NotRequired[list[Ident]]
    age: NotRequired[Annotated[int | None, Rule(minimum=0, maximum=130)]]
    summary: Summary
    interactions: list[Interaction]
    disclaimer: Words
    record: NotRequired[Record]


class Emergency(TypedDict):
    country: str | None
    name: Annotated[str | None, Rule(description="the country's name, when known")]
    number: str | None
    also: list[str]
    advice_line: str | None
    text: Words


class Urgency(TypedDict):
    level: Level
    rank: NotRequired[Annotated[int, Rule(minimum=0, maximum=4)]]
    label: Words
    action: Words
    colour: NotRequired[str]


class RedFlag(TypedDict):
    id: Ident
    kind: NotRequired[FlagKind]
    title: Words
    concern: NotRequired[str]
    urgency: Level
    do_now: NotRequired[str]
    sources: NotRequired[Sources]
    because: list[Ident]
    answers: NotRequired[dict[str, AnswerValue | None | list[str]]]


class Advice(TypedDict):
    text: Words
    sources: Sources


class Notice(TypedDict):
    id: Ident
    text: Words
    sources: Sources


class Answers(TypedDict, total=False):
    """The validated answers, by question id; medicines under `medications`."""

    medications: list[Words]


class TriageResult(Header):
    """The object printed by `spasmcheck triage --json` (schema_version 1). Fields may be added
    to the top level in later versions; the ones listed under `required` are the contract."""

    emergency: Emergency
    urgency: Urgency
    red_flags: Annotated[list[RedFlag], Rule(
        description="The red flags that fired, most urgent first.")]
    next_steps: Annotated[list[Words], Rule(minItems=1)]
    seek_help_sooner: NotRequired[list[Advice]]
    guidance: NotRequired[list[Advice]]
    candidate: NotRequired[Words]
    medications: NotRequired[list[Medication]]
    unknown: NotRequired[list[UnknownMedicine]]
    unknown_advice: Annotated[str, Rule(minLength=1, description=UNKNOWN_ADVICE)]
    interactions: list[Interaction]
    answers: Annotated[dict[str, Any], Rule(
        description=Answers.__doc__, propertyNames={"pattern": ID_PATTERN},
        properties={"medications": {"type": "array",
                                    "items": {"type": "string", "minLength": 1}}},
        additionalProperties={"$ref": "#/$defs/answerValue"})]
    unanswered: Annotated[list[Ident], Rule(
        description='questions not answered and read as the calm answer ("no", none)')]
    unanswered_screen: Annotated[list[str], Rule(
        description="warning-sign questions not answered, in asking order: emergency-screen "
        "questions and follow-ups that apply (read as no), and every question listed in "
        "read_as_unsure; shown prominently")]
    read_as_unsure: NotRequired[Annotated[list[Ident], Rule(
        description='questions not answered but read as "not sure" (the safer answer): a '
        "follow-up opened by an alarming answer, or a question whose table `unsure_when` holds "
        "(for example `improving` past 14 days)")]]
    notices: NotRequired[Annotated[list[Notice], Rule(
        description="plain statements shown at the top of the result, for example that the "
        "advice is written for adults when the person is under 16")]]
    disclaimer: Words
    record: NotRequired[Record]


class BatchError(TypedDict):
    message: Words


class ErrorLine(TypedDict):
    """A batch input line that could not be used."""

    id: Annotated[Any, Rule("id", description="The input line's `id`, echoed as given; null "
                            "when it had none (or could not be read).")]
    line: Annotated[int, Rule("line", minimum=1, description="1-based line number in the "
                              "input (blank lines count).")]
    error: BatchError


# --- what only a person reads, and the look-ups (not part of the published schemas) ------------


class Said(TypedDict):
    question: str
    answer: str


class Why(TypedDict):
    urgency: str
    title: str
    concern: str
    said: list[Said]
    sources: list[str]


class Person(TypedDict):
    """What a person reads beyond the JSON (data.triage_person)."""

    what_to_do: list[str]
    why: list[Why]
    help_sooner: list[Advice]
    call_if: str | None
    tips: list[str]
    answers_given: list[Said]
    notices: list[str]
    not_asked: list[str]
    read_as_unsure: list[str]


class TriageForPerson(TriageResult):
    """The triage JSON object plus what only a person reads (render/layout.triage_blocks)."""

    person: Person


class ListedFlag(TypedDict):
    id: str
    kind: str
    title: str
    concern: str
    levels: list[str]
    sources: list[str]


class RedflagsResult(Header):
    """`spasmcheck redflags --json`."""

    red_flags: list[ListedFlag]


class Match(TypedDict):
    name: str
    kind: str
    generic: list[str]


class SearchResult(Header):
    """`spasmcheck meds search --json`."""

    query: str
    matches: list[Match]
    suggestions: list[str]


class ClassName(TypedDict):
    id: str
    name: str


class ShownRule(Finding):
    rule: str
    between: list[str]


class ShownCaution(Finding):
    id: str
    condition: str | None
    min_age: int | None
    under_age: int | None


class DrugFacts(TypedDict):
    generic: str
    brands: list[str]
    other_names: list[str]
    classes: list[ClassName]
    rxcui: str | None
    products: list[str]
    candidate: bool


class ShownDrug(DrugFacts):
    rules: list[ShownRule]
    cautions: list[ShownCaution]


class ShowResult(Header):
    """`spasmcheck meds show --json`."""

    query: str
    drugs: list[ShownDrug]
    status: Status
    unchecked: list[str]
    suggestions: list[str]


class CheckedTable(TypedDict):
    table: str
    version: str
    reviewed: str


class Problem(TypedDict):
    file: str
    line: int | None
    field: str
    message: str


class CheckResult(TypedDict):
    """`spasmcheck check --json`: whether the tables load, and what they hold."""

    schema_version: Literal[1]
    origin: str
    ok: bool
    counts: dict[str, int]
    warnings: list[str]
    tables: list[CheckedTable]
    problems: list[Problem]


Shaped = InteractionsResult | TriageResult | RedflagsResult | SearchResult | ShowResult
"""Any result a format draws (render/formats.Result.shaped)."""
