"""The parts a message, a form or Home is made of, in platform-neutral terms.

A view builds a list of these; each front end draws them (Block Kit for Slack in
`frontends/slack/blockkit.py`, Adaptive Cards for Teams in `frontends/teams/cards.py`). Text is
Buddy markup (`conversation/markup.py`): Buddy's own words with `*bold*`, `_italics_`, links,
people and moments written by its functions, and people's own words escaped once.

The constructors keep within the stricter of the two platforms' limits where one would refuse
the whole message (Slack's 3000-character sections, 75-character buttons, 24-character form
titles), so a view never has to know which platform it is drawn for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Literal

SECTION_TEXT_LIMIT = 3000
HEADER_TEXT_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
CONTEXT_TEXT_LIMIT = 3000
FORM_TITLE_LIMIT = 24
OPTION_TEXT_LIMIT = 75
OPTIONS_LIMIT = 100
OPTION_GROUP_LABEL_LIMIT = 75
LABEL_LIMIT = 2000
PLACEHOLDER_LIMIT = 150
HINT_LIMIT = 2000

Style = Literal["primary", "danger"]


def truncate(text: str, limit: int) -> str:
    """Cut to `limit` characters, marking the cut, so no platform rejects a long answer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- what a message shows ------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """A title line: plain text, no markup."""

    text: str


@dataclass(frozen=True)
class Confirm:
    """A question asked before a destructive button does anything."""

    title: str
    text: str
    yes: str
    no: str


@dataclass(frozen=True)
class Button:
    """A button: `intent` names what pressing it does (a handler is registered under it), and
    `value` is its payload (which pair, meeting or action). `url` makes it a link instead."""

    label: str
    intent: str
    value: str = ""
    style: Style | None = None
    url: str | None = None
    confirm: Confirm | None = None
    # Its handler answers with a form (`Answer.form`). Slack opens any form after the ack with
    # the press's trigger, so it ignores this; Teams opens a dialog only from a button drawn to.
    opens_form: bool = False


@dataclass(frozen=True)
class Option:
    label: str
    value: str


@dataclass(frozen=True)
class OptionGroup:
    label: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Menu:
    """A choice of one option, on a message or in a form; `initial` is a value."""

    intent: str
    options: tuple[Option, ...] = ()
    groups: tuple[OptionGroup, ...] = ()
    initial: str | None = None
    placeholder: str | None = None


@dataclass(frozen=True)
class Paragraph:
    """A block of text, with at most one control beside it (a button or a menu)."""

    text: str
    accessory: Button | Menu | None = None


@dataclass(frozen=True)
class Note:
    """Small print under a message: who did what, when, the example to type."""

    text: str


@dataclass(frozen=True)
class Divider:
    pass


@dataclass(frozen=True)
class Buttons:
    """A row of buttons (and menus); `row_id` keeps two rows of the same buttons apart."""

    items: tuple[Button | Menu, ...]
    row_id: str | None = None


@dataclass(frozen=True)
class Image:
    url: str
    alt: str
    title: str | None = None


# -- what a form asks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TextInput:
    multiline: bool = False
    initial: str | None = None
    placeholder: str | None = None
    max_length: int | None = None
    min_length: int | None = None


@dataclass(frozen=True)
class DateInput:
    initial: date | None = None


@dataclass(frozen=True)
class TimeInput:
    """A time of day, 24-hour."""

    initial: time | None = None


@dataclass(frozen=True)
class Checkboxes:
    """Options to tick; `markup` says their labels are Buddy markup (bold names), not plain."""

    options: tuple[Option, ...]
    initial: tuple[str, ...] = ()
    markup: bool = False


@dataclass(frozen=True)
class Radio:
    options: tuple[Option, ...]
    initial: str | None = None


@dataclass(frozen=True)
class PersonPicker:
    """One person of the workspace; `initial` is their platform id."""

    initial: str | None = None


@dataclass(frozen=True)
class FileInput:
    filetypes: tuple[str, ...] = ()
    max_files: int = 1


Input = TextInput | DateInput | TimeInput | Menu | Checkboxes | Radio | PersonPicker | FileInput


@dataclass(frozen=True)
class Field:
    """One question of a form; its answer is read back by `field_id` (`FormValues`)."""

    field_id: str
    label: str
    input: Input
    optional: bool = False
    hint: str | None = None


Part = Heading | Paragraph | Note | Divider | Buttons | Image | Field


