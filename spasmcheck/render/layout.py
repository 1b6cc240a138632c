"""What a person reads, in order, as a few kinds of block; the formats only draw the blocks.

Built from the JSON-shaped dicts of render/data.py, so the terminal text, the plain text and the
reports cannot drift from the JSON. Severity is always a word beside any colour (the `tag`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spasmcheck.render.shapes import Interaction as Finding
    from spasmcheck.render.shapes import (
        InteractionsResult,
        Medication,
        RedFlag,
        TriageForPerson,
        TriageResult,
        UnknownMedicine,
    )

    Result = InteractionsResult | TriageResult

from spasmcheck.core.model import Severity
from spasmcheck.core.record import Record

SEVERITY_ORDER = tuple(severity.label for severity in sorted(Severity, reverse=True))
SOURCES = "Sources"  # the row label whose web addresses the formats draw as links
URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


class Banner(Record):
    title: str
    lines: tuple[str, ...]
    tone: str  # a level id, a severity, "ok" or "warn"


class Heading(Record):
    text: str


class Para(Record):
    text: str
    tone: str | None = None


class Bullets(Record):
    items: tuple[str, ...]


class Item(Record):
    """A finding or a red flag: a tag word, a title, and labelled rows."""

    tag: str
    title: str
    tone: str
    rows: tuple[tuple[str, str], ...]


Block = Banner | Heading | Para | Bullets | Item


def show_value(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value == "unsure":
        return "not sure"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def _medicine_lines(result: Result) -> list[str]:
    lines = []
    for med in result["medications"]:
        matched = ", ".join(med["matched"])
        if med["status"] == "known":
            same = med["input"].strip().lower() == matched
            lines.append(med["input"] if same else f"{med['input']} = {matched}")
        elif med["status"] == "partial":
            lines.append(partial_line(med))
    lines += [unknown_line(med, result["unknown_advice"]) for med in result["unknown"]]
    return lines


def partial_line(med: Medication) -> str:
    """A name read in part: what was checked, and the words that may hide more medicines."""
    words = ", ".join(f"'{word}'" for word in med["unchecked"])
    hint = f" Did you mean: {', '.join(med['suggestions'])}?" if med["suggestions"] else ""
    return (f"{med['input']}: PARTLY RECOGNISED. Only {', '.join(med['matched'])} was checked; "
            f"{words} may mean more medicines in this product, and they were NOT checked. "
            "List every active ingredient on the label." + hint)


def unknown_line(med: UnknownMedicine | Medication, advice: str) -> str:
    """A name that was not recognised: said loudly, since it was not checked."""
    hint = f" Did you mean: {', '.join(med['suggestions'])}?" if med["suggestions"] else ""
    return f"{med['input']}: NOT RECOGNISED. {advice}{hint}"


def because(flag: RedFlag, unsure: Collection[str] = ()) -> str:
    """The answers that fired a red flag, as the person gave them (`unsure`: questions left
    out and read as "not sure")."""
    return "; ".join(f"{key.replace('_', ' ')}: "
                     + ("not answered, read as not sure" if key in unsure else show_value(value))
                     for key, value in flag["answers"].items())


def finding_title(item: Finding) -> str:
    """A finding named by what it is about: the drugs, or the drug and the person's health."""
    if item["kind"] == "caution":
        about = item["condition"].replace("_", " ") if item["condition"] else "your age"
        title = f"{item['drugs'][0]} with {about}"
    elif item["kind"] == "same_drug":
        title = f"{item['drugs'][0]} listed more than once"
    else:
        title = " + ".join(item["drugs"])
    if "applies_from_age" in item:
        title += f" (if aged {item['applies_from_age']} or over)"
    return title


def _finding(item: Finding, details: bool = True) -> Item:
    rows = [("What can happen", item["effect"])]
    if item["mechanism"] and details:
        rows.append(("Why", item["mechanism"]))
    rows.append(("What to do", item["advice"]))
    if details:
        rows.append((SOURCES, "; ".join(item["sources"])))
    return Item(item["severity"].upper(), finding_title(item), item["severity"], tuple(rows))


