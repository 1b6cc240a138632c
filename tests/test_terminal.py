"""The terminal drawing made without Rich is Rich's drawing, byte for byte, or is left to Rich."""


import pytest
from console import loaded_by
from hypothesis import given, settings
from hypothesis import strategies as st

from spasmcheck.render import terminal
from spasmcheck.render.layout import Banner, Bullets, Heading, Item, Para

TONES = {**terminal.TONES, "emergency": "bold white on red", "urgent": "bold red",
         "soon": "yellow on default", "routine": "dim bright_blue", "odd": "on blue"}
TONE = st.sampled_from([*TONES, "not-a-tone"])
# Words that wrap, fold, keep or lose their spaces; one-cell accents and signs; characters
# Rich measures with its tables (wide, combining, zero-width), which go to Rich.
WORD = st.sampled_from(["a", "an", "sertraline", "co-codamol", "(65)", "well,", "x" * 23,
                        "y" * 61, "https://example.org/a?b=c", "naïve", "µg", "°C", "§4.5",
                        "\xa0", "é" * 7, "x\ty", "line\nbreak", "\x1b[2J", "薬", "e\u0301",
                        "\u200b", "–", "’"])
SPACE = st.sampled_from(["", " ", " ", "  ", "   "])
TEXT = st.lists(st.tuples(WORD, SPACE), max_size=25).map(
    lambda parts: "".join(word + space for word, space in parts))
SHORT = st.lists(st.tuples(WORD, SPACE), max_size=6).map(
    lambda parts: "".join(word + space for word, space in parts))
BLOCK = st.one_of(
    st.builds(Banner, SHORT, st.lists(TEXT, max_size=3).map(tuple), TONE),
    st.builds(Heading, SHORT),
    st.builds(Para, TEXT, st.one_of(st.none(), TONE)),
    st.builds(Bullets, st.lists(TEXT, min_size=1, max_size=4).map(tuple)),
    st.builds(Item, SHORT, TEXT, TONE,
              st.lists(st.tuples(SHORT, TEXT), max_size=3).map(tuple)),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(BLOCK, min_size=1, max_size=5), st.integers(terminal._NARROWEST, 100))
def test_the_drawing_is_riches_byte_for_byte(blocks, width):
    drawn = terminal._Drawing(TONES, width).blocks(blocks)
    if drawn is not None:  # None: left to Rich
        assert drawn == terminal.draw_with_rich(blocks, TONES, width)


def test_plain_text_is_drawn_without_rich_and_the_rest_by_rich():
    """Both ways are taken: the common text is not left to Rich, and a wide character is."""
    common = [Banner("CALL 999 NOW", ("Go to the nearest emergency department.",), "emergency"),
              Heading("Medicines checked"), Bullets(("sertraline", "naïve 50 µg")),
              Item("MAJOR", "a + b", "major", (("Why", "both raise serotonin " * 9),
                                               ("Sources", "SmPC, https://example.org/x")))]
    assert terminal._Drawing(TONES, 40).blocks(common) is not None
    assert terminal._Drawing(TONES, 40).blocks([Para("薬 medicine")]) is None
    assert terminal._Drawing({"x": "blink red"}, 40).blocks([Para("a", "x")]) is None
    assert terminal.draw([Para("薬 medicine")], TONES, 40) == \
        terminal.draw_with_rich([Para("薬 medicine")], TONES, 40)


def test_a_terminal_rich_calls_dumb_is_left_to_rich(monkeypatch):
    """Rich may draw 80 columns wide on TERM=unknown whatever width it is given: so do we."""
    blocks = [Para("word " * 30)]
    monkeypatch.setenv("TERM", "unknown")
    monkeypatch.delenv("LINES", raising=False)
    assert terminal.draw(blocks, TONES, 40) == terminal.draw_with_rich(blocks, TONES, 40)


@pytest.mark.slow
def test_rich_output_does_not_import_rich(monkeypatch):
    """The coloured report of a one-shot check is drawn without importing Rich (start-up)."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for args in (["interactions", "--med", "sertraline"], ["redflags"]):
        assert loaded_by(args, ("rich",)) == [], args
