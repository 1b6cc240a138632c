"""Name matching: spelling variants match, misspellings are offered, never substituted."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spasmcheck.core.names import fold, words
from spasmcheck.tables import knowledge


@pytest.mark.parametrize(("typed", "generic"), [
    ("Zoloft", "sertraline"),
    ("ZOLOFT", "sertraline"),
    ("  zoloft ", "sertraline"),
    ("Lustral", "sertraline"),
    ("sertraline hydrochloride", "sertraline"),
    ("Sertraline 50 mg", "sertraline"),
    ("sertraline 50mg", "sertraline"),
    ("paracetamol", "acetaminophen"),
    ("pethidine", "meperidine"),
    ("Flexeril", "cyclobenzaprine"),
    ("Amrix", "cyclobenzaprine"),
    ("St. John's Wort", "st_johns_wort"),
    ("co-codamol", "codeine"),
    ("Cocodamol", "codeine"),
])
def test_names_resolve_to_generics(kb, typed, generic):
    resolution = kb.names.resolve(typed)
    assert resolution.known
    assert generic in resolution.drugs


@pytest.mark.parametrize(("product", "ingredients"), [
    ("Percocet", {"oxycodone", "acetaminophen"}),
    ("Tylenol #3", {"codeine", "acetaminophen"}),
    ("Tylenol No. 3", {"codeine", "acetaminophen"}),
    ("co-codamol", {"codeine", "acetaminophen"}),
    ("NyQuil", {"acetaminophen", "dextromethorphan", "doxylamine"}),
    ("Tylenol PM", {"acetaminophen", "diphenhydramine"}),
])
def test_combination_products_map_to_every_ingredient(kb, product, ingredients):
    assert set(kb.names.resolve(product).drugs) == ingredients


@pytest.mark.parametrize(("typed", "suggested"), [
    ("sertralin", "sertraline"),
    ("zolof", "Zoloft"),
    ("cyclobenzaprin", "cyclobenzaprine"),
    ("tramadal", "tramadol"),
])
def test_misspelling_is_suggested_never_replaced(kb, typed, suggested):
    resolution = kb.names.resolve(typed)
    assert not resolution.known
    assert resolution.drugs == ()
    assert suggested in resolution.suggestions


def test_unknown_name_has_no_match_and_no_wild_guess(kb):
    resolution = kb.names.resolve("qwertyuiop")
    assert not resolution.known
    assert resolution.suggestions == ()


def test_fold_ignores_case_spacing_punctuation_and_accents():
    assert fold("Co-Codamol") == fold("co codamol") == fold("COCODAMOL") == "cocodamol"
    assert fold("Tylenol #3") == "tylenol3"
    assert fold("Séroxat") == "seroxat"


def test_words_split_glued_strengths_and_keep_decimals():
    assert words("Sertraline 50mg, 100 MG") == ("sertraline", "50", "mg", "100", "mg")
    assert words("Zolpidem CR 12.5") == ("zolpidem", "cr", "12", "5")
    assert words("St. John's Wort") == ("st", "johns", "wort")


@pytest.mark.parametrize(("typed", "drugs"), [
    ("Tylenol #3", {"codeine", "acetaminophen"}),
    ("ibuprofen 400 mg", {"ibuprofen"}),
    ("sertraline 50mg, 100 mg", {"sertraline"}),
])
def test_a_dose_is_skipped_but_a_number_in_a_name_is_kept(kb, typed, drugs):
    assert set(kb.names.resolve(typed).drugs) == drugs


# --- names as labels, prescriptions and health records write them (issue 16) ------------------

ISSUE_TABLE = [
    ("Citalopram 20mg tablets", {"citalopram"}),
    ("Lorazepam 1 mg tablet", {"lorazepam"}),
    ("Ondansetron 4 mg ODT", {"ondansetron"}),
    ("Cyclobenzaprine HCl 10 mg", {"cyclobenzaprine"}),
    ("Sertraline HCl 100mg tab", {"sertraline"}),
    ("Ondansetron HCl 8 mg", {"ondansetron"}),
    ("Desvenlafaxine ER 50mg", {"desvenlafaxine"}),
    ("Methylphenidate ER 36 mg", {"methylphenidate"}),
    ("Zolpidem CR 12.5", {"zolpidem"}),
    ("Ambien CR", {"zolpidem"}),
    ("Vicodin 5/300", {"hydrocodone", "acetaminophen"}),
    ("Hydrocodone/APAP 7.5/325", {"hydrocodone", "acetaminophen"}),
    ("Tramadol-acetaminophen 37.5-325 mg", {"tramadol", "acetaminophen"}),
    ("baclofen 10mg three times a day", {"baclofen"}),
    ("meloxicam 15mg daily", {"meloxicam"}),
    ("dexamethasone dose pack", {"dexamethasone"}),
    ("Aleve Back & Muscle", {"naproxen"}),
    ("Claritin Reditabs", {"loratadine"}),
    ("Pepcid AC Maximum Strength", {"famotidine"}),
    ("Naproxen 500 MG Oral Tablet", {"naproxen"}),
    ("meloxicam 15 MG Oral Tablet [Mobic]", {"meloxicam"}),
    ("Gabapentin [Neurontin]", {"gabapentin"}),
    ("ARIPiprazole 5 MG Oral Tablet", {"aripiprazole"}),
    ("Acetaminophen 500 MG / Diphenhydramine Hydrochloride 25 MG Oral Tablet",
     {"acetaminophen", "diphenhydramine"}),
    ("24 HR venlafaxine 150 MG Extended Release Oral Capsule", {"venlafaxine"}),
    ("0.4 ML enoxaparin sodium 100 MG/ML Prefilled Syringe", {"enoxaparin"}),
]

MORE_LABELS = [
    ("Abuse-Deterrent 12 HR oxyCODONE Hydrochloride 10 MG Extended Release Oral Tablet",
     {"oxycodone"}),
    ("72 HR fentanyl 0.05 MG/HR Transdermal System", {"fentanyl"}),
    ("acetaminophen 325 MG / oxycodone hydrochloride 5 MG Oral Tablet",
     {"acetaminophen", "oxycodone"}),
    ("sertraline 50 MG Oral Tablet [Zoloft]", {"sertraline"}),
    ("Naproxen sodium 220 MG [Aleve]", {"naproxen"}),
    ("Clonazepam [Klonopin]", {"clonazepam"}),
    ("DULoxetine 60 MG Delayed Release Oral Capsule", {"duloxetine"}),
    ("hydrOXYzine HCl 25 mg", {"hydroxyzine"}),
    ("Zoloft (sertraline)", {"sertraline"}),
    ("sertraline (Zoloft) 50mg", {"sertraline"}),
    ("tramadol with acetaminophen", {"tramadol", "acetaminophen"}),
    ("ibuprofen + famotidine", {"ibuprofen", "famotidine"}),
    ("co-codamol 30/500", {"codeine", "acetaminophen"}),
    ("HCTZ 25mg", {"hydrochlorothiazide"}),
    ("ASA 81 mg EC", {"aspirin"}),
    ("lisinopril-HCTZ 20-12.5", {"lisinopril", "hydrochlorothiazide"}),
    ("fluticasone 50 mcg/actuat nasal spray (nasal)", {"fluticasone"}),
    ("diclofenac 1% gel (topical)", {"diclofenac"}),
    ("melatonin gummies at bedtime", {"melatonin"}),
    ("cyclobenzaprine 5 mg at night prn", {"cyclobenzaprine"}),
    ("Equate ibuprofen 200mg", {"ibuprofen"}),
    ("St. John's Wort", {"st_johns_wort"}),
    ("Tylenol Extra Strength", {"acetaminophen"}),
    ("Advil Liqui-Gels", {"ibuprofen"}),
    ("Nexium 24HR", {"esomeprazole"}),
    ("Zyrtec Allergy", {"cetirizine"}),
    ("Sudafed PE", {"phenylephrine"}),
]


UK_AND_FREE_TEXT = [
    ("Paracetamol 500mg tablets x 32", {"acetaminophen"}),
    ("Co-codamol 8mg/500mg effervescent tablets", {"codeine", "acetaminophen"}),
    ("Sertraline 50mg film-coated tablets", {"sertraline"}),
    ("Amlodipine 5mg tablets (Accord)", {"amlodipine"}),
    ("Salbutamol 100micrograms/dose inhaler CFC free", {"albuterol"}),
    ("Lansoprazole 15mg orodispersible tablets", {"lansoprazole"}),
    ("Pregabalin 75mg hard capsules", {"pregabalin"}),
    ("Omeprazole 20 mg cap, take 1 daily before breakfast", {"omeprazole"}),
    ("Tylenol 650mg Q6H PRN fever", {"acetaminophen"}),
    ("famotidine 20 mg for heartburn", {"famotidine"}),
    ("Tylenol w/ Codeine #3", {"acetaminophen", "codeine"}),
    ("budesonide 0.16 MG/ACTUAT / formoterol fumarate 0.0045 MG/ACTUAT Metered Dose Inhaler "
     "[Symbicort]", {"budesonide", "formoterol"}),
    ("3 ML insulin glargine 100 UNT/ML Pen Injector [Lantus]", {"insulin"}),
]


@pytest.mark.parametrize(("typed", "drugs"), ISSUE_TABLE + MORE_LABELS + UK_AND_FREE_TEXT)
def test_label_and_record_names_resolve_to_exactly_their_ingredients(kb, typed, drugs):
    resolution = kb.names.resolve(typed)
    assert resolution.status == "known", resolution
    assert set(resolution.drugs) == drugs


@pytest.mark.parametrize(("typed", "drugs"), [
    ("Advil PM", {"ibuprofen", "diphenhydramine"}),
    ("Tylenol PM Extra Strength", {"acetaminophen", "diphenhydramine"}),
    ("Excedrin PM", {"acetaminophen", "diphenhydramine"}),
    ("Vicks DayQuil", {"acetaminophen", "dextromethorphan", "phenylephrine"}),
    ("Zyrtec-D 12 Hour", {"cetirizine", "pseudoephedrine"}),
    ("Benadryl Allergy Plus Congestion", {"diphenhydramine", "phenylephrine"}),
    ("Mucinex D", {"guaifenesin", "pseudoephedrine"}),
    ("Robitussin DM", {"dextromethorphan", "guaifenesin"}),
])
def test_brand_lines_that_add_ingredients_are_known_products(kb, typed, drugs):
    resolution = kb.names.resolve(typed)
    assert resolution.status == "known"
    assert set(resolution.drugs) == drugs


@pytest.mark.parametrize(("typed", "checked", "unchecked"), [
    ("Tylenol Sinus", {"acetaminophen"}, "sinus"),
    ("Tylenol Cold & Flu Severe", {"acetaminophen"}, "cold flu"),
    ("Excedrin Plus", {"acetaminophen", "aspirin", "caffeine"}, "plus"),
    ("Tylenol Allergy", {"acetaminophen"}, "allergy"),  # not an antihistamine's brand
    ("Advil Congestion Relief", {"ibuprofen"}, "congestion"),
    ("Claritin DM", {"loratadine"}, "dm"),
    ("Aleve Tension", {"naproxen"}, "tension"),  # a word not understood at all
])
def test_a_word_that_may_add_ingredients_makes_the_name_partly_recognised(
        kb, typed, checked, unchecked):
    resolution = kb.names.resolve(typed)
    assert resolution.status == "partial"
    assert not resolution.known
    assert set(resolution.drugs) == checked
    assert unchecked in resolution.unchecked


def test_a_name_is_never_made_from_words_split_apart(kb):
    assert kb.names.resolve("ASA").drugs == ("aspirin",)
    assert kb.names.resolve("as a").drugs == ()
    assert kb.names.resolve("as needed").status == "unknown"


@pytest.mark.parametrize(("typed", "drugs"), [
    ("pitavastatin calcium 2 mg", ("pitavastatin",)),
    ("fenoprofen calcium 600 mg capsule", ("fenoprofen",)),
    ("losartan potassium 50 MG Oral Tablet", ("losartan",)),
    ("Calcium 600 mg", ("calcium",)),
    ("calcium carbonate 500 mg", ("calcium_carbonate",)),
])
def test_a_salt_after_a_name_is_part_of_it_and_alone_may_be_a_medicine(kb, typed, drugs):
    """A salt that is also a medicine ("calcium") never adds that medicine to another's name."""
    resolution = kb.names.resolve(typed)
    assert (resolution.status, resolution.drugs) == ("known", drugs)


