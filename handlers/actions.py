"""`/buddy action`, `actions`, `done`; the chase buttons; and "Add actions" after a check-in.

Every change an owner makes (done, dropped, more time) redraws the chase messages it touches,
so no button ever offers what has already happened, and the pair's conversation is told.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from handlers.action_views import (
    CHASE_DONE,
    CHASE_DROP,
    CHASE_MORE_TIME,
    CHECKIN_ACTIONS_CALLBACK,
    CHECKIN_ROWS,
    MORE_TIME_BLOCK,
    MORE_TIME_CALLBACK,
    build_actions_list,
    build_checkin_actions_modal,
    build_more_time_modal,
    build_settled_chase,
    checkin_confirmation,
    closed_text,
    due_block_id,
    more_time_metadata,
    parse_more_time_metadata,
    recorded_text,
    tell_buddy_text,
    text_block_id,
)
from handlers.blocks import section_block
from handlers.command_types import CommandRequest, Subcommand
from handlers.deps import Deps, deps_from
from handlers.nudge_views import CHECKIN_ADD_ACTIONS
from handlers.pair_slack import caller_of, tell_pair
from handlers.replies import Reply, ephemeral, problem_reply
from models.action_items import (
    ACTION_EXAMPLE,
    DONE_EXAMPLE,
    SOURCE_CHECK_IN,
    ActionError,
    ActionSnapshot,
    actions_for,
    check_due_date,
    check_text,
    close_by_id,
    close_by_number,
    is_member,
    local_today,
    next_meeting_day,
    open_by_number,
    owned_action,
    parse_action_args,
    parse_action_number,
    record_action,
    reschedule,
    sent_chase_messages,
)
from models.actions import DONE, DROPPED, OPEN
from models.directory import find_participant
from models.grammar import ParseError
from models.meeting_records import parse_meeting_value
from models.pairing import members_of, pair_of
from models.pairs import Pair
from models.people import Participant

logger = logging.getLogger(__name__)
GROUP = "Actions"
MORE_TIME_SUGGESTION = timedelta(days=7)
CLOSING = {CHASE_DONE: DONE, CHASE_DROP: DROPPED}


def refused(error: ActionError | ParseError) -> Reply:
    return problem_reply(error.message, error.example)


def _ephemeral(respond: Respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


# -- /buddy action and /buddy actions ------------------------------------------------------------


def run_action(request: CommandRequest, deps: Deps) -> Reply:
    """Record an action for the caller, due at the next meeting unless a date is given."""
    now = deps.clock.now()
    with deps.session() as session:
        caller = caller_of(session, request, deps)
        today = local_today(caller, now)
        parsed = parse_action_args(request.args, today)
        if isinstance(parsed, ParseError):
            return refused(parsed)
        try:
            action = record_action(
                session, caller, parsed.text, parsed.due, now, with_review=parsed.with_review
            )
        except ActionError as error:
            return refused(error)
        return ephemeral(recorded_text(action, today))


def run_actions(request: CommandRequest, deps: Deps) -> Reply:
    """The caller's open actions and their buddy's, each with its number."""
    now = deps.clock.now()
    with deps.session() as session:
        caller = caller_of(session, request, deps)
        text, blocks = build_actions_list(actions_for(session, caller), local_today(caller, now))
    return ephemeral(text, blocks)


# -- /buddy done --------------------------------------------------------------------------------


def precheck_done(request: CommandRequest, deps: Deps) -> Reply | None:
    """Refuse a bad or unknown number in the ack, before any Slack work."""
    number = parse_action_number(request.args)
    if isinstance(number, ParseError):
        return refused(number)
    with deps.session() as session:
        caller = find_participant(session, request.team_id, request.user_id)
        if caller is None:
            return refused(ActionError("You have no open actions yet.", ACTION_EXAMPLE))
        try:
            open_by_number(session, caller, number)
        except ActionError as error:
            return refused(error)
    return None


def run_done(request: CommandRequest, deps: Deps, client: WebClient) -> Reply:
    """Mark it done, tell the pair, and redraw any chase already sent for it."""
    number = parse_action_number(request.args)
    if isinstance(number, ParseError):
        return refused(number)
    now = deps.clock.now()
    try:
        with deps.session() as session:
            caller = caller_of(session, request, deps)
            action = close_by_number(session, caller, number, DONE, now)
            snapshot = ActionSnapshot.of(action, caller)
    except ActionError as error:
        return refused(error)
    settle_chases(client, deps, snapshot)
    tell_buddies(client, deps, snapshot)
    return ephemeral(closed_text(snapshot))


# -- keeping chase messages truthful ------------------------------------------------------------


def settle_chases(
    client: WebClient, deps: Deps, snapshot: ActionSnapshot, clicked: tuple[str, str] | None = None
) -> None:
    """Redraw the clicked chase and every chase already sent for the action, without buttons."""
    with deps.session() as session:
        messages = sent_chase_messages(session, snapshot.id)
    if clicked is not None and clicked not in messages:
        messages.insert(0, clicked)
    message = build_settled_chase(snapshot)
    for channel, ts in messages:
        try:
            client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)
        except SlackApiError:
            logger.exception("Could not update the chase %s in %s", ts, channel)


def tell_buddies(client: WebClient, deps: Deps, snapshot: ActionSnapshot) -> None:
    """The buddy sees what the owner did, in the pair's conversation (if they are paired)."""
    with deps.session() as session:
        owner = session.get(Participant, snapshot.owner_id)
        pair = pair_of(session, owner) if owner is not None else None
        if pair is None or len(members_of(session, pair)) < 2:
            return
        pair_id = pair.id
    text = tell_buddy_text(snapshot)
    tell_pair(client, deps, pair_id, text, [section_block(text)])


