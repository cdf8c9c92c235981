"""`/buddy problem`: the problem-drafting wizard, and the card it posts in the channel.

The wizard is one modal whose view is replaced step by step. *Next* is the modal's submit button,
so Slack checks the answer before moving on (`response_action: errors` / `update`). *Back* can't
be a second submit button, so it is a button in the view: its click saves what was typed, without
checking it, and `views.update` shows the step before. Every submission and click re-reads the
draft by the id in `private_metadata` and checks the clicking user owns it.

Posting closes the modal at once (`response_action: clear`) and puts the card in the channel just
after the ack, so a slow `chat.postMessage` can never outlast Slack's three seconds. If Slack
refuses the card (Buddy not in the channel, say), the owner gets a DM saying how to invite Buddy,
with *Try again* and *Open my draft*: the draft is kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from handlers.command_types import CommandRequest, Subcommand
from handlers.deps import Deps, deps_from
from handlers.problem_views import (
    ANSWER_BLOCK,
    AREA_BLOCK,
    BACK_ACTION,
    CALLBACK_ID,
    CRITERIA_BLOCK,
    EDIT_ACTION,
    LINK_BLOCK,
    OPEN_DRAFT_ACTION,
    RETRY_ACTION,
    UNREACHABLE,
    WITHDRAW_ACTION,
    build_confirm_view,
    build_notice_view,
    build_post_failed_message,
    build_posted_message,
    build_problem_card,
    build_withdrawn_card,
    parse_wizard_metadata,
    view_for_step,
)
from handlers.replies import SOMETHING_WENT_WRONG, Reply, ephemeral
from models.problem_drafts import (
    CONFIRM,
    FIELD_STEPS,
    REVIEW,
    NotYourProblem,
    ProblemAccessError,
    ProblemGone,
    awaiting_publish,
    confirm_post,
    framework_areas_for,
    go_back,
    keep_review_inputs,
    mark_posted,
    next_step,
    owned_draft,
    post_failed,
    publish_target,
    save_on_close,
    snapshot,
    start_edit,
    start_or_resume,
    submit_review,
    withdraw,
)
from models.problems import Problem

logger = logging.getLogger(__name__)

# Editing an old card whose message has gone: post a fresh card instead of failing.
_CARD_GONE_ERRORS = ("message_not_found", "cant_update_message")
_RESUMED = ":wave: Welcome back: here is your draft as you left it."
_EDITING = (
    ":pencil2: You're editing your posted problem. The card in the channel changes only when "
    "you press *Update the card* at the end."
)


# -- reading Slack payloads -------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    team_id: str
    user_id: str

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Caller:
        user = body.get("user") or {}
        team = body.get("team") or {}
        return cls(team_id=user.get("team_id") or team.get("id") or "", user_id=user.get("id", ""))


def _state(view: dict[str, Any]) -> dict[str, Any]:
    values = (view.get("state") or {}).get("values") or {}
    return values if isinstance(values, dict) else {}


def _element(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    element = (values.get(block_id) or {}).get(block_id) or {}
    return element if isinstance(element, dict) else {}


def _text_value(values: dict[str, Any], block_id: str) -> str | None:
    value = _element(values, block_id).get("value")
    return value if isinstance(value, str) else None


def _selected_value(values: dict[str, Any], block_id: str) -> str | None:
    option = _element(values, block_id).get("selected_option") or {}
    value = option.get("value")
    return value if isinstance(value, str) else None


def _selected_values(values: dict[str, Any], block_id: str) -> list[str]:
    options = _element(values, block_id).get("selected_options") or []
    return [str(o.get("value")) for o in options if isinstance(o, dict)]


def _action_problem_id(body: dict[str, Any]) -> int | None:
    actions = body.get("actions") or [{}]
    try:
        return int(actions[0].get("value") or "")
    except ValueError:
        return None


# -- the slash command ------------------------------------------------------------------------


def open_wizard(request: CommandRequest, deps: Deps, client: WebClient) -> Reply | None:
    """`/buddy problem`: open the wizard straight after the ack, to post in this channel."""
    caller = Caller(team_id=request.team_id, user_id=request.user_id)
    if open_problem_wizard(deps, client, caller, request.channel_id, request.trigger_id):
        return None
    return ephemeral(
        ":hourglass: Slack closed the window before I could open your draft. "
        "Please run `/buddy problem` again: your draft is saved."
    )


def open_problem_wizard(
    deps: Deps, client: WebClient, caller: Caller, channel_id: str, trigger_id: str | None
) -> bool:
    """Open the caller's draft (new or resumed) with a fresh trigger; False if Slack refused.

    Anything with a trigger can start drafting (the later community-prep button, say).
    """
    now = deps.clock.now()
    with deps.session() as session:
        draft = start_or_resume(session, caller.team_id, caller.user_id, channel_id, now)
        view = _wizard_view(session, draft, now, _RESUMED if _has_answers(draft) else None)
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError:
        logger.exception("Could not open the problem wizard")
        return False
    return True


def _has_answers(draft: Problem) -> bool:
    return any([draft.problem, draft.evidence, draft.context, draft.why])


def _wizard_view(
    session: Session, draft: Problem, now: datetime, notice: str | None = None
) -> dict[str, Any]:
    step = min(draft.step, REVIEW)
    areas = framework_areas_for(session, draft, now) if step == REVIEW else []
    return view_for_step(snapshot(session, draft), step, areas, notice)


SUBCOMMANDS = [
    Subcommand(
        name="problem",
        usage="/buddy problem",
        summary="draft a problem for your community session, then post it in this channel",
        group="Problems and coaching",
        run_after_ack=open_wizard,
    )
]


# -- the wizard's submissions -----------------------------------------------------------------


def ack_wizard_submission(ack: Ack, body: dict[str, Any], context: Any) -> None:
    """Next, post, post anyway: answered in the ack (errors, the next view, or close)."""
    deps = deps_from(context)
    caller = Caller.from_body(body)
    view = body.get("view") or {}
    meta = parse_wizard_metadata(view.get("private_metadata"))
    if meta is None:
        ack(response_action="update", view=_gone_view())
        return
    draft_id, step = meta
    try:
        with deps.session() as session:
            draft = owned_draft(session, draft_id, caller.team_id, caller.user_id)
            response = _submit_step(session, draft, step, _state(view), deps)
    except ProblemAccessError as refusal:
        response = {"response_action": "update", "view": build_notice_view("Problem", str(refusal))}
    except Exception:
        logger.exception("The problem wizard failed on step %s", step)
        response = {
            "response_action": "update",
            "view": build_notice_view("Problem", SOMETHING_WENT_WRONG),
        }
    ack(**response)


def _submit_step(
    session: Session, draft: Problem, step: int, values: dict[str, Any], deps: Deps
) -> dict[str, Any]:
    now = deps.clock.now()
    if step in FIELD_STEPS:
        refusal = next_step(draft, step, _text_value(values, ANSWER_BLOCK), now)
        if refusal is not None:
            return {"response_action": "errors", "errors": {ANSWER_BLOCK: refusal}}
        return {"response_action": "update", "view": _wizard_view(session, draft, now)}
    if step == REVIEW:
        outcome = submit_review(
            draft,
            _selected_values(values, CRITERIA_BLOCK),
            _selected_value(values, AREA_BLOCK),
            _text_value(values, LINK_BLOCK),
            framework_areas_for(session, draft, now),
            now,
        )
        if outcome.errors:
            blocks = {"framework_area": AREA_BLOCK, "artefact_link": LINK_BLOCK}
            return {
                "response_action": "errors",
                "errors": {blocks[k]: message for k, message in outcome.errors.items()},
            }
        if outcome.incomplete_step is not None:
            notice = (
                f":point_right: Please finish this step before posting. {outcome.incomplete_reason}"
            )
            return {"response_action": "update", "view": _wizard_view(session, draft, now, notice)}
        if outcome.unmet:
            view = build_confirm_view(snapshot(session, draft), outcome.unmet)
            return {"response_action": "update", "view": view}
        return {"response_action": "clear"}
    if step == CONFIRM:
        confirm_post(draft, now)
    return {"response_action": "clear"}


def publish_after_submission(body: dict[str, Any], context: Any, client: WebClient) -> None:
    """After the modal has closed: post the card (or update it), or DM the owner why not."""
    meta = parse_wizard_metadata((body.get("view") or {}).get("private_metadata"))
    if meta is None or meta[1] not in (REVIEW, CONFIRM):
        return
    deps = deps_from(context)
    caller = Caller.from_body(body)
    with deps.session() as session:
        try:
            draft = owned_draft(session, meta[0], caller.team_id, caller.user_id)
        except ProblemAccessError:
            return
        if not awaiting_publish(draft):
            return
    failure = publish(deps, client, caller, meta[0])
    if failure is not None:
        _dm(client, caller.user_id, failure)


def publish(deps: Deps, client: WebClient, caller: Caller, draft_id: int) -> dict[str, Any] | None:
    """Put the draft's card in its channel; None when done, else the message for the owner."""
    try:
        with deps.session() as session:
            draft = owned_draft(session, draft_id, caller.team_id, caller.user_id)
            target = publish_target(session, draft)
            card = build_problem_card(snapshot(session, draft))
    except ProblemAccessError as refusal:
        return {"text": str(refusal)}
    try:
        channel_id, ts = _send_card(client, target.channel_id, target.ts, card)
    except (SlackApiError, OSError) as error:
        if isinstance(error, SlackApiError):
            code = str(error.response.get("error") or "unknown_error")
            logger.warning("Could not post problem %s in %s: %s", draft_id, target.channel_id, code)
        else:
            code = UNREACHABLE
            logger.exception("Could not reach Slack to post problem %s", draft_id)
        with deps.session() as session:
            post_failed(
                owned_draft(session, draft_id, caller.team_id, caller.user_id), deps.clock.now()
            )
        return build_post_failed_message(draft_id, target.channel_id, code)
    with deps.session() as session:
        draft = owned_draft(session, draft_id, caller.team_id, caller.user_id)
        mark_posted(session, draft, channel_id, ts, deps.clock.now())
    return None