@pytest.mark.parametrize("typed", ["50 mg tablet", "take twice a day", "ER", "PM"])
def test_words_without_a_medicine_are_unknown(kb, typed):
    resolution = kb.names.resolve(typed)
    assert resolution.status == "unknown"
    assert resolution.drugs == ()


def test_a_misspelt_ingredient_beside_a_known_one_is_offered_not_substituted(kb):
    resolution = kb.names.resolve("Tylenol with codine")
    assert resolution.status == "partial"
    assert resolution.drugs == ("acetaminophen",)
    assert "codeine" in resolution.suggestions


def test_did_you_mean_never_offers_the_drug_checked_against(kb):
    from spasmcheck.core.interactions import check

    tizanidine = kb.interactions.drugs["tizanidine"]
    offered = check(["tizatidine"], kb, tizanidine).medications[0].suggestions
    assert offered and all("tizanidine" not in name.lower() for name in offered)
    other = check(["tizatidine"], kb, kb.interactions.drugs["baclofen"]).medications[0]
    assert "tizanidine" in other.suggestions  # a close name that is not the candidate stays


def test_drug_option_accepts_a_label_name(kb):
    from spasmcheck.core.interactions import candidate_drug

    assert candidate_drug(kb, "Tizanidine HCl 4 mg tablet").id == "tizanidine"


