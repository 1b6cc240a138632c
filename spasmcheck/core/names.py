"""Medicine name resolution: the one place a typed name becomes generic drug ids.

A name is first looked up whole (case, spacing and punctuation never matter). Otherwise it is
read word by word, the way labels, prescriptions and health records (RxNorm) write medicines:
the longest run of words that is a known name is taken, and the words of data/names.yaml
(strengths' units, dose forms, routes, release modifiers, salts, instructions, makers, brand-line
words) are passed over. What is left decides the result:

- every word understood: *known*, with the ingredients of every name found;
- a name found, but also a word that may add ingredients ("PM", "Sinus") or a word not
  understood: *partial*; the known ingredients are checked and the rest is reported;
- no name found: *unknown*; close names are offered as suggestions, never substituted.

A name is never matched to a medicine whose name (or abbreviation) it does not contain.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache, partial
from math import ceil, floor
from typing import TYPE_CHECKING, Literal

from spasmcheck.core.record import Record

if TYPE_CHECKING:
    from spasmcheck.core.model import Meta

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_WORD = re.compile(r"[a-z]+|[0-9]+")
_SEP = "\x1f"  # between the fields of a listed phrase, in the pickled text
SUGGESTION_CUTOFF = 0.8
MAX_SUGGESTIONS = 5
MEMO_SIZE = 256  # names the word reader reads (a salt, a typo, brackets): a fifth met again,
# nearly as often with 256 kept as with 1,024 (the repeats come close together)
SPELLED_VARIANTS = 256  # other spellings of listed names kept beside them ("SERTRALINE")
SUGGEST_MEMO_SIZE = 256  # unknown names: one-off typos, but for one in 25
TAILS_MEMO_SIZE = 256  # words passed over after a name ("50 mg", "tablet"): about 110 met
_AUTOJUNK = 200  # difflib's length from which a text's commonest letters are junk

Kind = Literal["generic", "brand", "other_name", "product", "abbreviation", "combination"]
Status = Literal["known", "partial", "unknown"]
# What a listed word does: skip it, skip it as a salt (right after a medicine's name, even when
# it is a medicine's name itself: "pitavastatin calcium" is one medicine, "calcium" alone is
# another), it may add ingredients, it joins two medicines, it keeps the ingredients only after
# one of some drugs, it stands for some drugs (an abbreviation), or it may mean several
# medicines (an ambiguous abbreviation: its names are offered).
# Also: a salt only of some drugs ("omeprazole magnesium"); a sig start ("Take 1 tablet by
# mouth...": nothing after it adds to the name); "free" (the medicine before it is absent); a word
# meaning another formula of the brand before it ("Back & Body"); a word that combines between
# two numbers ("2-in-1"); a word that adds only right after a brand ("Calpol Night").
Role = Literal["skip", "salt", "salt_after", "adds", "join", "keeps_after", "drugs", "ambiguous",
               "sig", "without", "changes", "combines", "brand_adds"]


def fold(name: str) -> str:
    """The matching key: lower case, accents and everything but letters and digits removed."""
    return _NOT_ALNUM.sub("", _ascii(name))


def words(text: str) -> tuple[str, ...]:
    """Lower-case words and numbers: "Ondansetron 4mg ODT" -> ("ondansetron", "4", "mg", "odt").

    Joined, they are the name's `fold`: an apostrophe joins ("St. John's" -> "st", "johns"),
    and a decimal point splits a number, which is passed over either way.
    """
    return tuple(_WORD.findall(_ascii(text).replace("'", "")))


def groups(text: str) -> tuple[int, ...]:
    """For each of `words(text)`, the bracket group it is in: 0 outside, else 1, 2, ...

    A group holding "+" or "&" adds something ("(+ codeine)"): its words after the sign are
    marked with a negative number. Empty when the text has no brackets, the common case (not
    memoised: a memo of every name typed would only fill).
    """
    if "(" not in text and "[" not in text:
        return ()
    return _groups(text)


@lru_cache(maxsize=MEMO_SIZE)
def _groups(text: str) -> tuple[int, ...]:
    folded = _ascii(text).replace("'", "")
    marks: list[int] = []
    depth = count = group = at = 0
    for match in _WORD.finditer(folded):
        for char in folded[at:match.start()]:
            if char in "([":
                if depth == 0:
                    count += 1
                    group = count
                depth += 1
            elif char in ")]" and depth:
                depth -= 1
            elif char in "+&" and depth:
                group = -count  # "(+ another medicine)": a bracket that adds
        at = match.end()
        marks.append(group if depth else 0)
    return tuple(marks)


def _ascii(text: str) -> str:
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()


class Entry(Record):
    """One name in the index: how it is written and what it means."""

    name: str
    kind: Kind
    drugs: tuple[str, ...]


class Resolution(Record):
    """What one typed name turned out to be."""

    input: str
    drugs: tuple[str, ...]  # generic ids; empty when unknown
    entry: Entry | None  # the name matched (a "combination" entry when several were)
    suggestions: tuple[str, ...]
    status: Status = "known"
    unchecked: tuple[str, ...] = ()  # partial: the words that may name more medicines

    @property
    def known(self) -> bool:
        """Every word understood and at least one medicine found."""
        return self.status == "known"


class WordRole(Record):
    role: Role
    # keeps_after: the drugs it keeps; salt_after: the drugs it is a salt of; drugs: what it
    # stands for; ambiguous: names to offer
    drugs: tuple[str, ...] = ()


class NameWords(Record):
    """The word lists of data/names.yaml, each phrase as a tuple of words."""

    meta: "Meta"
    phrases: Mapping[tuple[str, ...], WordRole]


# NameIndex's lookups and memos, made on first use and never pickled
_LAZY = frozenset({"_phrase_table", "_starts", "_passed", "_letter_index", "_read_memo",
                   "_suggest_memo", "_passing"})


class NameIndex:
    """Every name in the interaction table, folded for matching, and the words around names.

    Entries are kept as plain tuples: the index is pickled in the table cache, and plain
    tuples load several times faster than records. The listed phrases travel as one string and
    are indexed on first use (`phrases`): a name typed whole, as most are, never needs them.
    """

    _phrase_table: dict[str, list[tuple[tuple[str, ...], Role, tuple[str, ...]]]]
    _starts: frozenset[str]
    _passed: tuple[frozenset[str], frozenset[str]]
    _passing: set[tuple[str, ...]]  # words after a name that are all passed over (`_whole`)
    _read_memo: "Callable[[tuple[str, ...], tuple[int, ...]], _Read]"
    _suggest_memo: "Callable[[str], tuple[str, ...]]"

    def __init__(self, entries: list[Entry], name_words: NameWords | None = None) -> None:
        self._by_key: dict[str, tuple[str, Kind, tuple[str, ...]]] = {}
        # where a name's words meet, within its folded key (names of one word have none):
        # typed words may join them ("cocodamol") but never split a word ("as a" is not "ASA")
        self._cuts: dict[str, tuple[int, ...]] = {}
        for entry in entries:
            key = fold(entry.name)
            self._by_key.setdefault(key, tuple(entry))  # type: ignore[arg-type]
            cuts = set(self._cuts.get(key, ())) | _cuts(words(entry.name))
            if cuts:
                self._cuts[key] = tuple(sorted(cuts))
        self._span = max((len(words(entry.name)) for entry in entries), default=1)
        self._phrase_text = "\n".join(
            _SEP.join([role.role, " ".join(phrase), *role.drugs])
            for phrase, role in (name_words.phrases.items() if name_words else ()))
        self.meta: Meta | None = name_words.meta if name_words else None

    def __getstate__(self) -> dict[str, object]:
        """What is pickled in the table cache: not the lookups worked out on first use."""
        return {key: value for key, value in self.__dict__.items() if key not in _LAZY}

    def __len__(self) -> int:
        return len(self._by_key)

    def spelled_limit(self) -> int:
        """How many names typed as the tables list them (`as_listed`) a memo keeps: every
        listed name, which a batch run puts in before its workers fork, and
        `SPELLED_VARIANTS` other spellings of them, met as lines come."""
        return len(self._by_key) + SPELLED_VARIANTS

    def prepare(self) -> None:
        """Make now what is otherwise made on first use: a batch run does it before its
        workers fork, so they share it rather than each making it."""
        self.phrases()
        self._passed_words()
        self._letters()

    def phrases(self) -> dict[str, list[tuple[tuple[str, ...], Role, tuple[str, ...]]]]:
        """The listed phrases by first word, longest first: (the other words, role, drugs).
        Worked out on first use, and kept."""
        try:
            return self._phrase_table
        except AttributeError:
            table: dict[str, list[tuple[tuple[str, ...], Role, tuple[str, ...]]]] = {}
            for line in self._phrase_text.split("\n") if self._phrase_text else ():
                role, phrase, *drugs = line.split(_SEP)
                first, *rest = phrase.split(" ")
                table.setdefault(first, []).append(
                    (tuple(rest), role, tuple(drugs)))  # type: ignore[arg-type]
            for options in table.values():
                options.sort(key=lambda option: -len(option[0]))
            self._phrase_table = table
            return table

    def read(self, tokens: tuple[str, ...], marks: tuple[int, ...] = ()) -> "_Read":
        """`_read` through this index's own bounded memo of words read (made on first use)."""
        try:
            memo = self._read_memo
        except AttributeError:
            memo = self._read_memo = lru_cache(maxsize=MEMO_SIZE)(partial(_read, self))
        return memo(tokens, marks)

    def near(self, key: str) -> tuple[str, ...]:
        """`_suggest` through this index's own bounded memo of keys (made on first use)."""
        try:
            memo = self._suggest_memo
        except AttributeError:
            memo = self._suggest_memo = lru_cache(maxsize=SUGGEST_MEMO_SIZE)(
                partial(_suggest, self))
        return memo(key)

    def close_keys(self, key: str) -> list[str]:
        """The keys whose letters could bring them to the suggestion cutoff against `key`.

        difflib's ratio is never above its `quick_ratio`, which counts the letters two texts
        share, in any order. So a key is left out only when, with its length, too many of the
        letters of `key` are missing from it (`_LetterIndex`): this drops all but a handful of
        some 3,000 keys, and never one that difflib would keep.
        """
        letters = self._letters()
        plan = letters.plans.get(len(key))
        if plan is None:
            plan = letters.plans[len(key)] = _plan(letters.first, len(key))
        depth, window, limits = plan
        if not window:
            return []
        # a count of missing letters per key, one bit plane per binary digit (all keys at once;
        # keys outside `window` are counted too, and never kept)
        fewer = letters.fewer
        seen: dict[str, int] = {}
        missing = []
        for char in key:
            copy = seen[char] = seen.get(char, -1) + 1
            masks = fewer.get(char, ())
            missing.append(masks[copy] if copy < len(masks) else letters.everyone)
        over = 0  # keys whose count went past what the planes hold
        if depth == 2:  # the common depths unrolled (keys of 3 to 8 letters, then 9 to 20)
            low = high = 0
            for carry in missing:
                carry, low = low & carry, low ^ carry
                over |= high & carry
                high ^= carry
            planes = [low, high]
        elif depth == 3:
            low = middle = high = 0
            for carry in missing:
                carry, low = low & carry, low ^ carry
                carry, middle = middle & carry, middle ^ carry
                over |= high & carry
                high ^= carry
            planes = [low, middle, high]
        else:
            planes = [0] * depth
            for carry in missing:
                for digit, plane in enumerate(planes):
                    planes[digit] = plane ^ carry
                    carry &= plane
                    if not carry:
                        break
                over |= carry
        # keys whose count is above what their length allows, compared digit by digit
        above, equal = 0, window
        for plane, limit in zip(reversed(planes), reversed(limits), strict=True):
            above |= equal & plane & ~limit
            equal &= ~(plane ^ limit)
        kept = window & ~over & ~above
        found = []
        while kept:
            bit = kept & -kept
            found.append(letters.keys[bit.bit_length() - 1])
            kept ^= bit
        return found

    def _letters(self) -> "_LetterIndex":
        try:
            return self._letter_index
        except AttributeError:
            self._letter_index: _LetterIndex = _letter_index(self._by_key)
            return self._letter_index

    def entries(self) -> list[Entry]:
        return [Entry(*item) for item in self._by_key.values()]

    def lookup(self, name: str) -> Entry | None:
        """The entry for a name that resolves fully (a strength or form may follow it)."""
        found = self.resolve(name)
        return found.entry if found.status == "known" else None

    def resolve(self, name: str) -> Resolution:
        tokens, marks = words(name), groups(name)
        whole = self._whole(tokens, marks)
        if whole is not None:
            return Resolution(name, whole.drugs, whole, ())
        read = self.read(tokens, marks)
        return Resolution(name, read.drugs, read.entry, read.suggestions, read.status,
                          read.unchecked)

    def _whole(self, tokens: tuple[str, ...], marks: tuple[int, ...]) -> Entry | None:
        """The entry when the words are one known name, whole or followed only by words the
        word reader would pass over (a strength, a unit, a form, "at night"): the common cases,
        read without the reader, to the same result. After the name, this walks the words as
        the reader does, position by position, and gives up on anything else."""
        length, found = self.name_at(tokens, 0) if tokens else (0, None)
        if found is None or length == len(tokens):
            return found
        if marks or self.phrase_at(tokens, 0)[0] > length:
            return None
        try:
            passing = self._passing
        except AttributeError:
            passing = self._passing = set()
        tail = tokens[length:]
        if tail in passing:
            return found
        if not self._passed_over(tail):
            return None  # mostly one-offs (a typo in a name's second word): not kept
        if len(passing) < TAILS_MEMO_SIZE:
            passing.add(tail)
        return found

    def _passed_over(self, tail: tuple[str, ...]) -> bool:
        """Whether the word reader passes over all these words after a name. It looks only
        forward from each word, so the words before them do not matter."""
        try:
            alone, numbers = self._passed
        except AttributeError:
            alone, numbers = self._passed_words()
        at = 0
        while at < len(tail):
            word = tail[at]
            if word in alone or word.isdigit() and word not in numbers:
                at += 1  # its only phrase is itself, or a number that starts nothing
                continue
            size, role, _ = self.phrase_at(tail, at)
            if size:
                if role != "skip" or self.name_at(tail, at)[0] >= size:
                    return False
                at += size
            elif word.isdigit() and not self.name_at(tail, at)[0]:
                at += 1
            else:
                return False
        return True

    def _passed_words(self) -> tuple[frozenset[str], frozenset[str]]:
        """The words whose one listed phrase is the word alone, passed over, and that start
        no name; and the numbers that start a listed phrase or a name (the rest start
        nothing)."""
        names = self._by_key.keys() | self._word_starts()
        listed = self.phrases()
        alone = {first for first, options in listed.items()
                 if len(options) == 1 and not options[0][0] and options[0][1] == "skip"}
        self._passed = (frozenset(alone - names),
                        frozenset(word for word in listed.keys() | names if word.isdigit()))
        return self._passed

    def suggest(self, name: str) -> tuple[str, ...]:
        """Close names for a misspelling, best first; empty when nothing is close."""
        read = self.read(words(name), groups(name))
        return read.suggestions or self.near(fold(name))

    def search(self, text: str) -> list[Entry]:
        """Entries whose name contains `text` (folded), shortest names first."""
        key = fold(text)
        found = [Entry(*item) for k, item in self._by_key.items() if key and key in k]
        return sorted(found, key=lambda entry: (len(entry.name), entry.name.lower()))

    def phrase_at(self, tokens: tuple[str, ...], i: int) -> tuple[int, Role, tuple[str, ...]]:
        """The longest listed phrase starting at word `i`: (its length, role, drugs)."""
        for rest, role, drugs in self.phrases().get(tokens[i], ()):
            end = i + 1 + len(rest)
            if tokens[i + 1:end] == rest:
                return end - i, role, drugs
        return 0, "skip", ()

    def _word_starts(self) -> frozenset[str]:
        self._starts = frozenset(key[:cut] for key, cuts in self._cuts.items() for cut in cuts)
        return self._starts

    def name_at(self, tokens: tuple[str, ...], i: int) -> tuple[int, Entry | None]:
        """The longest run of words from word `i` that is a known name, and its entry.

        Words are added while what they make so far ends where a listed name's words meet
        (`_starts`): other runs could never be a name (most names are one word)."""
        try:
            starts = self._starts
        except AttributeError:
            starts = self._word_starts()
        best, found, key, by_key = 0, None, "", self._by_key
        cuts: list[int] = []
        for j in range(i, min(len(tokens), i + self._span)):
            if key:
                if key not in starts:
                    break
                cuts.append(len(key))
            key += tokens[j]
            item = by_key.get(key)
            if item is not None and (not cuts or set(cuts) <= set(self._cuts.get(key, ()))):
                best, found = j + 1 - i, item
        return best, (Entry(*found) if found is not None else None)


