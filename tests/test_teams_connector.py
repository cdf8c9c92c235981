"""Sending to Teams through the Bot Connector, as the clock and after-answer work do: the bot's
token got once over TLS through the proxy, personal chats opened once, posts, thread replies,
updates, uploads; and each way a send can fail told apart, as the outbox needs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from frontends.teams import addresses
from frontends.teams.connector import TeamsConnector, kind_of
from frontends.teams.sdk import TeamsRuntime, create_runtime
from scheduler.ports import SendFailure
from tests.fake_teams import APP_ID, TENANT, FakeTeams
from tests.teams_fixtures import teams_settings_for
from tests.teams_http import ALICE, CHANNEL_ID, TeamsClientForTests

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def connector(teams_runtime: TeamsRuntime) -> TeamsConnector:
    return TeamsConnector(teams_runtime)


def test_many_sends_need_one_token_got_over_tls_through_the_proxy(
    connector: TeamsConnector, fake_teams: FakeTeams
) -> None:
    svc = fake_teams.service_url
    ids = [connector.post(svc, "a:chat", f"message {n}") for n in range(3)]
    assert all(ids) and len(set(ids)) == 3
    assert len(fake_teams.token_requests) == 1
    request = fake_teams.token_requests[0]
    assert request["client_id"] == APP_ID
    assert request["grant_type"] == "client_credentials"
    assert request["scope"] == "https://api.botframework.com/.default"
    # MSAL's instance discovery reached login.microsoftonline.com only by the proxy's tunnel.
    assert "CONNECT login.microsoftonline.com:443" in fake_teams.proxied
    assert len(fake_teams.discovery_requests) == 1
    assert [c.path for c in fake_teams.calls] == ["/v3/conversations/a:chat/activities"] * 3
    assert all(c.authorized for c in fake_teams.calls)
    assert [c.body["text"] for c in fake_teams.calls] == [f"message {n}" for n in range(3)]


def test_a_card_is_posted_as_an_adaptive_card_attachment(
    connector: TeamsConnector, fake_teams: FakeTeams
) -> None:
    from microsoft_teams.cards import AdaptiveCard, TextBlock

    card = AdaptiveCard(body=[TextBlock(text="Your buddy meeting is at 16:00", wrap=True)])
    connector.post(fake_teams.service_url, "a:chat", card)
    (call,) = fake_teams.posted()
    (attachment,) = call.body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["content"]["body"][0]["text"] == "Your buddy meeting is at 16:00"


def test_a_reply_goes_in_the_channel_thread(
    connector: TeamsConnector, fake_teams: FakeTeams
) -> None:
    connector.reply(fake_teams.service_url, CHANNEL_ID, "1700000000000001", "In the thread")
    (call,) = fake_teams.posted()
    assert call.path == f"/v3/conversations/{CHANNEL_ID};messageid=1700000000000001/activities"
    with pytest.raises(SendFailure) as refused:
        connector.reply(fake_teams.service_url, CHANNEL_ID, "not-a-number", "x")
    assert kind_of(refused.value) == "permanent"


def test_an_update_replaces_the_message_in_place(
    connector: TeamsConnector, fake_teams: FakeTeams
) -> None:
    connector.update(fake_teams.service_url, "a:chat", "1700000000000042", "Done, thanks")
    (call,) = fake_teams.updated()
    assert call.path == "/v3/conversations/a:chat/activities/1700000000000042"
    assert call.body["id"] == "1700000000000042"
    assert call.body["text"] == "Done, thanks"


def test_a_personal_chat_is_opened_once_and_kept(
    teams: TeamsClientForTests,
    connector: TeamsConnector,
    fake_teams: FakeTeams,
    sessions: sessionmaker[Session],
) -> None:
    """Someone Buddy heard from in a channel only: the chat is opened, kept, and reused."""
    assert teams.post(teams.channel_mention("hello")).status == 200
    with sessions() as session:
        person = addresses.person(session, TENANT, ALICE.aad)
        assert person is not None and person.personal_conversation_id is None
        first = connector.open_personal_chat(session, person, NOW)
        session.commit()
    with sessions() as session:
        person = addresses.person(session, TENANT, ALICE.aad)
        assert person is not None
        assert connector.open_personal_chat(session, person, NOW) == first
    (created,) = fake_teams.created()
    assert created.body["members"] == [{"id": ALICE.user_id}]
    assert created.body["tenantId"] == TENANT
    assert created.body["channelData"] == {"tenant": {"id": TENANT}}
    assert created.body["bot"] == {"id": f"28:{APP_ID}"}
    assert created.body["isGroup"] is False


def test_a_file_is_uploaded_with_its_content_range(
    connector: TeamsConnector, fake_teams: FakeTeams
) -> None:
    data = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    connector.upload(fake_teams.upload_url("slot.ics"), data)
    assert fake_teams.uploads["slot.ics"] == data
    assert (
        fake_teams.upload_headers["slot.ics"]["content-range"]
        == f"bytes 0-{len(data) - 1}/{len(data)}"
    )


@pytest.mark.parametrize(
    ("status", "headers", "kind", "retry_after"),
    [
        (429, {"Retry-After": "7"}, "retry", 7.0),
        (429, {}, "retry", 30.0),
        (412, {}, "retry", None),
        (502, {}, "retry", None),
        (503, {"Retry-After": "2"}, "retry", 2.0),
        (504, {}, "retry", None),
        (500, {}, "ambiguous", None),
        (400, {}, "permanent", None),
        (403, {}, "permanent", None),
        (404, {}, "permanent", None),
    ],
)
def test_each_failure_is_told_apart(
    status: int,
    headers: dict[str, str],
    kind: str,
    retry_after: float | None,
    connector: TeamsConnector,
    fake_teams: FakeTeams,
) -> None:
    fake_teams.fail_next(status, headers)
    with pytest.raises(SendFailure) as failed:
        connector.post(fake_teams.service_url, "a:chat", "hello")
    assert kind_of(failed.value) == kind
    assert failed.value.retry_after_seconds == retry_after
    assert len(fake_teams.posted()) == 1  # tried once: the outbox decides about any retry


def test_an_update_answered_429_is_retried_later_and_then_succeeds(
    connector: TeamsConnector, fake_teams: FakeTeams
) -> None:
    fake_teams.fail_next(429, {"Retry-After": "1"})
    with pytest.raises(SendFailure) as failed:
        connector.update(fake_teams.service_url, "a:chat", "1700000000000042", "v2")
    assert kind_of(failed.value) == "retry"
    connector.update(fake_teams.service_url, "a:chat", "1700000000000042", "v2")
    assert len(fake_teams.updated()) == 2


def test_a_connection_dropped_after_the_post_went_may_have_arrived(
    connector: TeamsConnector, fake_teams: FakeTeams
) -> None:
    fake_teams.drop_next()
    with pytest.raises(SendFailure) as failed:
        connector.post(fake_teams.service_url, "a:chat", "hello")
    assert kind_of(failed.value) == "ambiguous"
    assert len(fake_teams.posted()) == 1  # the fake had it


def test_a_post_answered_too_late_may_have_arrived(
    fake_teams: FakeTeams, monkeypatch: pytest.MonkeyPatch
) -> None:
    import frontends.teams.sdk as sdk

    monkeypatch.setattr(sdk, "HTTP_TIMEOUT_SECONDS", 0.5)
    runtime = create_runtime(teams_settings_for(fake_teams))
    connector = TeamsConnector(runtime)
    connector.post(fake_teams.service_url, "a:chat", "warm up")  # the token, got in time
    fake_teams.slow_next()
    try:
        with pytest.raises(SendFailure) as failed:
            connector.post(fake_teams.service_url, "a:chat", "hello")
    finally:
        fake_teams.release()
    assert kind_of(failed.value) == "ambiguous"


def test_a_connector_that_cannot_be_reached_is_retried_later(
    connector: TeamsConnector, fake_teams: FakeTeams
) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"https://127.0.0.1:{s.getsockname()[1]}/teams/"
    connector.post(fake_teams.service_url, "a:chat", "warm up")
    with pytest.raises(SendFailure) as failed:
        connector.post(closed, "a:chat", "hello")
    assert kind_of(failed.value) == "retry"


def test_a_token_refused_is_retried_later_and_nothing_reaches_the_connector(
    fake_teams: FakeTeams,
) -> None:
    runtime = create_runtime(teams_settings_for(fake_teams))
    connector = TeamsConnector(runtime)
    fake_teams.fail_token_next(401, "invalid_client")
    with pytest.raises(SendFailure) as failed:
        connector.post(fake_teams.service_url, "a:chat", "hello")
    assert kind_of(failed.value) == "retry"
    assert fake_teams.calls == []
