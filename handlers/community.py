"""`/buddy birthday` and `/buddy community group|schedule|order|start|stop`, the prep DM's
"Draft your problem" button, and the protocol's buttons: a response saved as an action, and the
next chair appointed."""

from __future__ import annotations

import logging

from conversation.blocks import Form
from conversation.commands import Subcommand
from conversation.outlet import Outlet
from conversation.replies import OutgoingMessage, Reply, ephemeral
from conversation.requests import Answer, Command, Handlers, Press, Submission
from handlers import problems
from handlers.views.community import (
    CHAIR_ACTION,
    CHAIR_BLOCK,
    CHAIR_CALLBACK,
    DRAFT_ACTION,
    RESPONSE_ACTION,
    RESPONSE_BLOCK,
    RESPONSE_CALLBACK,
    build_appointed_message,
    build_birthday_reply,
    build_chair_modal,
    build_group_reply,
    build_order_reply,
    build_response_modal,
    build_saved_reply,
    build_schedule_reply,
    build_show_reply,
    build_started_reply,
    build_stopped_reply,
)
from models.community.groups import (
    GROUP_EXAMPLE,
    group_in,
    members_of,
    owner_order,
    parse_group,
    require_group,
    set_birthday,
    set_group,
)
from models.community.sessions import (
    appoint_chair,
    group_of_session,
    next_session,
    order_owners,
    parse_absent,
    parse_schedule_args,
    plan_of,
    save_response,
    schedule,
    start,
    stop,
)
from models.people import cohort_of, is_facilitator
from models.refusals import Refusal

logger = logging.getLogger(__name__)

COMMUNITY_USAGE = (
    "/buddy community [group @a @b @c | schedule <date> <time> [fortnightly] | order @a @b"
    " | start [without @x] | stop]"
)
_TOO_SLOW = "Slack closed the window before I could open it: please press the button again."


def birthday(command: Command) -> Reply:
    """`/buddy birthday 14 March`, or `/buddy birthday forget`."""
    with command.deps.session() as session:
        return build_birthday_reply(
            set_birthday(session, command.caller(session), command.typed(command.args))
        )


def community(command: Command) -> Answer | Reply:
    word, _, rest = command.args.partition(" ")
    handlers = {
        "": show,
        "group": group,
        "schedule": schedule_session,
        "order": order,
        "start": start_session,
        "stop": stop_session,
    }
    handler = handlers.get(word.lower())
    if handler is None:
        raise Refusal(
            f"I don't know `community {command.typed(word)[:30]}`: it takes group, schedule, "
            "order, start or stop.",
            GROUP_EXAMPLE,
        )
    return handler(command, rest.strip())


def _facilitator(command: Command) -> bool:
    with command.deps.session() as session:
        return is_facilitator(session, command.deps.facilitators, command.team_id, command.user_id)


def show(command: Command, _rest: str) -> Reply:
    with command.deps.session() as session:
        found = require_group(session, command.team_id, command.channel_id)
        members = members_of(session, found)
        upcoming = next_session(session, found, command.now)
        plan = plan_of(session, found, upcoming.id) if upcoming else None
        return build_show_reply(
            [m.user_id for m in members],
            [m.user_id for m in owner_order(members)],
            plan,
            command.today(),
        )


def group(command: Command, rest: str) -> Reply:
    user_ids = parse_group(rest)
    facilitator = _facilitator(command)
    with command.deps.session() as session:
        replaced = group_in(session, command.team_id, command.channel_id) is not None
        set_group(
            session,
            command.team_id,
            command.channel_id,
            command.caller(session),
            user_ids,
            facilitator,
            command.now,
        )
    return build_group_reply(user_ids, replaced)


def schedule_session(command: Command, rest: str) -> Reply:
    args = parse_schedule_args(command.typed(rest), command.today())
    facilitator = _facilitator(command)
    with command.deps.session() as session:
        found = require_group(session, command.team_id, command.channel_id)
        caller = command.caller(session)
        cohort = cohort_of(session, caller, command.now)
        created = schedule(session, found, caller, args, cohort, facilitator, command.now)
        plan = plan_of(session, found, created[0].id)
        assert plan is not None
        return build_schedule_reply(plan, args.fortnightly, command.today())


