"""Chasing actions: the due-date DM to the owner (one a day, listing every action due that day),
the pair told three days overdue, and the 90-day review prompt. Each is planned from the actions'
current state, so a closed or rescheduled action simply stops planning its old keys (and the
outbox skips any still pending).

A pass reads only actions due (or up for review) near now, in a fixed four queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from conversation.replies import OutgoingMessage
from handlers.views.actions import build_chase_message, build_overdue_message, build_review_message
from models.actions import (
    CHASE_KIND,
    DONE,
    OPEN,
    OVERDUE_KIND,
    REVIEW_KIND,
    Action,
    ActionSnapshot,
    chase_key,
    day_chase_key,
    review_day,
)
from models.calendar.tables import CohortBreak
from models.deliveries import action_subject
from models.meetings.schedule import local_instant
from models.pairs import members_by_pair, zone_of
from models.pauses import pauses_by_person
from models.people import DEFAULT_COHORT_TIMEZONE, Cohort, Participant
from models.quiet_hours import WORKING_DAYS, DateSpan, ZonedSpan, parse_working_days
from scheduler.planning import (
    Holding,
    PairTarget,
    PlannedDelivery,
    Scope,
    Subjects,
    UserTarget,
    planned_until,
)

CHASE_AT = time(9, 0)
OVERDUE_AFTER = timedelta(days=3)
# A chase that could not go for this long (Slack or the clock down) is skipped, not sent late.
LOOKBACK = timedelta(days=7)
# How far back a pass looks: long enough that a chase held by a summer break still goes after it.
WINDOW = timedelta(weeks=8)

CHASE = CHASE_KIND
OVERDUE = OVERDUE_KIND
REVIEW = REVIEW_KIND


@dataclass(frozen=True)
class OwnerSetting:
    """Where and when an action's owner is: their zone and their cohort's breaks."""

    zone: str
    spans: tuple[DateSpan, ...]
    spans_zone: str
    today: date  # the owner's date now: messages show a year when a date needs one
    pauses: tuple[ZonedSpan, ...] = ()  # the owner's own pauses (leave, illness)
    working_days: tuple[int, ...] = WORKING_DAYS  # the owner's cohort's

    def holding(self, zones: tuple[str, ...] | None = None) -> Holding:
        return Holding(
            zones=zones or (self.zone,),
            fallback_zone=self.zone,
            spans=self.spans,
            spans_zone=self.spans_zone,
            pauses=self.pauses,
            working_days=self.working_days,
        )


def plan_action_chases(
    session: Session, now: datetime, scope: Scope | None = None, *, only: Subjects | None = None
) -> Sequence[PlannedDelivery]:
    """Every chase, overdue note and review that actions near `now` call for (with a scope: the
    person's own actions and their pair's, up to their preview's end; `only`: the actions of
    the people a pass has due)."""
    if only is not None and not only.people:
        return []
    first = (now - WINDOW).date()
    last = (planned_until(now, scope) + timedelta(days=2)).date()
    query = (
        select(Action, Participant)
        .join(Participant, Participant.id == Action.owner_id)
        .where(
            or_(
                and_(
                    Action.status == OPEN,
                    Action.due_date.between(first - OVERDUE_AFTER, last),
                ),
                # Reviews are asked only of done actions: 90 days on, or the day after a late
                # one was done (models.actions.review_day).
                and_(
                    Action.status == DONE,
                    Action.reviewed_at.is_(None),
                    Action.review_at <= last,
                    or_(Action.review_at >= first, Action.closed_at >= now - WINDOW),
                ),
            )
        )
        .order_by(Action.id)
    )
    if scope is not None:
        # Chases and reviews go to the owner; an overdue note to the pair, the owner among them.
        query = query.where(Action.owner_id.in_(scope.people))
    if only is not None:
        query = query.where(Action.owner_id.in_(sorted(only.people)))
    rows = session.execute(query).all()
    if not rows:
        return []
    owners = [owner for _, owner in rows]
    settings = _owner_settings(session, owners, now)
    pair_ids = sorted({a.pair_id for a, _ in rows if a.pair_id is not None and a.status == OPEN})
    known = scope.members_of(pair_ids) if scope is not None else None
    members = known if known is not None else members_by_pair(session, pair_ids)

    planned: list[PlannedDelivery] = []
    chased: dict[tuple[int, date], list[tuple[Action, ActionSnapshot]]] = defaultdict(list)
    for action, owner in rows:
        setting = settings[owner.id]
        snapshot = ActionSnapshot.of(action, owner)
        if action.status == OPEN:
            if _chase_due(action, setting) > action.created_at:
                chased[(owner.id, action.due_date)].append((action, snapshot))
            group = members.get(action.pair_id, []) if action.pair_id is not None else []
            planned.extend(_overdue(action, owner, snapshot, setting, group))
        if action.review_at is not None:
            planned.extend(_review(action, owner, snapshot, setting))
    by_id = {owner.id: owner for _, owner in rows}
    for (owner_id, due), listed in chased.items():
        owner = by_id[owner_id]
        planned.append(_day_chase(owner, due, listed, settings[owner_id]))
    return [p for p in planned if p.expires_at is None or p.send_at() + LOOKBACK > now]


def _owner_settings(
    session: Session, owners: Sequence[Participant], now: datetime
) -> dict[int, OwnerSetting]:
    """Each owner's zone and cohort breaks, in two queries whatever the number of owners."""
    cohort_ids = {o.cohort_id for o in owners if o.cohort_id is not None}
    teams = {o.team_id for o in owners}
    cohorts = list(
        session.scalars(
            select(Cohort).where(
                or_(
                    Cohort.id.in_(cohort_ids),
                    and_(Cohort.team_id.in_(teams), Cohort.channel_id.is_(None)),
                )
            )
        )
    )
    by_id = {c.id: c for c in cohorts}
    default_by_team = {c.team_id: c for c in cohorts if c.channel_id is None}
    breaks: dict[int, list[DateSpan]] = defaultdict(list)
    for cohort_break in session.scalars(
        select(CohortBreak).where(CohortBreak.cohort_id.in_(list(by_id)))
    ):
        breaks[cohort_break.cohort_id].append(
            DateSpan(cohort_break.start_date, cohort_break.end_date)
        )
    pauses = pauses_by_person(session, [o.person for o in owners], (now - WINDOW).date())
    found: dict[int, OwnerSetting] = {}
    for owner in owners:
        cohort = by_id.get(owner.cohort_id) if owner.cohort_id is not None else None
        cohort = cohort or default_by_team.get(owner.team_id)
        cohort_zone = cohort.timezone if cohort is not None else DEFAULT_COHORT_TIMEZONE
        found[owner.id] = OwnerSetting(
            zone=zone_of(owner),
            spans=tuple(breaks[cohort.id]) if cohort is not None else (),
            spans_zone=cohort_zone or DEFAULT_COHORT_TIMEZONE,
            today=now.astimezone(ZoneInfo(zone_of(owner))).date(),
            pauses=tuple(pauses.get(owner.person, ())),
            working_days=parse_working_days(cohort.working_days if cohort else None),
        )
    return found


