"""Issue 23, "Imported people hear nothing first": an imported pair is welcomed, each member by
DM with their buddies and the buddy's four roles, when the facilitator chose (now, on a day at
09:00 their time, or never), once, whichever of two clocks or their own first command comes
first; nothing else reaches the pair before its welcome. A facilitator's first contact gets a
facilitator's welcome. The import modal shows its columns and an example file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from bot.settings import Settings
from handlers.views.welcome import FACILITATOR_WELCOME, WHAT_BUDDY_DOES
from models.clock import SettableClock
from models.deliveries import Delivery
from models.guidance import ROLES
from models.pairs import Pair
from models.people import Participant, ensure_participant
from scheduler.runner import PassRunner, build_runner
from tests.block_kit import slack_rule_problems
from tests.conftest import FACILITATOR
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests, message_text

HEADER = "buddy_1,buddy_2,buddy_3,slot\n"
TRIO = ("UALICE", "UBOB", "UCAROL")
GROUP = "GUALICE-UBOB-UCAROL"
HELLO = ":wave: Hello, I'm Buddy."


def at(*args: int) -> datetime:
    """A UTC instant (London is on UTC from November to March)."""
    return datetime(*args, tzinfo=UTC)


def welcomes(fake_slack: FakeSlack, user: str) -> list[dict[str, Any]]:
    """Welcomes in the person's DM: the clock's (opened as D<user>) or a command's (to <user>)."""
    return [
        m
        for channel in (user, f"D{user}")
        for m in fake_slack.messages.get(channel, [])
        if str(m.get("text", "")).startswith(HELLO)
    ]


def one_welcome(fake_slack: FakeSlack, user: str) -> str:
    found = welcomes(fake_slack, user)
    assert len(found) == 1, f"{user} got {len(found)} welcomes"
    return message_text(found[0])


def assert_imported_welcome(text: str, reader: str, buddies: tuple[str, ...]) -> None:
    assert "Your facilitator has put you in a trio with" in text
    for buddy in buddies:
        assert f"<@{buddy}>" in text
    assert f"<@{reader}>" not in text
    assert "The role of the buddy pair is to:" in text
    for role in ROLES:
        assert role in text


def group_messages(fake_slack: FakeSlack) -> list[dict[str, Any]]:
    return fake_slack.messages.get(GROUP, [])


def import_file(
    tmp_path: Path, database_url: str, clock: SettableClock, rows: str, *extra: str
) -> int:
    path = tmp_path / "pairs.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    argv = ["import", "pairs", str(path), "--team", "T1", *extra]
    return main(argv, env={"DATABASE_URL": database_url}, clock=clock)


@pytest.fixture
def clocks(
    settings: Settings, sessions: sessionmaker[Session], clock: SettableClock
) -> tuple[PassRunner, PassRunner]:
    """Two clock processes on one database."""
    return (
        build_runner(settings, clock, sessions=sessions),
        build_runner(settings, clock, sessions=sessions),
    )


def run_at(runner: PassRunner, clock: SettableClock, moment: datetime) -> None:
    clock.set(moment)
    runner.run_pass()


def told_at(sessions: sessionmaker[Session], user: str) -> datetime | None:
    with sessions() as session:
        return session.scalar(select(Participant.welcomed_at).where(Participant.user_id == user))


# -- the welcome, when the facilitator chose ----------------------------------------------------


