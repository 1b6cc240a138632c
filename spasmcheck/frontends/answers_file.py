"""Reading an answers file: its bytes as text, and the text as JSON or YAML, before the answer
check (`core.answers.validate`) sees it. Only the command line reads answers files.
"""

from __future__ import annotations

from typing import Any

from spasmcheck.core.errors import AnswersError, LocatedError
from spasmcheck.core.limits import LIMITS

MAX_ANSWERS_BYTES = LIMITS.answers_bytes
_BOM = b"\xef\xbb\xbf"


def parse_text(text: str, name: str) -> Any:
    """Answers from JSON or YAML text; duplicate keys, tags and aliases of lists or mappings
    are refused (an alias of a single value cannot grow, so it is read as that value).

    A flat YAML file (the usual case) is read by flatyaml without importing PyYAML; anything
    else goes through yamlsource, which also words the errors.
    """
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        import json  # only here: its decoder costs a run about 1 ms to import

        try:
            return json.loads(text, object_pairs_hook=_no_duplicates)
        except ValueError as exc:  # json.JSONDecodeError, or a duplicate key
            raise AnswersError(f"{name}: not valid JSON: {exc}") from None
        except RecursionError:
            raise AnswersError(f"{name}: nested too deeply to be an answer set") from None
    from spasmcheck.tables import flatyaml

    flat = flatyaml.parse(text)
    if flat is not None:
        return flat
    from spasmcheck.tables.yamlsource import parse

    try:
        return parse(text, name, plain_numbers=True).data
    except LocatedError as error:
        raise AnswersError(error.message) from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def decode(data: bytes, name: str) -> str:
    """Answer-file bytes as text, refusing what is too large or not UTF-8."""
    if len(data) > MAX_ANSWERS_BYTES:
        raise AnswersError(f"{name}: the answers file is larger than "
                           f"{MAX_ANSWERS_BYTES // (1024 * 1024)} MB; an answer set is a "
                           "few hundred bytes")
    if data.startswith(_BOM):  # "utf-8-sig" does the same, but its codec costs an import
        data = data[len(_BOM):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AnswersError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
