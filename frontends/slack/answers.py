"""Slack's side of answering: a command, a button or a modal read from Slack's payload, acked
at once, and the answer's slow work run after the ack.

The neutral request and answer types are in `conversation/requests.py`; here they are read from
Bolt's bodies (`command_from_body`, `press_from_body`, `submission_from_body`) and the answers
delivered the Slack way: in the ack's body, through the response_url, or by DM, with a form
opened with the trigger Slack gave. Every error from either part goes through `decide` or
`_run_later`: the traceback is logged and the person is told in one friendly line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from conversation.deps import Deps, deps_from
from conversation.outlet import Outlet, OutletError
from conversation.replies import SOMETHING_WENT_WRONG, Reply, ephemeral, refused
from conversation.requests import (
    Answer,
    ButtonHandler,
    Command,
    Handlers,
    Press,
    Submission,
    SubmissionHandler,
    decide,
)
from frontends.slack.blockkit import draw_reply, draw_view_response
from frontends.slack.outlet import NO_TRIGGER, SlackOutlet, remember_post
from frontends.slack.payloads import (
    ViewState,
    clicked_message,
    first_action,
    pressed_in,
    who_of,
)
from frontends.slack.text import typed
from models.refusals import Refusal

logger = logging.getLogger(__name__)


def command_from_body(body: dict[str, Any], deps: Deps, client: WebClient | None = None) -> Command:
    text = str(body.get("text") or "").strip()
    name, _, args = text.partition(" ")
    who = who_of(body)
    return Command(
        deps=deps,
        who=who,
        now=deps.clock.now(),
        outlet=SlackOutlet(client, who.team_id) if client is not None else None,
        channel_id=str(body.get("channel_id") or ""),
        name=name.lower(),
        args=args.strip(),
        plain=typed,
        trigger_id=body.get("trigger_id"),
        response_url=body.get("response_url"),
    )


def press_from_body(body: dict[str, Any], deps: Deps, client: WebClient | None = None) -> Press:
    action = first_action(body)
    who = who_of(body)
    return Press(
        deps=deps,
        who=who,
        now=deps.clock.now(),
        outlet=SlackOutlet(client, who.team_id) if client is not None else None,
        action_id=str(action.get("action_id") or ""),
        value=str(action.get("value") or ""),
        message=clicked_message(body),
        trigger_id=body.get("trigger_id"),
        form=pressed_in(body),
    )


def submission_from_body(
    body: dict[str, Any], deps: Deps, client: WebClient | None = None
) -> Submission:
    view = body.get("view")
    view = view if isinstance(view, dict) else {}
    who = who_of(body)
    return Submission(
        deps=deps,
        who=who,
        now=deps.clock.now(),
        outlet=SlackOutlet(client, who.team_id) if client is not None else None,
        callback_id=str(view.get("callback_id") or ""),
        metadata=str(view.get("private_metadata") or ""),
        state=ViewState(view),
        view_id=str(view.get("id") or ""),
    )


Deliver = Callable[[Reply], None]


def after_ack(
    deps: Deps,
    outlet: Outlet,
    answer: Answer,
    deliver: Deliver,
    what: str,
    trigger_id: str | None = None,
) -> None:
    """Queue the reply still to show, the form to open and the slow work, so the ack goes out
    first."""
    if answer.reply is None and answer.then is None and answer.form is None:
        return
    deps.background.submit(_run_later, outlet, answer, deliver, what, trigger_id)


def _run_later(
    outlet: Outlet, answer: Answer, deliver: Deliver, what: str, trigger_id: str | None
) -> None:
    if answer.reply is not None:
        _deliver(deliver, answer.reply, what)
    if answer.form is not None:
        unopened = _open_form(outlet, answer, trigger_id)
        if unopened is not None:
            _deliver(deliver, unopened, what)
    if answer.then is None:
        return
    try:
        late = answer.then(outlet)
    except Refusal as refusal:
        late = refused(refusal)
    except Exception:
        logger.exception("%s failed after the ack", what)
        late = ephemeral(SOMETHING_WENT_WRONG)
    if late is not None:
        _deliver(deliver, late, what)


def _open_form(outlet: Outlet, answer: Answer, trigger_id: str | None) -> Reply | None:
    """`views.open` with the trigger Slack gave the command or the button, which lasts only a few
    seconds; what to tell the person if Slack refused it."""
    assert answer.form is not None
    try:
        opened = outlet.open_form(trigger_id, answer.form)
    except OutletError as error:
        if error.reason != NO_TRIGGER:
            logger.exception("Could not open the %s modal", answer.form.intent)
        return answer.form_unopened
    if opened and answer.form_opened is not None:
        try:
            answer.form_opened(opened)
        except Exception:
            logger.exception("Could not keep the id of the %s modal", answer.form.intent)
    return None


def _deliver(deliver: Deliver, reply: Reply, what: str) -> None:
    try:
        deliver(reply)
    except Exception:
        logger.exception("Could not tell the person how %s went", what)


# -- wiring a feature's handlers to Bolt ----------------------------------------------------------


def wire(app: App, handlers: Handlers) -> None:
    """A feature's buttons, form submissions and closings, each to its Bolt listener."""
    for action_id, on_press in handlers.buttons.items():
        on_button(app, action_id, on_press)
    for callback_id, on_submit in handlers.submissions.items():
        on_submission(app, callback_id, on_submit)
    for callback_id, on_closed in handlers.closings.items():
        on_close(app, callback_id, on_closed)


def on_button(app: App, action_id: str, handler: ButtonHandler) -> None:
    """A button: acked at once; its answer goes through the response_url, or by DM from a modal."""

    def listener(ack: Ack, body: dict[str, Any], context: Any, client: WebClient) -> None:
        deps = deps_from(context)
        press = press_from_body(body, deps, client)
        ack()
        answer = decide(lambda: handler(press), f"the {action_id} button")
        response_url = _response_url(body)
        deliver = _button_deliver(client, deps, press, response_url)
        after_ack(
            deps, SlackOutlet(client, press.team_id), answer, deliver, action_id, press.trigger_id
        )

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
        submission = submission_from_body(body, deps, client)
        answer = decide(lambda: handler(submission), what)
        if answer.view_response is not None and body.get("type") == "view_submission":
            ack(**draw_view_response(answer.view_response))
        else:
            ack()
        deliver = _dm(client, deps, submission.team_id, submission.user_id)
        outlet = SlackOutlet(client, submission.team_id)
        after_ack(deps, outlet, answer, deliver, what, body.get("trigger_id"))

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
        return _dm(client, deps, press.team_id, press.user_id)
    respond = Respond(response_url=response_url)

    def deliver(reply: Reply) -> None:
        respond(**{"replace_original": False, **draw_reply(reply)})

    return deliver


def command_deliver(respond: Respond) -> Deliver:
    def deliver(reply: Reply) -> None:
        respond(**draw_reply(reply))

    return deliver


def _dm(client: WebClient, deps: Deps, team_id: str, user_id: str) -> Deliver:
    """The answer by DM; recorded as about them (in `team_id`, where they asked), since it may
    repeat what they typed."""

    def deliver(reply: Reply) -> None:
        message = {k: v for k, v in draw_reply(reply).items() if k in ("text", "blocks")}
        posted = client.chat_postMessage(channel=user_id, **message)
        remember_post(deps, team_id, [user_id], posted)

    return deliver