def test_a_trio_imported_at_nine_is_welcomed_now_once_and_hears_no_prep_first(
    tmp_path: Path,
    database_url: str,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    clocks: tuple[PassRunner, PassRunner],
    fake_slack: FakeSlack,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Imported on Tue 24 Nov at 09:00 with the slot Wednesday 10:00: their first meeting is the
    next morning, so its prep nudge came due on Monday, before they existed. Before the fix,
    the first pass sent that prep nudge and no welcome."""
    clock.set(at(2026, 11, 24, 9, 0))
    assert import_file(tmp_path, database_url, clock, "UALICE,UBOB,UCAROL,wed 10:00\n") == 0
    assert "welcomed now" in capsys.readouterr().out
    first, second = clocks
    for n in range(4):  # the two clocks take turns, ten seconds apart
        run_at((first, second)[n % 2], clock, at(2026, 11, 24, 9, 0, 10 * (n + 1)))

    for reader in TRIO:
        text = one_welcome(fake_slack, reader)
        assert_imported_welcome(text, reader, tuple(u for u in TRIO if u != reader))
        assert "every other Wednesday at 10:00" in text
        assert told_at(sessions, reader) is not None
    assert group_messages(fake_slack) == []  # no prep nudge, before or after the welcome

    run_at(first, clock, at(2026, 11, 25, 9, 45, 10))  # the 15-minute reminder goes as usual
    kinds = [key.split(":")[0] for key in fake_slack.delivery_keys()]
    assert sorted(kinds) == ["reminder", "welcome", "welcome", "welcome"]


def test_a_trio_imported_in_the_modal_is_welcomed_on_the_day_at_nine_their_time(
    slack: SlackClientForTests,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    clocks: tuple[PassRunner, PassRunner],
    fake_slack: FakeSlack,
) -> None:
    """Imported on Tue 24 Nov, to be welcomed on Mon 30 Nov: Carol (Paris) at 09:00 hers, 08:00
    in London; Alice and Bob at 09:00 London. The weekly ask to agree a slot, due on Friday,
    does not reach a pair not yet told it exists; the next one does, a week later."""
    with sessions() as session:
        carol = ensure_participant(session, "T1", "UCAROL", clock.now())
        carol.timezone = "Europe/Paris"
        session.commit()
    view = open_import_modal(slack, fake_slack, "pairs")
    file_id = fake_slack.add_file((HEADER + "UALICE,UBOB,UCAROL,\n").encode())
    answer = slack.view_submission(
        view, modal_state(file_id, "day", date(2026, 11, 30)), user=FACILITATOR
    )
    assert answer.json()["response_action"] == "update"
    result = message_text(last_view(fake_slack, "views.update"))
    assert "Imported 1 pair (3 people)" in result
    assert "welcomed on 2026-11-30 at 09:00 their time" in result

    first, second = clocks
    for moment in (at(2026, 11, 24, 10, 1), at(2026, 11, 27, 10, 0, 10), at(2026, 11, 30, 7, 59)):
        run_at(first, clock, moment)
    assert all(welcomes(fake_slack, u) == [] for u in TRIO)
    assert group_messages(fake_slack) == []  # Friday's slot nudge waited

    run_at(second, clock, at(2026, 11, 30, 8, 0, 10))
    assert [u for u in TRIO if welcomes(fake_slack, u)] == ["UCAROL"]
    run_at(first, clock, at(2026, 11, 30, 9, 0, 10))
    run_at(second, clock, at(2026, 11, 30, 9, 0, 20))
    for reader in TRIO:
        text = one_welcome(fake_slack, reader)
        assert_imported_welcome(text, reader, tuple(u for u in TRIO if u != reader))
        assert "agree a fortnightly slot" in text
    assert group_messages(fake_slack) == []  # Friday's ask came due before they were told

    run_at(first, clock, at(2026, 12, 4, 10, 0, 10))
    [asked] = group_messages(fake_slack)
    assert asked["metadata"]["event_payload"]["delivery_key"].startswith("slot-nudge:")


def test_an_import_welcome_waits_for_the_morning(
    tmp_path: Path,
    database_url: str,
    clock: SettableClock,
    clocks: tuple[PassRunner, PassRunner],
    fake_slack: FakeSlack,
    sessions: sessionmaker[Session],
) -> None:
    clock.set(at(2026, 11, 24, 21, 0))
    assert import_file(tmp_path, database_url, clock, "UALICE,UBOB,,\n") == 0
    first, _ = clocks
    run_at(first, clock, at(2026, 11, 24, 21, 0, 10))
    assert welcomes(fake_slack, "UALICE") == []
    run_at(first, clock, at(2026, 11, 25, 9, 0))
    one_welcome(fake_slack, "UALICE")
    one_welcome(fake_slack, "UBOB")
    with sessions() as session:
        sent = session.scalars(select(Delivery.sent_at).where(Delivery.kind == "welcome")).all()
    assert all(s is not None and s.date() == date(2026, 11, 25) for s in sent)


def test_never_means_the_facilitator_tells_them(
    tmp_path: Path,
    database_url: str,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    clocks: tuple[PassRunner, PassRunner],
    fake_slack: FakeSlack,
) -> None:
    clock.set(at(2026, 11, 24, 10, 0))
    rows = "UALICE,UBOB,,\n"
    assert import_file(tmp_path, database_url, clock, rows, "--welcome", "never") == 0
    first, _ = clocks
    run_at(first, clock, at(2026, 11, 24, 10, 0, 10))
    run_at(first, clock, at(2026, 11, 27, 10, 0, 10))
    assert welcomes(fake_slack, "UALICE") == [] and welcomes(fake_slack, "UBOB") == []
    assert told_at(sessions, "UALICE") == at(2026, 11, 24, 10, 0)
    # Counted as told, so the weekly ask to agree a slot goes as for any pair.
    [asked] = fake_slack.messages["GUALICE-UBOB"]
    assert asked["metadata"]["event_payload"]["delivery_key"].startswith("slot-nudge:")


@pytest.mark.welcome
def test_a_first_command_before_the_day_welcomes_that_person_once(
    tmp_path: Path,
    database_url: str,
    slack: SlackClientForTests,
    clock: SettableClock,
    clocks: tuple[PassRunner, PassRunner],
    fake_slack: FakeSlack,
) -> None:
    clock.set(at(2026, 11, 24, 10, 0))
    rows = "UALICE,UBOB,UCAROL,\n"
    assert import_file(tmp_path, database_url, clock, rows, "--welcome", "2026-11-30") == 0
    clock.set(at(2026, 11, 25, 11, 0))
    slack.command("status", user="UALICE")
    text = one_welcome(fake_slack, "UALICE")  # at once, with her buddies and the four roles
    assert_imported_welcome(text, "UALICE", ("UBOB", "UCAROL"))

    first, second = clocks
    run_at(first, clock, at(2026, 11, 30, 9, 0, 10))
    run_at(second, clock, at(2026, 11, 30, 9, 0, 20))
    for reader in TRIO:
        one_welcome(fake_slack, reader)
    slack.command("next", user="UBOB")
    one_welcome(fake_slack, "UBOB")


@pytest.mark.welcome
def test_a_welcome_slack_refused_once_is_sent_later_and_only_once(
    tmp_path: Path,
    database_url: str,
    slack: SlackClientForTests,
    clock: SettableClock,
    clocks: tuple[PassRunner, PassRunner],
    fake_slack: FakeSlack,
    sessions: sessionmaker[Session],
) -> None:
    """The clock claimed Alice and Slack said 429: her first command then welcomes no one, and
    the clock's retry sends the one welcome."""
    clock.set(at(2026, 11, 24, 10, 0))
    assert import_file(tmp_path, database_url, clock, "UALICE,UBOB,,\n") == 0
    fake_slack.clock = clock
    fake_slack.rate_limit("chat.postMessage", seconds=5, retry_after=30, start=clock.now())
    first, second = clocks
    run_at(first, clock, at(2026, 11, 24, 10, 0, 1))
    assert welcomes(fake_slack, "UALICE") == [] and told_at(sessions, "UALICE") is not None
    clock.set(at(2026, 11, 24, 10, 0, 10))
    slack.command("status", user="UALICE")
    assert welcomes(fake_slack, "UALICE") == []
    run_at(second, clock, at(2026, 11, 24, 10, 1))
    run_at(first, clock, at(2026, 11, 24, 10, 2))
    one_welcome(fake_slack, "UALICE")
    one_welcome(fake_slack, "UBOB")


def test_a_welcome_day_already_past_or_unreadable_imports_nothing(
    tmp_path: Path,
    database_url: str,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock.set(at(2026, 11, 24, 10, 0))
    rows = "UALICE,UBOB,,\n"
    assert import_file(tmp_path, database_url, clock, rows, "--welcome", "2026-11-23") == 1
    err = capsys.readouterr().err
    assert "2026-11-23 has already passed" in err and "Nothing was imported" in err
    assert import_file(tmp_path, database_url, clock, rows, "--welcome", "monday") == 1
    err = capsys.readouterr().err
    assert "'monday' is not a time to welcome them" in err and "2026-11-30T09:30" in err
    with sessions() as session:
        assert session.scalars(select(Pair)).all() == []


# -- a facilitator's first contact --------------------------------------------------------------


@pytest.mark.welcome
def test_a_facilitators_first_command_gets_the_facilitators_welcome(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    slack.command("help", user=FACILITATOR)
    text = one_welcome(fake_slack, FACILITATOR)
    assert text.startswith(FACILITATOR_WELCOME)
    for words in ("/buddy cohort setup", "/buddy import pairs", "/buddy report", "*Home* tab"):
        assert words in text
    assert WHAT_BUDDY_DOES not in text and ROLES[0] not in text
    slack.command("report", user=FACILITATOR)
    one_welcome(fake_slack, FACILITATOR)


# -- the modal: columns, an example, and when to welcome ----------------------------------------


def open_import_modal(
    slack: SlackClientForTests, fake_slack: FakeSlack, kind: str
) -> dict[str, Any]:
    slack.command(f"import {kind}", user=FACILITATOR)
    return last_view(fake_slack, "views.open")


def last_view(fake_slack: FakeSlack, method: str) -> dict[str, Any]:
    view = fake_slack.calls_to(method)[-1].params["view"]
    found: dict[str, Any] = json.loads(view) if isinstance(view, str) else view
    return found


def modal_state(file_id: str, choice: str, day: date | None = None) -> dict[str, Any]:
    state: dict[str, Any] = {
        "file": {"file": {"type": "file_input", "files": [{"id": file_id}]}},
        "welcome": {
            "welcome": {"type": "radio_buttons", "selected_option": {"value": choice}},
        },
        "welcome_day": {
            "welcome_day": {
                "type": "datepicker",
                "selected_date": day.isoformat() if day else None,
            }
        },
    }
    return state


@pytest.mark.parametrize(
    ("kind", "lines"),
    [
        (
            "pairs",
            [
                "buddy_1,buddy_2,buddy_3,slot",
                "U0123ALICE,U0123BOBBY,,thu 16:00",
                "U0123CAROL,dan@school.example.org,,mon 8am",
                "U0123ERINN,U0123FRANK,U0123GRACE,",
            ],
        ),
        ("modules", ["code,title,insight_module,starts_on", "A1,Leading teacher development"]),
    ],
)
def test_the_import_modal_shows_the_columns_and_an_example(
    slack: SlackClientForTests, fake_slack: FakeSlack, kind: str, lines: list[str]
) -> None:
    view = open_import_modal(slack, fake_slack, kind)
    shown = message_text(view)
    for line in lines:
        assert line in shown
    assert "README" not in shown and "samples/" not in shown
    assert slack_rule_problems(view, view=True) == []
    welcome_block = [b for b in view["blocks"] if b.get("block_id") == "welcome"]
    if kind == "pairs":
        [radio] = welcome_block
        assert [o["value"] for o in radio["element"]["options"]] == ["now", "day", "never"]
        assert radio["element"]["initial_option"]["value"] == "now"
    else:
        assert welcome_block == []


def test_the_modal_asks_for_a_day_it_can_use(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    view = open_import_modal(slack, fake_slack, "pairs")
    file_id = fake_slack.add_file((HEADER + "UALICE,UBOB,,\n").encode())
    for day, error in (
        (None, "Please choose the day to welcome them"),
        (date(2026, 11, 23), "2026-11-23 has already passed"),
    ):
        answer = slack.view_submission(view, modal_state(file_id, "day", day), user=FACILITATOR)
        body = answer.json()
        assert body["response_action"] == "errors"
        assert error in body["errors"]["welcome_day"]
    with sessions() as session:
        assert session.scalars(select(Pair)).all() == []


def test_a_file_with_the_wrong_header_is_refused_with_the_columns_shown(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    view = open_import_modal(slack, fake_slack, "pairs")
    file_id = fake_slack.add_file(b"first,second\nUALICE,UBOB\n")
    slack.view_submission(view, modal_state(file_id, "now"), user=FACILITATOR)
    shown = message_text(last_view(fake_slack, "views.update"))
    assert ":x:" in shown and ":white_check_mark:" not in shown
    assert "the header row should be buddy_1,buddy_2,buddy_3,slot" in shown
    assert "U0123CAROL,dan@school.example.org,,mon 8am" in shown and "README" not in shown


def test_what_buddy_will_send_someone_not_yet_welcomed_is_what_the_clock_will_do(
    tmp_path: Path,
    database_url: str,
    clock: SettableClock,
    sessions: sessionmaker[Session],
) -> None:
    """`/buddy upcoming` and the clock settle a plan the same way: before an import's welcome
    nothing else goes, and a nudge due before it (the slot nudge) is never sent at all."""
    from models.people import Participant
    from scheduler.upcoming import preview

    clock.set(at(2026, 11, 24, 10, 0))
    assert (
        import_file(tmp_path, database_url, clock, "UALICE,UBOB,,\n", "--welcome", "2026-11-30")
        == 0
    )
    with sessions() as session:
        alice = session.scalars(select(Participant).where(Participant.user_id == "UALICE")).one()
        coming = preview(session, alice, clock.now())
    assert [(u.kind, u.send_at) for u in coming] == [("welcome", at(2026, 11, 30, 9, 0))]