def _send_card(
    client: WebClient, channel_id: str, ts: str | None, card: dict[str, Any]
) -> tuple[str, str]:
    """Update the card in place when editing; a new message otherwise (or if the old one went)."""
    if ts is not None:
        try:
            client.chat_update(channel=channel_id, ts=ts, text=card["text"], blocks=card["blocks"])
            return channel_id, ts
        except SlackApiError as error:
            if error.response.get("error") not in _CARD_GONE_ERRORS:
                raise
    response = client.chat_postMessage(channel=channel_id, text=card["text"], blocks=card["blocks"])
    return str(response.get("channel") or channel_id), str(response["ts"])


def _dm(client: WebClient, user_id: str, message: dict[str, Any]) -> None:
    try:
        client.chat_postMessage(channel=user_id, **message)
    except SlackApiError:
        logger.exception("Could not tell %s about their problem card", user_id)


def _gone_view() -> dict[str, Any]:
    return build_notice_view(
        "Problem", "That draft is no longer available. Run `/buddy problem` to start again."
    )


# -- Back, and closing the modal --------------------------------------------------------------


def ack_only(ack: Ack) -> None:
    """Acknowledge at once; the work follows after the ack."""
    ack()


def back_after_ack(body: dict[str, Any], context: Any, client: WebClient) -> None:
    """Keep what was typed on this step, then show the one before."""
    view = body.get("view") or {}
    meta = parse_wizard_metadata(view.get("private_metadata"))
    if meta is None:
        return
    deps = deps_from(context)
    caller = Caller.from_body(body)
    draft_id, step = meta
    try:
        with deps.session() as session:
            draft = owned_draft(session, draft_id, caller.team_id, caller.user_id)
            _keep_inputs(draft, step, _state(view), deps)
            go_back(draft, step, _text_value(_state(view), ANSWER_BLOCK), deps.clock.now())
            new_view = _wizard_view(session, draft, deps.clock.now())
    except ProblemAccessError as refusal:
        new_view = build_notice_view("Problem", str(refusal))
    try:
        client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=new_view)
    except SlackApiError:
        logger.exception("Could not take the problem wizard back a step")


