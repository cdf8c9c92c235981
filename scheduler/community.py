"""Community sessions through the outbox: the prep DM two days before, each protocol stage in the
channel at its minute, and the session record in the thread under the close.

One delivery key per session, start and stage, so each post goes out once across restarts and
clocks; a session moved or stopped simply stops planning the posts still to come. Quiet hours and
the weekend hold the prep DM (a proactive nudge), never the protocol: the group chose the time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.orm import Session

from handlers.views.community import build_prep_message, build_record_message, build_stage_message
from models.community.protocol import Stage
from models.community.sessions import SessionPlan, plans_between, saved_actions
from models.deliveries import COMMUNITY_RECORD_KIND, community_subject, sent_messages
from models.quiet_hours import WORKING_DAYS, event_working_days
from scheduler.planning import (
    ChannelTarget,
    Holding,
    PlannedDelivery,
    Scope,
    Subjects,
    UserTarget,
    planned_until,
)

PREP_BEFORE = timedelta(days=2)
LOOKBACK = timedelta(days=1)
RECORD_USEFUL_FOR = timedelta(days=1)
STAGE_KIND = "community-stage"
CLOSE_KIND = "community-close"
RECORD_KIND = COMMUNITY_RECORD_KIND
PREP_KIND = "community-prep"


def session_key(kind: str, plan: SessionPlan, part: str) -> str:
    return f"{kind}:session={plan.session_id}:at={plan.starts_at.strftime('%Y%m%dT%H%MZ')}:{part}"


def plan_community(
    session: Session, now: datetime, scope: Scope | None = None, *, only: Subjects | None = None
) -> Sequence[PlannedDelivery]:
    """Every group's sessions near `now` (with a scope: the prep DMs of the person's groups'
    sessions up to their preview's end; the protocol's posts are the channel's, no one person's;
    `only`: the groups a pass has due).
    """
    if only is not None and not only.group_ids:
        return []
    groups = sorted(only.group_ids) if only is not None else None
    planned: list[PlannedDelivery] = []
    end = planned_until(now, scope) + PREP_BEFORE + timedelta(days=1)
    member = scope.participant_id if scope is not None else None
    for plan in plans_between(
        session, now - LOOKBACK, end, member, drawn=scope is None, groups=groups
    ):
        if plan.stopped or not plan.runs:
            continue  # stopped, or too few left to run it (the group was told): nothing posted
        if plan.started_by is None:
            planned.extend(_prep(plan))
        if scope is None:  # the channel's posts go to no one person
            planned.extend(_stages(plan))
            planned.extend(_record(session, plan))
    return planned


def _describe(plan: SessionPlan) -> str:
    return f"community session {plan.session_id} in {plan.channel_id}"


def _prep(plan: SessionPlan) -> list[PlannedDelivery]:
    return [
        PlannedDelivery(
            key=session_key(PREP_KIND, plan, f"user={user_id}"),
            kind=PREP_KIND,
            due_at=plan.starts_at - PREP_BEFORE,
            target=UserTarget(plan.participant_ids[user_id], user_id),
            render=partial(build_prep_message, plan, user_id),
            describe=f"{user_id} for {_describe(plan)}",
            holding=Holding(
                zones=(plan.timezone,),
                fallback_zone=plan.timezone,
                # A group has no cohort: Monday to Friday, unless the session is at the weekend.
                working_days=event_working_days(plan.starts_at, (plan.timezone,), WORKING_DAYS),
            ),
            expires_at=plan.starts_at,
            participant_id=plan.participant_ids[user_id],
            subject=community_subject(plan.session_id),
        )
        for user_id in plan.members
        if user_id in plan.participant_ids
    ]


def _stages(plan: SessionPlan) -> list[PlannedDelivery]:
    return [_stage(plan, stage) for stage in plan.stages]


def _stage(plan: SessionPlan, stage: Stage) -> PlannedDelivery:
    kind = CLOSE_KIND if stage.kind == "close" else STAGE_KIND
    return PlannedDelivery(
        key=session_key("community", plan, f"stage={stage.key}"),
        kind=kind,
        due_at=plan.at(stage),
        target=ChannelTarget(plan.channel_id),
        render=partial(build_stage_message, plan, stage),
        describe=f"{stage.key} of {_describe(plan)}",
        # A stage is worth posting until it ends; after that its moment has passed.
        expires_at=plan.starts_at + timedelta(minutes=stage.end),
        subject=community_subject(plan.session_id),
    )


def _record(session: Session, plan: SessionPlan) -> list[PlannedDelivery]:
    """At the end of the hour, in the thread under the close (once the close is posted)."""
    closes = sent_messages(session, community_subject(plan.session_id), [CLOSE_KIND])
    if not closes:
        return []
    channel, ts = closes[-1]
    session_id = plan.session_id
    return [
        PlannedDelivery(
            key=session_key("community", plan, "record"),
            kind=RECORD_KIND,
            due_at=plan.ends_at,
            target=ChannelTarget(channel),
            render=partial(build_record_message, plan, saved_actions(session, session_id), ts),
            describe=f"record of {_describe(plan)}",
            expires_at=plan.ends_at + RECORD_USEFUL_FOR,
            subject=community_subject(plan.session_id),
        )
    ]
