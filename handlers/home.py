"""Home (Slack's App Home tab, the Teams personal app's tab): opened → published, and its
command buttons.

Publishing is idempotent: every opening (or a retried event that got past bot/once.py) reads the
current state and publishes the whole view again; nothing else changes.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlalchemy import select

from conversation.blocks import HomeView
from conversation.commands import Subcommand
from conversation.deps import Deps
from conversation.outlet import Outlet
from conversation.requests import Answer, Command, Handlers, Press, local_today
from handlers import actions as action_handlers
from handlers import meetings as meeting_handlers
from handlers import pairs as pair_handlers
from handlers.views.actions import CHASE_DONE
from handlers.views.home import (
    HOME_DONE,
    build_home,
    facilitator_blocks,
    home_command_id,
    missing_scope_blocks,
    participant_blocks,
)
from models.actions import OPEN, Action, answered_reviews
from models.calendar.modules import module_for, modules_of
from models.deliveries import missing_scopes
from models.facilitators.report import cohort_report
from models.facilitators.roles import note_facilitator
from models.meetings.schedule import load_schedule_contexts, next_meetings
from models.meetings.tables import PrepCompletion
from models.pairs import members_of, pair_of, zone_of
from models.people import cohort_of, ensure_participant, is_facilitator

logger = logging.getLogger(__name__)
SUBCOMMANDS: list[Subcommand] = []
COMMANDS = {
    "next": meeting_handlers.next_meetings,
    "actions": action_handlers.actions,
    "status": pair_handlers.status,
}


def home_view(deps: Deps, team_id: str, user_id: str) -> HomeView:
    """The whole Home view for this person, as things stand now."""
    now = deps.clock.now()
    with deps.session() as session:
        caller = ensure_participant(session, team_id, user_id, now)
        cohort = cohort_of(session, caller, now)
        zone = zone_of(caller, cohort.timezone)
        today = local_today(caller, now)
        pair = pair_of(session, caller)
        members = members_of(session, pair) if pair is not None else []
        meeting = module_code = None
        prepared: list[str] = []
        if pair is not None:
            context = load_schedule_contexts(session, [pair])[pair.id]
            found = next_meetings(
                pair, context.changes, context.breaks, context.cohort_timezone, now, 1
            )
            meeting = found[0] if found else None
        if meeting is not None and pair is not None:
            day = meeting.start.astimezone(ZoneInfo(cohort.timezone)).date()
            module = module_for(modules_of(session, cohort.id), day)
            module_code = module.code if module is not None else None
            done = set(
                session.scalars(
                    select(PrepCompletion.participant_id).where(
                        PrepCompletion.pair_id == pair.id,
                        PrepCompletion.original_date == meeting.original_date,
                    )
                )
            )
            prepared = [m.user_id for m in members if m.id in done]
        open_actions = list(
            session.scalars(
                select(Action)
                .where(Action.owner_id == caller.id, Action.status == OPEN)
                .order_by(Action.due_date, Action.number)
            )
        )
        reviews = answered_reviews(session, [caller], most=3)[caller.id]
        blocks = participant_blocks(
            caller,
            pair,
            members,
            meeting,
            module_code,
            prepared,
            open_actions,
            zone,
            today,
            reviews,
        )
        if is_facilitator(session, deps.facilitators, team_id, user_id):
            note_facilitator(session, team_id, user_id, now)
            # First, where it is seen: what the facilitator must fix for nudges to be checked.
            blocks[:0] = missing_scope_blocks(missing_scopes(session, team_id, now))
            report = cohort_report(session, cohort, now, bootstrapped=deps.facilitators)
            blocks.extend(facilitator_blocks(report))
    return build_home(blocks)


def show_home(deps: Deps, outlet: Outlet, team_id: str, user_id: str) -> None:
    """Home opened: publish it after the ack, since a large cohort's report takes longer than the
    platform waits for its event."""

    def publish() -> None:
        try:
            outlet.publish_home(user_id, home_view(deps, team_id, user_id))
        except Exception:
            logger.exception("Could not publish the Home tab for %s", user_id)

    deps.background.submit(publish)


def home_command(press: Press) -> Answer:
    """A Home button for a common command: answered by DM, as the command would answer."""
    handler = COMMANDS.get(press.value)
    if handler is None:
        return Answer()
    command = Command(deps=press.deps, who=press.who, now=press.now, name=press.value)
    result = handler(command)
    return result if isinstance(result, Answer) else Answer(reply=result)


def done_from_home(press: Press) -> Answer:
    """Done on the Home tab: closed as from a chase (the chases redrawn, the pair told), then the
    Home tab drawn again without it."""
    closed = action_handlers.close_from_chase(replace(press, action_id=CHASE_DONE))

    def then(outlet: Outlet) -> None:
        if closed.then is not None:
            closed.then(outlet)
        view = home_view(press.deps, press.team_id, press.user_id)
        outlet.publish_home(press.user_id, view)

    return Answer(reply=closed.reply, then=then)


HANDLERS = Handlers(
    buttons={
        **{home_command_id(name): home_command for name in COMMANDS},
        HOME_DONE: done_from_home,
    }
)