def _keep_inputs(draft: Problem, step: int, values: dict[str, Any], deps: Deps) -> None:
    if step == REVIEW:
        keep_review_inputs(
            draft,
            _selected_values(values, CRITERIA_BLOCK),
            _selected_value(values, AREA_BLOCK),
            _text_value(values, LINK_BLOCK),
            deps.clock.now(),
        )


def save_when_closed(ack: Ack, body: dict[str, Any], context: Any) -> None:
    """ "Save and close" means it: keep what was typed on the step the owner left."""
    ack()
    view = body.get("view") or {}
    meta = parse_wizard_metadata(view.get("private_metadata"))
    if meta is None:
        return
    deps = deps_from(context)
    caller = Caller.from_body(body)
    try:
        with deps.session() as session:
            draft = owned_draft(session, meta[0], caller.team_id, caller.user_id)
            values = _state(view)
            _keep_inputs(draft, meta[1], values, deps)
            save_on_close(draft, meta[1], _text_value(values, ANSWER_BLOCK), deps.clock.now())
    except ProblemAccessError:
        return


# -- the card's buttons, and the DM's ---------------------------------------------------------


def edit_after_ack(body: dict[str, Any], context: Any, client: WebClient, respond: Respond) -> None:
    """The owner opens the wizard on their posted problem, pre-filled; others are refused."""
    problem_id = _action_problem_id(body)
    if problem_id is None:
        return
    deps = deps_from(context)
    caller = Caller.from_body(body)
    try:
        with deps.session() as session:
            draft = start_edit(
                session, problem_id, caller.team_id, caller.user_id, deps.clock.now()
            )
            view = _wizard_view(session, draft, deps.clock.now(), _EDITING)
    except ProblemAccessError as refusal:
        respond(**_refusal(refusal, "edit"))
        return
    try:
        client.views_open(trigger_id=body.get("trigger_id"), view=view)
    except SlackApiError:
        logger.exception("Could not open the wizard to edit problem %s", problem_id)
        respond(
            **ephemeral("Slack took too long to open your problem; please press *Edit* again."),
            replace_original=False,
        )