def _findings(items: list[Finding], details: bool) -> list[Item]:
    """One entry per title (most severe first): rules about the same pair are merged, and a
    row said twice is said once."""
    merged: dict[str, Item] = {}
    for item in items:
        found = _finding(item, details)
        first = merged.get(found.title)
        merged[found.title] = found if first is None else first._replace(
            rows=tuple(dict.fromkeys((*first.rows, *found.rows))))
    return list(merged.values())


def verdict(result: InteractionsResult) -> Banner:
    """The interactions result in one banner: what was found, or why the check is incomplete."""
    summary, candidate = result["summary"], result["candidate"]
    counts = ", ".join(f"{n} {sev}" for sev, n in summary["counts"].items())
    lines = []
    if summary["unknown"]:
        lines.append(f"{summary['unknown']} medicine name(s) not recognised: they were NOT "
                     "checked, which is not the same as safe.")
    if summary["partial"]:
        lines.append(f"{summary['partial']} medicine name(s) only partly recognised: they may "
                     "contain more medicines that were NOT checked.")
    if summary["worst"]:
        title = f"{summary['worst'].upper()}: {len(result['interactions'])} finding(s) for " \
                f"{candidate} ({counts})"
        return Banner(title, tuple(lines), summary["worst"])
    if summary["unknown"] or summary["partial"]:
        return Banner(f"CHECK INCOMPLETE for {candidate}", tuple(lines), "warn")
    known = summary["known"]
    title = f"NO INTERACTION FOUND between {candidate} and the {known} medicine(s) listed" \
        if known else f"No medicines listed to check against {candidate}"
    return Banner(title, ("Known medicines, nothing found in our tables.",) if known else (), "ok")


def _footer(result: Result) -> list[Block]:
    tables = ", ".join(f"{t['table']} {t['version']} (reviewed {t['reviewed']})"
                       for t in result["tables"])
    return [Para(result["disclaimer"], "muted"),
            Para(f"Tables: {result['tables'][0]['origin']}; {tables}.", "muted")]


def interactions_blocks(result: InteractionsResult, details: bool = True) -> list[Block]:
    blocks: list[Block] = [verdict(result)]
    meds = _medicine_lines(result)
    if meds:
        blocks += [Heading("Medicines checked"), Bullets(tuple(meds))]
    if result["interactions"]:
        blocks.append(Heading(f"Findings for {result['candidate']}, most severe first"))
        blocks += _findings(result["interactions"], details)
    return blocks + _footer(result)


def urgency_banner(result: TriageResult) -> Banner:
    """The level and what to do; at emergency, the number to call comes first."""
    urgency, emergency = result["urgency"], result["emergency"]
    if urgency["level"] == "emergency":
        number = emergency["number"]
        first = f"CALL {number} NOW" if number else emergency["text"]
        where = (f"{number} is the emergency number for {emergency['name']}.",) if number \
            else ()
        return Banner(first, (urgency["label"].upper(), urgency["action"], *incomplete(result),
                              *where), "emergency")
    return Banner(urgency["label"].upper(), (urgency["action"], *incomplete(result)),
                  urgency["level"])


def incomplete(result: TriageResult) -> tuple[str, ...]:
    """Said at the top: medicine names that were not (or only partly) checked."""
    unknown = len(result["unknown"])
    partial = sum(1 for med in result["medications"] if med["status"] == "partial")
    lines = []
    if unknown:
        lines.append(f"Check incomplete: {unknown} medicine name(s) not recognised, so their "
                     "interactions were NOT checked.")
    if partial:
        lines.append(f"Check incomplete: {partial} medicine name(s) only partly recognised: "
                     "they may contain more medicines that were NOT checked.")
    return tuple(lines)


def emergency_card(result: TriageResult) -> Banner:
    """The card shown while the questions are asked: the number first, then why."""
    banner = urgency_banner(result)
    flag = result["red_flags"][0]
    return Banner(banner.title, (*banner.lines, f"Why: {flag['title']}", flag["do_now"]),
                  "emergency")


