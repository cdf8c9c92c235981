"""First contact creates a participant once; facilitators come from settings or grants."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.people import (
    Facilitator,
    Participant,
    default_cohort,
    ensure_participant,
    is_facilitator,
)
from tests.conftest import DEFAULT_NOW


def test_first_contact_creates_the_participant_once(session: Session) -> None:
    first = ensure_participant(session, "T1", "UALICE", DEFAULT_NOW)
    again = ensure_participant(session, "T1", "UALICE", DEFAULT_NOW)
    session.commit()
    assert first.id == again.id
    assert session.scalar(select(func.count()).select_from(Participant)) == 1


def test_default_cohort_is_shared_and_in_london(session: Session) -> None:
    cohort = default_cohort(session, "T1", DEFAULT_NOW)
    assert default_cohort(session, "T1", DEFAULT_NOW).id == cohort.id
    assert cohort.timezone == "Europe/London"


def test_facilitators_from_settings_and_from_grants(session: Session) -> None:
    session.add(
        Facilitator(team_id="T1", user_id="UGRANT", granted_by="UF", created_at=DEFAULT_NOW)
    )
    session.flush()
    assert is_facilitator(session, frozenset({"UF"}), "T1", "UF")
    assert is_facilitator(session, frozenset({"UF"}), "T1", "UGRANT")
    assert not is_facilitator(session, frozenset({"UF"}), "T1", "UALICE")