def _clicked(body: dict[str, Any]) -> tuple[str, str] | None:
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return (str(channel), str(ts)) if channel and ts else None


def _button_action_id(body: dict[str, Any]) -> int | None:
    try:
        return int(str((body.get("actions") or [{}])[0].get("value") or ""))
    except ValueError:
        return None


# -- the chase buttons --------------------------------------------------------------------------


def acknowledge(ack: Ack) -> None:
    """Buttons are acked at once; the change and the redraw follow."""
    ack()


def close_from_chase(
    body: dict[str, Any], context: Any, client: WebClient, respond: Respond
) -> None:
    """Done or Drop: only the owner; the message then shows what happened."""
    deps = deps_from(context)
    action_id = _button_action_id(body)
    if action_id is None:
        return
    status = CLOSING[body["actions"][0]["action_id"]]
    now = deps.clock.now()
    try:
        with deps.session() as session:
            change = close_by_id(session, action_id, body["user"]["id"], status, now)
            snapshot = ActionSnapshot.of(change.action, change.owner)
    except ActionError as refusal:
        _ephemeral(respond, refusal.message)
        return
    settle_chases(client, deps, snapshot, _clicked(body))
    if change.changed:
        tell_buddies(client, deps, snapshot)


def open_more_time(body: dict[str, Any], context: Any, client: WebClient, respond: Respond) -> None:
    """Need more time: the owner picks a new date in a small modal."""
    deps = deps_from(context)
    action_id = _button_action_id(body)
    if action_id is None:
        return
    now = deps.clock.now()
    with deps.session() as session:
        try:
            action, owner = owned_action(session, action_id, body["user"]["id"])
        except ActionError as refusal:
            _ephemeral(respond, refusal.message)
            return
        snapshot = ActionSnapshot.of(action, owner)
        today = local_today(owner, now)
    if snapshot.status != OPEN:
        settle_chases(client, deps, snapshot, _clicked(body))
        _ephemeral(respond, "That action is already closed, so it needs no more time.")
        return
    clicked = _clicked(body)
    metadata = more_time_metadata(
        action_id, clicked[0] if clicked else None, clicked[1] if clicked else None
    )
    suggested = max(snapshot.due_date, today) + MORE_TIME_SUGGESTION
    client.views_open(
        trigger_id=body["trigger_id"], view=build_more_time_modal(snapshot, suggested, metadata)
    )