def notices(result: TriageResult) -> list[str]:
    """What must be read right under the level: the tables' notices (such as a child's), the
    warning-sign questions left unanswered and read as no, and those read as "not sure"
    (none of the last two at emergency: nothing is more urgent)."""
    texts = [notice["text"] for notice in result.get("notices", ())]
    if result["urgency"]["level"] == "emergency":
        return texts
    unsure = result.get("read_as_unsure", [])
    missing = [k for k in result["unanswered_screen"] if k not in unsure]
    if missing:
        texts.append(f"{len(missing)} warning-sign question(s) were not answered, and this "
                     "result assumes the answer is no: " + _names(missing)
                     + ". If any of them applies, the advice may be more urgent.")
    if unsure:
        texts.append(f"{len(unsure)} question(s) were not answered where reading them as no "
                     "would be unsafe (such as a follow-up to a worrying answer), so this result "
                     "reads them as \"not sure\" (the safer answer): " + _names(unsure) + ".")
    return texts


def triage_blocks(result: TriageForPerson, details: bool = False) -> list[Block]:
    """The outcome: level and action first, then why, what to do, when to get help sooner
    and the medicines; sources, tips and every answer only with `details` (and in reports).
    `result` is the JSON object plus `person` (data.triage_person)."""
    person = result["person"]
    banner = urgency_banner(result)
    if not person["why"]:  # the reason, in the banner: a calm result stays on one screen
        banner = banner._replace(lines=(*banner.lines, "Why: none of your answers is a "
                                                       "warning sign."))
    blocks: list[Block] = [banner]
    blocks += [Para(text, "warn") for text in person["notices"]]
    if person["not_asked"]:
        blocks.append(Para(f"{len(person['not_asked'])} warning-sign question(s) were not "
                           "answered, and this result reads them as no: "
                           + " ".join(person["not_asked"])
                           + " If any of them applies, the advice may be more urgent.", "warn"))
    if person["read_as_unsure"]:
        blocks.append(Para(f"{len(person['read_as_unsure'])} question(s) had no answer where "
                           "reading them as no would be unsafe (such as a follow-up to a "
                           "worrying answer), so this result reads them as \"not sure\": "
                           + " ".join(person["read_as_unsure"]), "warn"))
    if person["why"]:
        blocks.append(Heading("Why"))
    for why in person["why"]:
        rows = [("You said", f"{s['question']} {s['answer']}") for s in why["said"]]
        rows.append(("This can mean", why["concern"]))
        if details:
            rows.append((SOURCES, "; ".join(why["sources"])))
        blocks.append(Item(why["urgency"].upper().replace("_", " "), why["title"],
                           why["urgency"], tuple(rows)))
    blocks += [Heading("What to do next"), Bullets(tuple(person["what_to_do"]))]
    meds = _medicine_lines(result)
    if meds or result["interactions"]:
        blocks += [Heading(f"Your medicines and {result['candidate']}"), Bullets(tuple(meds))]
        blocks += _findings(result["interactions"], details)
    sooner = [a["text"] for a in person["help_sooner"]]
    sooner += [person["call_if"]] if person["call_if"] else []  # when to call: last, never "now"
    if sooner:
        blocks += [Heading("Get help sooner if"), Bullets(tuple(sooner))]
    clinician = result["audience"] == "clinician"
    if person["tips"] and (details or clinician):
        title = "Treatment guidance" if clinician else f"About {result['candidate']}"
        blocks += [Heading(title), Bullets(tuple(person["tips"]))]
    if details:
        blocks += [Heading("Your answers"), Bullets(tuple(
            f"{a['question']} {a['answer']}" for a in person["answers_given"]))]
        return blocks + _footer(result)
    return [*blocks, Para(result["disclaimer"], "muted")]


def not_answered(result: TriageResult) -> str | None:
    """Every question left unanswered, which the level read as "no" (none at emergency)."""
    if not result["unanswered"] or result["urgency"]["level"] == "emergency":
        return None
    return "Not answered (read as no): " + _names(result["unanswered"]) + "."


def _names(keys: list[str]) -> str:
    return ", ".join(k.replace("_", " ") for k in keys)
