"""What a person reads, in order, as a few kinds of block; the formats only draw the blocks.

Built from the JSON-shaped dicts of render/data.py, so the terminal text, the plain text and the
reports cannot drift from the JSON. Severity is always a word beside any colour (the `tag`).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

SEVERITY_ORDER = ("contraindicated", "major", "moderate", "minor")


SOURCES = "Sources"  # the row label whose web addresses the formats draw as links
URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


class Banner(NamedTuple):
    title: str
    lines: tuple[str, ...]
    tone: str  # a level id, a severity, "ok" or "warn"


class Heading(NamedTuple):
    text: str


class Para(NamedTuple):
    text: str
    tone: str | None = None


class Bullets(NamedTuple):
    items: tuple[str, ...]


class Item(NamedTuple):
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


def _medicine_lines(result: dict[str, Any]) -> list[str]:
    lines = []
    for med in result["medications"]:
        if med["status"] == "known":
            matched = ", ".join(med["matched"])
            same = med["input"].strip().lower() == matched
            lines.append(med["input"] if same else f"{med['input']} = {matched}")
    for med in result["unknown"]:
        hint = f" Did you mean: {', '.join(med['suggestions'])}?" if med["suggestions"] else ""
        lines.append(f"{med['input']}: NOT RECOGNISED. {result['unknown_advice']}{hint}")
    return lines


def _finding(item: dict[str, Any], details: bool = True) -> Item:
    if item["kind"] == "caution":
        about = item["condition"].replace("_", " ") if item["condition"] else "your age"
        title = f"{item['drugs'][0]} with {about}"
    elif item["kind"] == "same_drug":
        title = f"{item['drugs'][0]} listed more than once"
    else:
        title = " + ".join(item["drugs"])
    rows = [("What can happen", item["effect"])]
    if item["mechanism"] and details:
        rows.append(("Why", item["mechanism"]))
    rows.append(("What to do", item["advice"]))
    if details:
        rows.append((SOURCES, "; ".join(item["sources"])))
    return Item(item["severity"].upper(), title, item["severity"], tuple(rows))


def _findings(items: list[dict[str, Any]], details: bool) -> list[Item]:
    """One entry per title (most severe first): rules about the same pair are merged, and a
    row said twice is said once."""
    merged: dict[str, Item] = {}
    for item in items:
        found = _finding(item, details)
        first = merged.get(found.title)
        if first is None:
            merged[found.title] = found
        else:
            rows = tuple(dict.fromkeys((*first.rows, *found.rows)))
            merged[found.title] = first._replace(rows=rows)
    return list(merged.values())


def _verdict(result: dict[str, Any]) -> Banner:
    summary, candidate = result["summary"], result["candidate"]
    counts = ", ".join(f"{n} {sev}" for sev, n in summary["counts"].items())
    lines = []
    if summary["unknown"]:
        lines.append(f"{summary['unknown']} medicine name(s) not recognised: they were NOT "
                     "checked, which is not the same as safe.")
    if summary["worst"]:
        title = f"{summary['worst'].upper()}: {len(result['interactions'])} finding(s) for " \
                f"{candidate} ({counts})"
        return Banner(title, tuple(lines), summary["worst"])
    if summary["unknown"]:
        return Banner(f"CHECK INCOMPLETE for {candidate}", tuple(lines), "warn")
    known = summary["known"]
    title = f"NO INTERACTION FOUND between {candidate} and the {known} medicine(s) listed" \
        if known else f"No medicines listed to check against {candidate}"
    return Banner(title, ("Known medicines, nothing found in our tables.",) if known else (), "ok")


def _footer(result: dict[str, Any]) -> list[Block]:
    tables = ", ".join(f"{t['table']} {t['version']} (reviewed {t['reviewed']})"
                       for t in result["tables"])
    return [Para(result["disclaimer"], "muted"),
            Para(f"Tables: {result['tables'][0]['origin']}; {tables}.", "muted")]


def interactions_blocks(result: dict[str, Any], details: bool = True) -> list[Block]:
    blocks: list[Block] = [_verdict(result)]
    meds = _medicine_lines(result)
    if meds:
        blocks += [Heading("Medicines checked"), Bullets(tuple(meds))]
    if result["interactions"]:
        blocks.append(Heading(f"Findings for {result['candidate']}, most severe first"))
        blocks += _findings(result["interactions"], details)
    return blocks + _footer(result)


def emergency_card(result: dict[str, Any]) -> Banner:
    """The card shown while the questions are asked: the number first, then why."""
    banner = _level_banner(result)
    flag = result["red_flags"][0]
    return Banner(banner.title, (*banner.lines, f"Why: {flag['title']}", flag["do_now"]),
                  "emergency")


def _level_banner(result: dict[str, Any]) -> Banner:
    urgency, emergency = result["urgency"], result["emergency"]
    unknown = len(result["unknown"])
    lines = [urgency["action"]]
    if unknown:
        lines.append(f"Check incomplete: {unknown} medicine name(s) not recognised, so their "
                     "interactions were NOT checked.")
    if urgency["level"] == "emergency":
        number = emergency["number"]
        first = f"CALL {number} NOW" if number else emergency["text"]
        where = (f"{number} is the emergency number for {emergency['name']}.",) if number else ()
        return Banner(first, (urgency["label"].upper(), *lines, *where), "emergency")
    return Banner(urgency["label"].upper(), tuple(lines), urgency["level"])


def triage_blocks(result: dict[str, Any], details: bool = False) -> list[Block]:
    """The outcome: level and action first, then why, what to do, when to get help sooner
    and the medicines; sources, tips and every answer only with `details` (and in reports).
    `result` is the JSON object plus `person` (data.triage_person)."""
    person = result["person"]
    banner = _level_banner(result)
    if not person["why"]:  # the reason, in the banner: a calm result stays on one screen
        banner = banner._replace(lines=(*banner.lines, "Why: none of your answers is a "
                                                       "warning sign."))
    blocks: list[Block] = [banner]
    if person["not_asked"]:
        blocks.append(Para(f"{len(person['not_asked'])} warning-sign question(s) had no answer, "
                           "and this result reads them as no: "
                           + " ".join(person["not_asked"])
                           + " If any of them applies, the advice may be more urgent.", "warn"))
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
    if person["help_sooner"]:
        blocks += [Heading("Get help sooner if"),
                   Bullets(tuple(a["text"] for a in person["help_sooner"]))]
    if person["call_if"]:
        blocks.append(Para(person["call_if"], "warn"))
    clinician = result["audience"] == "clinician"
    if person["tips"] and (details or clinician):
        title = "Treatment guidance" if clinician else f"About {result['candidate']}"
        blocks += [Heading(title), Bullets(tuple(person["tips"]))]
    if details:
        blocks += [Heading("Your answers"), Bullets(tuple(
            f"{a['question']} {a['answer']}" for a in person["answers_given"]))]
        return blocks + _footer(result)
    return [*blocks, Para(result["disclaimer"], "muted")]
