"""What the Teams listeners, outlet and clock send, drawn from Buddy's neutral answers with
`drawn_cards.py`, with the names of the people they mention read from the database.

A card names a person with their Entra object id and the name Teams shows; Buddy knows both for
everyone it has heard from (`participants.display_name`, kept from each activity)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversation.blocks import Form, HomeView, Paragraph, Part, button, buttons, paragraph
from conversation.replies import OutgoingMessage, Reply
from frontends.teams import cards as drawn_cards
from frontends.teams.front import COMMAND, FORM_CARD
from frontends.teams.markup import Mentions, to_markdown
from models.people import Participant

if TYPE_CHECKING:
    from microsoft_teams.api.activities.message import MessageActivityInput
    from microsoft_teams.cards import AdaptiveCard

OPEN_FORM = "buddy_open_form"
FORM_TITLE = "buddy_form_title"  # the form offer's button (its data carries the command)


def people_names(session: Session, tenant_id: str) -> Callable[[str], str | None]:
    """Each person's name as Teams showed it, looked up once per person per drawing."""
    known: dict[str, str | None] = {}

    def name(user_id: str) -> str | None:
        if user_id not in known:
            known[user_id] = session.scalar(
                select(Participant.display_name).where(
                    Participant.team_id == tenant_id, Participant.user_id == user_id
                )
            )
        return known[user_id]

    return name


def draw_outgoing(
    session: Session, tenant_id: str, message: OutgoingMessage
) -> MessageActivityInput:
    return drawn_cards.draw_outgoing(message, people_names(session, tenant_id)).activity()


def draw_reply(session: Session, tenant_id: str, reply: Reply) -> MessageActivityInput:
    return drawn_cards.draw_reply(reply, people_names(session, tenant_id)).activity()


def reply_card(session: Session, tenant_id: str, reply: Reply) -> AdaptiveCard:
    """An answer as a card (to replace the card a button was on)."""
    drawn = drawn_cards.draw_reply(reply, people_names(session, tenant_id))
    if drawn.card is not None:
        return drawn.card
    text = str(reply.get("text") or "")
    return drawn_cards.draw_message(text, [], people_names(session, tenant_id))


def draw_words(text: str) -> MessageActivityInput:
    """A line of Buddy markup naming nobody, as a Markdown message."""
    from microsoft_teams.api.activities.message import MessageActivityInput

    return MessageActivityInput(text=to_markdown(text, Mentions(lambda _: None), cards=False))


def draw_dialog(form: Form) -> tuple[str, AdaptiveCard]:
    """A form as a dialog; its submit carries the card itself, so a field's refusal can show
    the same dialog again with what was typed (Teams keeps nothing of a dialog it closed)."""
    dialog = drawn_cards.draw_form(form, lambda _: None)
    return dialog.title, _carrying_itself(dialog.card, form.intent, dialog.title)


def _carrying_itself(card: AdaptiveCard, intent: str, title: str) -> AdaptiveCard:
    from microsoft_teams.cards import AdaptiveCard

    shown = drawn_cards.card_json(card)
    copy = json.loads(json.dumps(shown))

    def mark(node: Any) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and data.get("action") == intent:
                data[FORM_CARD] = shown
                data[FORM_TITLE] = title
            for value in node.values():
                if value is not data:
                    mark(value)
        elif isinstance(node, list):
            for value in node:
                mark(value)

    mark(copy)
    return AdaptiveCard.model_validate(copy)


def redraw_with_errors(
    data: Mapping[str, Any], errors: Mapping[str, str]
) -> tuple[str, AdaptiveCard]:
    """The dialog as it was submitted, what was typed kept, each refusal under its field."""
    from microsoft_teams.cards import AdaptiveCard, TextBlock

    shown = data.get(FORM_CARD)
    if not isinstance(shown, Mapping):
        dialog = drawn_cards.draw_message(
            "Please check the form and send it again.", [], lambda _: None
        )
        return "Please check", dialog
    card = AdaptiveCard.model_validate(dict(shown))
    body: list[Any] = []
    for element in card.body or []:
        element_id = getattr(element, "id", None)
        if element_id is not None and element_id in data and hasattr(element, "value"):
            element.value = data[element_id]
        body.append(element)
        if element_id is not None and element_id in errors:
            body.append(TextBlock(text=errors[element_id], wrap=True, color="Attention"))
    card.body = body
    unused = set(errors) - {getattr(e, "id", None) for e in card.body}
    if unused:
        card.body.insert(
            0, TextBlock(text=" ".join(errors[k] for k in unused), wrap=True, color="Attention")
        )
    title = str(data.get(FORM_TITLE) or "Please check")
    return title, _carrying_itself(card, str(data.get("action") or ""), title)


def draw_form_offer(form: Form, words: str) -> MessageActivityInput:
    """A typed command's form, offered: Teams opens a dialog only from a press."""
    parts: list[Part] = [
        paragraph(f"*{form.title}*"),
        buttons(
            [button(form.submit or "Open", OPEN_FORM, words, style="primary", opens_form=True)]
        ),
    ]
    card = drawn_cards.draw_message(form.title, parts, lambda _: None)
    _offer_data(card, words)
    from microsoft_teams.api.activities.message import MessageActivityInput

    return MessageActivityInput().add_card(card)


def _offer_data(card: AdaptiveCard, words: str) -> None:
    """The offer's button runs the typed command again, as a dialog."""
    for element in card.body or []:
        for action in getattr(element, "actions", None) or []:
            data = getattr(action, "data", None)
            if isinstance(data, dict):
                data[COMMAND] = words
            elif data is not None and hasattr(data, "model_extra"):
                setattr(data, COMMAND, words)


def draw_home(session: Session, tenant_id: str, view: HomeView, *, tab: bool) -> AdaptiveCard:
    return drawn_cards.draw_home(view, people_names(session, tenant_id), tab=tab)


def draw_form_as_message(form: Form) -> MessageActivityInput:
    """What a form would now say (an import's result), as a message."""
    shown: list[Part] = [p for p in form.blocks if isinstance(p, Paragraph)]
    from microsoft_teams.api.activities.message import MessageActivityInput

    card = drawn_cards.draw_message(form.title, shown or [paragraph(form.title)], lambda _: None)
    return MessageActivityInput().add_card(card)


def message_markup(message: OutgoingMessage) -> str:
    """Every piece of Buddy markup in a message (to find the people it names)."""
    texts = [message.text]
    for part in message.blocks:
        texts.extend(str(v) for v in vars(part).values() if isinstance(v, str))
    return "\n".join(texts)