@pytest.mark.parametrize(("typed", "offered"), [
    ("MS 15 mg", {"morphine sulfate", "magnesium"}),
    ("oxy 5mg", {"oxycodone", "oxybutynin"}),
])
def test_an_ambiguous_abbreviation_is_never_guessed_its_meanings_are_offered(kb, typed, offered):
    resolution = kb.names.resolve(typed)
    assert resolution.status == "unknown"
    assert offered <= set(resolution.suggestions)


def test_a_brand_line_that_drops_an_ingredient_is_its_own_product(kb):
    assert set(kb.names.resolve("Excedrin Tension Headache").drugs) == {"acetaminophen",
                                                                      "caffeine"}
    assert kb.names.resolve("Mucinex Fast-Max").status == "partial"


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.sampled_from(sorted(knowledge.load().names._by_key)).flatmap(
        lambda key: st.integers(0, max(0, len(key) - 1)).map(lambda at: key[:at] + key[at + 1:])),
    st.text(alphabet="abcdeilmnoprstuxz", min_size=1, max_size=24)))
def test_did_you_mean_is_difflibs_close_matches(typo):
    """The fast suggestion path gives exactly what difflib.get_close_matches gives."""
    from difflib import get_close_matches

    from spasmcheck.core.names import MAX_SUGGESTIONS, SUGGESTION_CUTOFF, _suggest

    index = knowledge.load().names
    expected = get_close_matches(typo, index._by_key, n=MAX_SUGGESTIONS, cutoff=SUGGESTION_CUTOFF)
    assert _suggest(index, typo) == tuple(dict.fromkeys(index._by_key[k][0] for k in expected))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="abcn", min_size=1, max_size=30), st.text(alphabet="abcn", max_size=30),
       st.sampled_from([0, 200, 230]))
