"""Buddy's documents (`conversation/blocks.py`) drawn as Adaptive Cards for Teams: Block Kit's twin.

One small function per part, each building `microsoft_teams.cards` models (never hand-written
dicts: the models name every property, and tests snapshot the JSON, since they accept misspelt
keyword arguments silently). Text is Buddy markup, drawn by `frontends/teams/markup.py`.

Where a button's press goes depends on the surface it is drawn on (TEAMS_RESEARCH.md §2.4, §4):

- on a message, `Action.Execute` with `data={"action": intent, "value": value}`: the press
  arrives as an `adaptiveCard/action` invoke, `on_card_action_execute(intent)` matches
  `data["action"]`, and its answer can replace the card;
- in a dialog (a form) or on the Home tab, `Action.Submit` with the same data (and the form's
  `payload`): it arrives as `task/submit` (`on_dialog_submit(intent)`) or `tab/submit`;
- a button whose intent opens a form (the caller names these intents: `dialogs=`) is an
  `Action.Submit` asking Teams for a dialog (`msteams.type = task/fetch`, `dialog_id = intent`,
  `on_dialog_open(intent)`), since a dialog can only be opened that way.

`pressed_value(data)` reads a press back, whichever it was. A message is kept within Teams'
28 KB: a card that would be larger loses lines from its longest texts, visibly
(`CUT_SHORT`), and never its buttons or inputs.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from microsoft_teams.cards import Action as CardAction
from microsoft_teams.cards import (
    ActionSet,
    AdaptiveCard,
    CardElement,
    Choice,
    ChoiceSetInput,
    Column,
    ColumnSet,
    Container,
    DateInput,
    ExecuteAction,
    Image,
    Mention,
    MentionedEntity,
    OpenUrlAction,
    QueryData,
    ShowCardAction,
    SubmitAction,
    TeamsCardProperties,
    TextBlock,
    TextInput,
    TimeInput,
)

from conversation import blocks as neutral
from conversation.blocks import (
    Button,
    Buttons,
    Checkboxes,
    Divider,
    Field,
    FileInput,
    Form,
    Heading,
    HomeView,
    Menu,
    Note,
    Option,
    Paragraph,
    Part,
    PersonPicker,
    Radio,
)
from frontends.teams.markup import (
    LINE_BREAK,
    Mentions,
    PeopleNames,
    plain_markdown,
    plain_text,
    to_markdown,
    to_plain,
    to_segments,
)

if TYPE_CHECKING:
    from microsoft_teams.api.activities.message import MessageActivityInput

Surface = Literal["message", "dialog", "tab"]

CARD_VERSION: Literal["1.5"] = "1.5"
# Teams refuses an activity over about 28 KB; the card is most of it, the envelope (ids, the
# conversation, the service URL) the rest, so a card is drawn within this many bytes of JSON.
CARD_BUDGET = 26_000
CUT_SHORT = "… _(cut short: this was too long for one Teams message)_"
PEOPLE_DATASET = "graph.microsoft.com/users"
CHOOSE = "Choose"
OPTIONAL = " (optional)"
REQUIRED_ERROR = "Please fill this in."
FILE_IN_CHAT = (
    "Teams can't take a file in this window. Please close it and send me the file{kinds} as an "
    "attachment in our personal chat instead: I'll check every row just the same."
)
_STYLES: dict[str, Literal["positive", "destructive"]] = {
    "primary": "positive",
    "danger": "destructive",
}


def pressed_value(data: Mapping[str, Any]) -> str:
    """What a press carries, from its `data` (with the inputs Teams merged in): a button's
    value, or the option chosen in a menu drawn on a message."""
    if "menu" in data:
        return str(data.get(str(data["menu"])) or "")
    return str(data.get("value") or "")


@dataclass
class _Drawing:
    """What every part of one card is drawn with: the people it names (its mention entities),
    where its buttons go, and the ids its inputs took."""

    mentions: Mentions
    surface: Surface = "message"
    dialogs: frozenset[str] = frozenset()
    payload: str | None = None
    ids: set[str] = field(default_factory=set)

    def unique_id(self, wanted: str) -> str:
        chosen, n = wanted, 1
        while chosen in self.ids:
            n += 1
            chosen = f"{wanted}.{n}"
        self.ids.add(chosen)
        return chosen


# -- text ----------------------------------------------------------------------------------------


def text_block(text: str, *, subtle: bool = False, monospace: bool = False) -> TextBlock:
    block = TextBlock(text=text, wrap=True)
    if subtle:
        block.size, block.is_subtle = "Small", True
    if monospace:
        block.font_type = "Monospace"
    return block


def draw_text(text: str, drawing: _Drawing, *, subtle: bool = False) -> list[CardElement]:
    """Buddy markup as TextBlocks: its prose, and each code block monospaced."""
    return [
        text_block(s.text, subtle=subtle, monospace=s.code)
        for s in to_segments(text, drawing.mentions)
    ]


def draw_heading(part: Heading) -> TextBlock:
    block = text_block(plain_markdown(part.text))
    block.weight, block.size = "Bolder", "Medium"
    return block


def draw_note(part: Note, drawing: _Drawing) -> list[CardElement]:
    return draw_text(part.text, drawing, subtle=True)


# -- buttons and menus ---------------------------------------------------------------------------


def _press_data(intent: str, value: str, drawing: _Drawing) -> dict[str, Any]:
    data: dict[str, Any] = {"action": intent, "value": value}
    if drawing.surface == "dialog" and drawing.payload is not None:
        data["payload"] = drawing.payload
    return data


def press_action(
    title: str, intent: str, value: str, drawing: _Drawing, *, opens_form: bool = False
) -> SubmitAction | ExecuteAction:
    """The action a press of `intent` is, on this surface (the module's docstring says why)."""
    data = _press_data(intent, value, drawing)
    opens = opens_form or intent in drawing.dialogs
    if opens and drawing.surface != "dialog":
        return SubmitAction(
            title=title, data={"msteams": {"type": "task/fetch"}, "dialog_id": intent, **data}
        )
    if drawing.surface == "message":
        return ExecuteAction(title=title, verb=intent, data=data)
    return SubmitAction(title=title, data=data)


def draw_button(part: Button, drawing: _Drawing) -> CardAction:
    title = plain_text(part.label)
    style = _STYLES.get(part.style or "")
    if part.url:
        link = OpenUrlAction(title=title, url=part.url)
        if style is not None:
            link.style = style
        return link
    action = press_action(title, part.intent, part.value, drawing, opens_form=part.opens_form)
    if part.confirm is None:
        if style is not None:
            action.style = style
        return action
    # Slack's confirmation dialog: the question opens under the button, with the one button
    # that does it (pressing the first again folds it away, which is Slack's "no").
    confirm = part.confirm
    yes = press_action(plain_text(confirm.yes), part.intent, part.value, drawing)
    yes.style = style or "positive"
    question = AdaptiveCard(
        body=[
            draw_heading(Heading(confirm.title)),
            text_block(plain_markdown(confirm.text)),
            text_block(plain_markdown(f"{confirm.no}? Press “{part.label}” again."), subtle=True),
        ],
        actions=[yes],
    )
    show = ShowCardAction(title=title, card=question)
    if style is not None:
        show.style = style
    return show


def _choices(options: Sequence[Option], drawing: _Drawing, *, markup: bool = False) -> list[Choice]:
    return [
        Choice(
            title=to_plain(o.label, drawing.mentions) if markup else plain_text(o.label),
            value=o.value,
        )
        for o in options
    ]


def _menu_choices(menu: Menu, drawing: _Drawing) -> list[Choice]:
    """A menu's options; Teams has no option groups, so each keeps its group's heading."""
    if not menu.groups:
        return _choices(menu.options, drawing)
    return [
        Choice(title=plain_text(f"{group.label} · {option.label}"), value=option.value)
        for group in menu.groups
        for option in group.options
    ]


def _choice_set(menu: Menu, input_id: str, drawing: _Drawing) -> ChoiceSetInput:
    choices = _menu_choices(menu, drawing)
    choice_set = ChoiceSetInput(id=input_id, choices=choices, style="compact", wrap=True)
    if menu.initial is not None and any(c.value == menu.initial for c in choices):
        choice_set.value = menu.initial
    if menu.placeholder:
        choice_set.placeholder = plain_text(menu.placeholder)
    return choice_set


def draw_menu_control(menu: Menu, drawing: _Drawing) -> ColumnSet:
    """A menu on a message (not in a form): the choice and a button sending it, since a card's
    input sends nothing by itself. `pressed_value` reads the choice back."""
    input_id = drawing.unique_id(menu.intent)
    data = {**_press_data(menu.intent, "", drawing), "menu": input_id}
    del data["value"]
    send: CardAction = (
        ExecuteAction(title=CHOOSE, verb=menu.intent, data=data)
        if drawing.surface == "message"
        else SubmitAction(title=CHOOSE, data=data)
    )
    return ColumnSet(
        columns=[
            Column(width="stretch", items=[_choice_set(menu, input_id, drawing)]),
            Column(width="auto", items=[ActionSet(actions=[send])]),
        ]
    )


def draw_buttons(part: Buttons, drawing: _Drawing) -> list[CardElement]:
    elements: list[CardElement] = [
        draw_menu_control(item, drawing) for item in part.items if isinstance(item, Menu)
    ]
    actions = [draw_button(item, drawing) for item in part.items if isinstance(item, Button)]
    if actions:
        elements.append(ActionSet(actions=actions))
    return elements


def draw_paragraph(part: Paragraph, drawing: _Drawing) -> list[CardElement]:
    """Text, with its button beside it (a column of its own), or its menu under it."""
    texts = draw_text(part.text, drawing)
    if isinstance(part.accessory, Button):
        beside = ActionSet(actions=[draw_button(part.accessory, drawing)])
        return [
            ColumnSet(
                columns=[
                    Column(width="stretch", items=texts),
                    Column(width="auto", items=[beside], vertical_content_alignment="Center"),
                ]
            )
        ]
    if isinstance(part.accessory, Menu):
        return [*texts, draw_menu_control(part.accessory, drawing)]
    return texts


def draw_image(part: neutral.Image) -> list[CardElement]:
    image = Image(url=part.url, alt_text=part.alt)
    return [text_block(plain_markdown(part.title)), image] if part.title else [image]


# -- form fields ---------------------------------------------------------------------------------


def draw_input(part: Field, drawing: _Drawing) -> CardElement:
    """A field's input: its id is the field's id (how a submission's values are read back)."""
    kind = part.input
    input_id = drawing.unique_id(part.field_id)
    label = plain_text(part.label) + (OPTIONAL if part.optional else "")
    required = not part.optional
    if isinstance(kind, neutral.TextInput):
        text = TextInput(id=input_id, label=label, is_required=required)
        if kind.multiline:
            text.is_multiline = True
        if kind.initial is not None:
            text.value = kind.initial
        if kind.placeholder:
            text.placeholder = plain_text(kind.placeholder)
        if kind.max_length is not None:
            text.max_length = kind.max_length
        if kind.min_length:
            text.regex = f"^[\\s\\S]{{{kind.min_length},}}$"
            text.error_message = f"Please write at least {kind.min_length} characters."
        elif required:
            text.error_message = REQUIRED_ERROR
        return text
    if isinstance(kind, neutral.DateInput):
        day = DateInput(id=input_id, label=label, is_required=required)
        if kind.initial is not None:
            day.value = kind.initial.isoformat()
        return day
    if isinstance(kind, neutral.TimeInput):
        clock = TimeInput(id=input_id, label=label, is_required=required)
        if kind.initial is not None:
            clock.value = f"{kind.initial.hour:02d}:{kind.initial.minute:02d}"
        return clock
    if isinstance(kind, Menu):
        choice_set = _choice_set(kind, input_id, drawing)
        choice_set.label, choice_set.is_required = label, required
        return choice_set
    if isinstance(kind, Checkboxes):
        ticked = [o.value for o in kind.options if o.value in kind.initial]
        boxes = ChoiceSetInput(
            id=input_id,
            label=label,
            is_required=required,
            choices=_choices(kind.options, drawing, markup=kind.markup),
            style="expanded",
            is_multi_select=True,
            wrap=True,
        )
        if ticked:
            boxes.value = ",".join(ticked)
        return boxes
    if isinstance(kind, Radio):
        radio = ChoiceSetInput(
            id=input_id,
            label=label,
            is_required=required,
            choices=_choices(kind.options, drawing),
            style="expanded",
            wrap=True,
        )
        if any(o.value == kind.initial for o in kind.options):
            radio.value = kind.initial
        return radio
    if isinstance(kind, PersonPicker):
        # Teams' people picker: its choices come from the organisation's directory.
        picker = ChoiceSetInput(
            id=input_id,
            label=label,
            is_required=required,
            choices=[],
            choices_data=QueryData(dataset=PEOPLE_DATASET),
        )
        if kind.initial:
            name = drawing.mentions.name(kind.initial)
            picker.choices = [Choice(title=name, value=kind.initial)]
            picker.value = kind.initial
        return picker
    return draw_file_input(kind, label)


def draw_file_input(part: FileInput, label: str) -> TextBlock:
    """Teams dialogs take no files: the person is asked, kindly, to send it in the chat."""
    named = " or ".join(f".{kind}" for kind in part.filetypes)
    kinds = f" ({named})" if named else ""
    return text_block(f"**{plain_markdown(label)}**{LINE_BREAK}{FILE_IN_CHAT.format(kinds=kinds)}")


def draw_field(part: Field, drawing: _Drawing) -> list[CardElement]:
    elements: list[CardElement] = [draw_input(part, drawing)]
    if part.hint:
        elements.append(text_block(plain_markdown(part.hint), subtle=True))
    return elements


# -- parts, cards and their size -----------------------------------------------------------------


def draw_part(part: Part, drawing: _Drawing) -> list[CardElement]:
    if isinstance(part, Heading):
        return [draw_heading(part)]
    if isinstance(part, Paragraph):
        return draw_paragraph(part, drawing)
    if isinstance(part, Note):
        return draw_note(part, drawing)
    if isinstance(part, Buttons):
        return draw_buttons(part, drawing)
    if isinstance(part, neutral.Image):
        return draw_image(part)
    if isinstance(part, Field):
        return draw_field(part, drawing)
    return []


def draw_parts(parts: Sequence[Part], drawing: _Drawing) -> list[CardElement]:
    """Every part in order; a divider is a separator line above what follows it."""
    body: list[CardElement] = []
    divided = False
    for part in parts:
        if isinstance(part, Divider):
            divided = bool(body)
            continue
        drawn = draw_part(part, drawing)
        if divided and drawn:
            drawn = [Container(items=drawn, separator=True, spacing="Medium")]
        divided = False
        body.extend(drawn)
    return body


def card_json(card: AdaptiveCard) -> dict[str, Any]:
    """The card as Teams gets it (an attachment's `content`)."""
    return card.model_dump(exclude_none=True)


def card_size(card: AdaptiveCard) -> int:
    """Bytes of the card's JSON as the SDK sends it (non-ASCII escaped, so the larger form)."""
    return len(json.dumps(card_json(card)))


def _text_blocks(elements: Sequence[Any]) -> list[TextBlock]:
    found: list[TextBlock] = []
    for element in elements:
        if isinstance(element, TextBlock):
            found.append(element)
        elif isinstance(element, Container):
            found += _text_blocks(element.items or [])
        elif isinstance(element, ColumnSet):
            for column in element.columns or []:
                found += _text_blocks(column.items or [])
    return found


def _shorten(block: TextBlock) -> bool:
    """One line off the end of a long text (or, for a single line, its last half), marked."""
    text = (block.text or "").removesuffix(LINE_BREAK + CUT_SHORT).removesuffix(" " + CUT_SHORT)
    lines = text.split(LINE_BREAK)
    if len(lines) > 1:
        block.text = LINE_BREAK.join(lines[:-1]) + LINE_BREAK + CUT_SHORT
        return True
    words = text.split(" ")
    if len(words) < 4:
        return False
    kept = " ".join(words[: len(words) // 2])
    # Never leave half a mention, a date function or a bold run open.
    for opener, closer in (("<at>", "</at>"), ("{{", "}}")):
        if kept.count(opener) > kept.count(closer):
            kept = kept[: kept.rindex(opener)].rstrip()
    if kept.count("**") % 2:
        kept += "**"
    block.text = kept + " " + CUT_SHORT
    return True


def fit(card: AdaptiveCard, budget: int = CARD_BUDGET) -> AdaptiveCard:
    """Within `budget` bytes: the longest texts lose lines from their end, marked as cut, until
    it fits. Buttons and inputs are never cut (a press or an answer must still work)."""
    while card_size(card) > budget:
        longest = sorted(_text_blocks(card.body or []), key=lambda b: -len(b.text or ""))
        if not any(_shorten(block) for block in longest):
            break
    return card


def _mention_entities(card: AdaptiveCard, mentions: Mentions) -> list[Mention]:
    """An entity for each person whose tag is still in the card's text after fitting it."""
    texts = json.dumps(card_json(card), ensure_ascii=False)
    return [
        Mention(text=m.tag, mentioned=MentionedEntity(id=m.user_id, name=m.name))
        for m in mentions.people
        if json.dumps(m.tag, ensure_ascii=False)[1:-1] in texts
    ]


def _card(
    body: list[CardElement],
    drawing: _Drawing,
    *,
    actions: list[CardAction] | None = None,
    fallback: str | None = None,
) -> AdaptiveCard:
    card = AdaptiveCard(version=CARD_VERSION, body=body)
    if actions:
        card.actions = actions
    if fallback:
        card.fallback_text = fallback
    fit(card)
    card.msteams = TeamsCardProperties(width="full")
    entities = _mention_entities(card, drawing.mentions)
    if entities:
        card.msteams.entities = entities
    return card


# -- what the listeners call ---------------------------------------------------------------------


def draw_message(
    text: str,
    parts: Sequence[Part],
    people: PeopleNames,
    *,
    dialogs: Collection[str] = (),
) -> AdaptiveCard:
    """A message's card: its parts (or, with none, its text as one paragraph), the people it
    names as mention entities, `text` as the fallback. `dialogs`: the intents whose buttons open
    a form (drawn to open a Teams dialog)."""
    drawing = _Drawing(Mentions(people), dialogs=frozenset(dialogs))
    body = draw_parts(parts or [Paragraph(text)], drawing)
    return _card(body, drawing, fallback=to_plain(text, drawing.mentions) if text else None)


@dataclass(frozen=True)
class Dialog:
    """A form as a Teams dialog: the title Teams shows above it, and its card."""

    title: str
    card: AdaptiveCard


def draw_form(form: Form, people: PeopleNames) -> Dialog:
    """A form as a dialog: its fields, and Submit sending `{"action": intent, "payload": ...}`
    with every input by its field id (`on_dialog_submit(intent)`). A form that saves what was
    typed when closed (Slack's notify_on_close) gets a button for that, since Teams says nothing
    when a dialog is closed: its data carries `"closed": true`."""
    drawing = _Drawing(Mentions(people), surface="dialog", payload=form.payload)
    body = draw_parts(form.blocks, drawing)
    actions: list[CardAction] = []
    if form.submit:
        data = {"action": form.intent, "payload": form.payload}
        actions.append(SubmitAction(title=plain_text(form.submit), data=data, style="positive"))
    if form.notify_on_close:
        closing = {"action": form.intent, "payload": form.payload, "closed": True}
        actions.append(SubmitAction(title=plain_text(form.close), data=closing))
    return Dialog(plain_text(form.title), _card(body, drawing, actions=actions))


def draw_home(
    view: HomeView,
    people: PeopleNames,
    *,
    dialogs: Collection[str] = (),
    tab: bool = False,
) -> AdaptiveCard:
    """Home as a card: posted in the personal chat (its buttons Execute), or for the personal
    app's tab (`tab=True`: its buttons Submit, as a tab takes them)."""
    surface: Surface = "tab" if tab else "message"
    drawing = _Drawing(Mentions(people), surface=surface, dialogs=frozenset(dialogs))
    return _card(draw_parts(view.blocks, drawing), drawing)


class Said(Protocol):
    """What Buddy posts of its own accord (`conversation.replies.OutgoingMessage`)."""

    @property
    def text(self) -> str: ...

    @property
    def blocks(self) -> list[Part]: ...


@dataclass(frozen=True)
class TeamsMessage:
    """What to send: a card (with `text` its plain words, for a log or a notification), or
    (nothing in it needing one) `text` as a Markdown message. `private`: only the
    asker should see it (Slack's ephemeral: the personal chat, or the thread it was asked in);
    `replace_original`: it takes the place of the card whose button was pressed."""

    text: str
    card: AdaptiveCard | None = None
    private: bool = False
    replace_original: bool = False

    def activity(self) -> MessageActivityInput:
        """The message activity for `app.send` / `ctx.send`."""
        from microsoft_teams.api.activities.message import MessageActivityInput

        if self.card is not None:
            return MessageActivityInput().add_card(self.card)
        return MessageActivityInput(text=self.text)


def draw_said(
    text: str,
    parts: Sequence[Part],
    people: PeopleNames,
    *,
    dialogs: Collection[str] = (),
) -> TeamsMessage:
    """Text and parts as a message: a card when it has parts, names a person (a card mention
    takes an Entra object id) or shows a moment (only a card shows each reader their own
    zone); plain Markdown text otherwise."""
    mentions = Mentions(people)
    markdown = to_markdown(text, mentions)
    if parts or mentions.people or "{{DATE(" in markdown or "{{TIME(" in markdown:
        card = draw_message(text, parts, people, dialogs=dialogs)
        return TeamsMessage(to_plain(text, people), card)
    return TeamsMessage(to_markdown(text, Mentions(people), cards=False))


def draw_outgoing(
    message: Said, people: PeopleNames, *, dialogs: Collection[str] = ()
) -> TeamsMessage:
    """A message Buddy posts (a nudge, a notice) as Teams takes it."""
    return draw_said(message.text, message.blocks, people, dialogs=dialogs)


def draw_reply(
    reply: Mapping[str, Any], people: PeopleNames, *, dialogs: Collection[str] = ()
) -> TeamsMessage:
    """An answer (`conversation.replies.Reply`) as Teams takes it: a plain text message when
    it has no parts (unless it names someone or shows a moment), a card when it has."""
    drawn = draw_said(
        str(reply.get("text") or ""), list(reply.get("blocks") or []), people, dialogs=dialogs
    )
    return TeamsMessage(
        drawn.text,
        drawn.card,
        private=reply.get("response_type", "ephemeral") == "ephemeral",
        replace_original=bool(reply.get("replace_original")),
    )