def _selected_date(view: dict[str, Any], block_id: str) -> date | None:
    values = (view.get("state") or {}).get("values") or {}
    picked = ((values.get(block_id) or {}).get(block_id) or {}).get("selected_date")
    try:
        return date.fromisoformat(str(picked)) if picked else None
    except ValueError:
        return None


def _text(view: dict[str, Any], block_id: str) -> str:
    values = (view.get("state") or {}).get("values") or {}
    return str(((values.get(block_id) or {}).get(block_id) or {}).get("value") or "").strip()


def _more_time_problem(
    deps: Deps, action_id: int, user_id: str, new_due: date | None
) -> str | None:
    """Why the new date can't be saved, or None; read only, so the ack can answer with it."""
    if new_due is None:
        return "Please pick the new due date."
    with deps.session() as session:
        try:
            action, owner = owned_action(session, action_id, user_id)
            if action.status != OPEN:
                return "That action is already closed, so it needs no more time."
            check_due_date(new_due, local_today(owner, deps.clock.now()))
        except ActionError as error:
            return error.message
    return None


def ack_more_time(ack: Ack, body: dict[str, Any], context: Any) -> None:
    """Check the new date in the ack, so a past date is shown under the datepicker."""
    deps = deps_from(context)
    view = body.get("view") or {}
    meta = parse_more_time_metadata(view.get("private_metadata"))
    if meta is None:
        ack()
        return
    problem = _more_time_problem(
        deps, meta[0], body["user"]["id"], _selected_date(view, MORE_TIME_BLOCK)
    )
    if problem is not None:
        ack(response_action="errors", errors={MORE_TIME_BLOCK: problem})
        return
    ack()


def save_more_time(body: dict[str, Any], context: Any, client: WebClient) -> None:
    """After the modal has closed: the new date, the chase redrawn, the pair told."""
    deps = deps_from(context)
    view = body.get("view") or {}
    meta = parse_more_time_metadata(view.get("private_metadata"))
    new_due = _selected_date(view, MORE_TIME_BLOCK)
    if meta is None or new_due is None:
        return
    action_id, channel, ts = meta
    user_id = body["user"]["id"]
    if _more_time_problem(deps, action_id, user_id, new_due) is not None:
        return  # already refused in the ack
    try:
        with deps.session() as session:
            change = reschedule(session, action_id, user_id, new_due, deps.clock.now())
            snapshot = ActionSnapshot.of(change.action, change.owner)
    except ActionError as refusal:
        client.chat_postMessage(channel=user_id, text=f":warning: {refusal.message}")
        return
    settle_chases(client, deps, snapshot, (channel, ts) if channel and ts else None)
    if change.changed:
        tell_buddies(client, deps, snapshot)


# -- "Add actions" after a check-in -------------------------------------------------------------


def _suggested_due(
    session: Session, pair_id: int, member: Participant, now: datetime
) -> date | None:
    pair = session.get(Pair, pair_id)
    if pair is None:
        return None
    try:
        return next_meeting_day(session, pair, member, now)
    except LookupError:
        return None


def open_checkin_actions(
    body: dict[str, Any], context: Any, client: WebClient, respond: Respond
) -> None:
    """Open GROW's Will for a member of the pair the check-in was for."""
    deps = deps_from(context)
    value = str((body.get("actions") or [{}])[0].get("value") or "")
    parsed = parse_meeting_value(value)
    if parsed is None:
        return
    with deps.session() as session:
        member = is_member(session, parsed[0], body["user"]["id"])
        if member is None:
            _ephemeral(
                respond, "That check-in belongs to another buddy pair, so I've left it alone."
            )
            return
        suggested = _suggested_due(session, parsed[0], member, deps.clock.now())
    client.views_open(
        trigger_id=body["trigger_id"], view=build_checkin_actions_modal(value, suggested)
    )