def order(command: Command, rest: str) -> Reply:
    with command.deps.session() as session:
        found = require_group(session, command.team_id, command.channel_id)
        owners = order_owners(session, found, command.caller(session), rest, command.now)
        return build_order_reply([m.user_id for m in owners])


def start_session(command: Command, rest: str) -> Reply:
    absent = parse_absent(rest)
    with command.deps.session() as session:
        found = require_group(session, command.team_id, command.channel_id)
        row = start(session, found, command.caller(session), absent, command.now)
        plan = plan_of(session, found, row.id)
        assert plan is not None
        return build_started_reply(plan)


def stop_session(command: Command, rest: str) -> Reply:
    with command.deps.session() as session:
        found = require_group(session, command.team_id, command.channel_id)
        stop(session, found, command.caller(session), command.now)
    return build_stopped_reply()


SUBCOMMANDS = [
    Subcommand(
        name="birthday",
        usage="/buddy birthday <day> <month> | forget",
        summary="your birthday (day and month only), for who chairs your community group first",
        group="Community sessions",
        handle=birthday,
    ),
    Subcommand(
        name="community",
        usage=COMMUNITY_USAGE,
        summary="this channel's community group: its members, sessions, chair and order",
        group="Community sessions",
        handle=community,
    ),
]


# -- buttons and modals -------------------------------------------------------------------------


def _session_id(text: str) -> int:
    head = text.split(":", 1)[0]
    if not head.isdigit():
        raise Refusal("This button is out of date, so nothing was changed.")
    return int(head)


def draft_problem(press: Press) -> Answer:
    """The prep DM's button: the problem wizard, posting its card in the group's channel."""
    with press.deps.session() as session:
        found, _row = group_of_session(session, _session_id(press.value))
        channel_id = found.channel_id
    return problems.open_wizard(press, channel_id)


def _open_modal(view: Form) -> Answer:
    return Answer(form=view, form_unopened=ephemeral(_TOO_SLOW))


def response_button(press: Press) -> Answer:
    """The Response stage's button: only its owner may save their next action."""
    session_id = _session_id(press.value)
    owner = press.value.partition(":")[2]
    if owner != press.user_id:
        raise Refusal(
            "Only {0} can save their response as an action: it's their turn.", people=[owner]
        )
    return _open_modal(build_response_modal(f"{session_id}:{owner}"))


def save_response_modal(submission: Submission) -> Reply:
    session_id = _session_id(submission.metadata)
    owner = submission.metadata.partition(":")[2]
    text = (submission.state.text(RESPONSE_BLOCK) or "").strip()
    with submission.deps.session() as session:
        action = save_response(
            session, session_id, submission.caller(session), owner, text, submission.now
        )
        return build_saved_reply(action.number, action.text)


def chair_button(press: Press) -> Answer:
    session_id = _session_id(press.value)
    with press.deps.session() as session:
        found, _row = group_of_session(session, session_id)
        plan = plan_of(session, found, session_id)
        proposed = plan.next_chair if plan else None
    return _open_modal(build_chair_modal(str(session_id), proposed))


def appoint_chair_modal(submission: Submission) -> Answer:
    session_id = _session_id(submission.metadata)
    chosen = submission.state.user(CHAIR_BLOCK) or ""
    with submission.deps.session() as session:
        chair = appoint_chair(
            session, session_id, submission.caller(session), chosen, submission.now
        )
        channel_id = group_of_session(session, session_id)[0].channel_id
    message = build_appointed_message(chair)

    def tell(outlet: Outlet) -> None:
        outlet.post(channel_id, OutgoingMessage(message["text"]))

    return Answer(then=tell)


HANDLERS = Handlers(
    buttons={
        DRAFT_ACTION: draft_problem,
        RESPONSE_ACTION: response_button,
        CHAIR_ACTION: chair_button,
    },
    submissions={RESPONSE_CALLBACK: save_response_modal, CHAIR_CALLBACK: appoint_chair_modal},
)
