"""Name matching: spelling variants match, misspellings are offered, never substituted."""

from __future__ import annotations

import pytest

from spasmcheck.names import fold, words


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
    assert words("Zolpidem CR 12.5") == ("zolpidem", "cr", "12.5")
    assert words("St. John's Wort") == ("st", "johns", "wort")


@pytest.mark.parametrize(("typed", "drugs"), [
    ("Tylenol #3", {"codeine", "acetaminophen"}),
    ("ibuprofen 400 mg", {"ibuprofen"}),
    ("sertraline 50mg, 100 mg", {"sertraline"}),
])
def test_a_dose_is_skipped_but_a_number_in_a_name_is_kept(kb, typed, drugs):
    assert set(kb.names.resolve(typed).drugs) == drugs