def _checkin_rows(
    deps: Deps, view: dict[str, Any], user_id: str
) -> tuple[Participant | None, list[tuple[str, date]], dict[str, str]]:
    """The actions a check-in modal asks for, or the errors to show under its fields."""
    parsed = parse_meeting_value(str(view.get("private_metadata") or ""))
    errors: dict[str, str] = {}
    rows: list[tuple[str, date]] = []
    with deps.session() as session:
        member = is_member(session, parsed[0], user_id) if parsed is not None else None
        if member is None:
            errors[text_block_id(1)] = "Only the members of this buddy pair can add actions here."
            return None, rows, errors
        now = deps.clock.now()
        today = local_today(member, now)
        fallback = _suggested_due(session, parsed[0], member, now) if parsed is not None else None
    for row in range(1, CHECKIN_ROWS + 1):
        text = _text(view, text_block_id(row))
        if not text:
            continue
        due = _selected_date(view, due_block_id(row)) or fallback
        try:
            text = check_text(text, "Try retrieval starters with 9X")
        except ActionError as error:
            errors[text_block_id(row)] = error.message
            continue
        if due is None:
            errors[due_block_id(row)] = "Please pick a date for this action."
            continue
        try:
            check_due_date(due, today, "a date from today onwards")
        except ActionError as error:
            errors[due_block_id(row)] = error.message
            continue
        rows.append((text, due))
    if not rows and not errors:
        errors[text_block_id(1)] = "Please write at least one action, e.g. Try retrieval starters."
    return member, rows, errors


def ack_checkin_actions(ack: Ack, body: dict[str, Any], context: Any) -> None:
    """Check every row in the ack, so each problem shows under its own field."""
    deps = deps_from(context)
    _, _, errors = _checkin_rows(deps, body.get("view") or {}, body["user"]["id"])
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()


def save_checkin_actions(body: dict[str, Any], context: Any, client: WebClient) -> None:
    """After the modal has closed: record the actions and confirm them to their owner."""
    deps = deps_from(context)
    user_id = body["user"]["id"]
    member, rows, errors = _checkin_rows(deps, body.get("view") or {}, user_id)
    if errors or member is None:
        return  # already refused in the ack
    now = deps.clock.now()
    try:
        with deps.session() as session:
            owner = session.get(Participant, member.id)
            assert owner is not None
            recorded = [
                ActionSnapshot.of(
                    record_action(session, owner, text, due, now, source=SOURCE_CHECK_IN), owner
                )
                for text, due in rows
            ]
            today = local_today(owner, now)
    except ActionError as refusal:
        client.chat_postMessage(
            channel=user_id, text=f":warning: Nothing was recorded. {refusal.message}"
        )
        return
    client.chat_postMessage(channel=user_id, text=checkin_confirmation(recorded, today))


# -- wiring ---------------------------------------------------------------------------------------

SUBCOMMANDS: list[Subcommand] = [
    Subcommand(
        name="action",
        usage="/buddy action <text> [by <date>] [with review]",
        summary=(
            "record an action for yourself, due at your next meeting unless you give a date; "
            f"e.g. `{ACTION_EXAMPLE}`"
        ),
        group=GROUP,
        run=run_action,
    ),
    Subcommand(
        name="actions",
        usage="/buddy actions",
        summary="your open actions and your buddy's, each with its number",
        group=GROUP,
        run=run_actions,
    ),
    Subcommand(
        name="done",
        usage="/buddy done <n>",
        summary=f"mark your action n done, e.g. `{DONE_EXAMPLE}`",
        group=GROUP,
        run_after_ack=run_done,
        precheck=precheck_done,
    ),
]


def register(app: App) -> None:
    for action_id in CLOSING:
        app.action(action_id)(ack=acknowledge, lazy=[close_from_chase])
    app.action(CHASE_MORE_TIME)(ack=acknowledge, lazy=[open_more_time])
    app.view(MORE_TIME_CALLBACK)(ack=ack_more_time, lazy=[save_more_time])
    app.action(CHECKIN_ADD_ACTIONS)(ack=acknowledge, lazy=[open_checkin_actions])
    app.view(CHECKIN_ACTIONS_CALLBACK)(ack=ack_checkin_actions, lazy=[save_checkin_actions])
