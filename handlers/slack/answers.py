"""The one way Buddy answers a command, a button or a modal: ack at once, slow work after.

A feature's handler reads the request, calls the domain and returns an `Answer`: what to say at
once (in the HTTP ack's own body for a command, through the response_url for a button), and any
slow work (Web API calls) to run once Slack has its ack. Every error from either part goes through
`_failed` or a `Refusal`: the traceback is logged and the person is told in one friendly line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from frontends.slack.blockkit import draw_reply, draw_view_response
from handlers.slack.channels import remember_post
from handlers.slack.deps import Deps, deps_from
from handlers.slack.payloads import (
    ViewState,
    Who,
    clicked_message,
    first_action,
    meeting_value,
    who_of,
)
from handlers.slack.replies import SOMETHING_WENT_WRONG, Reply, ephemeral, refused
from models.pairs import zone_of
from models.people import (
    DEFAULT_COHORT_TIMEZONE,
    Participant,
    ensure_participant,
    find_participant,
)
from models.refusals import Refusal

logger = logging.getLogger(__name__)

T = TypeVar("T")
SlowWork = Callable[[WebClient], Reply | None]

OUT_OF_DATE = (
    "This button is out of date, so nothing was changed. The latest messages from Buddy have "
    "buttons that work."
)


@dataclass(frozen=True)
class Answer:
    """What to say at once, and what to do after the ack (its reply is shown the same way)."""

    reply: Reply | None = None
    then: SlowWork | None = None
    # A modal submission's ack body: `{"response_action": "errors", ...}`, "update", "clear".
    view_response: Reply | None = None


def accepted(parsed: T | Refusal) -> T:
    """What the grammar read, or the refusal it returned, raised for the one error path."""
    if isinstance(parsed, Refusal):
        raise parsed
    return parsed


def pressed_meeting(press: Press) -> tuple[int, date]:
    """The pair and meeting a nudge's button names (`<pair id>:<original date>`), or the
    out-of-date answer for a value Buddy cannot read."""
    target = meeting_value(press.value)
    if target is None:
        raise out_of_date()
    return target


def out_of_date() -> Refusal:
    """For a press or submission whose payload Buddy cannot read (old, or tampered with)."""
    return Refusal(OUT_OF_DATE)


@dataclass(frozen=True)
class Request:
    """Who asked, when, and the app's dependencies: what every handler starts from."""

    deps: Deps
    who: Who
    now: datetime
    # The request's own Web API client (each workspace its token), for the rare lookup an answer
    # cannot be given without (`pair` checks its people with users.info before it pairs them);
    # any other Web API work goes after the ack, where `then` gets the same client.
    client: WebClient | None = None

    @property
    def user_id(self) -> str:
        return self.who.user_id

    @property
    def team_id(self) -> str:
        return self.who.team_id

    def caller(self, session: Session) -> Participant:
        """The person asking, created on first contact."""
        return ensure_participant(session, self.team_id, self.user_id, self.now)

    def today(self) -> date:
        """The caller's today, for reading dates they typed (`thu`, `3/12`). It only reads (a
        first contact is not created here), so it is safe inside another session: a second
        session writing the same new participant would wait for the first, for ever on
        PostgreSQL."""
        with self.deps.session() as session:
            known = find_participant(session, self.team_id, self.user_id)
            zone = zone_of(known) if known is not None else DEFAULT_COHORT_TIMEZONE
        return self.now.astimezone(ZoneInfo(zone)).date()


def local_today(participant: Participant, now: datetime) -> date:
    """Today where the participant is: what `thu` and `3/12` are read against."""
    return now.astimezone(ZoneInfo(zone_of(participant))).date()


@dataclass(frozen=True)
class Command(Request):
    """One `/buddy <name> <args>` call."""

    channel_id: str = ""
    name: str = ""
    args: str = ""
    trigger_id: str | None = None
    response_url: str | None = None

    @classmethod
    def from_body(
        cls, body: dict[str, Any], deps: Deps, client: WebClient | None = None
    ) -> Command:
        text = str(body.get("text") or "").strip()
        name, _, args = text.partition(" ")
        return cls(
            deps=deps,
            who=who_of(body),
            now=deps.clock.now(),
            client=client,
            channel_id=str(body.get("channel_id") or ""),
            name=name.lower(),
            args=args.strip(),
            trigger_id=body.get("trigger_id"),
            response_url=body.get("response_url"),
        )


@dataclass(frozen=True)
class Press(Request):
    """A button pressed on a message, a modal or the Home tab."""

    action_id: str = ""
    value: str = ""
    message: tuple[str, str] | None = None  # the channel and ts of the message it was on
    trigger_id: str | None = None
    view: dict[str, Any] = field(default_factory=dict)  # the modal it was in, if any

    @classmethod
    def from_body(cls, body: dict[str, Any], deps: Deps, client: WebClient | None = None) -> Press:
        action = first_action(body)
        view = body.get("view")
        return cls(
            deps=deps,
            who=who_of(body),
            now=deps.clock.now(),
            client=client,
            action_id=str(action.get("action_id") or ""),
            value=str(action.get("value") or ""),
            message=clicked_message(body),
            trigger_id=body.get("trigger_id"),
            view=view if isinstance(view, dict) else {},
        )


