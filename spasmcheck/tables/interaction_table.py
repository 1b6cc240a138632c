"""Build the interaction table (`data/interactions.yaml`) into typed records, with its checks."""

from __future__ import annotations

from spasmcheck.core.limits import LIMITS
from spasmcheck.core.model import (
    Caution,
    Drug,
    DrugClass,
    GroupRule,
    HealthCondition,
    InteractionTables,
    PairRule,
    Product,
    Side,
    Text,
)
from spasmcheck.core.names import Entry, NameIndex, NameWords, fold
from spasmcheck.tables.reader import (
    FINDING_FIELDS,
    Reader,
    collecting,
    declared_ids,
    finding,
    keyed,
    read_meta,
    read_sources,
    top,
    unique_ids,
)
from spasmcheck.tables.yamlsource import Path

OLDEST = LIMITS.age  # the bounds of an age in a rule


@collecting
def build_interactions(r: Reader) -> InteractionTables:
    top(r, {"sources", "classes", "drugs", "candidates", "same_drug", "unknown_medicine", "rules"},
         {"conditions", "products", "group_rules", "cautions", "listed_twice", "already_taking",
          "age_not_given"}, "interactions")
    meta = read_meta(r, "interactions")
    sources = read_sources(r)

    def build_class(path: Path) -> DrugClass:
        r.mapping(path, {"name"}, {"parents", "description"})
        return DrugClass(str(path[-1]), r.text((*path, "name")), r.strings((*path, "parents")))

    classes = {c.id: c for c in r.each(("classes",), lambda p: keyed(r, p, build_class))}
    for c in classes.values():
        for i, parent in enumerate(c.parents):
            if parent not in classes:
                r.problems.append(r.fail(("classes", c.id, "parents", i),
                                         f"unknown class {parent!r}"))
    expanded = {cid: _ancestors(cid, classes, r) for cid in classes}

    def build_condition(path: Path) -> HealthCondition:
        r.mapping(path, {"name"}, {"aliases"})
        return HealthCondition(str(path[-1]), r.text((*path, "name")),
                               r.strings((*path, "aliases")))

    health = {c.id: c for c in r.each(("conditions",), lambda p: keyed(r, p, build_condition))} \
        if r._present(("conditions",)) else {}

    def build_drug(path: Path) -> Drug:
        r.mapping(path, {"id", "classes"}, {"brands", "other_names", "rxcui", "moiety"})
        own = r.refs((*path, "classes"), classes, "class", required=False)
        every = frozenset().union(*(expanded.get(c, frozenset({c})) for c in own))
        return Drug(r.ident((*path, "id")), r.strings((*path, "brands")),
                    r.strings((*path, "other_names")), own, every,
                    r.optional_string((*path, "rxcui")), r.optional_string((*path, "moiety")))

    drugs: dict[str, Drug] = {}
    where: dict[str, Path] = {}  # a name's path, to locate duplicate names
    moieties: list[tuple[Path, Drug]] = []
    for path, drug in r.each(("drugs",), lambda p: (p, build_drug(p))):
        if drug.id in drugs:
            r.problems.append(r.fail((*path, "id"), f"drug {drug.id!r} is listed twice"))
        drugs[drug.id] = drug
        for key in ("id", "brands", "other_names"):
            names = [drug.name] if key == "id" else r.strings((*path, key))
            where.update(dict.fromkeys(names, (*path, key)))
        if drug.moiety is not None:
            moieties.append(((*path, "moiety"), drug))
    for path, drug in moieties:
        target = drugs.get(drug.moiety or "")
        if target is None or target.id == drug.id or target.moiety is not None:
            r.problems.append(r.fail(path, f"moiety {drug.moiety!r} must name another drug "
                                           "that has no moiety of its own"))

    def build_product(path: Path) -> Product:
        r.mapping(path, {"name", "ingredients"}, {"other_names"})
        return Product(r.string((*path, "name")), r.refs((*path, "ingredients"), drugs, "drug"),
                       r.strings((*path, "other_names")))

    products = []
    for path, product in r.each(("products",), lambda p: (p, build_product(p))) \
            if r._present(("products",)) else []:
        products.append(product)
        where.update(dict.fromkeys((product.name, *product.other_names), path))

    def side(path: Path) -> Side:
        r.mapping(path, set(), {"drug", "class"})
        value = r.get(path)
        if len(value) != 1:
            raise r.fail(path, "a side names exactly one of: drug, class")
        ((kind, ident),) = value.items()
        pool = drugs if kind == "drug" else classes
        if ident not in pool:
            raise r.fail((*path, kind), f"unknown {kind} {ident!r}")
        return Side(kind, ident)

    r.mapping(("candidates",), {"default", "drugs"})
    candidates = r.refs(("candidates", "drugs"), drugs, "drug")
    default = r.choice(("candidates", "default"), candidates)
    r.mapping(("same_drug",), FINDING_FIELDS, {"mechanism"})
    same_drug = finding(r, ("same_drug",), sources)
    twice = {}
    for key in ("listed_twice", "already_taking"):
        if r._present((key,)):
            r.mapping((key,), FINDING_FIELDS, {"mechanism"})
            twice[key] = finding(r, (key,), sources)
    unknown_medicine = r.text(("unknown_medicine",))

    def min_age(path: Path) -> int | None:
        return r.integer((*path, "min_age"), 1, OLDEST) if r._present((*path, "min_age")) else None

    def build_rule(path: Path) -> PairRule:
        r.mapping(path, FINDING_FIELDS | {"id", "a", "b"},
                  {"mechanism", "replaces", "min_age", "lowered_because"})
        return PairRule(r.ident((*path, "id")), side((*path, "a")), side((*path, "b")),
                        finding(r, path, sources), frozenset(r.strings((*path, "replaces"))),
                        min_age(path), r.optional_string((*path, "lowered_because")))

    rules = r.each(("rules",), build_rule)
    rule_ids = unique_ids(r, "rules", [rule.id for rule in rules])
    _check_replaces(r, rules, rule_ids)

    def build_group(path: Path) -> GroupRule:
        r.mapping(path, FINDING_FIELDS | {"id", "class", "min_count"}, {"mechanism", "min_age"})
        return GroupRule(r.ident((*path, "id")), r.choice((*path, "class"), classes),
                         r.integer((*path, "min_count"), 2, 50), finding(r, path, sources),
                         min_age(path))

    groups = r.each(("group_rules",), build_group) if r._present(("group_rules",)) else []

    def build_caution(path: Path) -> Caution:
        when = ("condition", "min_age", "under_age")
        r.mapping(path, FINDING_FIELDS | {"id", "drug"}, {*when, "mechanism"})
        given = [key for key in when if r._present((*path, key))]
        if len(given) != 1:
            raise r.fail(path, "a caution names exactly one of: condition, min_age, under_age")
        return Caution(r.ident((*path, "id")), side((*path, "drug")),
                       r.choice((*path, "condition"), health) if "condition" in given else None,
                       r.integer((*path, "min_age"), 0, OLDEST) if "min_age" in given else None,
                       r.integer((*path, "under_age"), 1, OLDEST) if "under_age" in given else None,
                       finding(r, path, sources))

    cautions = r.each(("cautions",), build_caution) if r._present(("cautions",)) else []
    unique_ids(r, "group_rules", [g.id for g in groups])
    unique_ids(r, "cautions", [c.id for c in cautions])
    if r._present(("age_not_given",)):
        age_not_given = r.text(("age_not_given",))
    else:
        age_not_given = Text("", "")
        if any(rule.min_age is not None for rule in rules) or \
                any(group.min_age is not None for group in groups):
            r.problems.append(r.fail(("rules",), "age_not_given is needed: a rule has a min_age"))
    tables = InteractionTables(meta, sources, classes, health, drugs, tuple(products), default,
                               candidates, same_drug, unknown_medicine, tuple(rules),
                               tuple(groups), tuple(cautions),
                               twice.get("listed_twice", same_drug),
                               twice.get("already_taking", same_drug), age_not_given)
    _check_names(r, tables, where)
    return tables


