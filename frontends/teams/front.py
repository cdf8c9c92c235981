"""Teams activities turned into the requests every handler takes, and their answers into what
Teams shows: the one place where a Teams press, dialog or typed command meets Buddy's features.

Everything here is synchronous and runs off the event loop (`listeners.py` calls it through
`off_loop`): reading who sent an activity, finding the handler the same way Slack's front end
does (the router for commands, each feature's `Handlers` for buttons and forms), running it, and
deciding how its `Answer` is shown in Teams:

- a typed command's reply is a message in the chat it was typed in (a channel's in its thread);
- a button's answer replaces the card it was on when it says so, else shows as a message;
- a form is a dialog: opened as the answer to a dialog-opening button (`Button.opens_form`), or,
  for a typed command, offered by a card whose button opens it (Teams opens dialogs only from a
  press); a submission's field errors show in the same dialog, its next step replaces it;
- the slow work (`then`) runs after the answer on the background pool, with the Teams outlet.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, time
from typing import Any

from conversation.blocks import Form, HomeView
from conversation.deps import Deps
from conversation.outlet import Outlet
from conversation.replies import Reply
from conversation.requests import (
    Answer,
    Command,
    Handlers,
    Press,
    Submission,
    Who,
    decide,
    out_of_date,
)
from conversation.router import Router
from frontends.teams import addresses
from models.people import ensure_participant
from models.refusals import Refusal

logger = logging.getLogger(__name__)

# What a dialog's submit, and a dialog-opening button, carry besides the form's own fields.
ACTION = "action"
VALUE = "value"
PAYLOAD = "payload"
COMMAND = "buddy_command"  # a dialog to open by running this typed command again
FORM_CARD = "buddy_form"  # the dialog's own card, to show it again with its field errors

_MENTION = re.compile(r"<at>(.*?)</at>", re.S)
_PREFIXES = ("/buddy ", "buddy ", "@buddy ")


@dataclass(frozen=True)
class Sender:
    """Who sent an activity, and where: read once, without trusting its shape."""

    tenant_id: str
    aad_object_id: str
    teams_id: str
    name: str | None
    conversation_id: str
    conversation_type: str
    service_url: str
    reply_to_id: str | None = None
    timezone: str | None = None
    channel_id: str | None = None  # the channel's own id, for a message posted in one

    @property
    def who(self) -> Who:
        return Who(team_id=self.tenant_id, user_id=self.aad_object_id)

    @property
    def in_channel(self) -> bool:
        return self.channel_id is not None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def sender_of(activity: Mapping[str, Any]) -> Sender | None:
    """The sender of an activity; None when it names no tenant or no Entra person (a bot)."""
    seen = addresses.seen_in(activity)
    person = _mapping(activity.get("from"))
    aad = _text(person.get("aadObjectId"))
    conversation = _mapping(activity.get("conversation"))
    if seen is None or not aad:
        return None
    kind = _text(conversation.get("conversationType")) or "personal"
    conversation_id = _text(conversation.get("id"))
    channel = None
    if kind == "channel":
        channel = conversation_id.split(";", 1)[0]
    return Sender(
        tenant_id=seen.tenant_id,
        aad_object_id=aad,
        teams_id=_text(person.get("id")),
        name=_text(person.get("name")) or None,
        conversation_id=conversation_id,
        conversation_type=kind,
        service_url=seen.service_url,
        reply_to_id=_text(activity.get("replyToId")) or None,
        timezone=seen.timezone,
        channel_id=channel,
    )


def command_words(activity: Mapping[str, Any], resolve: Callable[[str], str | None]) -> str:
    """What was typed, as `/buddy` would have read it: Buddy's own @mention removed, any
    `/buddy ` or `buddy ` in front dropped, and other people's @mentions as Buddy's person tokens
    (`<@id>`, their Entra object id, from `resolve` of their Teams id; `@Name` when unknown, which
    the command then refuses by name)."""
    recipient = _text(_mapping(activity.get("recipient")).get("id"))
    ids: dict[str, str] = {}
    for entity in activity.get("entities") or []:
        entity = _mapping(entity)
        mentioned = _mapping(entity.get("mentioned"))
        if entity.get("type") == "mention" and isinstance(entity.get("text"), str):
            ids[_text(entity.get("text"))] = _text(mentioned.get("id"))

    def person(match: re.Match[str]) -> str:
        whole = match.group(0)
        teams_id = ids.get(whole, "")
        if teams_id == recipient or (not teams_id and match.group(1).strip().lower() == "buddy"):
            return ""
        found = resolve(teams_id) if teams_id else None
        # Held aside while Teams' own HTML is taken off, then written as Buddy's token.
        return f"\ue000{found}\ue001" if found else f"@{html.unescape(match.group(1)).strip()}"

    text = _MENTION.sub(person, _text(activity.get("text")))
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))  # Teams may wrap a typed line in HTML
    text = re.sub("\ue000([^\ue001]*)\ue001", r"<@\1>", text)
    words = " ".join(text.split())
    lowered = words.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix) or lowered == prefix.strip():
            return words[len(prefix) :].strip()
    return words


class DialogValues:
    """A dialog's submitted values (`FormValues`), read by field id, without trusting them."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def _raw(self, field_id: str) -> str | None:
        value = self._data.get(field_id)
        if isinstance(value, bool | int | float):
            value = str(value)
        return value if isinstance(value, str) and value != "" else None

    def text(self, block_id: str) -> str | None:
        return self._raw(block_id)

    def date(self, block_id: str) -> date | None:
        raw = self._raw(block_id)
        try:
            return date.fromisoformat(raw) if raw else None
        except ValueError:
            return None

    def time(self, block_id: str) -> time | None:
        raw = self._raw(block_id)
        try:
            return time.fromisoformat(raw) if raw else None
        except ValueError:
            return None

    def option(self, block_id: str) -> str | None:
        return self._raw(block_id)

    def user(self, block_id: str) -> str | None:
        return self._raw(block_id)

    def options(self, block_id: str) -> list[str]:
        raw = self._raw(block_id)
        return [v for v in raw.split(",") if v] if raw else []

    def file_ids(self, block_id: str) -> list[str]:
        return []