def test_the_suggestion_ratio_is_difflibs_ratio(name, key, padding):
    """Scored without difflib's machinery, every name gets exactly difflib's ratio (the
    order and the cutoff of "did you mean" depend on it), over a four-letter alphabet where
    blocks tie often, and for texts long enough for difflib to treat letters as junk."""
    from difflib import SequenceMatcher

    from spasmcheck.core.names import _ratio

    key = key + "a" * padding
    places: dict[str, list[int]] = {}
    for at, char in enumerate(key):
        places.setdefault(char, []).append(at)
    assert _ratio(name, key, places) == SequenceMatcher(None, name, key).ratio()


def _edited(key: str, edits: list[tuple[int, int, str]]) -> str:
    """`key` with letters dropped (0), doubled or added (1), changed (2) or swapped (3)."""
    letters = list(key)
    for kind, at, letter in edits:
        if not letters:
            break
        at %= len(letters)
        if kind == 0:
            del letters[at]
        elif kind == 1:
            letters.insert(at, letter)
        elif kind == 2:
            letters[at] = letter
        elif at + 1 < len(letters):
            letters[at], letters[at + 1] = letters[at + 1], letters[at]
    return "".join(letters)


_EDIT = st.tuples(st.integers(0, 3), st.integers(0, 60), st.sampled_from("aeiolnrstxz019"))