def _cuts(tokens: tuple[str, ...]) -> frozenset[int]:
    """Where words meet in their joined text: ("co", "codamol") -> {2}."""
    ends, at = [], 0
    for token in tokens[:-1]:
        at += len(token)
        ends.append(at)
    return frozenset(ends)


class _Read(Record):
    drugs: tuple[str, ...]
    entry: Entry | None
    status: Status
    unchecked: tuple[str, ...]
    suggestions: tuple[str, ...]


def _read(index: NameIndex, tokens: tuple[str, ...], marks: tuple[int, ...] = ()) -> _Read:
    """Read a name word by word (see the module docstring). Memoised by its words.

    `marks` (from `groups`) tells which words are in brackets. A bracket that opens after a
    medicine's name holds what records write about that medicine (its brand, maker, "Patient
    taking differently: ..."): words there that are not understood are passed over. After a
    sig that follows a name ("Take 1 tablet by mouth..."), no word adds to the name; a name
    there ("Do not take with alcohol") is reported as not checked, never added.
    """
    found: list[Entry] = []
    unread: list[str] = []
    offered: list[str] = []
    # Words that may add ingredients, in order, as ("adds"/"join"/"keeps_after", words, drugs)
    pending: list[tuple[Role, str, tuple[str, ...], int]] = []
    after_brackets: dict[int, bool] = {}  # bracket group -> it opened after a name
    i = 0
    after_name = False  # the last words read were a medicine's name (or its salt)
    after_unread = False  # the last word was not understood (maybe a name the tables lack)
    in_sig = False
    while i < len(tokens):
        group = marks[i] if marks else 0
        aside = group > 0 and after_brackets.setdefault(group, bool(found))
        length, entry = index.name_at(tokens, i)
        size, role, drugs = index.phrase_at(tokens, i)
        if role in ("salt", "salt_after") and (after_unread or after_name and (
                role == "salt" or set(drugs) & set(found[-1].drugs))) \
                and length <= _salt_run(index, tokens, i):
            i += size  # a salt, even where salt words together name a medicine
            continue
        after_unread = False
        if in_sig:
            if entry is not None and length >= size:
                unread.append(" ".join(tokens[i:i + length]))
            i += max(length, size, 1)
            continue
        if role == "without" and after_name and size >= length:
            _without(found, unread)
            after_name = False
            i += size
            continue
        if role == "changes" and found and size > length \
                and found[-1].kind in ("brand", "product"):
            unread.append(found.pop().name)
            after_name = False
            i += size
            continue
        after_name = False
        if entry is not None and length >= size:
            found.append(entry)
            after_name = True
            i += length
        elif size and role == "drugs":
            found.append(Entry(" ".join(tokens[i:i + size]), "abbreviation", drugs))
            i += size
        elif size and role == "ambiguous":
            unread.append(" ".join(tokens[i:i + size]))
            offered += drugs
            i += size
        elif size:
            if role == "sig":
                in_sig = bool(found)
            elif role in ("adds", "join", "keeps_after"):
                pending.append((role, " ".join(tokens[i:i + size]), drugs, len(found)))
            elif role == "brand_adds" and found and found[-1].kind in ("brand", "product"):
                pending.append(("adds", " ".join(tokens[i:i + size]), drugs, len(found)))
            elif role == "combines" and i > 0 and i + size < len(tokens) \
                    and tokens[i - 1][0].isdigit() and tokens[i + size][0].isdigit():
                pending.append(("adds", " ".join(tokens[i - 1:i + size + 1]), (), len(found)))
            i += size
        elif tokens[i][0].isdigit() or aside:
            i += 1
        else:
            unread.append(tokens[i])
            after_unread = True
            i += 1
    drugs = tuple(dict.fromkeys(d for entry in found for d in entry.drugs))
    unchecked = [text for role, text, keeps, before in pending
                 if role == "adds"
                 or (role == "join" and before == len(found))  # no medicine after it
                 or (role == "keeps_after" and not set(keeps) & set(drugs))]
    unchecked += unread
    suggestions = tuple(dict.fromkeys([*offered, *_suggest_words(index, unread)]))
    if not drugs:
        return _Read((), None, "unknown", (), suggestions)
    named = tuple(dict.fromkeys(found))
    entry = named[0] if all(set(e.drugs) == set(drugs) for e in named) else \
        Entry(" + ".join(e.name for e in named), "combination", drugs)
    if unchecked:
        return _Read(drugs, entry, "partial", tuple(dict.fromkeys(unchecked)), suggestions)
    return _Read(drugs, entry, "known", (), ())


