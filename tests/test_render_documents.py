"""The report formats on fixed results: Markdown (render/markdown.py) and HTML (render/html.py).

A report is read in a viewer, so each is read here as one: Markdown through a CommonMark
renderer (markdown-it, which rich brings), HTML through an HTML parser. Text from a person or a
table is shown as written, never read as markup; sources are links; nothing is fetched.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from fixed_results import (
    EMERGENCY,
    EMERGENCY_NO_COUNTRY,
    EVERY,
    HOSTILE,
    SEVERE,
    Page,
    ids,
    markdown_page,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from spasmcheck.render import formats, html, markdown
from spasmcheck.render.formats import Format, Screen, render
from spasmcheck.render.layout import Item
from spasmcheck.render.safe import printable

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
SCREEN = Screen(now=NOW)
# Letters, digits, punctuation, symbols, spaces and control characters: every way into markup.
TEXT = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs", "Cc")),
               max_size=30)
ADDRESS = "https://example.org/label.pdf"


def words(text: str) -> str:
    return " ".join(text.split())


# --- escaping: anything shown as written -------------------------------------------------------


@pytest.mark.parametrize("text", [*HOSTILE, "# not a heading", "- not a list", "1. not a list",
                                  "12) not a list", "**not bold**", "`not code`", "a | b",
                                  "~~kept~~", "&copy; &#65;", "<b>not bold</b>",
                                  "see www.evil.example now", "    not code"])
def test_markdown_escape_shows_the_text_as_written(text):
    page = markdown_page(markdown.escape(text))
    assert words(page.text) == words(printable(text))
    assert page.tags == ["p"] and page.links == []


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_any_text_escaped_for_markdown_is_shown_as_written_in_one_paragraph(text):
    page = markdown_page(markdown.escape(text))
    assert words(page.text) == words(printable(text))
    assert set(page.tags) <= {"p"}


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_any_text_escaped_for_html_is_shown_as_written_and_makes_no_tag(text):
    page = Page(html.escape(text))
    assert page.text == printable(text)
    assert page.tags == []


@pytest.mark.parametrize("text", [f"FDA <label>, {ADDRESS}; [x](y)",
                                  f"see {ADDRESS} and - 1. more"])
@pytest.mark.parametrize(("module", "page_of"), [(markdown, markdown_page), (html, Page)])
def test_a_web_address_in_sources_becomes_a_link_and_the_rest_stays_text(module, page_of, text):
    page = page_of(module.links(text))
    assert page.links == [ADDRESS]
    assert "label" not in page.tags and page.text.strip() == text


def test_a_web_address_outside_sources_is_not_left_for_a_viewer_to_link():
    """A name typed as an address must not become something a reader can click: CommonMark
    links nothing bare, but viewers such as GitHub's link any `www.` or `http` run with a dot."""
    escaped = markdown.escape(f"take {ADDRESS} or www.evil.example")
    bare = re.findall(r"(?:https?:/|www\\?\.)\S+", escaped)
    assert len(bare) == 2 and not [run for run in bare if re.search(r"[^\\]\.", run)]
    assert words(markdown_page(escaped).text) == f"take {ADDRESS} or www.evil.example"


# --- whole documents --------------------------------------------------------------------------


@pytest.mark.parametrize("case", EVERY, ids=ids(EVERY))
def test_the_registry_writes_the_modules_own_documents(case):
    stamp = formats.stamp(SCREEN)
    blocks = formats.blocks(case.result)
    assert render(Format.MD, case.result, SCREEN) == markdown.draw(blocks, case.result.title,
                                                                   stamp)
    assert render(Format.HTML, case.result, SCREEN) == html.draw(
        blocks, case.result.title, stamp, dict(case.result.styles or {}))


@pytest.mark.parametrize("fmt", [Format.MD, Format.HTML])
def test_a_document_is_titled_and_dated(fmt):
    text = render(fmt, SEVERE.result, SCREEN)
    page = markdown_page(text) if fmt is Format.MD else Page(text)
    assert page.lines[0] == SEVERE.result.title  # <h1>; HTML's <title> is not body text
    assert NOW.strftime("%Y-%m-%d %H:%M") in page.text


@pytest.mark.parametrize("case", EVERY, ids=ids(EVERY))
def test_an_html_report_fetches_nothing_and_runs_nothing(case):
    text = render(Format.HTML, case.result, SCREEN)
    page = Page(text)
    assert text.startswith("<!DOCTYPE html>")
    assert not {"script", "link", "img", "iframe", "object"} & set(page.tags)
    assert all(link.startswith("https://") for link in page.links)
    assert "url(" not in text and "@import" not in text


@pytest.mark.parametrize("case", [EMERGENCY, EMERGENCY_NO_COUNTRY],
                         ids=ids((EMERGENCY, EMERGENCY_NO_COUNTRY)))
def test_an_html_emergency_is_an_alert_that_opens_with_what_to_call(case):
    """Screen readers announce role="alert" first; its first words are the number (or the
    fallback wording when no country is known)."""
    text = render(Format.HTML, case.result, SCREEN)
    alert = text[text.index('role="alert"'):]
    first = Page(alert[alert.index(">") + 1:]).lines[0]
    expected = case.contact.number or case.contact.fallback.for_(case.audience)
    assert expected in first
    assert text.index('role="alert"') < text.index("<h2>")


def test_html_escapes_the_title_too():
    result = SEVERE.result._replace(title="<script>x</script> & co")
    page = Page(render(Format.HTML, result, SCREEN))
    assert "script" not in page.tags and page.lines[0] == "<script>x</script> & co"


def test_an_html_finding_reads_its_severity_as_a_word_of_its_own():
    """The severity tag is a word before the title, not glued to it ("MAJORa + b") for a
    screen reader or a copy."""
    page = Page(html.draw([Item("MAJOR", "a + b", "major", (("What to do", "Ask."),))], "t", "s"))
    assert "MAJOR a + b" in page.lines
