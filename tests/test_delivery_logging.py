"""Issue 14: the clock never logs what people wrote, at any level, and logs each send as it
happens, so a pass killed half-way leaves a record of what it did send."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.actions import record_action
from models.clock import SettableClock
from models.meetings.schedule import SKIPPED
from models.pairs import MeetingChange
from scheduler import outbox
from scheduler.runner import build_runner
from tests.conftest import DEFAULT_NOW
from tests.fake_slack import FakeSlack
from tests.test_actions_domain import person
from tests.test_meeting_nudges import make_pair
from tests.test_outbox import ManyNudges

LONDON = ZoneInfo("Europe/London")
ACTION = "Ask Sam how her hospital appointment went"
REASON = "medical appointment for my son"


@pytest.fixture
def clock_logging(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Everything the clock logs with the root logger at DEBUG, as LOG_LEVEL=DEBUG sets it."""
    caplog.set_level(logging.DEBUG)
    return caplog


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)


def test_at_debug_the_clock_logs_no_message_text_nor_reasons(
    settings: Settings,
    sessions: sessionmaker[Session],
    session: Session,
    clock: SettableClock,
    fake_slack: FakeSlack,
    clock_logging: pytest.LogCaptureFixture,
) -> None:
    pair = make_pair(session)
    record_action(session, person(session, "UALICE"), ACTION, date(2026, 12, 10), DEFAULT_NOW)
    session.add(
        MeetingChange(
            pair_id=pair.id,
            original_date=date(2026, 12, 3),
            kind=SKIPPED,
            reason=REASON,
            changed_by="UALICE",
            changed_at=DEFAULT_NOW,
        )
    )
    session.commit()
    runner = build_runner(settings, clock, sessions=sessions)
    fake_slack.drop_next("chat.postMessage")  # the error paths log too
    for moment in (
        datetime(2026, 12, 10, 9, 0, tzinfo=LONDON),  # the chase, with the action's text
        datetime(2026, 12, 10, 9, 1, tzinfo=LONDON),
        datetime(2026, 12, 15, 16, 0, tzinfo=LONDON),  # prep, with open actions
    ):
        clock.set(moment)
        runner.run_pass()
        clock.set(moment + timedelta(minutes=1))
        runner.run_pass()

    posted = "\n".join(fake_slack.posted_texts())
    assert "hospital appointment" in posted  # the text did go to Slack...
    text = logged(clock_logging)
    assert "hospital appointment" not in text  # ...and never to the log
    assert "medical appointment" not in text
    assert "sent action-chase" in text


class Killed(BaseException):
    """kill -9 of the clock: nothing after this point of the pass happens."""


def test_each_send_is_logged_as_it_happens_so_a_killed_pass_leaves_a_record(
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
    clock_logging: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    planner = ManyNudges(3)
    runner = build_runner(settings, clock, sessions=sessions, planners=[planner])
    mark_sent = outbox.mark_sent
    marks = iter([True, True, False])

    def killed_at_the_third(*args: Any, **kwargs: Any) -> Any:
        if not next(marks):
            raise Killed
        return mark_sent(*args, **kwargs)

    monkeypatch.setattr(outbox, "mark_sent", killed_at_the_third)
    with pytest.raises(Killed):
        runner.run_pass()

    infos = [r.getMessage() for r in clock_logging.records if r.levelno == logging.INFO]
    assert any("bulk:0000" in line and "sent" in line for line in infos)
    assert any("bulk:0001" in line and "sent" in line for line in infos)