def _without(found: list[Entry], unread: list[str]) -> None:
    """ "Aspirin free": the name just read is absent. A brand or product read before it that
    holds that medicine is then another formula: it is reported, not checked."""
    absent = set(found.pop().drugs)
    for entry in [e for e in found if absent & set(e.drugs)]:
        found.remove(entry)
        unread.append(entry.name)


def _salt_run(index: NameIndex, tokens: tuple[str, ...], i: int) -> int:
    """How many words from `i` are salts, one after another ("potassium citrate")."""
    j = i
    while j < len(tokens):
        size, role, _ = index.phrase_at(tokens, j)
        if not size or role not in ("salt", "salt_after"):
            break
        j += size
    return j - i


class _LetterIndex(Record):
    """Which keys hold which letters, as bit sets over the keys (bit i: `keys[i]`), so that
    `NameIndex.close_keys` counts one letter's misses in every key with a few integer
    operations. Built on first use (a few milliseconds), never pickled."""

    keys: tuple[str, ...]  # shortest first
    first: tuple[int, ...]  # first[m]: where the keys of length m or more start
    fewer: dict[str, tuple[int, ...]]  # fewer[char][j]: the keys with at most j copies of char
    everyone: int  # every key's bit
    plans: dict[int, tuple[int, int, tuple[int, ...]]]  # by length: `_plan`


