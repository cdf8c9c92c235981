"""One person in two workspaces (an Enterprise Grid org gives them one Slack id in every
workspace): their export and their erasure in one workspace reach only that workspace's data.

Alice is in T1 (paired with Bob) and in T2 (paired with Dan, and a facilitator who nudged Carol
and Erin's pair). The fake Slack names DMs and group DMs by their members, so the same person
has the same DM channel id in both workspaces: a message is told apart by its ts, each one
unique, and by the token each call was made with."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontends.teams import addresses
from models.clock import SettableClock
from models.deliveries import PENDING, Delivery, DirectPost
from models.pairs import Pair
from models.people import Facilitator, Participant
from models.privacy import _in_workspace, _tables, export_data, forget
from tests.conftest import FACILITATOR
from tests.fake_slack import FakeSlack
from tests.fake_teams import TENANT
from tests.slack_http import SlackClientForTests
from tests.teams_http import ALICE, TeamsClientForTests
from tests.test_slack_oauth_http import (  # noqa: F401  (the fixtures)
    SCHOOL_ONE,
    SCHOOL_TWO,
    install_both,
    oauth_settings,
    oauth_url,
    slack,
)

# A second Teams tenant, in which the same Entra id is known too.
OTHER_TENANT = "22222222-2222-4222-8222-222222222222"
# The clock's planned digest for Alice as a T2 facilitator: about her, not yet sent.
T2_DIGEST = "digest:T2:UALICE:planned"


def _two_schools_sharing_alice(client: SlackClientForTests) -> None:
    """UALICE is in T1 and in T2."""
    assert "now buddies" in client.command("pair <@UBOB|x>", user="UALICE", team="T1").text
    client.command("slot thu 16:00", user="UALICE", team="T1")
    said = client.command("action Plan the phonics audit", user="UALICE", team="T1").text
    assert "Recorded action" in said
    assert "now buddies" in client.command("pair <@UDAN|x>", user="UALICE", team="T2").text
    client.command("slot thu 16:00", user="UDAN", team="T2")
    said = client.command("action SECRET T2 safeguarding review", user="UDAN", team="T2").text
    assert "Recorded action" in said


def _alice_facilitates_in_t2(
    client: SlackClientForTests, sessions: sessionmaker[Session], clock: SettableClock
) -> None:
    """In T2 Alice is also a facilitator: she nudged Carol and Erin's pair (a message naming her,
    sent), and the clock has her weekly digest planned (not yet sent)."""
    assert "now buddies" in client.command("pair <@UERIN|x>", user="UCAROL", team="T2").text
    client.command("facilitator add <@UALICE>", user=FACILITATOR, team="T2")
    client.command("nudge <@UCAROL>", user="UALICE", team="T2")
    with sessions() as s:
        alice = s.scalars(
            select(Participant).where(Participant.team_id == "T2", Participant.user_id == "UALICE")
        ).one()
        now = clock.now()
        s.add(
            Delivery(
                key=T2_DIGEST,
                kind="digest",
                participant_id=alice.id,
                subject="digest:UALICE",
                status=PENDING,
                due_at=now + timedelta(days=3),
                next_attempt_at=now + timedelta(days=3),
                created_at=now,
            )
        )
        s.commit()


def press(client: SlackClientForTests, action_id: str, value: str, *, user: str, team: str) -> None:
    """A button pressed in `team` (`slack.block_action` always uses the default team)."""
    payload = {
        "type": "block_actions",
        "team": {"id": team, "domain": "school"},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b",
                "value": value,
                "action_ts": "1700000000.1",
            }
        ],
        "response_url": client.response_url,
        "channel": {"id": "CCOHORT", "name": "cohort"},
        "message": {"ts": "1700000000.000100", "text": "", "blocks": []},
        "container": {
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": "CCOHORT",
        },
    }
    assert client.interaction(payload).status == 200


def _export(client: SlackClientForTests, fake_slack: FakeSlack, team: str) -> dict[str, Any]:
    fake_slack.uploads.clear()
    client.command("export me", user="UALICE", team=team)
    found = json.loads(next(v for v in fake_slack.uploads.values() if v.startswith(b"{")))
    assert isinstance(found, dict)
    return found


def _t2_rows(sessions: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    """Everything of T2's that Alice's erasure in T1 might have reached."""
    with sessions() as s:
        t2_people = select(Participant.id).where(Participant.team_id == "T2")
        t2_pairs = select(Pair.id).where(Pair.team_id == "T2")
        return {
            "pairs": [
                (p.id, p.formed_by, p.group_channel_id)
                for p in s.scalars(select(Pair).where(Pair.team_id == "T2").order_by(Pair.id))
            ],
            "participants": [
                (p.id, p.user_id)
                for p in s.scalars(
                    select(Participant).where(Participant.team_id == "T2").order_by(Participant.id)
                )
            ],
            "facilitators": [
                (f.user_id, f.granted_by)
                for f in s.scalars(
                    select(Facilitator).where(Facilitator.team_id == "T2").order_by(Facilitator.id)
                )
            ],
            "deliveries": [
                (d.id, d.key, d.subject, d.status, d.channel_id, d.message_ts)
                for d in s.scalars(
                    select(Delivery)
                    .where(Delivery.pair_id.in_(t2_pairs) | Delivery.participant_id.in_(t2_people))
                    .order_by(Delivery.id)
                )
            ],
            "direct_posts": [
                (d.id, d.participant_id, d.channel_id, d.message_ts, d.file_id)
                for d in s.scalars(
                    select(DirectPost)
                    .where(DirectPost.participant_id.in_(t2_people))
                    .order_by(DirectPost.id)
                )
            ],
        }


def _t2_messages(sessions: sessionmaker[Session]) -> set[tuple[str, str]]:
    """Where T2's messages are, from T2's own records (its deliveries and direct posts)."""
    rows = _t2_rows(sessions)
    found = {(str(d[4]), str(d[5])) for d in rows["deliveries"] if d[4] and d[5]}
    found |= {(str(d[2]), str(d[3])) for d in rows["direct_posts"] if d[3]}
    return found


def _forget_alice_in_t1(client: SlackClientForTests) -> None:
    client.command("forget me", user="UALICE", team="T1")
    press(client, "buddy_forget_confirm", "UALICE", user="UALICE", team="T1")
    assert "erased your data" in client.told()


# -- export ------------------------------------------------------------------------------------


def test_export_in_one_workspace_holds_only_its_data(
    oauth_url: str,  # noqa: F811
    slack: SlackClientForTests,  # noqa: F811
    fake_slack: FakeSlack,
) -> None:
    install_both(oauth_url, fake_slack)
    _two_schools_sharing_alice(slack)
    data = _export(slack, fake_slack, "T1")
    teams = {r.get("team_id") for rows in data["tables"].values() for r in rows if "team_id" in r}
    assert teams <= {"T1"}, teams
    assert "SECRET T2" not in json.dumps(data)
    # T1's own data is all there.
    assert "Plan the phonics audit" in json.dumps(data)
    assert {r["formed_by"] for r in data["tables"]["pairs"]} == {"UALICE"}


def test_export_holds_no_direct_post_of_the_other_workspace(
    oauth_url: str,  # noqa: F811
    slack: SlackClientForTests,  # noqa: F811
    fake_slack: FakeSlack,
    sessions: sessionmaker[Session],
) -> None:
    install_both(oauth_url, fake_slack)
    _two_schools_sharing_alice(slack)
    t2_messages = _t2_messages(sessions)
    assert t2_messages  # the T2 pair's welcome, at least
    data = _export(slack, fake_slack, "T1")
    posts = {(r["channel_id"], r["message_ts"]) for r in data["tables"].get("direct_posts", [])}
    assert posts, "T1's own posts about Alice are in her export"
    assert not posts & t2_messages, posts & t2_messages
    with sessions() as s:
        t1_alice = s.scalars(
            select(Participant.id).where(
                Participant.team_id == "T1", Participant.user_id == "UALICE"
            )
        ).one()
        t1_people = set(s.scalars(select(Participant.id).where(Participant.team_id == "T1")))
    # Hers, and T1's posts to her pair's DM (its channel id names her).
    assert t1_alice in {r["participant_id"] for r in data["tables"]["direct_posts"]}
    assert {r["participant_id"] for r in data["tables"]["direct_posts"]} <= t1_people


def test_a_post_in_one_workspace_is_recorded_for_its_people_only(
    oauth_url: str,  # noqa: F811
    slack: SlackClientForTests,  # noqa: F811
    fake_slack: FakeSlack,
    sessions: sessionmaker[Session],
) -> None:
    install_both(oauth_url, fake_slack)
    _two_schools_sharing_alice(slack)
    with sessions() as s:
        rows = s.execute(
            select(Participant.team_id, DirectPost.channel_id).join(
                DirectPost, DirectPost.participant_id == Participant.id
            )
        ).all()
    # T2's pair DM (Alice and Dan) is recorded for T2's Alice and Dan, never for T1's Alice.
    assert ("T2", "GUALICE-UDAN") in {tuple(r) for r in rows}
    assert ("T1", "GUALICE-UDAN") not in {tuple(r) for r in rows}


# -- erasure -----------------------------------------------------------------------------------


def test_forget_in_one_workspace_leaves_the_other_alone(
    oauth_url: str,  # noqa: F811
    slack: SlackClientForTests,  # noqa: F811
    fake_slack: FakeSlack,
    sessions: sessionmaker[Session],
) -> None:
    install_both(oauth_url, fake_slack)
    _two_schools_sharing_alice(slack)
    with sessions() as s:
        before = [(p.id, p.formed_by) for p in s.scalars(select(Pair).where(Pair.team_id == "T2"))]
    _forget_alice_in_t1(slack)
    with sessions() as s:
        after = [(p.id, p.formed_by) for p in s.scalars(select(Pair).where(Pair.team_id == "T2"))]
    assert after == before


def test_forget_in_one_workspace_keeps_the_others_records(
    oauth_url: str,  # noqa: F811
    slack: SlackClientForTests,  # noqa: F811
    fake_slack: FakeSlack,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    install_both(oauth_url, fake_slack)
    _two_schools_sharing_alice(slack)
    _alice_facilitates_in_t2(slack, sessions, clock)
    before = _t2_rows(sessions)
    # What the test stands on: T2 has a pending delivery, a facilitator row, a sent nudge and
    # direct posts naming Alice.
    assert T2_DIGEST in {d[1] for d in before["deliveries"]}
    assert ("UALICE", FACILITATOR) in before["facilitators"]
    assert "nudge:UALICE" in {d[2] for d in before["deliveries"]}
    assert {d[2] for d in before["direct_posts"]} >= {"GUALICE-UDAN"}

    _forget_alice_in_t1(slack)

    after = _t2_rows(sessions)
    assert [table for table, rows in before.items() if after[table] != rows] == []


def test_forget_in_one_workspace_clears_none_of_the_others_messages(
    oauth_url: str,  # noqa: F811
    slack: SlackClientForTests,  # noqa: F811
    fake_slack: FakeSlack,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    install_both(oauth_url, fake_slack)
    _two_schools_sharing_alice(slack)
    _alice_facilitates_in_t2(slack, sessions, clock)
    t2_messages = _t2_messages(sessions)
    t2_texts = _texts(fake_slack, t2_messages)
    # The pair's welcome in T2, and the nudge naming Alice.
    assert len(t2_texts) >= 2
    fake_slack.calls.clear()

    _forget_alice_in_t1(slack)

    changed = [
        c for c in fake_slack.calls if c.method in ("chat.delete", "chat.update", "files.delete")
    ]
    assert changed, "T1's messages about Alice are cleared"
    assert {c.token for c in changed} == {SCHOOL_ONE.bot_token}
    assert not fake_slack.calls_with(SCHOOL_TWO.bot_token)
    touched = {(str(c.params.get("channel")), str(c.params.get("ts"))) for c in changed}
    assert not touched & t2_messages, touched & t2_messages
    assert _texts(fake_slack, t2_messages) == t2_texts


def _texts(fake_slack: FakeSlack, where: set[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """The text each of these messages shows now (a deleted one is missing)."""
    return {
        (channel, m["ts"]): m.get("text")
        for channel, messages in fake_slack.conversations().items()
        for m in messages
        if (channel, m["ts"]) in where
    }


def test_forget_in_the_other_workspace_then_erases_her_there(
    oauth_url: str,  # noqa: F811
    slack: SlackClientForTests,  # noqa: F811
    fake_slack: FakeSlack,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    """Each workspace's erasure is whole for its own data: after T1's, T2's still clears T2."""
    install_both(oauth_url, fake_slack)
    _two_schools_sharing_alice(slack)
    _alice_facilitates_in_t2(slack, sessions, clock)
    _forget_alice_in_t1(slack)
    slack.command("forget me", user="UALICE", team="T2")
    press(slack, "buddy_forget_confirm", "UALICE", user="UALICE", team="T2")
    assert "erased your data" in slack.told()
    rows = _t2_rows(sessions)
    assert "UALICE" not in {p[1] for p in rows["participants"]}
    assert "UALICE" not in {f[0] for f in rows["facilitators"]}
    assert T2_DIGEST not in {d[1] for d in rows["deliveries"]}
    assert {p[1] for p in rows["pairs"]} <= {"UCAROL", "erased"}


