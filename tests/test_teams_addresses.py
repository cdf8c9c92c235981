"""Where each Teams person is, kept from what they send: their ids, service URL, personal chat and
latest time zone; and erased with them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from frontends.teams import addresses
from frontends.teams.addresses import TeamsPerson
from models.clock import SettableClock
from models.people import Participant
from models.privacy import export_data, forget
from tests.fake_teams import TENANT
from tests.teams_http import ALICE, BOB, TeamsClientForTests

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def kept(sessions: sessionmaker[Session], aad: str = ALICE.aad) -> TeamsPerson:
    with sessions() as session:
        found = addresses.person(session, TENANT, aad)
        assert found is not None
        return found


def test_the_latest_zone_sent_is_kept_and_a_message_without_one_keeps_it(
    teams: TeamsClientForTests, sessions: sessionmaker[Session], clock: SettableClock
) -> None:
    teams.post(teams.message("hi", timezone="Europe/London"))
    clock.set(NOW + timedelta(hours=1))
    teams.post(teams.message("hi", timezone="Asia/Tokyo"))
    assert kept(sessions).timezone == "Asia/Tokyo"
    teams.post(teams.message("hi", timezone=None))
    person = kept(sessions)
    assert person.timezone == "Asia/Tokyo"
    assert person.updated_at == NOW + timedelta(hours=1)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(TeamsPerson)) == 1


def test_local_timezone_is_read_when_there_is_no_client_info(
    teams: TeamsClientForTests, sessions: sessionmaker[Session]
) -> None:
    activity = teams.message("hi", timezone=None)
    activity["localTimezone"] = "America/Chicago"
    teams.post(activity)
    assert kept(sessions).timezone == "America/Chicago"


def test_a_zone_that_is_not_a_zone_is_not_kept(
    teams: TeamsClientForTests, sessions: sessionmaker[Session]
) -> None:
    for zone in ("Mars/Olympus_Mons", "../../etc/passwd", "x" * 100, 42):
        activity = teams.message("hi", timezone=None)
        activity["localTimezone"] = zone
        teams.post(activity)
    assert kept(sessions).timezone is None


def test_each_person_is_kept_apart_and_found_by_their_29_id(
    teams: TeamsClientForTests, sessions: sessionmaker[Session]
) -> None:
    teams.post(teams.message("hi", ALICE))
    teams.post(teams.installation("add", BOB))
    with sessions() as session:
        bob = addresses.person_by_user_id(session, TENANT, BOB.user_id)
        assert bob is not None and bob.aad_object_id == BOB.aad
        assert bob.personal_conversation_id == BOB.personal_chat
        assert addresses.time_zone(session, TENANT, ALICE.aad) == "Europe/London"
        assert addresses.person(session, "another-tenant", ALICE.aad) is None


def seen(**changes: Any) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "type": "message",
        "serviceUrl": "https://smba.example/teams/",
        "from": {"id": "29:x", "aadObjectId": "aad-x", "name": "X"},
        "conversation": {"id": "a:x", "conversationType": "personal", "tenantId": TENANT},
    }
    activity.update(changes)
    return activity


def test_what_names_no_person_or_tenant_is_not_kept(session: Session) -> None:
    assert addresses.record_activity(session, seen(), NOW) is not None
    for activity in (
        seen(**{"from": {"id": "28:another-bot", "aadObjectId": "aad-bot"}}),
        seen(**{"from": {"id": "29:y"}}),
        seen(conversation={"id": "a:x", "conversationType": "personal"}),
        seen(serviceUrl="http://plain.example/"),
        seen(**{"from": ["not", "a", "mapping"]}),
    ):
        addresses.record_activity(session, activity, NOW)
    assert [p.aad_object_id for p in session.scalars(select(TeamsPerson))] == ["aad-x"]


def test_erasing_a_teams_person_deletes_where_they_were(
    teams: TeamsClientForTests, sessions: sessionmaker[Session]
) -> None:
    """Erasure finds tables generically: the addresses table marks both of its id columns as the
    person's, so a participant known by their aadObjectId (or their 29: id) takes the row away.
    The participant is in the tenant the addresses are (a Teams participant's workspace is its
    tenant): erasure reaches only its own workspace's rows."""
    teams.post(teams.message("hi", ALICE))
    teams.post(teams.message("hi", BOB))
    for key in (ALICE.aad, BOB.user_id):
        with sessions() as session:
            participant = Participant(team_id=TENANT, user_id=key, created_at=NOW)
            session.add(participant)
            session.flush()
            assert "teams_people" in export_data(session, participant)
            forget(session, participant, NOW, by_facilitator=False)
            session.commit()
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(TeamsPerson)) == 0


def test_forget_person_deletes_their_row_only(session: Session) -> None:
    addresses.record_activity(session, seen(), NOW)
    other = seen(**{"from": {"id": "29:y", "aadObjectId": "aad-y", "name": "Y"}})
    addresses.record_activity(session, other, NOW)
    assert addresses.forget_person(session, TENANT, "aad-x") == 1
    assert [p.aad_object_id for p in session.scalars(select(TeamsPerson))] == ["aad-y"]
