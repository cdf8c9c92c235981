"""A group's sessions: scheduling, the chair of each, starting and stopping the protocol, the
responses saved as actions, and what the protocol posts and the session record need to know."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from models.actions import SOURCE_COMMUNITY, Action, record_action
from models.community.chairs import chairs, next_chair
from models.community.groups import (
    GROUP_EXAMPLE,
    ORDER_EXAMPLE,
    GroupMember,
    is_member,
    members_of,
    owner_order,
    parse_people,
    rotation_members,
    set_order,
)
from models.community.protocol import FEWEST, MOST, SESSION_MINUTES, Stage, timetable
from models.community.tables import (
    CommunityAction,
    CommunityGroup,
    CommunityMember,
    CommunitySession,
)
from models.grammar import ParseError, parse_date, parse_time
from models.people import Cohort, Participant
from models.problems.tables import POSTED, Problem
from models.refusals import Refusal

SCHEDULE_EXAMPLE = "community schedule 3/12 16:00 fortnightly"
START_EXAMPLE = "community start without @Sam"
LENGTH = timedelta(minutes=SESSION_MINUTES)
FORTNIGHT = timedelta(days=14)
# A fortnightly schedule without a cohort end date is laid out this many sessions ahead.
FORTNIGHTLY_SESSIONS = 13
# `start` takes over a scheduled session due within this long, rather than running two.
TAKE_OVER_WITHIN = timedelta(hours=1)


@dataclass(frozen=True)
class ScheduleArgs:
    day: date
    at: time
    fortnightly: bool


def parse_schedule_args(text: str, today: date) -> ScheduleArgs:
    words = text.split()
    fortnightly = bool(words) and words[-1].lower() == "fortnightly"
    if fortnightly:
        words = words[:-1]
    if len(words) < 2:
        raise Refusal("Please give the session's date and its time.", SCHEDULE_EXAMPLE)
    day = parse_date(" ".join(words[:-1]), today)
    if isinstance(day, ParseError):
        raise Refusal(day.message, SCHEDULE_EXAMPLE)
    at = parse_time(words[-1])
    if isinstance(at, ParseError):
        raise Refusal(at.message, SCHEDULE_EXAMPLE)
    return ScheduleArgs(day, at, fortnightly)


def parse_absent(text: str) -> list[str]:
    """`without @x @y`, or nothing."""
    words = text.split(maxsplit=1)
    if not words:
        return []
    if words[0].lower() != "without" or len(words) < 2:
        raise Refusal("Name who is missing after `without`.", START_EXAMPLE)
    return parse_people(words[1], START_EXAMPLE)


def sessions_of(session: Session, group: CommunityGroup) -> list[CommunitySession]:
    """Every session of the group, in order; one stopped before it began never happened."""
    rows = session.scalars(
        select(CommunitySession)
        .where(CommunitySession.group_id == group.id)
        .order_by(CommunitySession.starts_at, CommunitySession.id)
    )
    return [s for s in rows if s.stopped_at is None or s.stopped_at > s.starts_at]


def running(row: CommunitySession, now: datetime) -> bool:
    return row.stopped_at is None and row.starts_at <= now < row.starts_at + LENGTH


def next_session(session: Session, group: CommunityGroup, now: datetime) -> CommunitySession | None:
    """The session running now, or else the next to come."""
    for row in sessions_of(session, group):
        if row.stopped_at is None and now < row.starts_at + LENGTH:
            return row
    return None


def chair_ids(session: Session, group: CommunityGroup) -> dict[int, int]:
    """Each session's chair (a participant id), by session id."""
    members = rotation_members(members_of(session, group))
    rows = sessions_of(session, group)
    return dict(
        zip(
            (r.id for r in rows),
            chairs(members, [r.appointed_chair_id for r in rows]),
            strict=False,
        )
    )


def _user(session: Session, participant_id: int | None) -> str | None:
    if participant_id is None:
        return None
    person = session.get(Participant, participant_id)
    return person.user_id if person is not None else None


