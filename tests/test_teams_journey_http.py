"""Buddy in Teams, as a pair and a facilitator live it: over HTTP to the real web process, with
signed activities, and the Bot Connector, Entra and the signing keys faked over TLS.

Alice and Bob pair by typing in their personal chats, set their slot in the dialog, get the prep
nudge, reminder and check-in in each personal chat (a press redrawing both copies), record and
close an action, draft and post a problem in the cohort's channel; the facilitator sees the cohort
on Home and gets the report as files by consent. A bad token is refused with nothing stored."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from handlers.views.community import RESPONSE_ACTION, RESPONSE_BLOCK
from handlers.views.meetings import CHECKIN_OUTCOME_ACTIONS, PREP_DONE_ACTION
from handlers.views.pairs import SLOT_MODAL, SLOT_TIME, SLOT_WEEKDAY, SLOT_ZONE
from handlers.views.problems import AREA_BLOCK, CRITERIA_BLOCK
from models.actions import SOURCE_COMMUNITY, Action
from models.calendar.tables import Module
from models.clock import SettableClock
from models.deliveries import SENT, Delivery
from models.pairs import Pair
from models.people import Participant, default_cohort
from scheduler.runner import build_runner
from tests.adaptive_cards import check_card
from tests.fake_teams import TENANT, ConnectorCall, FakeTeams
from tests.teams_http import ALICE, BOB, CHANNEL_ID, Person, TeamsClientForTests

CAROL = Person("aad-carol", "Carol Facilitator")


def said(call: ConnectorCall) -> str:
    """Everything a person reads in a posted or updated activity: its text and its cards."""
    body = call.body or {}
    texts = [str(body.get("text") or "")]
    for attachment in body.get("attachments") or []:
        content = attachment.get("content")
        texts.append(json.dumps(content))
    return "\n".join(texts)


def cards_in(call: ConnectorCall) -> list[dict[str, Any]]:
    body = call.body or {}
    return [
        a["content"]
        for a in body.get("attachments") or []
        if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
    ]


def to_chat(fake: FakeTeams, person: Person) -> list[ConnectorCall]:
    """What was posted to someone's personal chat."""
    return [c for c in fake.posted() if f"/{person.personal_chat}/" in c.path]