def _letter_index(keys: "Iterable[str]") -> _LetterIndex:
    ordered = tuple(sorted(keys, key=len))
    holding: dict[tuple[str, int], list[int]] = {}
    for at, key in enumerate(ordered):
        counted: dict[str, int] = {}
        for char in key:
            copy = counted[char] = counted.get(char, 0) + 1
            holding.setdefault((char, copy), []).append(at)
    everyone = (1 << len(ordered)) - 1
    fewer: dict[str, list[int]] = {}
    for (char, _), keys_at in sorted(holding.items()):
        bits = bytearray((len(ordered) + 7) // 8)
        for at in keys_at:
            bits[at >> 3] |= 1 << (at & 7)
        fewer.setdefault(char, []).append(everyone ^ int.from_bytes(bits, "little"))
    longest = len(ordered[-1]) if ordered else 0
    first, at = [], 0
    for length in range(longest + 2):
        while at < len(ordered) and len(ordered[at]) < length:
            at += 1
        first.append(at)
    return _LetterIndex(ordered, tuple(first),
                        {char: tuple(masks) for char, masks in fewer.items()}, everyone, {})


def _plan(first: tuple[int, ...], length: int) -> tuple[int, int, tuple[int, ...]]:
    """For a key of `length`: the bit planes its count of missing letters needs, the keys of
    a length that may reach the cutoff (a bit set), and, for each plane, the keys whose length
    allows a count with that binary digit set: the limits in the same bit planes. Needs only
    the length."""
    cutoff = SUGGESTION_CUTOFF
    shortest = max(1, ceil(length * cutoff / (2 - cutoff) - 1e-9))
    longest = min(len(first) - 2, floor(length * (2 - cutoff) / cutoff + 1e-9))

    def allowed(other: int) -> int:  # quick_ratio >= cutoff: shared >= cutoff * total / 2
        return floor(length - cutoff * (length + other) / 2 + 1e-9)

    window, depth = 0, (allowed(shortest) + 1).bit_length() if shortest <= longest else 0
    limits = [0] * depth  # bit d: the keys whose length allows a count with bit d set
    for other in range(shortest, longest + 1):
        keys = (1 << first[other + 1]) - (1 << first[other])
        window |= keys
        most = allowed(other)
        for digit in range(depth):
            if most >> digit & 1:
                limits[digit] |= keys
    return depth, window, tuple(limits)


def as_listed(resolution: Resolution) -> bool:
    """Whether the name was typed as a name the tables list (any case, spacing or punctuation).

    Memos keyed by the typed name keep only these: their number is bounded by the tables'
    names, so the memo stays small however varied the input ("sertraline 50 mg tablet" and
    the like are read again, by the small word memo of `_read`).
    """
    entry = resolution.entry
    return entry is not None and resolution.status == "known" and \
        fold(resolution.input) == fold(entry.name)


def _suggest_words(index: NameIndex, unread: list[str]) -> tuple[str, ...]:
    if not unread:
        return ()
    keys = [*unread, "".join(unread)] if len(unread) > 1 else unread
    found = [name for key in keys for name in index.near(key)]
    return tuple(dict.fromkeys(found))[:MAX_SUGGESTIONS]


def _suggest(index: NameIndex, key: str) -> tuple[str, ...]:
    """The names difflib's `get_close_matches` would give (ratio 0.8 or more, best first),
    found some 150 times faster.

    Three filters, each letting through every name the next would keep: the letters shared
    (`NameIndex.close_keys`, difflib's own `quick_ratio`, over all names at once); rapidfuzz's
    Indel ratio (twice the longest common subsequence over the total length), never below
    difflib's ratio (twice the matching blocks over the total length: the blocks are a common
    subsequence); and difflib's ratio itself (`_matched`), for the few names left. An unknown
    name costs about 15 µs, not 3 ms.
    """
    candidates = index.close_keys(key) if key else ()
    if not candidates:
        return ()
    extract, indel = _fuzzy()
    near = extract(key, candidates, scorer=indel, processor=None,
                   score_cutoff=SUGGESTION_CUTOFF * 100 - 1e-6, limit=None)
    if not near:
        return ()
    places: dict[str, list[int]] = {}  # difflib's `b2j`: where each letter is in the key
    for at, char in enumerate(key):
        places.setdefault(char, []).append(at)
    scored = []
    for name, _, _ in near:
        ratio = _ratio(name, key, places)
        if ratio >= SUGGESTION_CUTOFF:
            scored.append((ratio, name))
    scored.sort(reverse=True)  # as heapq.nlargest orders them
    return tuple(dict.fromkeys(index._by_key[k][0] for _, k in scored[:MAX_SUGGESTIONS]))


@lru_cache(maxsize=1)
def _fuzzy() -> "tuple[Callable[..., list[tuple[str, float, int]]], Callable[..., float]]":
    """rapidfuzz's `process.extract` and `fuzz.ratio`, imported on first use (only unknown
    names need them) and looked up once."""
    from rapidfuzz import fuzz, process

    return process.extract, fuzz.ratio


def _ratio(name: str, key: str, places: dict[str, list[int]]) -> float:
    """difflib's `SequenceMatcher(None, name, key).ratio()`; `places`: `key`'s letters."""
    if len(key) >= _AUTOJUNK:  # difflib drops the commonest letters of a text this long
        from difflib import SequenceMatcher

        return SequenceMatcher(None, name, key).ratio()
    return 2.0 * _matched(name, key, places) / (len(name) + len(key))


def _matched(a: str, b: str, places: dict[str, list[int]]) -> int:
    """The letters in difflib's matching blocks of `a` and `b` (`SequenceMatcher(None, a, b)`),
    whose ratio is twice this over the total length; `places` is where each letter is in `b`.

    difflib's own algorithm (Ratcliff and Obershelp): the longest block shared, earliest in `a`
    then in `b`, then the same on each side of it. Without difflib's general machinery it costs
    half as much. For `b` shorter than `_AUTOJUNK`, where difflib treats no letter as junk.
    """
    total = 0
    queue = [(0, len(a), 0, len(b))]
    while queue:
        a_low, a_high, b_low, b_high = queue.pop()
        best_a = best_b = size = 0
        lengths: dict[int, int] = {}  # match lengths ending at each place in `b`, for a[i - 1]
        for i in range(a_low, a_high):
            ending: dict[int, int] = {}
            for j in places.get(a[i], ()):
                if j < b_low:
                    continue
                if j >= b_high:
                    break
                k = ending[j] = lengths.get(j - 1, 0) + 1
                if k > size:
                    best_a, best_b, size = i - k + 1, j - k + 1, k
            lengths = ending
        if size:
            total += size
            if a_low < best_a and b_low < best_b:
                queue.append((a_low, best_a, b_low, best_b))
            if best_a + size < a_high and best_b + size < b_high:
                queue.append((best_a + size, a_high, best_b + size, b_high))
    return total
