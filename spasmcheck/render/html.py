"""Self-contained HTML report: inline styles only, nothing fetched from anywhere."""

from __future__ import annotations

from html import escape as _escape

from spasmcheck.render.layout import SOURCES, URL, Banner, Block, Bullets, Heading, Item, Para
from spasmcheck.render.safe import printable

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:46rem;margin:2rem auto;
padding:0 1rem;line-height:1.5;color:#111}
.banner{border:3px solid #333;padding:.75rem 1rem;border-radius:.4rem;margin:1rem 0}
.tag{font-weight:bold;padding:0 .4rem;border:1px solid #333;border-radius:.25rem;margin-right:.4rem}
.contraindicated{background:#b00020;color:#fff}.major{border-color:#b00020}
.moderate,.warn{border-color:#a15c00}.ok{border-color:#1b6e2b}.muted{color:#555;font-size:.9rem}
dt{font-weight:bold}
"""
# The colour names a level's Rich style uses, as CSS colours that read on white paper. Only these
# fixed values reach the CSS, whatever a table says.
_PAPER = {"red": "#b00020", "yellow": "#a15c00", "blue": "#1f4e99", "green": "#1b6e2b",
          "cyan": "#00677f", "magenta": "#8b1a89", "white": "#fff", "black": "#111"}


def tone_css(styles: dict[str, str]) -> str:
    """CSS for the tones the tables colour (the triage levels), from their Rich styles:
    `white on red` fills the box, a lone colour draws its border."""
    rules = []
    for tone, style in styles.items():
        ink, _, ground = style.partition(" on ")
        inks = [_PAPER[word] for word in ink.split() if word in _PAPER]
        grounds = [_PAPER[word] for word in ground.split() if word in _PAPER]
        if inks and grounds:
            rules.append(f".{tone}{{background:{grounds[0]};color:{inks[-1]}}}")
        elif inks:
            rules.append(f".{tone}{{border-color:{inks[-1]}}}")
    return "".join(rules)


def escape(text: str) -> str:
    return _escape(printable(text))


def links(text: str) -> str:
    """Sources: web addresses become links; everything is escaped."""
    out, last = [], 0
    for match in URL.finditer(text):
        address = escape(match.group())
        out += [escape(text[last:match.start()]), f'<a href="{address}">{address}</a>']
        last = match.end()
    return "".join(out) + escape(text[last:])


def draw(blocks: list[Block], title: str, stamp: str, styles: dict[str, str] | None = None,
         ) -> str:
    body: list[str] = [f"<h1>{escape(title)}</h1>", f'<p class="muted">Written {escape(stamp)} '
                       "by spasmcheck.</p>"]
    for block in blocks:
        if isinstance(block, Banner):
            lines = "".join(f"<p>{escape(line)}</p>" for line in block.lines)
            body.append(f'<section class="banner {escape(block.tone)}" role="alert">'
                        f"<p><strong>{escape(block.title)}</strong></p>{lines}</section>")
        elif isinstance(block, Heading):
            body.append(f"<h2>{escape(block.text)}</h2>")
        elif isinstance(block, Para):
            css = f' class="{escape(block.tone)}"' if block.tone else ""
            body.append(f"<p{css}>{escape(block.text)}</p>")
        elif isinstance(block, Bullets):
            body.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in block.items) + "</ul>")
        elif isinstance(block, Item):
            rows = "".join(f"<dt>{escape(k)}</dt><dd>"
                           f"{links(v) if k == SOURCES else escape(v)}</dd>"
                           for k, v in block.rows)
            body.append(f'<h3><span class="tag {escape(block.tone)}">{escape(block.tag)}</span> '
                        f"{escape(block.title)}</h3><dl>{rows}</dl>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{_CSS}{tone_css(styles or {})}\n</style>"
            "</head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