def _check_replaces(r: Reader, rules: list[PairRule], rule_ids: set[str]) -> None:
    """Every replaced rule exists, and a rule that replaces a more severe one says why.

    A rule that has a problem of its own (and was not built) still counts as declared, so one
    broken rule gives one error, not one more for each rule that replaces it."""
    by_id = {rule.id: rule for rule in rules}
    declared = declared_ids(r, "rules")
    for rule in rules:
        at = declared[rule.id][0]
        for other in sorted(rule.replaces - rule_ids - set(declared)):
            r.problems.append(r.fail(("rules", at, "replaces"), f"unknown rule {other!r}"))
        stronger = sorted(other for other in rule.replaces & rule_ids
                          if by_id[other].finding.severity > rule.finding.severity)
        if stronger and not rule.lowered_because:
            worst = by_id[stronger[0]].finding.severity.label
            r.problems.append(r.fail(("rules", at, "severity"), (
                f"{rule.finding.severity.label} is less severe than the rule it replaces "
                f"({stronger[0]}: {worst}); raise it, or give lowered_because")))


def _ancestors(cid: str, classes: dict[str, DrugClass], r: Reader) -> frozenset[str]:
    seen: set[str] = set()
    stack = [cid]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        parents = classes[current].parents if current in classes else ()
        if cid in parents:
            r.problems.append(r.fail(("classes", current, "parents"),
                                     f"class {cid!r} is its own ancestor"))
            continue
        stack.extend(parents)
    return frozenset(seen)


def name_entries(tables: InteractionTables) -> list[Entry]:
    """Every name a person may type, with what it means."""
    entries: list[Entry] = []
    for drug in tables.drugs.values():
        entries.append(Entry(drug.name, "generic", (drug.id,)))
        entries += [Entry(brand, "brand", (drug.id,)) for brand in drug.brands]
        entries += [Entry(other, "other_name", (drug.id,)) for other in drug.other_names]
    for product in tables.products:
        entries += [Entry(name, "product", product.ingredients)
                    for name in (product.name, *product.other_names)]
    return entries


def _check_names(r: Reader, tables: InteractionTables, where: dict[str, Path]) -> None:
    seen: dict[str, Entry] = {}
    for entry in name_entries(tables):
        key, path = fold(entry.name), where.get(entry.name, ("drugs",))
        if not key:
            r.problems.append(r.fail(path, f"name {entry.name!r} has no letters or digits"))
        elif key in seen and seen[key].drugs != entry.drugs:
            r.problems.append(r.fail(path, f"duplicate drug name {entry.name!r}: it also "
                                                 f"names {', '.join(seen[key].drugs)} "
                                                 f"(as {seen[key].name!r})"))
        else:
            seen.setdefault(key, entry)


def folded_names(tables: InteractionTables) -> dict[str, tuple[str, ...]]:
    """Each name, folded, and the drugs it means: what a word list must not hide."""
    return {fold(entry.name): entry.drugs for entry in name_entries(tables)}


def build_names(tables: InteractionTables, name_words: NameWords) -> NameIndex:
    """The name index, built once with the tables so that the cache keeps it."""
    return NameIndex(name_entries(tables), name_words)