def _expiring(
    key: str,
    kind: str,
    due_at: datetime,
    target: PairTarget | UserTarget,
    render: Callable[[], OutgoingMessage],
    describe: str,
    holding: Holding,
    action: Action,
) -> PlannedDelivery:
    held = holding.hold(due_at)
    return PlannedDelivery(
        key=key,
        kind=kind,
        due_at=due_at,
        target=target,
        render=render,
        describe=describe,
        holding=holding,
        expires_at=held + LOOKBACK,
        expiry_follows_hold=True,
        pair_id=action.pair_id,
        participant_id=action.owner_id,
        subject=action_subject(action.id),
    )


def _chase_due(action: Action, setting: OwnerSetting) -> datetime:
    return local_instant(action.due_date, CHASE_AT, setting.zone)


def _chase_goes(action: Action, setting: OwnerSetting) -> date:
    """The owner's day the chase can first go (after a break, a pause or a weekend that held
    it): the pair is told three days after that, so the owner always hears first."""
    held = setting.holding().hold(_chase_due(action, setting))
    return held.astimezone(ZoneInfo(setting.zone)).date()


def _day_chase(
    owner: Participant,
    due: date,
    listed: Sequence[tuple[Action, ActionSnapshot]],
    setting: OwnerSetting,
) -> PlannedDelivery:
    """One DM a day to the owner, listing every open action of theirs due that day (an action
    set after 09:00 on its own due date is not chased at once). The delivery records each
    action it covers, so a change to any of them finds and redraws it."""
    holding = setting.holding()
    due_at = local_instant(due, CHASE_AT, setting.zone)
    pair_ids = {action.pair_id for action, _ in listed}
    snapshots = tuple(snapshot for _, snapshot in listed)
    return PlannedDelivery(
        key=day_chase_key(owner.id, due),
        kind=CHASE,
        due_at=due_at,
        target=UserTarget(owner.id, owner.user_id),
        render=partial(build_chase_message, snapshots, due, setting.today),
        describe=f"{owner.user_id} ({len(listed)} actions due {due.isoformat()})",
        holding=holding,
        expires_at=holding.hold(due_at) + LOOKBACK,
        expiry_follows_hold=True,
        pair_id=pair_ids.pop() if len(pair_ids) == 1 else None,
        participant_id=owner.id,
        covers=tuple(action_subject(action.id) for action, _ in listed),
    )


def _overdue(
    action: Action,
    owner: Participant,
    snapshot: ActionSnapshot,
    setting: OwnerSetting,
    group: Sequence[Participant],
) -> list[PlannedDelivery]:
    if len(group) < 2 or all(m.id != owner.id for m in group):
        return []  # no pair any more, or the owner left it: nobody to tell
    buddies = tuple(m.user_id for m in group if m.id != owner.id)
    zones = tuple(dict.fromkeys(zone_of(m, setting.zone) for m in group))
    due_at = local_instant(_chase_goes(action, setting) + OVERDUE_AFTER, CHASE_AT, setting.zone)
    assert action.pair_id is not None
    return [
        _expiring(
            chase_key(OVERDUE, action.id, action.due_date),
            OVERDUE,
            due_at,
            PairTarget(action.pair_id, tuple(m.user_id for m in group)),
            partial(build_overdue_message, snapshot, buddies, setting.today),
            f"pair {action.pair_id} (action {action.id} of {owner.user_id})",
            setting.holding(zones),
            action,
        )
    ]


def _review(
    action: Action, owner: Participant, snapshot: ActionSnapshot, setting: OwnerSetting
) -> list[PlannedDelivery]:
    day = review_day(action, setting.zone)
    if day is None:
        return []  # still open, dropped or already answered: no review asked
    return [
        _expiring(
            chase_key(REVIEW, action.id, day),
            REVIEW,
            local_instant(day, CHASE_AT, setting.zone),
            UserTarget(owner.id, owner.user_id),
            partial(build_review_message, snapshot, setting.today),
            f"{owner.user_id} (review of action {action.id})",
            setting.holding(),
            action,
        )
    ]
