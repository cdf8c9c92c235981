"""Actions a participant commits to: recording, numbering, listing, closing and rescheduling.

The chasing (scheduler/actions.py) follows the state kept here."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime
from models.deliveries import action_subject, sent_deliveries, subjects_of
from models.grammar import ParseError, format_day, month_first_reading, parse_date
from models.meetings.schedule import load_schedule_contexts, next_meetings
from models.pairs import Pair, members_of, pair_of, zone_of
from models.people import Participant
from models.refusals import Refusal

OPEN = "open"
OFFER_LENGTH = 32
DONE = "done"
DROPPED = "dropped"


class Action(Base):
    __tablename__ = "actions"
    __table_args__ = (
        # Two open actions of one owner never share a number, even when two requests race.
        Index(
            "uq_actions_open_number",
            "owner_id",
            "number",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id", ondelete="SET NULL"))
    # Shown to users as "action n": stable while the action is open.
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # Indexed so the clock's chase planners read only the actions due near now.
    due_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default=OPEN, index=True)
    source: Mapped[str] = mapped_column(String(16))  # "command" | "check_in" | "community"
    review_at: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Indexed so the clock finds the actions done lately, whose 90-day review may now be due.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # The offer (two buttons asking which date was meant) it was recorded from: once per offer.
    offer: Mapped[str | None] = mapped_column(String(OFFER_LENGTH), unique=True, index=True)
    # The 90-day review's answer, as typed: seed 002's "what impact ... and how do you know?" in
    # two parts, what changed and the evidence; `reviewed_at` is when it was (last) answered.
    review_impact: Mapped[str | None] = mapped_column(Text)
    review_evidence: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


ACTION_EXAMPLE = "action Try retrieval starters with 9X by 3/12"
ACTION_REVIEW_EXAMPLE = "action Launch the new feedback policy by 3/12 with review"
DONE_EXAMPLE = "done 1"
REVIEW_AFTER = timedelta(days=90)
TEXT_LIMIT = 500
SOURCE_COMMAND = "command"
SOURCE_CHECK_IN = "check_in"
SOURCE_COMMUNITY = "community"
CLOSED_WORDS = {DONE: "done", DROPPED: "dropped"}
# How many times a racing request retries for a free number before giving up.
_NUMBER_ATTEMPTS = 5

_WITH_REVIEW = re.compile(r"(?:^|\s)with\s+(?:a\s+)?review$", re.IGNORECASE)
_BY = re.compile(r"(?:^|\s)by\s", re.IGNORECASE)


@dataclass(frozen=True)
class ActionArgs:
    """`/buddy action <text> [by <date>] [with review]`, read but not yet checked.

    `other_due` is the month-first reading of a date that might have been meant that way
    (`11/5` on 1 November): which one was meant is asked before anything is stored."""

    text: str
    due: date | None
    with_review: bool
    other_due: date | None = None


# A day-first date further away than this, whose month-first reading is within it, is asked about.
ASK_BEYOND = timedelta(days=60)


def reading_to_ask_about(written: str, due: date, today: date) -> date | None:
    """The month-first reading of `written` when the day-first `due` is more than 60 days away
    and that other reading is within 60 days: someone may well have meant it."""
    if due - today <= ASK_BEYOND:
        return None
    other = month_first_reading(written, today)
    if other is None or not today <= other <= today + ASK_BEYOND:
        return None
    return other


def parse_action_args(text: str, today: date) -> ActionArgs | ParseError:
    """Take a trailing `by <date>` and `with review` (either order) off the action's text.

    "Email parents by letter by 3/12" is read from the last `by` that gives a date; a `by`
    followed by no date and no digits ("a book by Rosenshine") is part of the text.
    """
    rest = " ".join(text.split())
    with_review = False
    due: date | None = None
    other_due: date | None = None
    for _ in range(2):
        if not with_review and (match := _WITH_REVIEW.search(rest)):
            with_review = True
            rest = rest[: match.start()].strip()
        if due is None:
            found = _trailing_date(rest, today)
            if isinstance(found, ParseError):
                return found
            if found is not None:
                due, rest, written = found
                other_due = reading_to_ask_about(written, due, today)
    if not rest:
        return ParseError("Please say what the action is, before any `by <date>`.", ACTION_EXAMPLE)
    return ActionArgs(text=rest, due=due, with_review=with_review, other_due=other_due)


def _trailing_date(text: str, today: date) -> tuple[date, str, str] | ParseError | None:
    """The date after the last `by` that gives one, the text before it, and the date as written."""
    starts = [m.start() for m in _BY.finditer(text)]
    for start in reversed(starts):
        tail = text[start:].strip()[2:].strip()
        found = parse_date(tail, today)
        if not isinstance(found, ParseError):
            return found, text[:start].strip(), tail
    if starts:
        tail = text[starts[-1] :].strip()[2:].strip()
        if any(ch.isdigit() for ch in tail) and len(tail.split()) <= 3:
            return ParseError(
                f"I couldn't read `{tail[:40]}` as a date. Dates are day first, after `by`.",
                ACTION_EXAMPLE,
            )
    return None


def parse_action_number(text: str) -> int | ParseError:
    """`/buddy done 2` → 2."""
    word = text.strip().lstrip("#")
    if not word:
        return ParseError("Please give the number of the action you've done.", DONE_EXAMPLE)
    if not word.isdigit() or int(word) < 1:
        return ParseError(
            f"`{text.strip()[:20]}` isn't an action number. `/buddy actions` lists them.",
            DONE_EXAMPLE,
        )
    return int(word)


def local_today(participant: Participant, now: datetime) -> date:
    """Today where the participant is: what their dates are read against."""
    return now.astimezone(ZoneInfo(zone_of(participant))).date()


def next_meeting_day(session: Session, pair: Pair, participant: Participant, now: datetime) -> date:
    """The local date (in the participant's zone) of the pair's next meeting, if one is planned."""
    context = load_schedule_contexts(session, [pair])[pair.id]
    found = next_meetings(pair, context.changes, context.breaks, context.cohort_timezone, now, 1)
    if not found:
        raise LookupError("no next meeting")
    return found[0].local_start(zone_of(participant)).date()


def default_due_date(session: Session, owner: Participant, now: datetime) -> date:
    """An action with no date is due at the pair's next meeting."""
    pair = pair_of(session, owner)
    try:
        if pair is None:
            raise LookupError("no pair")
        return next_meeting_day(session, pair, owner, now)
    except LookupError:
        reason = (
            "You're not in a buddy pair, so there's no next meeting to use as the due date."
            if pair is None
            else "Your pair has no next meeting planned to use as the due date."
        )
        raise Refusal(f"{reason} Please add `by <date>`.", ACTION_EXAMPLE) from None


def check_due_date(due: date, today: date, example: str = ACTION_EXAMPLE) -> None:
    if due < today:
        raise Refusal(
            f"{format_day(due, today)} has already passed. Please choose today or a later date.",
            example,
        )


def check_text(text: str, example: str = ACTION_EXAMPLE) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise Refusal("Please say what the action is.", example)
    if len(cleaned) > TEXT_LIMIT:
        raise Refusal(
            f"That action is {len(cleaned)} characters long; please keep it under "
            f"{TEXT_LIMIT}, one clear step.",
            example,
        )
    return cleaned


def record_action(
    session: Session,
    owner: Participant,
    text: str,
    due: date | None,
    now: datetime,
    *,
    with_review: bool = False,
    source: str = SOURCE_COMMAND,
    offer: str | None = None,
) -> Action:
    """A new open action for `owner`, numbered with the smallest number their open ones leave.

    From an `offer` (the buttons that ask which date was meant), once: a second press, of either
    button, is refused with the action the first one recorded."""
    cleaned = check_text(text)
    today = local_today(owner, now)
    if offer is not None:
        _check_offer_unused(session, offer, today)
    if due is None:
        due = default_due_date(session, owner, now)
    check_due_date(due, today)
    pair = pair_of(session, owner)
    for _ in range(_NUMBER_ATTEMPTS):
        action = Action(
            owner_id=owner.id,
            pair_id=pair.id if pair is not None else None,
            number=_free_number(session, owner.id),
            text=cleaned,
            due_date=due,
            status=OPEN,
            source=source,
            review_at=today + REVIEW_AFTER if with_review else None,
            created_at=now,
            offer=offer,
        )
        try:
            with session.begin_nested():
                session.add(action)
                session.flush()
        except IntegrityError:
            if offer is not None:
                _check_offer_unused(session, offer, today)  # the other press of the two came first
            continue  # another request took that number a moment ago
        return action
    raise Refusal(
        "Several actions were being recorded for you at once. Please try again.", ACTION_EXAMPLE
    )


def _check_offer_unused(session: Session, offer: str, today: date) -> None:
    taken = session.scalar(select(Action).where(Action.offer == offer))
    if taken is not None:
        raise Refusal(
            f"I've already recorded that action, due {format_day(taken.due_date, today)}, so I "
            "haven't added it again. `/buddy actions` lists yours.",
            "actions",
        )


def _free_number(session: Session, owner_id: int) -> int:
    taken = set(
        session.scalars(
            select(Action.number).where(Action.owner_id == owner_id, Action.status == OPEN)
        )
    )
    number = 1
    while number in taken:
        number += 1
    return number


def open_actions_by_owner(
    session: Session, participant_ids: Iterable[int]
) -> dict[int, list[Action]]:
    """Each participant's open actions, by number, in one query (for nudges and lists)."""
    ids = list(dict.fromkeys(participant_ids))
    if not ids:
        return {}
    found: dict[int, list[Action]] = defaultdict(list)
    for action in session.scalars(
        select(Action)
        .where(Action.owner_id.in_(ids), Action.status == OPEN)
        .order_by(Action.owner_id, Action.number)
    ):
        found[action.owner_id].append(action)
    return {participant_id: found.get(participant_id, []) for participant_id in ids}


@dataclass(frozen=True)
class ActionList:
    """What `/buddy actions` shows: the caller's open actions, then each buddy's."""

    mine: list[Action]
    buddies: list[tuple[Participant, list[Action]]]
    paired: bool
    # Answered 90-day reviews, newest first (a few: the list shows them briefly): the caller's,
    # and each buddy's by participant id.
    my_reviews: list[ReviewAnswer] = field(default_factory=list)
    buddy_reviews: dict[int, list[ReviewAnswer]] = field(default_factory=dict)


def actions_for(session: Session, caller: Participant) -> ActionList:
    pair = pair_of(session, caller)
    buddies = [m for m in members_of(session, pair) if m.id != caller.id] if pair else []
    people = [caller, *buddies]
    found = open_actions_by_owner(session, [p.id for p in people])
    reviews = answered_reviews(session, people)
    return ActionList(
        mine=found.get(caller.id, []),
        buddies=[(b, found.get(b.id, [])) for b in buddies],
        paired=pair is not None,
        my_reviews=reviews.pop(caller.id, []),
        buddy_reviews=reviews,
    )


def close_by_number(
    session: Session, caller: Participant, number: int, status: str, now: datetime
) -> Action:
    """`/buddy done n`: the caller's own open action n becomes done (or dropped)."""
    action = open_by_number(session, caller, number)
    _close(action, status, now)
    return action


def open_by_number(session: Session, caller: Participant, number: int) -> Action:
    """The caller's open action n; someone else's n, or none, is refused with the right words."""
    action = session.scalar(
        select(Action).where(
            Action.owner_id == caller.id, Action.number == number, Action.status == OPEN
        )
    )
    if action is None:
        raise _unknown_number(session, caller, number)
    return action


def _unknown_number(session: Session, caller: Participant, number: int) -> Refusal:
    listing = actions_for(session, caller)
    for buddy, actions in listing.buddies:
        if any(a.number == number for a in actions):
            return Refusal(
                f"Action {number} on your pair's list is {{0}}'s, and only its owner can close "
                "it. " + _numbers_phrase(listing.mine, "own "),
                "actions",
                people=[buddy.user_id],
            )
    return Refusal(f"You have no open action {number}. " + _numbers_phrase(listing.mine), "actions")


def _numbers_phrase(actions: Sequence[Action], own: str = "") -> str:
    if not actions:
        return f"You have no {own}open actions at the moment."
    return f"Your {own}open actions are " + ", ".join(str(a.number) for a in actions) + "."


@dataclass(frozen=True)
class ActionChange:
    """What a button changed, with the action as it now stands."""

    action: Action
    owner: Participant
    changed: bool  # False when it was already in that state (a double click)


def owned_action(session: Session, action_id: int, user_id: str) -> tuple[Action, Participant]:
    """The action behind a button, if the person pressing it owns it."""
    action = session.get(Action, action_id)
    if action is None:
        raise Refusal("I can't find that action any more.", "actions")
    owner = session.get(Participant, action.owner_id)
    if owner is None or owner.user_id != user_id:
        raise Refusal(
            "That action belongs to someone else, so only they can change it. Your buddy will "
            "be glad of the encouragement, though.",
            "actions",
        )
    return action, owner


def close_by_id(
    session: Session, action_id: int, user_id: str, status: str, now: datetime
) -> ActionChange:
    """Done or Drop from a chase: only the owner; a second click changes nothing."""
    action, owner = owned_action(session, action_id, user_id)
    if action.status != OPEN:
        return ActionChange(action, owner, changed=False)
    _close(action, status, now)
    return ActionChange(action, owner, changed=True)


def _close(action: Action, status: str, now: datetime) -> None:
    if status not in (DONE, DROPPED):
        raise ValueError(f"not a closing status: {status}")
    action.status = status
    action.closed_at = now


def reschedule(
    session: Session, action_id: int, user_id: str, new_due: date, now: datetime
) -> ActionChange:
    """Need more time: a new due date, today or later; the chase follows the new date."""
    action, owner = owned_action(session, action_id, user_id)
    if action.status != OPEN:
        raise Refusal(
            f"That action is already {CLOSED_WORDS.get(action.status, action.status)}, so it "
            "needs no more time.",
            "actions",
        )
    check_due_date(new_due, local_today(owner, now), "a date from today onwards")
    changed = action.due_date != new_due
    action.due_date = new_due
    return ActionChange(action, owner, changed=changed)


def is_member(session: Session, pair_id: int, user_id: str) -> Participant | None:
    """The member of that (current) pair with this Slack id, if they are one."""
    pair = session.get(Pair, pair_id)
    if pair is None or pair.dissolved_at is not None:
        return None
    return next((m for m in members_of(session, pair) if m.user_id == user_id), None)


@dataclass(frozen=True)
class ActionSnapshot:
    """An action as a message shows it, taken while the session is open."""

    id: int
    owner_id: int
    number: int
    text: str
    due_date: date
    status: str
    created_on: date
    owner_user_id: str
    review_at: date | None

    @classmethod
    def of(cls, action: Action, owner: Participant) -> ActionSnapshot:
        created = action.created_at.astimezone(ZoneInfo(zone_of(owner))).date()
        return cls(
            id=action.id,
            owner_id=action.owner_id,
            number=action.number,
            text=action.text,
            due_date=action.due_date,
            status=action.status,
            created_on=created,
            owner_user_id=owner.user_id,
            review_at=action.review_at,
        )


# -- the chase messages already sent -------------------------------------------------------------

CHASE_KIND = "action-chase"
OVERDUE_KIND = "action-overdue"
REVIEW_KIND = "action-review"


def chase_key(kind: str, action_id: int, on: date) -> str:
    """Unique for all time: a new due date gives a new overdue note (and review)."""
    label = "at" if kind == REVIEW_KIND else "due"
    return f"{kind}:action={action_id}:{label}={on.isoformat()}"


def day_chase_key(owner_id: int, due: date) -> str:
    """One chase a day per owner, listing every action of theirs due that day."""
    return f"{CHASE_KIND}:owner={owner_id}:due={due.isoformat()}"


def _due_in_key(key: str) -> date | None:
    """The due date a chase or overdue key names (`...:due=2026-12-03`)."""
    head, _, day = key.rpartition(":due=")
    try:
        return date.fromisoformat(day) if head else None
    except ValueError:
        return None


def _action_id_of(subject: str | None) -> int | None:
    if subject is None or not subject.startswith("action:"):
        return None
    number = subject.removeprefix("action:")
    return int(number) if number.isdigit() else None


@dataclass(frozen=True)
class SentChase:
    """A chase or overdue note Buddy sent: where it is, the due date it chased, and every action
    it is about (a day's chase lists several)."""

    kind: str
    channel: str
    ts: str
    due: date | None
    action_ids: tuple[int, ...]


def sent_chase_messages(session: Session, action_id: int) -> list[SentChase]:
    """Every chase and overdue note sent about the action, alone or with others, to update."""
    sent = sent_deliveries(session, action_subject(action_id), (CHASE_KIND, OVERDUE_KIND))
    covers = subjects_of(session, [m.delivery_id for m in sent])
    found = []
    for message in sent:
        subjects = [message.subject, *covers[message.delivery_id]]
        ids = dict.fromkeys(i for i in map(_action_id_of, subjects) if i is not None)
        found.append(
            SentChase(message.kind, message.channel, message.ts, _due_in_key(message.key), (*ids,))
        )
    return found


def snapshots_of(session: Session, action_ids: Iterable[int]) -> dict[int, ActionSnapshot]:
    """The actions (with their owners) as messages show them, by id, in one query."""
    ids = list(dict.fromkeys(action_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Action, Participant)
        .join(Participant, Participant.id == Action.owner_id)
        .where(Action.id.in_(ids))
    )
    return {action.id: ActionSnapshot.of(action, owner) for action, owner in rows}


# -- the 90-day review ----------------------------------------------------------------------------

# Each of the review's two answers: room for a few sentences, as on seed 002's post-its.
REVIEW_ANSWER_LIMIT = 1000
REVIEW_IMPACT_EXAMPLE = "More of 9X recall last lesson's key words at the start."
REVIEW_EVIDENCE_EXAMPLE = "Their starter quiz scores went from about 4/10 to 7/10 in six weeks."


def review_day(action: Action, zone: str) -> date | None:
    """The day the 90-day review is asked (at the chase hour), or None if it is not asked.

    Seed 002's cycle runs from "Improvement priority agreed and collective commitment to act
    secured" to "90-day check-in explored impact": the impact of acting, so it is asked only of
    an action that was done: never of one still open (its chase and the buddy already follow
    it) or dropped, and not again once answered. It is asked 90 days after the action was set;
    an action done later than that is asked about the day after it was done, so pressing Done
    is not answered at once with "what impact has this had?"."""
    if (
        action.review_at is None
        or action.status != DONE
        or action.closed_at is None
        or action.reviewed_at is not None
    ):
        return None
    done_on = action.closed_at.astimezone(ZoneInfo(zone)).date()
    return max(action.review_at, done_on + timedelta(days=1))


@dataclass(frozen=True)
class ReviewAnswer:
    """An action's 90-day review as messages and reports show it, taken while the session is
    open; `impact` and `evidence` are None until it is answered."""

    action_id: int
    owner_id: int
    owner_user_id: str
    owner_name: str | None
    number: int
    text: str
    set_on: date
    impact: str | None
    evidence: str | None
    answered_on: date | None

    @property
    def answered(self) -> bool:
        return self.impact is not None and self.evidence is not None

    @classmethod
    def of(cls, action: Action, owner: Participant) -> ReviewAnswer:
        zone = ZoneInfo(zone_of(owner))
        return cls(
            action_id=action.id,
            owner_id=action.owner_id,
            owner_user_id=owner.user_id,
            owner_name=owner.display_name,
            number=action.number,
            text=action.text,
            set_on=action.created_at.astimezone(zone).date(),
            impact=action.review_impact,
            evidence=action.review_evidence,
            answered_on=(
                action.reviewed_at.astimezone(zone).date() if action.reviewed_at else None
            ),
        )


def check_review_answer(typed: str, what: str, example: str) -> str:
    """One of the two answers, kept as typed (its line breaks too; only the ends trimmed)."""
    kept = typed.strip()
    if not kept:
        raise Refusal(f"Please write {what}, for example: {example}")
    if len(kept) > REVIEW_ANSWER_LIMIT:
        raise Refusal(
            f"That is {len(kept)} characters; please keep it under {REVIEW_ANSWER_LIMIT}, "
            f"for example: {example}"
        )
    return kept


def check_impact(typed: str) -> str:
    return check_review_answer(typed, "what changed", REVIEW_IMPACT_EXAMPLE)


def check_evidence(typed: str) -> str:
    return check_review_answer(typed, "how you know", REVIEW_EVIDENCE_EXAMPLE)


def reviewed_action(session: Session, action_id: int, user_id: str) -> tuple[Action, Participant]:
    """The action behind a review's button, if the person pressing it owns it and it was asked
    (or could be asked) its 90-day review: one done, with a review."""
    action, owner = owned_action(session, action_id, user_id)
    if action.review_at is None or action.status != DONE:
        raise Refusal(
            "That action has no 90-day review to answer: it is asked of actions that were done.",
            "actions",
        )
    return action, owner


@dataclass(frozen=True)
class ReviewChange:
    """A review answered: as it now stands, whether it was its first answer, and whether the
    answer changed (the same answer sent twice changes nothing)."""

    review: ReviewAnswer
    first: bool
    changed: bool


def answer_review(
    session: Session, action_id: int, user_id: str, impact: str, evidence: str, now: datetime
) -> ReviewChange:
    """Keep the owner's answer with the action. The first answer is claimed atomically, so of
    two submissions at once only one is the first (and the buddy is told once)."""
    action, owner = reviewed_action(session, action_id, user_id)
    impact, evidence = check_impact(impact), check_evidence(evidence)
    claimed = session.execute(
        update(Action)
        .where(Action.id == action.id, Action.reviewed_at.is_(None))
        .values(review_impact=impact, review_evidence=evidence, reviewed_at=now)
        .execution_options(synchronize_session=False)
    )
    first = getattr(claimed, "rowcount", 0) == 1
    session.refresh(action)
    changed = first or (action.review_impact, action.review_evidence) != (impact, evidence)
    if changed and not first:
        action.review_impact, action.review_evidence = impact, evidence
        action.reviewed_at = now
        session.flush()
    return ReviewChange(ReviewAnswer.of(action, owner), first=first, changed=changed)


REVIEWS_LISTED = 5


def answered_reviews(
    session: Session, people: Sequence[Participant], most: int = REVIEWS_LISTED
) -> dict[int, list[ReviewAnswer]]:
    """Each person's answered 90-day reviews, newest first, at most `most` each, in one query."""
    by_id = {p.id: p for p in people}
    found: dict[int, list[ReviewAnswer]] = {p.id: [] for p in people}
    if not by_id:
        return found
    for action in session.scalars(
        select(Action)
        .where(Action.owner_id.in_(list(by_id)), Action.reviewed_at.is_not(None))
        .order_by(Action.reviewed_at.desc(), Action.id.desc())
    ):
        listed = found[action.owner_id]
        if len(listed) < most:
            listed.append(ReviewAnswer.of(action, by_id[action.owner_id]))
    return found