def schedule(
    session: Session,
    group: CommunityGroup,
    caller: Participant,
    args: ScheduleArgs,
    cohort: Cohort,
    caller_is_facilitator: bool,
    now: datetime,
) -> list[CommunitySession]:
    """Replace the sessions still to come with this one (and, fortnightly, those after it)."""
    if not caller_is_facilitator and not is_member(members_of(session, group), caller.user_id):
        raise Refusal(
            "Only the group's members or a facilitator can schedule its sessions.", SCHEDULE_EXAMPLE
        )
    size = len(members_of(session, group))
    if size < FEWEST:
        raise Refusal(
            f"This group has {size} members now, and the protocol needs {FEWEST} to {MOST}. "
            "Name the group again with more colleagues, then schedule its sessions.",
            GROUP_EXAMPLE,
        )
    zone = ZoneInfo(group.timezone)
    starts = datetime.combine(args.day, args.at, zone)
    if starts <= now:
        raise Refusal("That moment has passed: please pick a time to come.", SCHEDULE_EXAMPLE)
    for row in session.scalars(
        select(CommunitySession).where(
            CommunitySession.group_id == group.id,
            CommunitySession.starts_at > now,
            CommunitySession.started_by.is_(None),
        )
    ):
        session.delete(row)
    session.flush()
    group.fortnightly = args.fortnightly
    count = 1
    if args.fortnightly:
        count = FORTNIGHTLY_SESSIONS
        if cohort.end_date is not None:
            count = max(1, (cohort.end_date - args.day).days // 14 + 1)
    created = []
    for n in range(count):
        local = datetime.combine(args.day + FORTNIGHT * n, args.at, zone)
        row = CommunitySession(
            group_id=group.id, starts_at=local.astimezone(ZoneInfo("UTC")), created_at=now
        )
        if n == 0 and group.next_chair_id is not None:
            row.appointed_chair_id, group.next_chair_id = group.next_chair_id, None
        session.add(row)
        created.append(row)
    session.flush()
    return created


def order_owners(
    session: Session, group: CommunityGroup, caller: Participant, text: str, now: datetime
) -> list[GroupMember]:
    """The chair of the next session sets the order of problem owners."""
    user_ids = parse_people(text, ORDER_EXAMPLE)
    if not user_ids:
        raise Refusal("Please mention the owners in the order they will present.", ORDER_EXAMPLE)
    upcoming = next_session(session, group, now)
    chair = _user(session, chair_ids(session, group).get(upcoming.id)) if upcoming else None
    if chair != caller.user_id:
        if chair is None:
            raise Refusal(
                "The order is the chair's to set, once a session is scheduled.", SCHEDULE_EXAMPLE
            )
        raise Refusal("The order of owners is the chair's call: {0} chairs next.", people=[chair])
    return set_order(session, group, user_ids)


def start(
    session: Session,
    group: CommunityGroup,
    caller: Participant,
    absent: Sequence[str],
    now: datetime,
) -> CommunitySession:
    """Run the protocol from now with those present (a scheduled session within the hour is the
    one that starts)."""
    members = members_of(session, group)
    if not is_member(members, caller.user_id):
        raise Refusal("Only members of this channel's community group can start its session.")
    strangers = [u for u in absent if not is_member(members, u)]
    if strangers:
        raise Refusal("{0} is not in this group.", START_EXAMPLE, people=strangers[:1])
    present = [m.user_id for m in owner_order(members) if m.user_id not in absent]
    if not FEWEST <= len(present) <= MOST:
        raise Refusal(
            f"The protocol runs with {FEWEST} to {MOST} problem owners, and {len(present)} would "
            "be here. Please start it when more of the group can come.",
            START_EXAMPLE,
        )
    for row in sessions_of(session, group):
        if running(row, now):
            raise Refusal(
                "A session is already running in this channel. Stop it first.", "community stop"
            )
    at = now.replace(second=0, microsecond=0)
    taken = next(
        (
            row
            for row in sessions_of(session, group)
            if row.stopped_at is None
            and row.started_by is None
            and now < row.starts_at <= now + TAKE_OVER_WITHIN
        ),
        None,
    )
    row = taken or CommunitySession(group_id=group.id, created_at=now)
    row.starts_at, row.present, row.started_by = at, ",".join(present), caller.user_id
    session.add(row)
    session.flush()
    return row


def stop(
    session: Session, group: CommunityGroup, caller: Participant, now: datetime
) -> CommunitySession:
    if not is_member(members_of(session, group), caller.user_id):
        raise Refusal("Only members of this channel's community group can stop its session.")
    for row in sessions_of(session, group):
        if running(row, now):
            row.stopped_at = now
            session.flush()
            return row
    raise Refusal("No session is running in this channel.", "community start")


# -- what the posts and the record need to know ---------------------------------------------------


@dataclass(frozen=True)
class CardLink:
    channel_id: str
    ts: str


@dataclass(frozen=True)
class SessionPlan:
    """One session as its posts see it."""

    session_id: int
    group_id: int
    channel_id: str
    timezone: str
    starts_at: datetime
    owners: tuple[str, ...]  # Slack ids, in turn order
    members: tuple[str, ...]
    chair: str | None
    next_chair: str | None  # the rotation's proposal for the session after
    first: bool
    stopped: bool
    started_by: str | None  # None for a scheduled session
    cards: dict[str, CardLink]
    participant_ids: dict[str, int]
    # Each member's own zone where Slack told Buddy (a prep DM's plain fallback is in it).
    zones: dict[str, str] = field(default_factory=dict)

    @property
    def runs(self) -> bool:
        """The protocol has a timetable for 3 to 6 owners; a group a leaver left with fewer
        has no session to post until it is named again with more."""
        return FEWEST <= len(self.owners) <= MOST

    @property
    def stages(self) -> list[Stage]:
        return timetable(len(self.owners))

    def at(self, stage: Stage) -> datetime:
        return self.starts_at + timedelta(minutes=stage.start)

    def owner_of(self, stage: Stage) -> str | None:
        return self.owners[stage.turn - 1] if stage.turn is not None else None

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + LENGTH


def posted_cards(session: Session, participant_ids: Sequence[int]) -> dict[int, CardLink]:
    """Each owner's latest posted problem card."""
    if not participant_ids:
        return {}
    rows = session.scalars(
        select(Problem)
        .where(
            Problem.owner_id.in_(list(participant_ids)),
            Problem.status == POSTED,
            Problem.channel_id.is_not(None),
            Problem.message_ts.is_not(None),
        )
        .order_by(Problem.posted_at, Problem.id)
    )
    cards: dict[int, CardLink] = {}
    for problem in rows:
        assert problem.channel_id is not None and problem.message_ts is not None
        cards[problem.owner_id] = CardLink(problem.channel_id, problem.message_ts)
    return cards


def plans_for(session: Session, group: CommunityGroup, drawn: bool = True) -> list[SessionPlan]:
    """The group's sessions as their posts see them. Not `drawn`: without the posted problem
    cards, which only the posts show (for a plan that is shown, never sent)."""
    members = members_of(session, group)
    if not members:
        return []
    rows = sessions_of(session, group)
    rotation = rotation_members(members)
    chair_list = chairs(rotation, [r.appointed_chair_id for r in rows])
    by_id = {m.participant.id: m.user_id for m in members}
    posted = posted_cards(session, list(by_id)) if drawn else {}
    cards = {by_id[pid]: link for pid, link in posted.items() if pid in by_id}
    default_owners = tuple(m.user_id for m in owner_order(members))
    plans = []
    for index, row in enumerate(rows):
        following = next_chair(rotation, [r.appointed_chair_id for r in rows[: index + 1]])
        if index + 1 < len(rows) and rows[index + 1].appointed_chair_id is not None:
            following = rows[index + 1].appointed_chair_id
        elif index + 1 == len(rows) and group.next_chair_id is not None:
            following = group.next_chair_id
        plans.append(
            SessionPlan(
                session_id=row.id,
                group_id=group.id,
                channel_id=group.channel_id,
                timezone=group.timezone,
                starts_at=row.starts_at,
                owners=tuple(row.present.split(",")) if row.present else default_owners,
                members=tuple(m.user_id for m in members),
                chair=by_id.get(chair_list[index]),
                next_chair=by_id.get(following) if following is not None else None,
                first=index == 0,
                stopped=row.stopped_at is not None,
                started_by=row.started_by,
                cards=cards,
                participant_ids={m.user_id: m.participant.id for m in members},
                zones={
                    m.user_id: m.participant.timezone for m in members if m.participant.timezone
                },
            )
        )
    return plans


def plan_of(session: Session, group: CommunityGroup, session_id: int) -> SessionPlan | None:
    return next((p for p in plans_for(session, group) if p.session_id == session_id), None)


def group_of_session(session: Session, session_id: int) -> tuple[CommunityGroup, CommunitySession]:
    row = session.get(CommunitySession, session_id)
    group = session.get(CommunityGroup, row.group_id) if row is not None else None
    if row is None or group is None:
        raise Refusal("That community session is no longer there.")
    return group, row


def plans_between(
    session: Session,
    start: datetime,
    end: datetime,
    member: int | None = None,
    drawn: bool = True,
    groups: Sequence[int] | None = None,
) -> list[SessionPlan]:
    """Sessions starting in [start, end), for the clock: every group's, only those of the
    groups `member` (a participant id) is in, or of `groups` (the ones a pass has due). The
    groups are read in one statement."""
    # Asked group by group (by its index on group_id), so one member's groups cost what they
    # have, not a read of every group's sessions in the window.
    meeting_then = exists().where(
        CommunitySession.group_id == CommunityGroup.id,
        CommunitySession.starts_at >= start,
        CommunitySession.starts_at < end,
    )
    query = select(CommunityGroup).where(meeting_then)
    if member is not None:
        query = query.where(
            CommunityGroup.id.in_(
                select(CommunityMember.group_id).where(CommunityMember.participant_id == member)
            )
        )
    if groups is not None:
        query = query.where(CommunityGroup.id.in_(list(groups)))
    plans: list[SessionPlan] = []
    for group in session.scalars(query.order_by(CommunityGroup.id)).all():
        plans.extend(p for p in plans_for(session, group, drawn) if start <= p.starts_at < end)
    return plans


# -- someone leaves: out of the rotation, the history kept --------------------------------------


@dataclass(frozen=True)
class LeftGroup:
    """A community group someone was taken out of: its channel, and who is still in it."""

    channel_id: str
    remaining: tuple[str, ...]

    @property
    def too_small(self) -> bool:
        return len(self.remaining) < FEWEST


def leave_groups(session: Session, participant: Participant, now: datetime) -> list[LeftGroup]:
    """Take someone who left Slack out of every community group they were in: no turn as a
    problem owner, never proposed or appointed as chair, and the timetable is the one for those
    still here (a five that loses one runs the four's). The chairs of sessions already held are
    pinned first, so the rotation's history stays as it was and nobody still here is skipped;
    a session running now keeps its owners, so its timetable doesn't change mid-hour."""
    rows = session.scalars(
        select(CommunityMember).where(CommunityMember.participant_id == participant.id)
    ).all()
    left: list[LeftGroup] = []
    for row in rows:
        group = session.get(CommunityGroup, row.group_id)
        if group is None:
            continue
        held = chair_ids(session, group)
        owners = ",".join(m.user_id for m in owner_order(members_of(session, group)))
        for past in sessions_of(session, group):
            if past.starts_at <= now:
                past.appointed_chair_id = held.get(past.id, past.appointed_chair_id)
                if running(past, now) and past.present is None:
                    past.present = owners
            elif past.appointed_chair_id == participant.id:
                past.appointed_chair_id = None
        if group.next_chair_id == participant.id:
            group.next_chair_id = None
        session.delete(row)
        session.flush()
        remaining = tuple(m.user_id for m in members_of(session, group))
        left.append(LeftGroup(group.channel_id, remaining))
    return left


# -- the close: the next chair, and responses saved as actions -------------------------------------


def appoint_chair(
    session: Session, session_id: int, caller: Participant, chosen: str, now: datetime
) -> str:
    """The group's call: who chairs the session after this one."""
    group, row = group_of_session(session, session_id)
    members = members_of(session, group)
    if not is_member(members, caller.user_id):
        raise Refusal("Only the group's members can appoint its next chair.")
    picked = next((m for m in members if m.user_id == chosen), None)
    if picked is None:
        raise Refusal("{0} is not in this group: please pick one of its members.", people=[chosen])
    later = [
        r
        for r in sessions_of(session, group)
        if r.starts_at > row.starts_at and r.stopped_at is None
    ]
    if later:
        later[0].appointed_chair_id = picked.participant.id
    else:
        group.next_chair_id = picked.participant.id
    session.flush()
    return picked.user_id


def save_response(
    session: Session, session_id: int, caller: Participant, owner: str, text: str, now: datetime
) -> Action:
    """The owner's "I think my next action will be..." as an action Buddy chases."""
    group, row = group_of_session(session, session_id)
    if caller.user_id != owner:
        raise Refusal("Only {0} can save their own response as an action.", people=[owner])
    if not is_member(members_of(session, group), owner):
        raise Refusal("Only the group's members can save a response here.")
    # Due by the group's next session; a fortnight on when none is scheduled.
    later = [r for r in sessions_of(session, group) if r.starts_at > row.starts_at + LENGTH]
    due_at = later[0].starts_at if later else row.starts_at + FORTNIGHT
    due = due_at.astimezone(ZoneInfo(group.timezone)).date()
    action = record_action(session, caller, text, due, now, source=SOURCE_COMMUNITY)
    session.add(
        CommunityAction(
            session_id=row.id, participant_id=caller.id, action_id=action.id, created_at=now
        )
    )
    session.flush()
    return action


@dataclass(frozen=True)
class SavedAction:
    user_id: str
    text: str


def saved_actions(session: Session, session_id: int) -> list[SavedAction]:
    rows = session.execute(
        select(Participant.user_id, Action.text)
        .join(CommunityAction, CommunityAction.action_id == Action.id)
        .join(Participant, Participant.id == CommunityAction.participant_id)
        .where(CommunityAction.session_id == session_id)
        .order_by(CommunityAction.id)
    ).all()
    return [SavedAction(str(user), str(text)) for user, text in rows]