def button_data(card: dict[str, Any], intent: str) -> dict[str, Any]:
    """The data of the button (or dialog opener) for `intent` on a card."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and data.get("action") == intent:
                found.append(data)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    assert found, f"no {intent} button on the card"
    return found[0]


def hello(teams: TeamsClientForTests, *people: Person) -> None:
    """Each person says hello in their personal chat: Buddy now knows where they are."""
    for person in people:
        assert teams.post(teams.message("help", person)).status == 200


def paired(teams: TeamsClientForTests, fake: FakeTeams) -> None:
    hello(teams, ALICE, BOB)
    fake.clear()
    typed = teams.message(f"pair <at>{BOB.name}</at>", ALICE)
    typed["entities"].append(
        {
            "type": "mention",
            "mentioned": {"id": BOB.user_id, "name": BOB.name},
            "text": f"<at>{BOB.name}</at>",
        }
    )
    assert teams.post(typed).status == 200


def test_a_pair_forms_and_sets_its_slot_in_the_dialog(
    teams_buddy: TeamsClientForTests, fake_teams: FakeTeams, sessions: sessionmaker[Session]
) -> None:
    paired(teams_buddy, fake_teams)
    answer = to_chat(fake_teams, ALICE)
    assert any("are now buddies" in said(c) for c in answer)
    # The pair's message reaches each member's own chat: Teams has no group chat for a bot.
    assert any(
        "four roles" in said(c).lower() or "buddy" in said(c) for c in to_chat(fake_teams, BOB)
    )
    with sessions() as session:
        pair = session.scalars(select(Pair)).one()
        assert pair.platform == "teams" and pair.team_id == TENANT

    fake_teams.clear()
    assert teams_buddy.post(teams_buddy.message("slot", ALICE)).status == 200
    [offer] = to_chat(fake_teams, ALICE)
    [card] = cards_in(offer)
    check_card(card)
    opener = button_data(card, "buddy_open_form")
    opened = teams_buddy.post(teams_buddy.task_fetch(opener, ALICE))
    assert opened.status == 200
    task = opened.json()["task"]
    assert task["type"] == "continue"
    dialog = task["value"]["card"]["content"]
    check_card(dialog)
    ids = json.dumps(dialog)
    assert SLOT_WEEKDAY in ids and SLOT_TIME in ids and SLOT_ZONE in ids
    submit = button_data(dialog, SLOT_MODAL)

    # A submission with no day is refused under its field, in the same dialog, nothing saved.
    refused = teams_buddy.post(
        teams_buddy.task_submit({**submit, SLOT_TIME: "16:00", SLOT_ZONE: "Europe/London"}, ALICE)
    )
    assert refused.json()["task"]["type"] == "continue"
    assert "Please choose a day." in json.dumps(refused.json())

    fake_teams.clear()
    saved = teams_buddy.post(
        teams_buddy.task_submit(
            {**submit, SLOT_WEEKDAY: "3", SLOT_TIME: "16:00", SLOT_ZONE: "Europe/London"}, ALICE
        )
    )
    assert saved.status == 200
    told = [said(c) for c in to_chat(fake_teams, BOB)]
    assert any("set your fortnightly slot" in t for t in told)
    with sessions() as session:
        pair = session.scalars(select(Pair)).one()
        assert pair.slot_weekday == 3 and pair.slot_timezone == "Europe/London"


def test_the_clock_nudges_each_member_and_a_press_redraws_both_copies(
    teams_buddy: TeamsClientForTests,
    fake_teams: FakeTeams,
    sessions: sessionmaker[Session],
    teams_settings: Settings,
    clock: SettableClock,
) -> None:
    paired(teams_buddy, fake_teams)
    assert teams_buddy.post(teams_buddy.message("slot thu 16:00", ALICE)).status == 200
    assert teams_buddy.post(teams_buddy.message("format video https://meet.example.org/ab", ALICE))
    with sessions() as session:
        cohort = default_cohort(session, TENANT, clock.now())
        session.add(
            Module(
                cohort_id=cohort.id,
                code="B2",
                title="Developing effective professional development",
                insight_module="B1",
                starts_on=date(2026, 11, 23),
            )
        )
        session.commit()
    runner = build_runner(teams_settings, clock, sessions=sessions)
    fake_teams.clear()
    clock.set(datetime(2026, 11, 24, 16, 0, tzinfo=UTC))  # two days before Thu 26 Nov, 16:00
    runner.run_pass()
    preps = [c for c in fake_teams.posted() if "insight module B1" in said(c)]
    assert {c.path.split("/")[3] for c in preps} == {ALICE.personal_chat, BOB.personal_chat}
    [card] = cards_in(preps[0])
    check_card(card)
    done = button_data(card, PREP_DONE_ACTION)

    # Alice presses "I've completed B1": her card is answered, and both copies are redrawn.
    fake_teams.clear()
    pressed = teams_buddy.post(teams_buddy.execute(PREP_DONE_ACTION, done, ALICE))
    assert pressed.status == 200
    redrawn = {c.path.split("/")[3] for c in fake_teams.updated()}
    assert redrawn == {ALICE.personal_chat, BOB.personal_chat}
    assert all("has completed" in said(c) for c in fake_teams.updated())

    # The reminder a quarter of an hour before, and the check-in an hour after, to both.
    fake_teams.clear()
    clock.set(datetime(2026, 11, 26, 15, 45, tzinfo=UTC))
    runner.run_pass()
    reminders = [c for c in fake_teams.posted() if "meet.example.org/ab" in said(c)]
    assert len(reminders) == 2
    fake_teams.clear()
    clock.set(datetime(2026, 11, 26, 18, 0, tzinfo=UTC))  # an hour after it ends
    runner.run_pass()
    checkins = [c for c in fake_teams.posted() if "How did your buddy meeting" in said(c)]
    assert len(checkins) == 2
    [checkin] = cards_in(checkins[0])
    met = next(k for k, v in CHECKIN_OUTCOME_ACTIONS.items() if v == "met")
    answered = teams_buddy.post(teams_buddy.execute(met, button_data(checkin, met), BOB))
    assert answered.status == 200
    with sessions() as session:
        kinds = session.scalars(select(Delivery.kind).where(Delivery.status == SENT)).all()
    assert sorted(kinds) == ["checkin", "prep", "reminder"]

    # A second clock pass sends nothing again.
    fake_teams.clear()
    runner.run_pass()
    assert fake_teams.posted() == []


def test_actions_are_recorded_listed_and_closed(
    teams_buddy: TeamsClientForTests, fake_teams: FakeTeams, sessions: sessionmaker[Session]
) -> None:
    paired(teams_buddy, fake_teams)
    fake_teams.clear()
    typed = teams_buddy.message("action Try retrieval starters with 9X by fri", ALICE)
    assert teams_buddy.post(typed).status == 200
    assert any("Try retrieval starters" in said(c) for c in to_chat(fake_teams, ALICE))
    fake_teams.clear()
    assert teams_buddy.post(teams_buddy.message("actions", ALICE)).status == 200
    assert any("Open actions" in said(c) for c in to_chat(fake_teams, ALICE))
    fake_teams.clear()
    assert teams_buddy.post(teams_buddy.message("done 1", ALICE)).status == 200
    with sessions() as session:
        action = session.scalars(select(Action)).one()
        assert action.status == "done"
    assert any("Try retrieval starters" in said(c) for c in to_chat(fake_teams, BOB))


def test_a_problem_is_drafted_in_the_dialog_and_posted_in_the_channel(
    teams_buddy: TeamsClientForTests, fake_teams: FakeTeams, sessions: sessionmaker[Session]
) -> None:
    hello(teams_buddy, ALICE)
    fake_teams.clear()
    assert teams_buddy.post(teams_buddy.channel_mention("problem", ALICE)).status == 200
    [offer] = [c for c in fake_teams.posted() if CHANNEL_ID in c.path]
    opener = button_data(cards_in(offer)[0], "buddy_open_form")
    dialog = teams_buddy.post(teams_buddy.task_fetch(opener, ALICE)).json()["task"]
    answers = [
        "Year 9 don't remember last lesson's vocabulary.",
        "Only 4 of 28 recalled five key words on Monday's quiz.",
        "Mixed-attainment class, three lessons a week, after lunch.",
        "They can't join in the discussion without the words.",
    ]
    for typed in answers:
        card = dialog["value"]["card"]["content"]
        check_card(card)
        submit = next(
            a["data"] for a in card.get("actions", []) if a.get("type") == "Action.Submit"
        )
        field = next(e["id"] for e in card["body"] if e.get("type", "").startswith("Input."))
        dialog = teams_buddy.post(teams_buddy.task_submit({**submit, field: typed}, ALICE)).json()[
            "task"
        ]
    review = dialog["value"]["card"]["content"]
    submit = next(a["data"] for a in review["actions"] if a.get("type") == "Action.Submit")
    areas = next(e for e in review["body"] if e.get("id") == AREA_BLOCK)
    fake_teams.clear()
    posted = teams_buddy.post(
        teams_buddy.task_submit(
            {
                **submit,
                CRITERIA_BLOCK: "specific,solvable,controllable",
                AREA_BLOCK: areas["choices"][0]["value"],
            },
            ALICE,
        )
    )
    assert posted.status == 200
    cards_posted = [c for c in fake_teams.posted() if CHANNEL_ID in c.path]
    assert any("Only 4 of 28" in said(c) for c in cards_posted)


@pytest.mark.welcome
def test_the_facilitator_sees_the_cohort_on_home_and_gets_the_report(
    teams_buddy_url: str,
    fake_teams: FakeTeams,
    sessions: sessionmaker[Session],
    teams_settings: Settings,
) -> None:
    teams = TeamsClientForTests(teams_buddy_url + "/api/messages", fake_teams)
    paired(teams, fake_teams)
    hello(teams, CAROL)
    with sessions() as session:
        from models.people import Facilitator

        session.add(
            Facilitator(
                team_id=TENANT,
                user_id=CAROL.aad,
                granted_by="test",
                created_at=datetime(2026, 11, 24, tzinfo=UTC),
            )
        )
        session.commit()
    tab = teams.post(teams.tab_fetch(CAROL))
    assert tab.status == 200
    [home] = tab.json()["tab"]["value"]["cards"]
    check_card(home["card"])
    shown = json.dumps(home["card"])
    assert "Cohort: Everyone" in shown and "**Pairs:** 1" in shown
    # Both were told they are a pair (Teams welcomes first contact as Slack does).
    assert "Welcome pending" not in shown
    assert "<at>Alice Example</at> and <at>Bob Example</at>" in shown  # pairs without a slot

    fake_teams.clear()
    assert teams.post(teams.message("report", CAROL)).status == 200
    consents = [
        a
        for c in to_chat(fake_teams, CAROL)
        for a in (c.body or {}).get("attachments") or []
        if a.get("contentType") == "application/vnd.microsoft.teams.card.file.consent"
    ]
    assert consents, "the report comes as files offered by consent"
    key = consents[0]["content"]["acceptContext"]["key"]
    fake_teams.clear()
    accepted = teams.post(teams.file_consent("accept", {"key": key}, CAROL, name="report.csv"))
    assert accepted.status == 200
    report = fake_teams.uploads["report.csv"].decode()
    assert "Alice" in report and "Bob" in report, report
    assert any(
        a.get("contentType") == "application/vnd.microsoft.teams.card.file.info"
        for c in to_chat(fake_teams, CAROL)
        for a in (c.body or {}).get("attachments") or []
    )


def test_a_bad_token_is_refused_and_nothing_is_stored_or_sent(
    teams_buddy: TeamsClientForTests, fake_teams: FakeTeams, sessions: sessionmaker[Session]
) -> None:
    fake_teams.clear()
    forged = fake_teams.token(extra={"aud": "someone-else"})
    result = teams_buddy.post(teams_buddy.message("pair", ALICE), token=forged)
    assert result.status == 401
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Participant)) == 0
    assert fake_teams.calls == []


def test_a_buddy_removed_from_the_team_ends_the_pair_and_the_other_is_told(
    teams_buddy_url: str, fake_teams: FakeTeams, sessions: sessionmaker[Session]
) -> None:
    teams = TeamsClientForTests(teams_buddy_url + "/api/messages", fake_teams)
    paired(teams, fake_teams)
    fake_teams.clear()
    removed = teams.members_added([BOB.account()], sender=CAROL, removed=True)
    assert teams.post(removed).status == 200
    told = " ".join(said(c) for c in to_chat(fake_teams, ALICE))
    assert "has left the cohort's team in Teams, so your buddy pair has ended" in told
    assert "Slack" not in told
    with sessions() as session:
        assert session.scalars(select(Pair).where(Pair.dissolved_at.is_(None))).all() == []


def naming(activity: dict[str, Any], *people: Person) -> dict[str, Any]:
    """A channel message whose `<at>` names are mentions of `people`, as Teams sends them."""
    for person in people:
        activity["entities"].append(
            {
                "type": "mention",
                "mentioned": {"id": person.user_id, "name": person.name},
                "text": f"<at>{person.name}</at>",
            }
        )
    return activity


def test_a_community_session_runs_its_protocol_in_the_channel_and_saves_a_response(
    teams_buddy: TeamsClientForTests,
    fake_teams: FakeTeams,
    sessions: sessionmaker[Session],
    teams_settings: Settings,
    clock: SettableClock,
) -> None:
    dan = Person("aad-dan", "Dan Example")
    hello(teams_buddy, ALICE, BOB, CAROL, dan)
    members = (ALICE, BOB, CAROL, dan)
    group = " ".join(f"<at>{p.name}</at>" for p in members)
    typed = naming(teams_buddy.channel_mention(f"community group {group}", ALICE), *members)
    assert teams_buddy.post(typed).status == 200
    assert any("community group is" in said(c) for c in fake_teams.posted())
    assert teams_buddy.post(teams_buddy.channel_mention("community start", ALICE)).status == 200

    runner = build_runner(teams_settings, clock, sessions=sessions)
    start = clock.now()
    for minute in range(16):
        clock.set(start + timedelta(minutes=minute))
        runner.run_pass()
    in_channel = [c for c in fake_teams.posted() if CHANNEL_ID in c.path]
    stages = "\n".join(said(c) for c in in_channel)
    assert "Problem owner 1" in stages and "Response (2 mins, 14-16)" in stages
    assert "Slack" not in stages
    response = next(c for c in in_channel if "Response (2 mins, 14-16)" in said(c))
    opener = button_data(cards_in(response)[0], RESPONSE_ACTION)
    dialog = teams_buddy.post(teams_buddy.task_fetch(opener, ALICE)).json()["task"]
    assert dialog["type"] == "continue"
    card = dialog["value"]["card"]["content"]
    check_card(card)
    assert "I think my next action will be..." in json.dumps(card)
    submit = next(a["data"] for a in card["actions"] if a.get("type") == "Action.Submit")
    saved = teams_buddy.post(
        teams_buddy.task_submit({**submit, RESPONSE_BLOCK: "Try retrieval <starters>"}, ALICE)
    )
    assert saved.status == 200
    with sessions() as session:
        [action] = session.scalars(select(Action))
        assert action.source == SOURCE_COMMUNITY and action.text == "Try retrieval <starters>"