def withdraw_after_ack(
    body: dict[str, Any], context: Any, client: WebClient, respond: Respond
) -> None:
    """The owner (and only the owner) confirmed: the card is replaced by a short notice."""
    problem_id = _action_problem_id(body)
    if problem_id is None:
        return
    deps = deps_from(context)
    caller = Caller.from_body(body)
    try:
        with deps.session() as session:
            problem = withdraw(
                session, problem_id, caller.team_id, caller.user_id, deps.clock.now()
            )
            channel_id, ts = problem.channel_id, problem.message_ts
    except ProblemAccessError as refusal:
        respond(**_refusal(refusal, "withdraw"))
        return
    if not channel_id or not ts:
        return
    card = build_withdrawn_card(caller.user_id)
    try:
        client.chat_update(channel=channel_id, ts=ts, text=card["text"], blocks=card["blocks"])
    except SlackApiError:
        logger.exception("Could not take down the card of problem %s", problem_id)
        sorry = (
            "Your problem is withdrawn, but I couldn't change its card. "
            "Please delete the message yourself."
        )
        respond(**ephemeral(sorry), replace_original=False)


def _refusal(refusal: ProblemAccessError, verb: str) -> dict[str, Any]:
    """A polite, private no; only the person who clicked sees it."""
    if isinstance(refusal, NotYourProblem) and refusal.owner_user_id:
        text = (
            f":relieved: Sorry, only <@{refusal.owner_user_id}> can {verb} this problem: it's "
            "theirs. You could reply in a thread to help them with it."
        )
    elif isinstance(refusal, ProblemGone):
        text = f":information_source: {refusal}"
    else:
        text = f":relieved: Sorry: {refusal}"
    return {**ephemeral(text), "replace_original": False}


def retry_after_ack(
    body: dict[str, Any], context: Any, client: WebClient, respond: Respond
) -> None:
    """The owner invited Buddy and pressed *Try again* on the DM."""
    draft_id = _action_problem_id(body)
    if draft_id is None:
        return
    deps = deps_from(context)
    caller = Caller.from_body(body)
    with deps.session() as session:
        channel_id = _draft_channel(session, draft_id)
    failure = publish(deps, client, caller, draft_id)
    if failure is None:
        respond(replace_original=True, **build_posted_message(channel_id or ""))
    else:
        respond(replace_original=True, **failure)


def _draft_channel(session: Session, draft_id: int) -> str | None:
    draft = session.get(Problem, draft_id)
    if draft is None:
        return None
    if draft.edits_id is not None:
        original = session.get(Problem, draft.edits_id)
        return original.channel_id if original is not None else None
    return draft.channel_id


def open_draft_after_ack(
    body: dict[str, Any], context: Any, client: WebClient, respond: Respond
) -> None:
    """Open the kept draft from the DM, at its review, to change it or the channel."""
    draft_id = _action_problem_id(body)
    if draft_id is None:
        return
    deps = deps_from(context)
    caller = Caller.from_body(body)
    try:
        with deps.session() as session:
            draft = owned_draft(session, draft_id, caller.team_id, caller.user_id)
            view = _wizard_view(session, draft, deps.clock.now())
    except ProblemAccessError as refusal:
        respond(**_refusal(refusal, "open"))
        return
    try:
        client.views_open(trigger_id=body.get("trigger_id"), view=view)
    except SlackApiError:
        logger.exception("Could not open problem draft %s", draft_id)


def register(app: App) -> None:
    app.view(CALLBACK_ID)(ack=ack_wizard_submission, lazy=[publish_after_submission])
    app.view_closed(CALLBACK_ID)(save_when_closed)
    app.action(BACK_ACTION)(ack=ack_only, lazy=[back_after_ack])
    app.action(EDIT_ACTION)(ack=ack_only, lazy=[edit_after_ack])
    app.action(WITHDRAW_ACTION)(ack=ack_only, lazy=[withdraw_after_ack])
    app.action(RETRY_ACTION)(ack=ack_only, lazy=[retry_after_ack])
    app.action(OPEN_DRAFT_ACTION)(ack=ack_only, lazy=[open_draft_after_ack])
