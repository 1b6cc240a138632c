"""Build the name table (`data/names.yaml`) into the word lists of the name reader, with checks.

Each word or phrase is split into words the way a typed name is (names.words), so the lists and
the reader cannot disagree about spelling. A phrase may have one role only, and never be a
medicine name itself (a word list must not hide a medicine), except a salt, which the reader
skips only right after another medicine's name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from spasmcheck.core.errors import LocatedError
from spasmcheck.core.model import InteractionTables
from spasmcheck.core.names import NameWords, Role, WordRole, fold, words
from spasmcheck.tables.reader import Reader, collecting, read_meta, read_sources, top
from spasmcheck.tables.yamlsource import Document, Path

# Sections whose words are skipped: they never name or add a medicine. A salt may also be a
# medicine's name ("calcium"): it is skipped only right after another medicine's name.
SKIPPED = ("units", "dose_forms", "routes", "release", "instructions", "makers", "keeps")
ROLES: dict[str, Role] = {**dict.fromkeys(SKIPPED, "skip"), "salts": "salt", "adds": "adds",
                          "joins": "join"}
# Sections a clinic's older names.yaml may leave out.
OPTIONAL_ROLES: dict[str, Role] = {"sig_starts": "sig", "without": "without", "changes": "changes",
                                   "combines": "combines", "adds_after_brand": "brand_adds"}


def build_name_words(interactions: InteractionTables, names: Mapping[str, tuple[str, ...]]
                     ) -> Callable[[Document], NameWords]:
    """A builder of names.yaml for these tables (`names`: each folded name -> its drugs)."""

    @collecting
    def build(r: Reader) -> NameWords:
        top(r, {"sources", *ROLES},
            {"keeps_only_after", "salts_only_after", "abbreviations", "ambiguous",
             *OPTIONAL_ROLES}, "names")
        meta = read_meta(r, "names")
        sources = read_sources(r)
        phrases: dict[tuple[str, ...], WordRole] = {}
        where: dict[tuple[str, ...], str] = {}

        def add(path: Path, text: str, role: WordRole, section: str) -> None:
            phrase = words(text)
            if not phrase:
                raise r.fail(path, f"{text!r} has no letters")
            if any(word[0].isdigit() for word in phrase):
                raise r.fail(path, f"{text!r} holds a number; numbers are always skipped, "
                                   "list the words only")
            named = names.get(fold(text))
            if named is not None and role.role not in ("salt", "salt_after") \
                    and (role.role != "drugs" or named != role.drugs):
                raise r.fail(path, f"{text!r} is a medicine name in interactions.yaml "
                                   f"({', '.join(named)}); a word list must not hide it")
            known = phrases.get(phrase)
            if known is not None and known != role:
                raise r.fail(path, f"{text!r} is also listed under {where[phrase]} with "
                                   "another role")
            phrases[phrase], where[phrase] = role, section

        def section(name: str, role: Role) -> None:
            r.mapping((name,), {"sources", "words"})
            r.refs((name, "sources"), sources, "source")
            for i, text in enumerate(r.strings((name, "words"))):
                try:
                    add((name, "words", i), text, WordRole(role), name)
                except LocatedError as problem:  # noqa: PERF203 - collected, one per word
                    r.problems.append(problem)

        for name, role in [*ROLES.items(), *OPTIONAL_ROLES.items()]:
            if name in OPTIONAL_ROLES and not r._present((name,)):
                continue
            try:
                section(name, role)
            except LocatedError as problem:  # noqa: PERF203 - a broken section, keep checking
                r.problems.append(problem)

        def scoped(section: str, role: Role) -> Callable[[Path], None]:
            def group(path: Path) -> None:
                r.mapping(path, {"sources", "words", "drugs"})
                r.refs((*path, "sources"), sources, "source")
                after = WordRole(role, r.refs((*path, "drugs"), interactions.drugs, "drug"))
                for i, text in enumerate(r.strings((*path, "words"))):
                    add((*path, "words", i), text, after, section)
            return group

        for section_name, role in (("keeps_only_after", "keeps_after"),
                                   ("salts_only_after", "salt_after")):
            if r._present((section_name,)):
                r.each((section_name,), scoped(section_name, role))
        if r._present(("abbreviations",)):
            r.mapping(("abbreviations",), {"sources", "names"})
            r.refs(("abbreviations", "sources"), sources, "source")

            def abbreviation(path: Path) -> None:
                drug = r.string(path)
                if drug not in interactions.drugs:
                    raise r.fail(path, f"unknown drug {drug!r}")
                add(path, str(path[-1]), WordRole("drugs", (drug,)), "abbreviations")

            r.each(("abbreviations", "names"), abbreviation)
        if r._present(("ambiguous",)):
            r.mapping(("ambiguous",), {"sources", "names"})
            r.refs(("ambiguous", "sources"), sources, "source")

            def ambiguous(path: Path) -> None:
                offered = r.strings(path)
                for i, name in enumerate(offered):
                    if fold(name) not in names:
                        raise r.fail((*path, i), f"{name!r} is not a medicine name in "
                                                 "interactions.yaml")
                if not offered:
                    raise r.fail(path, "list the medicines it may mean")
                add(path, str(path[-1]), WordRole("ambiguous", offered), "ambiguous")

            r.each(("ambiguous", "names"), ambiguous)
        return NameWords(meta, phrases)

    return build
