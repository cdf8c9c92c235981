"""The buttons on meeting nudges: "I've completed X" and the check-in answers.

Both update the same message in the pair's DM, so every buddy sees the shared state.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.command_types import Subcommand
from handlers.deps import Deps, deps_from
from handlers.messages import OutgoingMessage
from handlers.nudge_views import (
    CHECKIN_OUTCOME_ACTIONS,
    PREP_DONE_ACTION,
    build_prep_message,
    checkin_blocks,
    when_line,
)
from models.meeting_context import PairContext, load_pair_contexts
from models.meeting_records import NotInThisPair, parse_meeting_value, record_outcome, record_prep
from models.occurrences import Meeting

logger = logging.getLogger(__name__)

SUBCOMMANDS: list[Subcommand] = []


def _context_for(deps: Deps, pair_id: int, original_date: date) -> tuple[PairContext, Meeting]:
    from datetime import UTC, datetime, time

    # A moved meeting can sit a fortnight either side of the date the slot gave it.
    start = datetime.combine(original_date - timedelta(days=16), time(0), tzinfo=UTC)
    end = datetime.combine(original_date + timedelta(days=16), time(0), tzinfo=UTC)
    with deps.session() as session:
        contexts = load_pair_contexts(session, start, end, pair_ids=[pair_id])
    if not contexts:
        raise LookupError("pair gone")
    context = contexts[0]
    meeting = context.meeting_on(original_date)
    if meeting is None:
        raise LookupError("meeting gone")
    return context, meeting


def _update(client: WebClient, body: dict[str, Any], message: OutgoingMessage) -> None:
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    client.chat_update(channel=str(channel), ts=str(ts), text=message.text, blocks=message.blocks)


def acknowledge(ack: Ack) -> None:
    """Buttons are acked at once; the update follows."""
    ack()


def prep_done(body: dict[str, Any], context: Any, client: WebClient, respond: Respond) -> None:
    """Record the click, then redraw the prep nudge with both buddies' states."""
    deps = deps_from(context)
    parsed = parse_meeting_value(body["actions"][0].get("value", ""))
    if parsed is None:
        return
    pair_id, original_date = parsed
    try:
        with deps.session() as session:
            record_prep(session, pair_id, original_date, body["user"]["id"], deps.clock.now())
        pair_context, meeting = _context_for(deps, pair_id, original_date)
    except NotInThisPair as refusal:
        respond(text=str(refusal), response_type="ephemeral", replace_original=False)
        return
    except LookupError:
        respond(
            text="That meeting is no longer on the calendar, so there's nothing to prepare for.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    _update(client, body, build_prep_message(pair_context, meeting))


def checkin_answer(body: dict[str, Any], context: Any, client: WebClient, respond: Respond) -> None:
    """Record "We met" / "We moved it" / "Solo practice", and show the answer on the message."""
    deps = deps_from(context)
    action = body["actions"][0]
    outcome = CHECKIN_OUTCOME_ACTIONS[action["action_id"]]
    parsed = parse_meeting_value(action.get("value", ""))
    if parsed is None:
        return
    pair_id, original_date = parsed
    user_id = body["user"]["id"]
    try:
        with deps.session() as session:
            record_outcome(session, pair_id, original_date, outcome, user_id, deps.clock.now())
    except NotInThisPair as refusal:
        respond(text=str(refusal), response_type="ephemeral", replace_original=False)
        return
    try:
        pair_context, meeting = _context_for(deps, pair_id, original_date)
        question = f"Your buddy meeting on {when_line(pair_context, meeting.start)}"
    except LookupError:
        question = "Your buddy meeting"
    blocks = checkin_blocks(question, None, (user_id, outcome), action.get("value", ""))
    _update(
        client,
        body,
        OutgoingMessage(text=f"{question}: thanks for letting me know.", blocks=blocks),
    )


def register(app: App) -> None:
    app.action(PREP_DONE_ACTION)(ack=acknowledge, lazy=[prep_done])
    for action_id in CHECKIN_OUTCOME_ACTIONS:
        app.action(action_id)(ack=acknowledge, lazy=[checkin_answer])
