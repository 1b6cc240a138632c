"""Look-ups over the tables: red flags, medicine search and detail, and table checks."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from spasmcheck.core.errors import LocatedError
from spasmcheck.core.interactions import rules_touching
from spasmcheck.core.model import Audience, Drug, KnowledgeBase, Side
from spasmcheck.render.data import SCHEMA_VERSION, finding, header
from spasmcheck.render.layout import (
    SEVERITY_ORDER,
    Banner,
    Block,
    Bullets,
    Heading,
    Item,
    Para,
)

if TYPE_CHECKING:
    from spasmcheck.render.shapes import (
        CheckResult,
        DrugFacts,
        Match,
        RedflagsResult,
        SearchResult,
        ShownCaution,
        ShownDrug,
        ShownRule,
        ShowResult,
    )

REVIEW_EVERY_DAYS = 365


def _drug(kb: KnowledgeBase, drug: Drug, audience: Audience) -> DrugFacts:
    classes = kb.interactions.classes
    return {
        "generic": drug.name,
        "brands": list(drug.brands),
        "other_names": list(drug.other_names),
        "classes": [{"id": c, "name": classes[c].name.for_(audience)}
                    for c in sorted(drug.all_classes)],
        "rxcui": drug.rxcui,
        "products": [p.name for p in kb.interactions.products if drug.id in p.ingredients],
        "candidate": drug.id in kb.interactions.candidates,
    }


def redflags_result(kb: KnowledgeBase, audience: Audience) -> RedflagsResult:
    return {**header(kb, audience), "red_flags": [{
        "id": flag.id,
        "kind": flag.kind,
        "title": flag.title.for_(audience),
        "concern": flag.concern.for_(audience),
        "levels": [tier.urgency.label for tier in flag.tiers],
        "sources": [kb.source(s).cite() for s in flag.sources],
    } for flag in kb.triage.red_flags]}


def redflags_blocks(result: RedflagsResult) -> list[Block]:
    blocks: list[Block] = [Banner(f"{len(result['red_flags'])} red flags", (), "routine")]
    blocks += [Item(flag["levels"][0].upper(), f"{flag['title']} ({flag['id']})",
                    flag["levels"][0], (("Concern", flag["concern"]),
                                        ("Levels", ", ".join(flag["levels"])),
                                        ("Sources", "; ".join(flag["sources"]))))
               for flag in result["red_flags"]]
    return blocks


def search_result(kb: KnowledgeBase, text: str) -> SearchResult:
    drugs = kb.interactions.drugs
    matches: list[Match] = [{"name": entry.name, "kind": entry.kind,
                             "generic": [drugs[d].name for d in entry.drugs]}
                            for entry in kb.names.search(text)]
    suggestions = list(kb.names.suggest(text)) if not matches else []
    return {**header(kb, Audience.PATIENT), "query": text, "matches": matches,
            "suggestions": suggestions}


def search_blocks(result: SearchResult) -> list[Block]:
    if not result["matches"]:
        hint = f" Did you mean: {', '.join(result['suggestions'])}?" if result["suggestions"] \
            else ""
        return [Banner(f"No known medicine matches {result['query']!r}.", (hint.strip(),)
                       if hint else (), "warn")]
    lines = tuple(m["name"] if m["kind"] == "generic" else
                  f"{m['name']} ({m['kind'].replace('_', ' ')}: {', '.join(m['generic'])})"
                  for m in result["matches"])
    return [Banner(f"{len(lines)} known name(s) match {result['query']!r}", (), "ok"),
            Bullets(lines)]


def show_result(kb: KnowledgeBase, name: str, audience: Audience) -> ShowResult:
    resolution = kb.names.resolve(name)
    drugs = [kb.interactions.drugs[d] for d in resolution.drugs]
    shown: list[ShownDrug] = []
    for drug in drugs:
        rules: list[ShownRule] = [{
            "rule": r.id, "between": [_side(kb, r.a, audience), _side(kb, r.b, audience)],
            **finding(r.finding, kb, audience)} for r in rules_touching(kb, drug)]
        rules.sort(key=lambda rule: SEVERITY_ORDER.index(rule["severity"]))
        cautions: list[ShownCaution] = [{
            "id": c.id, "condition": c.condition, "min_age": c.min_age,
            "under_age": c.under_age, **finding(c.finding, kb, audience)}
            for c in kb.interactions.cautions if c.drug.matches(drug)]
        shown.append({**_drug(kb, drug, audience), "rules": rules, "cautions": cautions})
    return {**header(kb, audience), "query": name, "drugs": shown,
            "status": resolution.status, "unchecked": list(resolution.unchecked),
            "suggestions": list(resolution.suggestions)}


def _side(kb: KnowledgeBase, side: Side, audience: Audience) -> str:
    if side.kind == "drug":
        return kb.interactions.drugs[side.id].name
    return kb.interactions.classes[side.id].name.for_(audience)


def show_blocks(result: ShowResult) -> list[Block]:
    if not result["drugs"]:
        hint = (f"Did you mean: {', '.join(result['suggestions'])}?",) \
            if result["suggestions"] else ()
        return [Banner(f"{result['query']!r} is not a medicine spasmcheck knows.", hint, "warn")]
    blocks: list[Block] = []
    if result["unchecked"]:
        words = ", ".join(f"'{word}'" for word in result["unchecked"])
        blocks.append(Banner(f"{result['query']!r} is only partly recognised", (
            f"Shown: {', '.join(d['generic'] for d in result['drugs'])}. {words} may mean more "
            "medicines that are not shown.",), "warn"))
    for drug in result["drugs"]:
        names = [f"Brands: {', '.join(drug['brands']) or 'none listed'}",
                 f"Other names: {', '.join(drug['other_names']) or 'none listed'}",
                 f"Classes: {', '.join(c['name'] for c in drug['classes']) or 'none of concern'}"]
        if drug["products"]:
            names.append(f"In products: {', '.join(drug['products'])}")
        if drug["rxcui"]:
            names.append(f"RxNorm RxCUI: {drug['rxcui']}")
        blocks += [Banner(drug["generic"], tuple(names), "routine"),
                   Heading(f"Rules that involve {drug['generic']} ({len(drug['rules'])})")]
        if not drug["rules"]:
            blocks.append(Para("No interaction rule involves this medicine: it is known, and "
                               "nothing relevant was found."))
        for rule in drug["rules"]:
            blocks.append(Item(rule["severity"].upper(), " + ".join(rule["between"]),
                               rule["severity"], (("What can happen", rule["effect"]),
                                                  ("What to do", rule["advice"]),
                                                  ("Sources", "; ".join(rule["sources"])))))
        if drug["cautions"]:
            blocks.append(Heading("Cautions"))
            for c in drug["cautions"]:
                about = c["condition"] or (f"age {c['min_age']} or over" if c["min_age"]
                                           else f"under age {c['under_age']}")
                blocks.append(Item(c["severity"].upper(), str(about).replace("_", " "),
                                   c["severity"], (("What can happen", c["effect"]),
                                                   ("What to do", c["advice"]),
                                                   ("Sources", "; ".join(c["sources"])))))
    return blocks


def check_result(kb: KnowledgeBase | None, problems: list[LocatedError],
                 origin: str) -> CheckResult:
    counts: dict[str, int] = {}
    if kb is not None:
        t, r = kb.interactions, kb.triage
        counts = {"drugs": len(t.drugs), "brands": sum(len(d.brands) for d in t.drugs.values()),
                  "other_names": sum(len(d.other_names) for d in t.drugs.values()),
                  "products": len(t.products), "classes": len(t.classes),
                  "pair_rules": len(t.rules), "group_rules": len(t.group_rules),
                  "cautions": len(t.cautions), "questions": len(r.questions),
                  "red_flags": len(r.red_flags), "countries": len(kb.countries.countries),
                  "names": len(kb.names)}
    warnings = [f"{m.table} was last reviewed on {m.reviewed}, over a year ago: review it"
                for m in (kb.tables if kb else []) if _stale(m.reviewed)]
    return {"schema_version": SCHEMA_VERSION, "origin": origin, "ok": not problems,
            "counts": counts,
            "warnings": warnings,
            "tables": [{"table": m.table, "version": m.version, "reviewed": m.reviewed}
                       for m in kb.tables] if kb else [],
            "problems": [{"file": p.file, "line": p.line, "field": p.field,
                          "message": p.problem} for p in problems]}


def check_text(result: CheckResult) -> str:
    from spasmcheck.render.safe import printable

    if result["problems"]:
        lines = [printable(f"{p['file']}:{p['line'] or '?'}: "
                           + (f"{p['field']}: " if p["field"] else "") + p["message"])
                 for p in result["problems"]]
        origin = printable(result["origin"])  # a folder name is user text too
        return "\n".join(lines) + f"\n{len(lines)} problem(s) in the tables at {origin}\n"
    counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in result["counts"].items())
    warnings = "".join(f"warning: {printable(w)}\n" for w in result["warnings"])
    return f"tables OK ({printable(result['origin'])}): {counts}\n{warnings}"


def _stale(reviewed: str, today: date | None = None) -> bool:
    """A table not reviewed for over a year (review dates are ISO dates)."""
    return ((today or date.today()) - date.fromisoformat(reviewed)).days > REVIEW_EVERY_DAYS