@dataclass(frozen=True)
class Form:
    """A form the person fills in (a Slack modal, a Teams dialog). `intent` names the handler its
    submission goes to; `payload` carries what it is about (a pair, a draft)."""

    intent: str
    title: str
    blocks: list[Part]
    submit: str | None = None
    close: str = "Close"
    payload: str = ""
    notify_on_close: bool = False


@dataclass(frozen=True)
class HomeView:
    """A person's Home: Slack's App Home tab, the Teams personal app's tab (and `home` card)."""

    blocks: list[Part] = field(default_factory=list)


# -- constructors, each within the limits ---------------------------------------------------------


def heading(text: str) -> Part:
    return Heading(truncate(text, HEADER_TEXT_LIMIT))


def paragraph(text: str, accessory: Button | Menu | None = None) -> Part:
    return Paragraph(truncate(text, SECTION_TEXT_LIMIT), accessory)


def note(text: str) -> Part:
    return Note(truncate(text, CONTEXT_TEXT_LIMIT))


def divider() -> Part:
    return Divider()


def button(
    text: str,
    intent: str,
    value: str = "",
    style: str | None = None,
    url: str | None = None,
    confirm: Confirm | None = None,
    *,
    opens_form: bool = False,
) -> Button:
    kept: Style | None = (
        "primary" if style == "primary" else "danger" if style == "danger" else None
    )
    return Button(truncate(text, BUTTON_TEXT_LIMIT), intent, value, kept, url, confirm, opens_form)


def buttons(items: Sequence[Button | Menu], row_id: str | None = None) -> Part:
    return Buttons(tuple(items), row_id or None)


def image(url: str, alt: str, title: str | None = None) -> Part:
    return Image(url, alt, title)


def form(
    intent: str,
    title: str,
    blocks: list[Part],
    *,
    submit: str | None = None,
    close: str = "Close",
    payload: str = "",
    notify_on_close: bool = False,
) -> Form:
    """A form; title, submit and close are cut to 24 characters (Slack's limit, the stricter)."""
    return Form(
        intent,
        truncate(title, FORM_TITLE_LIMIT),
        blocks,
        truncate(submit, FORM_TITLE_LIMIT) if submit else None,
        truncate(close, FORM_TITLE_LIMIT),
        payload,
        notify_on_close,
    )


def field_of(
    field_id: str, label: str, input: Input, *, optional: bool = False, hint: str | None = None
) -> Part:
    return Field(
        field_id,
        truncate(label, LABEL_LIMIT),
        input,
        optional,
        truncate(hint, HINT_LIMIT) if hint else None,
    )


def options_of(pairs: Sequence[tuple[str, str]]) -> tuple[Option, ...]:
    return tuple(Option(truncate(label, OPTION_TEXT_LIMIT), value) for label, value in pairs)


def menu(intent: str, options: Sequence[tuple[str, str]], initial: str | None = None) -> Menu:
    """A menu of (label, value) options, at most 100; `initial` is a value."""
    return Menu(intent, options_of(options[:OPTIONS_LIMIT]), initial=initial)


def grouped_menu(
    intent: str,
    groups: Sequence[tuple[str, Sequence[tuple[str, str]]]],
    initial: str | None = None,
) -> Menu:
    """A menu of options under headings: (heading, ((label, value), ...))."""
    return Menu(
        intent,
        groups=tuple(
            OptionGroup(
                truncate(label, OPTION_GROUP_LABEL_LIMIT), options_of(options[:OPTIONS_LIMIT])
            )
            for label, options in groups[:OPTIONS_LIMIT]
            if options
        ),
        initial=initial,
    )


def date_input(initial: date | None = None) -> DateInput:
    return DateInput(initial)


def time_input(initial: time | None = None) -> TimeInput:
    return TimeInput(initial)


def text_input(
    *,
    multiline: bool = False,
    initial: str | None = None,
    placeholder: str | None = None,
    max_length: int | None = None,
    min_length: int | None = None,
) -> TextInput:
    return TextInput(
        multiline,
        initial,
        truncate(placeholder, PLACEHOLDER_LIMIT) if placeholder else None,
        max_length,
        min_length,
    )


def checkboxes(
    options: Sequence[tuple[str, str]], initial: Sequence[str] = (), *, markup: bool = False
) -> Checkboxes:
    return Checkboxes(options_of(options), tuple(initial), markup)


def radio(options: Sequence[tuple[str, str]], initial: str | None = None) -> Radio:
    return Radio(options_of(options), initial)
