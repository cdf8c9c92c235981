"""Who facilitates: BUDDY_FACILITATORS bootstraps, and a facilitator grants the role to others.

Every facilitator-only rule starts with `require_facilitator`, which refuses anyone else before
anything is read or written, naming who the facilitators are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Boolean, cast, delete, literal, null, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.people import Facilitator, FacilitatorSetting, ensure_participant, is_facilitator
from models.refusals import Refusal

ADD_EXAMPLE = "facilitator add @Sam"
REMOVE_EXAMPLE = "facilitator remove @Sam"


def facilitators_of(session: Session, bootstrapped: frozenset[str], team_id: str) -> list[str]:
    """Every facilitator's Slack id: the bootstrapped ones, then those granted, in order."""
    granted = session.scalars(
        select(Facilitator.user_id)
        .where(Facilitator.team_id == team_id)
        .order_by(Facilitator.created_at, Facilitator.id)
    ).all()
    return list(dict.fromkeys([*sorted(bootstrapped), *granted]))


def known_facilitators(session: Session, bootstrapped: frozenset[str], team_id: str) -> set[str]:
    """Everyone Buddy knows facilitates here: the bootstrapped ones it is given, those granted in
    Slack, and those it has seen acting as one (the clock is not given BUDDY_FACILITATORS, but a
    bootstrapped facilitator who has used Buddy is noted in facilitator_settings)."""
    noted = session.scalars(
        select(FacilitatorSetting.user_id).where(
            FacilitatorSetting.team_id == team_id, FacilitatorSetting.active.is_(True)
        )
    )
    return {*facilitators_of(session, bootstrapped, team_id), *noted}


def _naming(people: Sequence[str]) -> str:
    return ", ".join(f"{{{i}}}" for i in range(len(people)))


def require_facilitator(
    session: Session, bootstrapped: frozenset[str], team_id: str, user_id: str, what: str
) -> None:
    """Refuse anyone who is not a facilitator, politely, naming the facilitators."""
    if is_facilitator(session, bootstrapped, team_id, user_id):
        note_facilitator(session, team_id, user_id, None)
        return
    people = facilitators_of(session, bootstrapped, team_id)
    if people:
        who = f" The facilitators here are {_naming(people)}: please ask one of them."
    else:
        who = " There are no facilitators yet; they are set with BUDDY_FACILITATORS."
    raise Refusal(
        f"Sorry, only facilitators can {what}, so nothing was changed.{who}", people=people
    )


def note_facilitator(session: Session, team_id: str, user_id: str, now: datetime | None) -> None:
    """Remember that this person is a facilitator, so the clock can send them the digest."""
    found = session.scalar(
        select(FacilitatorSetting).where(
            FacilitatorSetting.team_id == team_id, FacilitatorSetting.user_id == user_id
        )
    )
    if found is not None:
        found.active = True
        return
    if now is None:
        return
    try:
        with session.begin_nested():
            session.add(
                FacilitatorSetting(
                    team_id=team_id,
                    user_id=user_id,
                    digest_enabled=True,
                    active=True,
                    updated_at=now,
                )
            )
    except IntegrityError:
        pass  # another request noted them a moment ago


def grant(
    session: Session,
    bootstrapped: frozenset[str],
    team_id: str,
    actor: str,
    user_id: str,
    now: datetime,
) -> bool:
    """`/buddy facilitator add @x`; False when they already were one."""
    require_facilitator(session, bootstrapped, team_id, actor, "add facilitators")
    if is_facilitator(session, bootstrapped, team_id, user_id):
        return False
    session.add(Facilitator(team_id=team_id, user_id=user_id, granted_by=actor, created_at=now))
    ensure_participant(session, team_id, user_id, now)
    note_facilitator(session, team_id, user_id, now)
    session.flush()
    return True


def revoke(
    session: Session, bootstrapped: frozenset[str], team_id: str, actor: str, user_id: str
) -> bool:
    """`/buddy facilitator remove @x`; False when they were not one."""
    require_facilitator(session, bootstrapped, team_id, actor, "remove facilitators")
    if user_id in bootstrapped:
        raise Refusal(
            "{0} is a facilitator through the BUDDY_FACILITATORS setting, so only the person who "
            "runs Buddy can remove them there.",
            "facilitators",
            people=[user_id],
        )
    removed = session.execute(
        delete(Facilitator).where(Facilitator.team_id == team_id, Facilitator.user_id == user_id)
    )
    for setting in session.scalars(
        select(FacilitatorSetting).where(
            FacilitatorSetting.team_id == team_id, FacilitatorSetting.user_id == user_id
        )
    ):
        setting.active = False
    return bool(getattr(removed, "rowcount", 0))


def set_digest(
    session: Session,
    bootstrapped: frozenset[str],
    team_id: str,
    user_id: str,
    enabled: bool,
    now: datetime,
) -> None:
    """`/buddy digest off|on`: the facilitator's own weekly digest."""
    require_facilitator(session, bootstrapped, team_id, user_id, "choose a facilitator's digest")
    ensure_participant(session, team_id, user_id, now)
    note_facilitator(session, team_id, user_id, now)
    setting = session.scalar(
        select(FacilitatorSetting).where(
            FacilitatorSetting.team_id == team_id, FacilitatorSetting.user_id == user_id
        )
    )
    assert setting is not None
    setting.digest_enabled = enabled
    setting.updated_at = now


# Where a row of `digest_recipients`'s one statement came from.
SETTING, GRANTED = "setting", "granted"


def digest_recipients(
    session: Session, only: tuple[str, str] | None = None
) -> list[tuple[str, str]]:
    """(team, user) of each facilitator the clock sends a digest to: granted in Slack or seen as
    bootstrapped, still active, digest not turned off. With `only` (a team and user): that
    person, if they are one. Both tables are read in one statement."""
    settings = select(
        literal(SETTING).label("source"),
        FacilitatorSetting.team_id,
        FacilitatorSetting.user_id,
        FacilitatorSetting.active,
        FacilitatorSetting.digest_enabled,
    )
    granted = select(
        literal(GRANTED),
        Facilitator.team_id,
        Facilitator.user_id,
        cast(null(), Boolean),
        cast(null(), Boolean),
    )
    if only is not None:
        settings = settings.where(
            FacilitatorSetting.team_id == only[0], FacilitatorSetting.user_id == only[1]
        )
        granted = granted.where(Facilitator.team_id == only[0], Facilitator.user_id == only[1])
    found: dict[tuple[str, str], tuple[bool, bool]] = {}
    wanted: set[tuple[str, str]] = set()
    for source, team_id, user_id, active, enabled in session.execute(union_all(settings, granted)):
        key = (str(team_id), str(user_id))
        if source == SETTING:
            found[key] = (bool(active), bool(enabled))
            if active:
                wanted.add(key)
        else:
            wanted.add(key)
    return sorted(key for key in wanted if key not in found or found[key][1])