@dataclass(frozen=True)
class Shown:
    """How an answer is shown in Teams: messages to send in the chat, an invoke's own body (a
    dialog, a replaced card, a short message), and the work for after."""

    messages: list[Reply] = field(default_factory=list)
    dialog: Form | None = None
    dialog_errors: Mapping[str, str] | None = None
    close_dialog: bool = False
    replace_card: Reply | None = None
    notice: str | None = None
    form_offer: tuple[Form, str] | None = None  # a form a typed command asked for, and the words
    then: Callable[[Outlet], Reply | None] | None = None


def _and_greet(
    work: Callable[[Outlet], Reply | None] | None,
    first_contact: Callable[[Outlet, Command], None],
    command: Command,
) -> Callable[[Outlet], Reply | None]:
    """The command's own slow work, then the first-contact welcome (as Slack's router does it:
    the caller, and anyone the command just paired, once ever), which never spoils the reply."""

    def run(outlet: Outlet) -> Reply | None:
        late = work(outlet) if work is not None else None
        try:
            first_contact(outlet, command)
        except Exception:
            logger.exception("Could not welcome the people of Teams command %s", command.name)
        return late

    return run


class TeamsFront:
    """Buddy's features as Teams asks for them: built once per process."""

    def __init__(
        self,
        deps: Deps,
        router: Router,
        handlers: Handlers,
        first_contact: Callable[[Outlet, Command], None] | None = None,
    ) -> None:
        self.deps = deps
        self.router = router
        self.handlers = handlers
        self.first_contact = first_contact

    # -- who -------------------------------------------------------------------------------------

    def know(self, sender: Sender) -> None:
        """The person as a participant of their tenant (created on first contact), their zone
        the latest Teams sent (Teams has no profile zone), their name the one Teams shows."""
        with self.deps.session() as session:
            participant = ensure_participant(
                session, sender.tenant_id, sender.aad_object_id, self.deps.clock.now()
            )
            if sender.timezone:
                participant.timezone = sender.timezone
            if sender.name:
                participant.display_name = sender.name

    def resolver(self, tenant_id: str) -> Callable[[str], str | None]:
        """Teams id (`29:…`) → Entra object id, for people Buddy has heard from."""

        def resolve(teams_id: str) -> str | None:
            with self.deps.session() as session:
                found = addresses.person_by_user_id(session, tenant_id, teams_id)
                return found.aad_object_id if found is not None else None

        return resolve

    # -- commands --------------------------------------------------------------------------------

    def command(self, sender: Sender, words: str, outlet: Outlet, as_dialog: bool = False) -> Shown:
        """A typed command; `as_dialog` when its form offer's button asks for the form itself."""
        self.know(sender)
        name, _, args = words.partition(" ")
        command = Command(
            deps=self.deps,
            who=sender.who,
            now=self.deps.clock.now(),
            outlet=outlet,
            channel_id=sender.channel_id or "",
            name=name.lower(),
            args=args.strip(),
        )
        answer = decide(lambda: self.router.answer(command), f"Teams command {command.name}")
        shown = self._shown(answer, None if as_dialog else words)
        if self.first_contact is not None:
            shown = replace(shown, then=_and_greet(shown.then, self.first_contact, command))
        if as_dialog and shown.dialog is None and shown.messages:
            return replace(shown, notice=shown.messages[0].get("text"), messages=shown.messages[1:])
        return shown

    # -- leavers ---------------------------------------------------------------------------------

    def leavers(self, tenant_id: str, aad_object_ids: list[str], outlet: Outlet) -> None:
        """People removed from a team Buddy is in: they have left, as a Slack leaver has."""
        from handlers.lifecycle import person_changed

        for aad in aad_object_ids:
            person_changed(self.deps, outlet, tenant_id, aad, left=True)

    # -- buttons ---------------------------------------------------------------------------------

    def press(
        self, sender: Sender, data: Mapping[str, Any], outlet: Outlet, *, in_dialog: bool = False
    ) -> Shown:
        """A button: its intent and value from the data Buddy put on it. A dialog-opening button
        comes as a dialog fetch (`in_dialog`), and a command's form offer runs the command again."""
        self.know(sender)
        if isinstance(data.get(COMMAND), str):
            return self.command(sender, str(data[COMMAND]), outlet, as_dialog=in_dialog)
        intent, value = _text(data.get(ACTION)), _text(data.get(VALUE))
        handler = self.handlers.buttons.get(intent)
        press = Press(
            deps=self.deps,
            who=sender.who,
            now=self.deps.clock.now(),
            outlet=outlet,
            action_id=intent,
            value=value,
            message=(sender.conversation_id, sender.reply_to_id) if sender.reply_to_id else None,
        )
        if handler is None:
            answer = Answer(reply=_refusal_reply(out_of_date()))
        else:
            answer = decide(lambda: handler(press), f"the Teams {intent} button")
        shown = self._shown(answer, None)
        if in_dialog and shown.dialog is None and shown.messages:
            # Asked for a dialog but the answer is words (a refusal): shown in a small dialog.
            return replace(shown, notice=shown.messages[0].get("text"), messages=shown.messages[1:])
        return shown

    # -- dialogs ---------------------------------------------------------------------------------

    def submit(self, sender: Sender, data: Mapping[str, Any], outlet: Outlet) -> Shown:
        self.know(sender)
        intent = _text(data.get(ACTION))
        handler = self.handlers.submissions.get(intent)
        if handler is None:
            return Shown(close_dialog=True, messages=[_refusal_reply(out_of_date())])
        submission = Submission(
            deps=self.deps,
            who=sender.who,
            now=self.deps.clock.now(),
            outlet=outlet,
            callback_id=intent,
            metadata=_text(data.get(PAYLOAD)),
            state=DialogValues(data),
        )
        answer = decide(lambda: handler(submission), f"the Teams {intent} form")
        return self._shown(answer, None)

    # -- Home ------------------------------------------------------------------------------------

    def home(self, sender: Sender, build: Callable[[Deps, str, str], HomeView]) -> HomeView:
        self.know(sender)
        return build(self.deps, sender.tenant_id, sender.aad_object_id)

    # -- how an answer shows ---------------------------------------------------------------------

    def _shown(self, answer: Answer, typed: str | None) -> Shown:
        messages: list[Reply] = []
        replace_card: Reply | None = None
        if answer.reply is not None:
            if answer.reply.get("replace_original"):
                replace_card = answer.reply
            else:
                messages.append(answer.reply)
        dialog_errors: Mapping[str, str] | None = None
        dialog: Form | None = answer.form
        close = False
        response = answer.view_response
        if response is not None:
            action = response.get("response_action")
            if action == "errors":
                errors = response.get("errors")
                dialog_errors = errors if isinstance(errors, Mapping) else {}
            elif action in ("update", "push") and isinstance(response.get("view"), Form):
                dialog = response["view"]
            else:
                close = True
        offer = None
        if typed is not None and dialog is not None:
            offer, dialog = (dialog, typed), None
        return Shown(
            messages=messages,
            dialog=dialog,
            dialog_errors=dialog_errors,
            close_dialog=close,
            replace_card=replace_card,
            form_offer=offer,
            then=answer.then,
        )


def _refusal_reply(refusal: Refusal) -> Reply:
    from conversation.replies import refused

    return refused(refusal)


def dialog_data(form: Form) -> dict[str, Any]:
    """What a dialog's submit carries besides its fields."""
    return {ACTION: form.intent, PAYLOAD: form.payload}


def button_data(intent: str, value: str) -> dict[str, Any]:
    return {ACTION: intent, VALUE: value}


def offer_data(words: str) -> dict[str, Any]:
    """A form offer's button: opening it runs the typed command again, as a dialog."""
    return {COMMAND: words}


def said(reply: Reply | None) -> str:
    """A reply's text alone (for a dialog's or a press's short answer)."""
    if reply is None:
        return ""
    return _text(reply.get("text"))