# -- Teams: a tenant is a workspace ------------------------------------------------------------


def test_erasure_in_one_tenant_keeps_the_same_person_known_in_another(
    teams: TeamsClientForTests, sessions: sessionmaker[Session], clock: SettableClock
) -> None:
    """Where a Teams person is (their addresses, kept by tenant) is erased with them in that
    tenant only: a participant with the same id in another tenant takes nothing of this one."""
    teams.post(teams.message("hi", ALICE))
    now = clock.now()
    with sessions() as s:
        elsewhere = Participant(team_id=OTHER_TENANT, user_id=ALICE.aad, created_at=now)
        s.add(elsewhere)
        s.flush()
        assert "teams_people" not in export_data(s, elsewhere)
        forget(s, elsewhere, now, by_facilitator=False)
        s.commit()
    with sessions() as s:
        assert addresses.person(s, TENANT, ALICE.aad) is not None
        here = Participant(team_id=TENANT, user_id=ALICE.aad, created_at=now)
        s.add(here)
        s.flush()
        assert "teams_people" in export_data(s, here)
        forget(s, here, now, by_facilitator=False)
        s.commit()
    with sessions() as s:
        assert addresses.person(s, TENANT, ALICE.aad) is None


# -- which tables are a workspace's --------------------------------------------------------------


def test_only_the_apps_own_bookkeeping_is_in_no_workspace() -> None:
    """Export and erasure read a table's rows naming the person only within their workspace; a
    table whose rows have no workspace (neither a column nor a key leading to one) is never read
    by name. Such a table must hold nobody's data: a new one holding people's data needs a
    `team_id` (or a key to a row that has one), or erasure would leave it behind."""
    without = {t.name for t in _tables() if _in_workspace(t, "T1") is None}
    assert without == {
        "clock_due",  # the clock's next moments, by kind and row id
        "handled_requests",  # Slack's trigger and event ids, to answer each once
        "slack_calls",  # rate-limited methods
        "slack_pauses",
        "teams_copies",  # where each copy of a pair message went: found from the delivery
    }
