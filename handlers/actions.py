"""`/buddy action`, `actions`, `done`; the chase buttons; and "Add actions" after a check-in.

Every change an owner makes (done, dropped, more time) redraws the chase messages Buddy sent for
that action (the ones its own records name, never one a payload points at), so no button offers
what has already happened, and the pair's conversation is told.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy.orm import Session

from conversation.blocks import paragraph
from conversation.commands import Subcommand
from conversation.deps import Deps
from conversation.outlet import Outlet, OutletError
from conversation.replies import OutgoingMessage, Reply, ephemeral
from conversation.requests import (
    Answer,
    Command,
    Handlers,
    Press,
    Submission,
    accepted,
    local_today,
    out_of_date,
    pressed_meeting,
)
from conversation.values import int_value, meeting_value
from handlers.views.actions import (
    CHASE_DONE,
    CHASE_DROP,
    CHASE_MORE_TIME,
    CHECKIN_ACTIONS_CALLBACK,
    CHECKIN_REVIEW_OPTION,
    CHECKIN_ROWS,
    DATE_CHOICES,
    MORE_TIME_BLOCK,
    MORE_TIME_CALLBACK,
    REVIEW_ANSWER,
    REVIEW_CALLBACK,
    REVIEW_EVIDENCE_BLOCK,
    REVIEW_IMPACT_BLOCK,
    DateChoice,
    build_actions_list,
    build_answered_review,
    build_chase_message,
    build_checkin_actions_modal,
    build_date_question,
    build_more_time_modal,
    build_review_modal,
    build_review_told,
    build_settled_chase,
    build_settled_overdue,
    checkin_confirmation,
    closed_text,
    date_choice_value,
    due_block_id,
    read_date_choice,
    recorded_text,
    review_block_id,
    tell_buddy_text,
    text_block_id,
)
from handlers.views.meetings import CHECKIN_ADD_ACTIONS
from models.actions import (
    ACTION_EXAMPLE,
    ACTION_REVIEW_EXAMPLE,
    DONE,
    DONE_EXAMPLE,
    DROPPED,
    OPEN,
    OVERDUE_KIND,
    REVIEW_KIND,
    SOURCE_CHECK_IN,
    ActionArgs,
    ActionSnapshot,
    ReviewAnswer,
    actions_for,
    answer_review,
    check_due_date,
    check_evidence,
    check_impact,
    check_text,
    close_by_id,
    close_by_number,
    is_member,
    next_meeting_day,
    owned_action,
    parse_action_args,
    parse_action_number,
    record_action,
    reschedule,
    reviewed_action,
    sent_chase_messages,
    snapshots_of,
)
from models.deliveries import action_subject, sent_deliveries
from models.grammar import format_day
from models.pairs import Pair, members_of, pair_of
from models.people import Participant
from models.refusals import Refusal

logger = logging.getLogger(__name__)
GROUP = "Actions"
MORE_TIME_SUGGESTION = timedelta(days=7)
BUTTON_VALUE_LIMIT = 2000
CLOSING = {CHASE_DONE: DONE, CHASE_DROP: DROPPED}


# -- /buddy action, actions and done --------------------------------------------------------------


def action(command: Command) -> Reply:
    """Record an action for the caller, due at the next meeting unless a date is given; a date
    that could be read either way (`11/5`) is asked about first, and nothing stored till then."""
    with command.deps.session() as session:
        caller = command.caller(session)
        today = local_today(caller, command.now)
        # Stored as typed: Slack's entities and its markup for mentions and links read back.
        parsed = accepted(parse_action_args(command.typed(command.args), today))
        if parsed.due is not None and parsed.other_due is not None:
            return _ask_which_date(parsed, (parsed.other_due, parsed.due), today)
        recorded = record_action(
            session, caller, parsed.text, parsed.due, command.now, with_review=parsed.with_review
        )
        return ephemeral(recorded_text(recorded, today))


def _ask_which_date(parsed: ActionArgs, readings: tuple[date, date], today: date) -> Reply:
    """The two readings as buttons (the nearer first), each carrying the whole action."""
    for day in readings:
        check_due_date(day, today)
    offer = uuid.uuid4().hex
    cleaned = check_text(parsed.text)
    choices = (
        DateChoice(offer, cleaned, readings[0], parsed.with_review),
        DateChoice(offer, cleaned, readings[1], parsed.with_review),
    )
    if any(len(date_choice_value(c)) > BUTTON_VALUE_LIMIT for c in choices):
        raise Refusal(
            "That date could be read two ways. Please write it with the month's name, like "
            f"`{format_day(readings[0], today)}`.",
            ACTION_EXAMPLE,
        )
    question, blocks = build_date_question(choices, today)
    return ephemeral(question, blocks)


def record_chosen_date(press: Press) -> Answer:
    """One of the two date buttons: record the action with that date, once however often
    either button is pressed."""
    choice = read_date_choice(press.value)
    if choice is None:
        raise out_of_date()
    with press.deps.session() as session:
        caller = press.caller(session)
        today = local_today(caller, press.now)
        recorded = record_action(
            session,
            caller,
            choice.text,
            choice.due,
            press.now,
            with_review=choice.with_review,
            offer=choice.offer,
        )
        answer = recorded_text(recorded, today)
    return Answer(reply={**ephemeral(answer), "replace_original": True})


def actions(command: Command) -> Reply:
    """The caller's open actions and their buddy's, each with its number."""
    with command.deps.session() as session:
        caller = command.caller(session)
        text, blocks = build_actions_list(
            actions_for(session, caller), local_today(caller, command.now)
        )
    return ephemeral(text, blocks)


def done(command: Command) -> Answer:
    """Mark it done at once; the chases are redrawn and the pair told after the ack."""
    number = accepted(parse_action_number(command.args))
    with command.deps.session() as session:
        caller = command.caller(session)
        closed = close_by_number(session, caller, number, DONE, command.now)
        snapshot = ActionSnapshot.of(closed, caller)
        today = local_today(caller, command.now)
    return Answer(
        reply=ephemeral(closed_text(snapshot)), then=_settled(command.deps, snapshot, today)
    )


def _settled(
    deps: Deps, snapshot: ActionSnapshot, today: date, changed: bool = True
) -> Callable[[Outlet], None]:
    def settle(outlet: Outlet) -> None:
        told = settle_chases(outlet, deps, snapshot, today)
        if changed and not told:
            tell_buddies(outlet, deps, snapshot, today)

    return settle


# -- keeping chase messages truthful ------------------------------------------------------------


def settle_chases(
    outlet: Outlet, deps: Deps, snapshot: ActionSnapshot, today: date | None = None
) -> bool:
    """Redraw every chase and overdue note Buddy sent for the action, without buttons that no
    longer apply (a day's chase keeps the buttons of the others it lists that still apply).
    True when an overdue note in the pair's conversation now says what happened: that update is
    the buddy's news, so nothing more is posted there."""
    with deps.session() as session:
        messages = sent_chase_messages(session, snapshot.id)
        conversation = _pair_conversation(session, snapshot.owner_id)
        listed = snapshots_of(session, (i for sent in messages for i in sent.action_ids))
    listed[snapshot.id] = snapshot
    told = False
    for sent in messages:
        overdue = sent.kind == OVERDUE_KIND
        if overdue:
            message = build_settled_overdue(snapshot, today)
        elif sent.due is None:
            message = build_settled_chase(snapshot, today)
        else:
            shown = [listed[i] for i in sent.action_ids if i in listed] or [snapshot]
            message = build_chase_message(shown, sent.due, today)
        try:
            outlet.update(sent.channel, sent.ts, message)
        except OutletError:
            logger.exception("Could not update the chase %s in %s", sent.ts, sent.channel)
            continue
        told = told or (overdue and conversation is not None and sent.channel == conversation)
    return told


def _pair_conversation(session: Session, owner_id: int) -> str | None:
    """The group DM of the owner's current pair, if it has one and someone else to tell."""
    owner = session.get(Participant, owner_id)
    pair = pair_of(session, owner) if owner is not None else None
    if pair is None or len(members_of(session, pair)) < 2:
        return None
    return pair.group_channel_id


def tell_buddies(
    outlet: Outlet, deps: Deps, snapshot: ActionSnapshot, today: date | None = None
) -> None:
    """The buddy sees what the owner did, in the pair's conversation (if they are paired)."""
    with deps.session() as session:
        owner = session.get(Participant, snapshot.owner_id)
        pair = pair_of(session, owner) if owner is not None else None
        if pair is None or len(members_of(session, pair)) < 2:
            return
        pair_id = pair.id
    text = tell_buddy_text(snapshot, today)
    outlet.tell_pair(deps, pair_id, OutgoingMessage(text, [paragraph(text)]))


# -- the chase buttons --------------------------------------------------------------------------


def close_from_chase(press: Press) -> Answer:
    """Done or Drop: only the owner; the messages then show what happened."""
    action_id = int_value(press.value)
    status = CLOSING.get(press.action_id)
    if action_id is None or status is None:
        raise out_of_date()
    with press.deps.session() as session:
        change = close_by_id(session, action_id, press.user_id, status, press.now)
        snapshot = ActionSnapshot.of(change.action, change.owner)
        today = local_today(change.owner, press.now)
    return Answer(then=_settled(press.deps, snapshot, today, change.changed))


def open_more_time(press: Press) -> Answer:
    """Need more time: the owner picks a new date in a small modal."""
    action_id = int_value(press.value)
    if action_id is None:
        raise out_of_date()
    with press.deps.session() as session:
        found, owner = owned_action(session, action_id, press.user_id)
        snapshot = ActionSnapshot.of(found, owner)
        today = local_today(owner, press.now)
    if snapshot.status != OPEN:
        return Answer(
            reply=ephemeral("That action is already closed, so it needs no more time."),
            then=_settled(press.deps, snapshot, today, changed=False),
        )
    suggested = max(snapshot.due_date, today) + MORE_TIME_SUGGESTION
    view = build_more_time_modal(snapshot, suggested, str(action_id), today)
    return Answer(form=view)


def save_more_time(submission: Submission) -> Answer:
    """Check the new date in the ack (shown under the datepicker); then redraw and tell."""
    action_id = int_value(submission.metadata)
    if action_id is None:
        raise out_of_date()
    new_due = submission.state.date(MORE_TIME_BLOCK)
    if new_due is None:
        return _field_error(MORE_TIME_BLOCK, "Please pick the new due date.")
    try:
        with submission.deps.session() as session:
            found, owner = owned_action(session, action_id, submission.user_id)
            if found.status != OPEN:
                raise Refusal("That action is already closed, so it needs no more time.")
            check_due_date(new_due, local_today(owner, submission.now))
            change = reschedule(session, action_id, submission.user_id, new_due, submission.now)
            snapshot = ActionSnapshot.of(change.action, change.owner)
            today = local_today(change.owner, submission.now)
    except Refusal as refusal:
        return _field_error(MORE_TIME_BLOCK, refusal.message)
    return Answer(then=_settled(submission.deps, snapshot, today, change.changed))


def _field_error(block_id: str, message: str) -> Answer:
    return Answer(view_response={"response_action": "errors", "errors": {block_id: message}})


# -- "Add actions" after a check-in -------------------------------------------------------------


def _suggested_due(
    session: Session, pair_id: int, member: Participant, press: Press | Submission
) -> date | None:
    pair = session.get(Pair, pair_id)
    if pair is None:
        return None
    try:
        return next_meeting_day(session, pair, member, press.now)
    except LookupError:
        return None


def open_checkin_actions(press: Press) -> Answer:
    """Open GROW's Will for a member of the pair the check-in was for."""
    target = pressed_meeting(press)
    with press.deps.session() as session:
        member = is_member(session, target[0], press.user_id)
        if member is None:
            raise Refusal("That check-in belongs to another buddy pair, so I've left it alone.")
        suggested = _suggested_due(session, target[0], member, press)
        today = local_today(member, press.now)
    view = build_checkin_actions_modal(press.value, suggested, today)
    return Answer(form=view)


def _row_problem(
    typed: str, due: date | None, today: date
) -> tuple[Callable[[int], str], str] | None:
    """Which field of a check-in row is wrong, and why."""
    try:
        check_text(typed, "action Try retrieval starters with 9X")
    except Refusal as refusal:
        return text_block_id, refusal.message
    if due is None:
        return due_block_id, "Please pick a date for this action."
    try:
        check_due_date(due, today, "action Try retrieval starters with 9X by 3/12")
    except Refusal as refusal:
        return due_block_id, refusal.message
    return None


def save_checkin_actions(submission: Submission) -> Answer:
    """Check every row in the ack, so each problem shows under its own field; then record."""
    target = meeting_value(submission.metadata)
    errors: dict[str, str] = {}
    rows: list[tuple[str, date, bool]] = []
    with submission.deps.session() as session:
        member = is_member(session, target[0], submission.user_id) if target else None
        if member is None or target is None:
            return _field_error(
                text_block_id(1), "Only the members of this buddy pair can add actions here."
            )
        today = local_today(member, submission.now)
        fallback = _suggested_due(session, target[0], member, submission)
        for row in range(1, CHECKIN_ROWS + 1):
            typed = (submission.state.text(text_block_id(row)) or "").strip()
            if not typed:
                continue
            due = submission.state.date(due_block_id(row)) or fallback
            problem = _row_problem(typed, due, today)
            if problem is not None:
                errors[problem[0](row)] = problem[1]
                continue
            assert due is not None
            with_review = CHECKIN_REVIEW_OPTION in submission.state.options(review_block_id(row))
            rows.append((" ".join(typed.split()), due, with_review))
        if not rows and not errors:
            errors[text_block_id(1)] = (
                "Please write at least one action, e.g. Try retrieval starters."
            )
        if errors:
            return Answer(view_response={"response_action": "errors", "errors": errors})
        recorded = [
            ActionSnapshot.of(
                record_action(
                    session,
                    member,
                    text,
                    due,
                    submission.now,
                    with_review=with_review,
                    source=SOURCE_CHECK_IN,
                ),
                member,
            )
            for text, due, with_review in rows
        ]
    return Answer(reply=ephemeral(checkin_confirmation(recorded, today)))


# -- the 90-day review --------------------------------------------------------------------------


def open_review(press: Press) -> Answer:
    """Answer (or Change answer) on a review: the owner's two answers in a modal. A press on a
    review already answered (a second press, or an old message) opens it with the answer given,
    to read or change; its message is redrawn to show the answer."""
    action_id = int_value(press.value)
    if action_id is None:
        raise out_of_date()
    with press.deps.session() as session:
        found, owner = reviewed_action(session, action_id, press.user_id)
        review = ReviewAnswer.of(found, owner)
        today = local_today(owner, press.now)
    view = build_review_modal(review, today)
    deps = press.deps

    def settle(outlet: Outlet) -> None:
        if review.answered:
            settle_reviews(outlet, deps, review, today)

    return Answer(form=view, then=settle)


def save_review(submission: Submission) -> Answer:
    """Check both answers in the ack (each problem under its own field), keep them with the
    action; then the review's message shows the answer and the pair's conversation is told."""
    action_id = int_value(submission.metadata)
    if action_id is None:
        raise out_of_date()
    impact = submission.state.text(REVIEW_IMPACT_BLOCK) or ""
    evidence = submission.state.text(REVIEW_EVIDENCE_BLOCK) or ""
    errors: dict[str, str] = {}
    for block_id, check, typed_answer in (
        (REVIEW_IMPACT_BLOCK, check_impact, impact),
        (REVIEW_EVIDENCE_BLOCK, check_evidence, evidence),
    ):
        try:
            check(typed_answer)
        except Refusal as refusal:
            errors[block_id] = refusal.message
    if errors:
        return Answer(view_response={"response_action": "errors", "errors": errors})
    try:
        with submission.deps.session() as session:
            change = answer_review(
                session, action_id, submission.user_id, impact, evidence, submission.now
            )
            owner = session.get(Participant, change.review.owner_id)
            assert owner is not None
            today = local_today(owner, submission.now)
            pair = pair_of(session, owner)
            pair_id = pair.id if pair is not None and len(members_of(session, pair)) > 1 else None
    except Refusal as refusal:
        return _field_error(REVIEW_IMPACT_BLOCK, refusal.message)
    deps = submission.deps

    def then(outlet: Outlet) -> Reply | None:
        settle_reviews(outlet, deps, change.review, today)
        if not change.changed or pair_id is None:
            return None
        told = build_review_told(change.review, first=change.first)
        if outlet.tell_pair(deps, pair_id, told):
            return None
        return ephemeral(
            "Your answer is saved, but I couldn't tell your buddy just now: it's in "
            "`/buddy actions` for each of you."
        )

    return Answer(then=then)


def settle_reviews(
    outlet: Outlet, deps: Deps, review: ReviewAnswer, today: date | None = None
) -> None:
    """Redraw each review prompt Buddy sent for the action (the ones the outbox recorded) to
    show the answer, with a button to change it."""
    if not review.answered:
        return
    with deps.session() as session:
        messages = sent_deliveries(session, action_subject(review.action_id), (REVIEW_KIND,))
    message = build_answered_review(review, today)
    for sent in messages:
        try:
            outlet.update(sent.channel, sent.ts, message)
        except OutletError:
            logger.exception("Could not update the review %s in %s", sent.ts, sent.channel)


SUBCOMMANDS: list[Subcommand] = [
    Subcommand(
        name="action",
        usage="/buddy action <text> [by <date>] [with review]",
        summary="record an action for yourself, due at your next meeting unless you give a date",
        group=GROUP,
        handle=action,
        everyday=True,
        examples=(ACTION_EXAMPLE, ACTION_REVIEW_EXAMPLE),
        details=(
            "`with review`: once it is done, 90 days on, Buddy asks what impact it has had, and "
            "how you know; you answer with a button."
        ),
        run_label="Record it",
    ),
    Subcommand(
        name="actions",
        usage="/buddy actions",
        summary="your open actions and your buddy's, each with its number",
        group=GROUP,
        handle=actions,
        everyday=True,
    ),
    Subcommand(
        name="done",
        usage="/buddy done <n>",
        summary="mark one of your actions done, by its number",
        group=GROUP,
        handle=done,
        everyday=True,
        examples=(DONE_EXAMPLE,),
        run_label="Mark it done",
    ),
]


HANDLERS = Handlers(
    buttons={
        **dict.fromkeys(CLOSING, close_from_chase),
        CHASE_MORE_TIME: open_more_time,
        **dict.fromkeys(DATE_CHOICES, record_chosen_date),
        CHECKIN_ADD_ACTIONS: open_checkin_actions,
        REVIEW_ANSWER: open_review,
    },
    submissions={
        MORE_TIME_CALLBACK: save_more_time,
        CHECKIN_ACTIONS_CALLBACK: save_checkin_actions,
        REVIEW_CALLBACK: save_review,
    },
)