@settings(max_examples=400, deadline=None)
@given(st.one_of(
    st.tuples(st.sampled_from(sorted(knowledge.load().names._by_key)),
              st.lists(_EDIT, max_size=4)).map(lambda typo: _edited(*typo)),
    st.text(alphabet="abcdefghilmnoprstuvxyz0123456789", min_size=1, max_size=40)))
def test_the_letter_filter_never_drops_a_name_difflib_would_offer(typo):
    """Every name difflib finds close (any number of them, not only the first five) is among
    the names the letter filter lets through, for typos of one to four edits, long and short
    names, digits, and text like no name at all."""
    from difflib import get_close_matches

    from spasmcheck.core.names import SUGGESTION_CUTOFF

    index = knowledge.load().names
    close = get_close_matches(typo, index._by_key, n=len(index), cutoff=SUGGESTION_CUTOFF)
    assert set(close) <= set(index.close_keys(typo))


def test_misspelt_names_are_offered_their_medicine(kb):
    """Typos as people make them still get the name they meant, first."""
    for typo, meant in [("setraline", "sertraline"), ("flexerill", "Flexeril"),
                        ("cyclobenzaprin", "cyclobenzaprine"), ("ibuprofin", "ibuprofen"),
                        ("tramdaol", "tramadol")]:
        found = kb.names.resolve(typo)
        assert found.status == "unknown" and not found.drugs
        assert found.suggestions[0].lower() == meant.lower(), typo


_TAIL_WORDS = ["mg", "MG", "mcg", "ml", "tablet", "tab", "tabs", "capsule", "ER", "XR", "ODT",
               "HCl", "sodium", "calcium", "oral", "at", "night", "twice", "a", "day", "prn",
               "PM", "Sinus", "free", "take", "by", "mouth", "and", "with", "(", ")", "+", "/",
               "aspirin", "codeine", "zorvaline", "g", "hr", "%", "-"]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(name for name, _, _ in knowledge.load().names._by_key.values())),
       st.lists(st.one_of(st.sampled_from(_TAIL_WORDS), st.integers(0, 20_000).map(str),
                          st.sampled_from(["3", "4", "5", "8", "0.5", "1/2"])), max_size=5))
def test_a_name_with_words_after_it_reads_as_the_word_reader_reads_it(name, tail):
    """Names followed by strengths and forms take a short cut past the word reader; every
    name, whatever follows it, gets exactly what the reader gives."""
    from spasmcheck.core.names import Resolution, _read, groups

    index = knowledge.load().names
    typed = " ".join([name, *tail])
    read = _read(index, words(typed), groups(typed))
    assert index.resolve(typed) == Resolution(typed, read.drugs, read.entry, read.suggestions,
                                              read.status, read.unchecked)
    assert index.lookup(typed) == (read.entry if read.status == "known" else None)
