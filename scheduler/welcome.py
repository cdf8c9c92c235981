"""The welcome an import asked for, at the moment the facilitator chose, and nothing else to its
people before it.

One key per person (`welcome:team=T:user=U`), so two clocks or a restart send it once; the clock
claims the person (`welcomed_at`) with the delivery, so their first command at the same moment
cannot welcome them too, and a first command that came earlier leaves the clock's copy unsent.
Held by quiet hours, the cohort's rest days and the person's own pauses, like any nudge.

Until it has gone, nothing else proactive goes to that person, nor to their pair; a nudge that
came due before they were told (a prep for tomorrow's meeting, at an import at 09:00) is not sent
at all: the welcome has said what they need, and two messages in a row would be noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.views.welcome import build_welcome_message
from models.deliveries import FAILED, SENT, SKIPPED, Delivery
from models.people import DEFAULT_COHORT_TIMEZONE, Cohort
from models.quiet_hours import parse_working_days
from models.welcome import (
    ImportWelcome,
    claim_import_welcome,
    import_greetings,
    import_welcomes,
)
from scheduler.planning import (
    Holding,
    PlannedDelivery,
    Scope,
    Subjects,
    UserTarget,
    planned_until,
    recipients,
)

WELCOME_KIND = "welcome"
# Imports this long ago are forgotten here: their welcomes went (or gave up: a welcome not sent
# within a week of its moment is skipped), and nothing due before them is still sendable.
LOOK_BACK = timedelta(days=90)
# Welcomes due this far ahead are planned now: holding only ever makes them later.
AHEAD = timedelta(days=1)
SETTLED = (SENT, SKIPPED, FAILED)
# Well under PostgreSQL's 65,535 parameters a statement.
KEYS_A_QUERY = 5000


def welcome_key(team_id: str, user_id: str) -> str:
    return f"{WELCOME_KIND}:team={team_id}:user={user_id}"


def _statuses(session: Session, welcomes: Sequence[ImportWelcome]) -> dict[str, str]:
    """Each welcome's outbox status, if it has a row (in batches: a big import is many keys)."""
    keys = [welcome_key(w.team_id, w.user_id) for w in welcomes]
    found: dict[str, str] = {}
    for start in range(0, len(keys), KEYS_A_QUERY):
        batch = keys[start : start + KEYS_A_QUERY]
        rows = session.execute(select(Delivery.key, Delivery.status).where(Delivery.key.in_(batch)))
        found.update(rows.tuples().all())
    return found


def _to_send(welcome: ImportWelcome, status: str | None) -> bool:
    """Still to go: nobody has told them and it has not given up, or the clock claimed them and
    its post is not settled yet (a retry after a rate limit, a post that may have gone)."""
    if status in SETTLED:
        return False
    return welcome.welcomed_at is None or status is not None


def plan_welcomes(
    session: Session, now: datetime, scope: Scope | None = None, *, only: Subjects | None = None
) -> Sequence[PlannedDelivery]:
    """Each welcome an import asked for, due by now (with a scope: the person's own, due by their
    preview's end; `only`: those of the people a pass has due)."""
    if scope is not None and not scope.welcome_asked:
        return []  # no import asked to welcome this person
    if only is not None and not only.people:
        return []
    among = sorted(only.people) if only is not None else None
    person = scope.participant_id if scope is not None else None
    until = planned_until(now, scope)
    welcomes = [
        w
        for w in import_welcomes(session, now - LOOK_BACK, person, among)
        if w.due_at <= until + AHEAD
    ]
    if not welcomes:
        return []
    statuses = _statuses(session, welcomes)
    due = [w for w in welcomes if _to_send(w, statuses.get(welcome_key(w.team_id, w.user_id)))]
    greetings = import_greetings(session, [w.participant_id for w in due])
    cohort_ids = list({w.cohort_id for w in due if w.cohort_id is not None})
    cohorts = (
        {c.id: c for c in session.scalars(select(Cohort).where(Cohort.id.in_(cohort_ids)))}
        if cohort_ids
        else {}
    )
    planned: list[PlannedDelivery] = []
    for welcome in due:
        greeting = greetings.get(welcome.participant_id)
        if greeting is None:
            continue
        cohort = cohorts.get(welcome.cohort_id) if welcome.cohort_id is not None else None
        zone = welcome.zone or (cohort.timezone if cohort else DEFAULT_COHORT_TIMEZONE)
        planned.append(
            PlannedDelivery(
                key=welcome_key(welcome.team_id, welcome.user_id),
                kind=WELCOME_KIND,
                due_at=welcome.due_at,
                target=UserTarget(welcome.participant_id, welcome.user_id),
                render=partial(build_welcome_message, greeting),
                describe=f"welcome for {welcome.user_id}",
                holding=Holding(
                    zones=(zone,),
                    fallback_zone=zone,
                    working_days=parse_working_days(cohort.working_days if cohort else None),
                ),
                participant_id=welcome.participant_id,
                subject=f"welcome:{welcome.user_id}"[:64],
                on_claim=partial(claim_import_welcome, welcome.participant_id),
            )
        )
    return planned


def until_told(
    session: Session,
    planned: dict[str, PlannedDelivery],
    now: datetime,
    among: Sequence[int] | None = None,
) -> dict[str, PlannedDelivery]:
    """Everything planned, less what goes to people an import has not welcomed yet (or to their
    pairs), and less what came due before such a person was told. `among`: the participant ids
    the plan can reach (one person's preview), so only their welcomes are read."""
    welcomes = import_welcomes(session, now - LOOK_BACK, among=among)
    if not welcomes:
        return planned
    statuses = _statuses(session, welcomes)
    waiting: set[str] = set()
    told: dict[str, datetime] = {}
    for welcome in welcomes:
        status = statuses.get(welcome_key(welcome.team_id, welcome.user_id))
        if _to_send(welcome, status):
            waiting.add(welcome.user_id)
        elif welcome.welcomed_at is not None:
            told[welcome.user_id] = welcome.welcomed_at
    kept: dict[str, PlannedDelivery] = {}
    for key, delivery in planned.items():
        if delivery.kind != WELCOME_KIND:
            people = recipients(delivery.target)
            if any(person in waiting for person in people):
                continue
            told_at = max((told[p] for p in people if p in told), default=None)
            if told_at is not None and delivery.due_at < told_at:
                continue
        kept[key] = delivery
    return kept
