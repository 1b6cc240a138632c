"""The three prompts the interactive check uses, drawn on stderr.

Each is a questionary `Question` (so questionary runs it, as it runs its own prompts) over a
prompt_toolkit layout of ours rather than questionary's ready-made select, checkbox and text:
a worried person needs what those do not give: every word of a question and of its choices
wrapped at the terminal's width (redrawn when it is resized), no answer chosen in advance,
Enter in a checklist ticking the item it is on, and a way back from every question. Ctrl-C
raises KeyboardInterrupt (the CLI exits 130).
"""

from __future__ import annotations

import shutil
import signal
import sys
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from spasmcheck.core.record import Record
from spasmcheck.render.safe import printable


class _Back:
    def __repr__(self) -> str:
        return "BACK"


BACK: Any = _Back()  # returned when the person asks for the previous question
BACK_KEYS = ("<", "b", "left")
BACK_HINT = "< back"


_CTRL_C: list[bool] = []  # set by SIGINT between prompts; the next prompt raises it


@contextmanager
def ctrl_c_between_prompts() -> Iterator[None]:
    """Ctrl-C pressed while no prompt is reading keys (between two prompts, or while one
    starts) is kept and raised by the next prompt, instead of landing inside prompt_toolkit's
    event loop, which would print it and carry on."""
    previous = signal.signal(signal.SIGINT, lambda signum, frame: _CTRL_C.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _CTRL_C.clear()


def _check_ctrl_c() -> None:
    if _CTRL_C:
        _CTRL_C.clear()
        raise KeyboardInterrupt


def _exit_on_ctrl_c(app: Any) -> Callable[[], None]:
    """Run as a prompt starts, once it handles Ctrl-C itself: one pressed just before ends it."""
    def check() -> None:
        if _CTRL_C:
            _CTRL_C.clear()
            app.exit(exception=KeyboardInterrupt())
    return check


class Option(Record):
    label: str
    value: Any
    key: str | None = None  # a key that points at this option (Enter confirms)
    help: str | None = None  # shown under the list while the pointer is on it
    alone: bool = False  # "None of these": ticking it clears the others, and the reverse


def width() -> int:
    """Columns available on stderr's terminal, less one so no line touches the edge."""
    return max(20, shutil.get_terminal_size((80, 24)).columns - 1)


def wrap(text: str, columns: int, first: str = "", rest: str = "") -> list[str]:
    """Whole words on each line; a word longer than a line is split rather than cut off."""
    return textwrap.wrap(printable(text), columns, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False) or [first.rstrip()]


def write(text: str = "") -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def note(text: str, indent: str = "  ") -> None:
    """A wrapped line of the transcript left above the next question."""
    write("\n".join(wrap(text, width(), indent, indent)))


def choose(title: str, help_text: str | None, options: Sequence[Option], back: bool) -> Any:
    """One option: the arrows or its key point at it, Enter confirms; nothing is
    pre-selected, so Enter alone never answers."""
    return _list(title, help_text, options, None, back)


def tick(title: str, help_text: str | None, options: Sequence[Option], ticked: set[Any],
         back: bool) -> Any:
    """Any number of options. Space ticks or unticks; Enter ticks the option it is on (an
    unticked one) and finishes, so Enter alone never answers "nothing"."""
    return _list(title, help_text, options, set(ticked), back)


def _list(title: str, help_text: str | None, options: Sequence[Option],
          ticked: set[Any] | None, back: bool) -> Any:
    from prompt_toolkit.application import Application, get_app
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.layout import Dimension, HSplit, Layout, Window
    from prompt_toolkit.layout.controls import FormattedTextControl
    from prompt_toolkit.output import create_output

    multi = ticked is not None
    marks: set[int] = {i for i, o in enumerate(options) if o.value in (ticked or set())}
    # A checklist starts on its first ticked item (so Enter keeps what is ticked); a single
    # choice starts on nothing, so Enter alone never answers.
    state: dict[str, Any] = {"at": min(marks, default=0) if multi else None, "warn": ""}
    keys = {o.key: i for i, o in enumerate(options) if o.key}

    def hint() -> str:
        parts = ["up/down move", "Space ticks", "Enter ticks the one you are on and goes on"] \
            if multi else ["up/down or the key before an answer, then Enter"]
        if multi:  # a key that jumps to the end of a long list ("n": None of these)
            parts += [f"{o.key}: {o.label}" for o in options if o.key]
        if back:
            parts.append(BACK_HINT)
        return " · ".join(parts)

    def columns() -> int:
        return max(20, get_app().output.get_size().columns - 1)

    def lines(parts: list[tuple[str, list[str]]]) -> list[tuple[str, str]]:
        out = [(style, line + "\n") for style, block in parts for line in block]
        if out:  # no empty line after the last one
            out[-1] = (out[-1][0], out[-1][1][:-1])
        return out

    def head() -> Any:
        parts = [("bold", wrap(title, columns()))]
        if help_text:
            parts.append(("italic", wrap(help_text, columns(), "  ", "  ")))
        return lines(parts)

    def body() -> Any:
        out: list[tuple[str, str]] = []
        at = state["at"]
        for i, option in enumerate(options):
            pointer = ">" if i == at else " "
            box = ("[x] " if i in marks else "[ ] ") if multi else \
                f"{option.key}) " if option.key else ""
            first = f"{pointer} {box}"
            if i == at:
                out.append(("[SetCursorPosition]", ""))
            out += lines([("reverse" if i == at else "",
                           wrap(option.label, columns(), first, " " * len(first)))])
            out.append(("", "\n"))
        return out[:-1]

    def foot() -> Any:
        at = state["at"]
        parts = []
        if at is not None and options[at].help:
            parts.append(("italic", wrap(options[at].help or "", columns(), "  ", "  ")))
        parts.append(("", wrap(f"({hint()})", columns())))
        if state["warn"]:
            parts.append(("bold", wrap(state["warn"], columns())))
        return lines(parts)

    def height(part: Callable[[], Any], low: int | None = None) -> Callable[[], Any]:
        """The title and the keys stay on screen; the list between them scrolls."""
        def size() -> Any:
            count = sum(text.count("\n") for _, text in part()) + 1
            return Dimension(min=low, preferred=count) if low else Dimension.exact(count)
        return size

    bindings = KeyBindings()

    def move(step: int) -> None:
        at = state["at"]
        state["at"] = (0 if step > 0 else len(options) - 1) if at is None \
            else (at + step) % len(options)
        state["warn"] = ""

    bindings.add("up")(lambda event: move(-1))
    bindings.add("k")(lambda event: move(-1))
    bindings.add("down")(lambda event: move(1))
    bindings.add("j")(lambda event: move(1))
    bindings.add("tab")(lambda event: move(1))

    def toggle(index: int) -> None:
        if index in marks:
            marks.discard(index)
            return
        marks.add(index)
        alone = {i for i, o in enumerate(options) if o.alone}
        marks.difference_update(alone - {index} if index in alone else alone)
        if index in alone:
            marks.intersection_update({index})

    @bindings.add(" ")
    def _space(event: Any) -> None:
        if multi and state["at"] is not None:
            toggle(state["at"])

    @bindings.add("enter")
    def _enter(event: Any) -> None:
        at = state["at"]
        if at is None:
            state["warn"] = "Choose an answer first: " + hint()
            return
        if not multi:
            event.app.exit(result=options[at].value)
            return
        if options[at].alone and marks - {at}:  # never clear ticked items by accident
            state["warn"] = ("Some items are ticked. Untick them with Space first, or press "
                             "Enter on a ticked item to go on.")
            return
        if at not in marks:
            toggle(at)
        event.app.exit(result=[options[i].value for i in sorted(marks)])

    def point(index: int) -> None:
        state["at"], state["warn"] = index, ""

    for key, index in keys.items():  # a key points at its answer; Enter confirms, so a
        # word typed ahead ("yes" and Enter) answers one question, not three
        bindings.add(key)(lambda event, i=index: point(i))
    if back:
        for key in BACK_KEYS:
            bindings.add(key)(lambda event: event.app.exit(result=BACK))

    @bindings.add("c-c")
    @bindings.add("c-d")
    @bindings.add("<sigint>")
    def _stop(event: Any) -> None:
        event.app.exit(exception=KeyboardInterrupt())

    listed = Window(FormattedTextControl(body, focusable=True, show_cursor=False),
                    height=height(body, 3), wrap_lines=False, always_hide_cursor=True,
                    dont_extend_height=True)
    frame = HSplit([Window(FormattedTextControl(head), height=height(head)), listed,
                    Window(FormattedTextControl(foot), height=height(foot))])
    app: Application[Any] = Application(
        layout=Layout(frame, focused_element=listed),
        key_bindings=bindings, output=create_output(stdout=sys.stderr), full_screen=False,
        erase_when_done=True, mouse_support=False)
    return _ask(app)


def _ask(app: Any) -> Any:
    """Run one prompt as a questionary Question; a Ctrl-C pressed around it ends it."""
    from questionary import Question

    _check_ctrl_c()
    app.pre_run_callables.append(_exit_on_ctrl_c(app))
    answer = Question(app).unsafe_ask()
    _check_ctrl_c()
    return answer


def type_in(title: str, help_text: str | None, check: Callable[[str], str | None],
            names: Sequence[str] = (), back: bool = True) -> Any:
    """A line of text; `check` returns what is wrong with it, or None. `<` goes back."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.output import create_output
    from prompt_toolkit.validation import ValidationError, Validator

    class _Check(Validator):
        def validate(self, document: Any) -> None:
            text = document.text.strip()
            if back and text == "<":
                return
            problem = check(text)
            if problem:
                raise ValidationError(message=problem)

    columns = width()
    write("\n".join(wrap(title, columns)))
    if help_text:
        write("\n".join(wrap(help_text, columns, "  ", "  ")))
    write("\n".join(wrap("(type, then Enter" + (" · < and Enter to go back)" if back else ")"),
                          columns)))
    session: PromptSession[str] = PromptSession(
        "> ", output=create_output(stdout=sys.stderr), validator=_Check(),
        validate_while_typing=False, completer=_LastName(names) if names else None,
        complete_while_typing=False)
    try:
        text = str(_ask(session.app)).strip()
    except EOFError:
        raise KeyboardInterrupt from None
    return BACK if back and text == "<" else text


def _LastName(names: Sequence[str]) -> Any:  # noqa: N802 - builds a prompt_toolkit Completer
    """Tab completes the name being typed, the text after the last comma or "and"."""
    import re

    from prompt_toolkit.completion import Completer, Completion

    split = re.compile(r",|;|\band\b|&", re.IGNORECASE)

    class Names(Completer):
        def get_completions(self, document: Any, complete_event: Any) -> Any:
            part = split.split(document.text_before_cursor)[-1].lstrip()
            key = part.lower()
            if len(key) < 2:
                return
            for name in names:
                if name.lower().startswith(key):
                    yield Completion(name, start_position=-len(part))

    return Names()
