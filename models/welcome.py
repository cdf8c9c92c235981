"""A person's first contact with Buddy (any command, or being paired) earns one welcome, ever.

Claimed atomically: of two first requests at once, one update finds `welcomed_at` still empty."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from models.pairs import pair_of
from models.people import Participant, ensure_participant, participants_by_user_id


def claim_welcome(session: Session, participant: Participant, now: datetime) -> bool:
    """True for the one caller that marks this person welcomed; False if anyone already did."""
    result = session.execute(
        update(Participant)
        .where(Participant.id == participant.id, Participant.welcomed_at.is_(None))
        .values(welcomed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def to_welcome(
    session: Session, team_id: str, caller: str, named: Sequence[str], now: datetime
) -> list[str]:
    """Who is meeting Buddy for the first time: the caller, and anyone the command named whom it
    just paired (`pair` or `match`: a pair the caller formed at the command's own moment). A
    refused command pairs nobody, so the people it named hear nothing, even if others (or an
    import) paired them before. Each is claimed here, once, in id order as pairing locks people,
    so that a welcome and a pairing at the same moment never wait for each other in a circle."""
    people = [ensure_participant(session, team_id, caller, now)]
    found = participants_by_user_id(session, team_id, [u for u in named if u != caller])
    people.extend(p for p in found.values() if not p.is_bot and _paired_by(session, p, caller, now))
    people.sort(key=lambda p: p.id)
    return [p.slack_user_id for p in people if claim_welcome(session, p, now)]


def _paired_by(session: Session, participant: Participant, caller: str, now: datetime) -> bool:
    """Whether the participant's pair is the one `caller`'s command formed at `now`."""
    pair = pair_of(session, participant)
    return pair is not None and pair.formed_by == caller and pair.created_at == now
