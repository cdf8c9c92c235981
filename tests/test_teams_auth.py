"""POST /api/messages lets in only what Bot Framework signed for Buddy (docs TEAMS.md): every
other request gets 401, and nothing is run, stored or sent for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from frontends.teams.addresses import TeamsChannel, TeamsPerson
from tests.fake_teams import APP_ID, TENANT, FakeTeams
from tests.teams_http import ALICE, CHANNEL_ID, TEAM_ID, TeamsClientForTests


def rows(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        people = session.scalar(select(func.count()).select_from(TeamsPerson)) or 0
        channels = session.scalar(select(func.count()).select_from(TeamsChannel)) or 0
        return people + channels


def test_a_good_token_is_answered_and_the_sender_is_kept(
    teams: TeamsClientForTests, sessions: sessionmaker[Session], fake_teams: FakeTeams
) -> None:
    result = teams.post(teams.message("hello", timezone="America/New_York"))
    assert result.status == 200
    with sessions() as session:
        person = session.scalars(select(TeamsPerson)).one()
    assert (person.tenant_id, person.aad_object_id) == (TENANT, ALICE.aad)
    assert person.user_id == ALICE.user_id
    assert person.display_name == "Alice Example"
    assert person.service_url == fake_teams.service_url
    assert person.personal_conversation_id == ALICE.personal_chat
    assert person.timezone == "America/New_York"
    assert fake_teams.calls == []  # no listener answers a message yet: nothing is sent


def test_a_channel_mention_keeps_the_channel_and_its_team(
    teams: TeamsClientForTests, sessions: sessionmaker[Session]
) -> None:
    assert teams.post(teams.channel_mention("help")).status == 200
    with sessions() as session:
        channel = session.scalars(select(TeamsChannel)).one()
        person = session.scalars(select(TeamsPerson)).one()
    assert (channel.tenant_id, channel.team_id, channel.channel_id) == (TENANT, TEAM_ID, CHANNEL_ID)
    # A channel is not their personal chat: none is known yet.
    assert person.personal_conversation_id is None


def _bad_requests(fake: FakeTeams) -> dict[str, Callable[[TeamsClientForTests], Any]]:
    svc = fake.service_url

    def with_token(token: str) -> Callable[[TeamsClientForTests], Any]:
        return lambda teams: teams.post(teams.message("hi"), token=token)

    def no_service_url(teams: TeamsClientForTests) -> Any:
        activity = teams.message("hi")
        del activity["serviceUrl"]
        return teams.post(activity, token=fake.token(service_url=svc))

    return {
        "no token": lambda teams: teams.post(teams.message("hi"), unsigned=True),
        "not bearer": lambda teams: teams.post(teams.message("hi"), authorization="Basic abc"),
        "garbage": lambda teams: teams.post(teams.message("hi"), authorization="Bearer not.a.jwt"),
        "another signer": with_token(fake.token(key=fake.other_key)),
        "unknown kid": with_token(fake.token(kid="someone-elses-key")),
        "expired beyond leeway": with_token(fake.token(expires_in=-301 - 60)),
        "wrong audience": with_token(fake.token(audience="another-bot")),
        "wrong issuer": with_token(fake.token(issuer="https://api.evil.test")),
        "issuer under the login url": with_token(fake.token(issuer=fake.base_url + "/t/v2.0")),
        "serviceurl claim differs": with_token(
            fake.token(service_url="https://evil.example/teams/")
        ),
        "no serviceurl claim": with_token(fake.token(without=("serviceurl",))),
        "no exp": with_token(fake.token(without=("exp",))),
        "body without serviceUrl": no_service_url,
    }


BAD = [
    "no token",
    "not bearer",
    "garbage",
    "another signer",
    "unknown kid",
    "expired beyond leeway",
    "wrong audience",
    "wrong issuer",
    "issuer under the login url",
    "serviceurl claim differs",
    "no serviceurl claim",
    "no exp",
    "body without serviceUrl",
]


@pytest.mark.parametrize("case", BAD)
def test_a_request_bot_framework_did_not_sign_for_buddy_gets_401_and_does_nothing(
    case: str,
    teams: TeamsClientForTests,
    fake_teams: FakeTeams,
    sessions: sessionmaker[Session],
) -> None:
    result = _bad_requests(fake_teams)[case](teams)
    assert result.status == 401
    assert "Traceback" not in result.body
    assert rows(sessions) == 0
    assert fake_teams.calls == []
    assert fake_teams.token_requests == []


@pytest.mark.parametrize("case", BAD)
def test_an_activity_the_sdk_cannot_read_with_a_bad_token_gets_401_too(
    case: str, teams: TeamsClientForTests, fake_teams: FakeTeams, sessions: sessionmaker[Session]
) -> None:
    """The unknown-type path checks the token with the SDK's validator as well."""
    original = teams.message

    def unknown(text: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {**original(text, *args, **kwargs), "type": "somethingNew"}

    teams.message = unknown  # type: ignore[method-assign]
    assert _bad_requests(fake_teams)[case](teams).status == 401
    assert rows(sessions) == 0


def test_expired_within_the_leeway_is_still_good(teams: TeamsClientForTests) -> None:
    """Bot Framework allows five minutes of clock skew, as the SDK does."""
    assert teams.post(teams.message("hi"), token=teams.fake.token(expires_in=-60)).status == 200


@pytest.mark.parametrize(
    "body", [b"[1, 2]", b'"text"', b"null", b"{not json", b"\xff\xfe", b""], ids=repr
)
def test_a_body_that_is_not_a_json_object_gets_400_without_a_traceback(
    body: bytes, teams: TeamsClientForTests, sessions: sessionmaker[Session]
) -> None:
    result = teams.post(body)
    assert result.status == 400
    assert "Traceback" not in result.body
    assert rows(sessions) == 0


def test_a_body_larger_than_any_activity_gets_413(teams: TeamsClientForTests) -> None:
    activity = teams.message("x" * (1024 * 1024 + 1))
    assert teams.post(activity).status == 413


@pytest.mark.parametrize(
    "change",
    [
        {"type": "somethingNew"},
        {"type": "invoke", "name": "composeExtension/someday"},
        {"type": "invoke", "name": 42},
        {"from": "not an account"},
    ],
    ids=["unknown type", "unknown invoke", "invoke name not text", "bad sender"],
)
def test_an_activity_buddy_does_not_know_is_answered_200_and_left_alone(
    change: dict[str, Any], teams: TeamsClientForTests, sessions: sessionmaker[Session]
) -> None:
    result = teams.post({**teams.message("hi"), **change})
    assert result.status == 200
    assert rows(sessions) == 0


@pytest.mark.parametrize("action", ["add", "add-upgrade", "remove", "remove-upgrade"])
def test_install_and_upgrade_events_are_answered(
    action: str, teams: TeamsClientForTests, sessions: sessionmaker[Session]
) -> None:
    """Teams sends `add-upgrade` / `remove-upgrade` when an app is updated; the SDK knows only
    add and remove, and would have answered 500."""
    assert teams.post(teams.installation(action)).status == 200
    assert rows(sessions) == 1  # the installer's address is kept


def test_every_kind_of_activity_buddy_receives_is_answered_without_an_error(
    teams: TeamsClientForTests,
) -> None:
    activities = [
        teams.message("help"),
        teams.channel_mention("help"),
        teams.execute("done", {"action": "done", "key": "k1"}),
        teams.task_fetch({"dialog_id": "slot"}),
        teams.task_submit({"action": "slot_save", "day": "thu"}),
        teams.tab_fetch(),
        teams.installation("add"),
        teams.members_added([{"id": f"28:{APP_ID}"}]),
        teams.members_added([ALICE.account()], removed=True),
        teams.file_consent("decline", {"key": "k"}),
    ]
    for activity in activities:
        result = teams.post(activity)
        assert result.status in (200, 201), (activity["type"], activity.get("name"), result)