@dataclass(frozen=True)
class Submission(Request):
    """A modal submitted (or closed, for modals that ask to be told)."""

    callback_id: str = ""
    metadata: str = ""
    state: ViewState = field(default_factory=lambda: ViewState({}))
    view_id: str = ""

    @classmethod
    def from_body(
        cls, body: dict[str, Any], deps: Deps, client: WebClient | None = None
    ) -> Submission:
        view = body.get("view")
        view = view if isinstance(view, dict) else {}
        return cls(
            deps=deps,
            who=who_of(body),
            now=deps.clock.now(),
            client=client,
            callback_id=str(view.get("callback_id") or ""),
            metadata=str(view.get("private_metadata") or ""),
            state=ViewState(view),
            view_id=str(view.get("id") or ""),
        )


def decide(run: Callable[[], Answer | Reply | None], what: str) -> Answer:
    """Run a handler's quick part; a refusal or an error becomes the answer to show."""
    try:
        answer = run()
    except Refusal as refusal:
        return Answer(reply=refused(refusal))
    except Exception:
        logger.exception("%s failed", what)
        return Answer(reply=ephemeral(SOMETHING_WENT_WRONG))
    if answer is None:
        return Answer()
    return answer if isinstance(answer, Answer) else Answer(reply=answer)


Deliver = Callable[[Reply], None]


def after_ack(deps: Deps, client: WebClient, answer: Answer, deliver: Deliver, what: str) -> None:
    """Queue the reply still to show and the slow work, so the ack goes out first."""
    if answer.reply is None and answer.then is None:
        return
    deps.background.submit(_run_later, client, answer, deliver, what)


def _run_later(client: WebClient, answer: Answer, deliver: Deliver, what: str) -> None:
    if answer.reply is not None:
        _deliver(deliver, answer.reply, what)
    if answer.then is None:
        return
    try:
        late = answer.then(client)
    except Refusal as refusal:
        late = refused(refusal)
    except Exception:
        logger.exception("%s failed after the ack", what)
        late = ephemeral(SOMETHING_WENT_WRONG)
    if late is not None:
        _deliver(deliver, late, what)


def _deliver(deliver: Deliver, reply: Reply, what: str) -> None:
    try:
        deliver(reply)
    except Exception:
        logger.exception("Could not tell the person how %s went", what)


# -- wiring a feature's handlers to Bolt ----------------------------------------------------------

ButtonHandler = Callable[[Press], Answer | Reply | None]
SubmissionHandler = Callable[[Submission], Answer | Reply | None]


def on_button(app: App, action_id: str, handler: ButtonHandler) -> None:
    """A button: acked at once; its answer goes through the response_url, or by DM from a modal."""

    def listener(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
        deps = deps_from(context)
        press = Press.from_body(body, deps, client)
        ack()
        answer = decide(lambda: handler(press), f"the {action_id} button")
        response_url = _response_url(body)
        deliver = _button_deliver(client, deps, press, response_url)
        after_ack(deps, client, answer, deliver, action_id)

    listener.__name__ = f"button_{action_id}"
    app.action(action_id)(listener)


def on_submission(app: App, callback_id: str, handler: SubmissionHandler) -> None:
    """A modal's submit: the ack may carry field errors or the next view; other news goes by DM."""
    app.view(callback_id)(_modal_listener(handler, f"the {callback_id} modal"))


def on_close(app: App, callback_id: str, handler: SubmissionHandler) -> None:
    """A modal closed (for modals that set `notify_on_close`): keep what was typed."""
    app.view_closed(callback_id)(_modal_listener(handler, f"closing the {callback_id} modal"))


def _modal_listener(handler: SubmissionHandler, what: str) -> Callable[..., None]:
    def listener(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
        deps = deps_from(context)
        submission = Submission.from_body(body, deps, client)
        answer = decide(lambda: handler(submission), what)
        if answer.view_response is not None and body.get("type") == "view_submission":
            ack(**draw_view_response(answer.view_response))
        else:
            ack()
        after_ack(deps, client, answer, _dm(client, deps, submission.user_id), what)

    return listener


def _response_url(body: dict[str, Any]) -> str | None:
    url = body.get("response_url")
    if isinstance(url, str) and url:
        return url
    urls = body.get("response_urls")
    if isinstance(urls, list) and urls and isinstance(urls[0], dict):
        found = urls[0].get("response_url")
        return found if isinstance(found, str) else None
    return None


def _button_deliver(
    client: WebClient, deps: Deps, press: Press, response_url: str | None
) -> Deliver:
    if response_url is None:
        return _dm(client, deps, press.user_id)
    respond = Respond(response_url=response_url)

    def deliver(reply: Reply) -> None:
        respond(**{"replace_original": False, **draw_reply(reply)})

    return deliver


def command_deliver(respond: Respond) -> Deliver:
    def deliver(reply: Reply) -> None:
        respond(**draw_reply(reply))

    return deliver


def _dm(client: WebClient, deps: Deps, user_id: str) -> Deliver:
    """The answer by DM; recorded as about them, since it may repeat what they typed."""

    def deliver(reply: Reply) -> None:
        message = {k: v for k, v in draw_reply(reply).items() if k in ("text", "blocks")}
        posted = client.chat_postMessage(channel=user_id, **message)
        remember_post(deps, [user_id], posted)

    return deliver
