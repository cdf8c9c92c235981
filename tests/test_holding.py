"""Holding as a London-Paris pair lives it (issue 23): a nudge found late waits out quiet hours
from the moment it is found; the prep nudge never lands with the reminder; after a break, held
nudges go at 09:00, one message per person at a time, the chase before the pair hears the action
is still open (three days after the chase, not the same morning), worded for a date gone by."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.calendar.tables import Module
from models.clock import SettableClock
from models.deliveries import SKIPPED, Delivery
from models.people import Cohort
from models.quiet_hours import held_by, hold_proactive, in_quiet_hours
from scheduler.runner import PassRunner, build_runner
from tests.conftest import FACILITATOR
from tests.fake_slack import FakeSlack
from tests.slack_dates import as_fallback
from tests.slack_http import SlackClientForTests
from tests.test_meeting_nudges import kinds_sent, make_pair, shown

LONDON = ZoneInfo("Europe/London")
PARIS = ZoneInfo("Europe/Paris")
ZONES = {"UALICE": LONDON, "UBOB": PARIS}


def london(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=LONDON)


@dataclass(frozen=True)
class Post:
    at: datetime
    channel: str
    text: str

    @property
    def readers(self) -> list[str]:
        """Who reads it: the DM's person, or each member of the group DM."""
        return [user for user in ZONES if user in self.channel]


@dataclass
class Clock:
    """Passes of the clock process at chosen moments, each post noted with the pass's time."""

    runner: PassRunner
    clock: SettableClock
    fake: FakeSlack
    posts: list[Post] = field(default_factory=list)

    def run(self, *moments: datetime) -> None:
        for moment in moments:
            self.clock.set(moment)
            before = len(self.fake.calls_to("chat.postMessage"))
            self.runner.run_pass()
            for call in self.fake.calls_to("chat.postMessage")[before:]:
                text = as_fallback(shown(call.params))
                self.posts.append(Post(moment, call.params["channel"], text))

    def to(self, user: str) -> list[Post]:
        return [p for p in self.posts if user in p.readers]


def london_and_paris(fake_slack: FakeSlack, slack: SlackClientForTests, slot: str) -> None:
    """Alice in London pairs with Bob in Paris and sets their slot."""
    fake_slack.add_user("UBOB", tz="Europe/Paris")
    slack.command("pair <@UBOB|bob>", user="UALICE")
    slack.command(f"slot {slot}", user="UALICE")
    assert "Your fortnightly slot is" in slack.told()


def the_clock(
    settings: Settings, sessions: sessionmaker[Session], clock: SettableClock, fake_slack: FakeSlack
) -> Clock:
    return Clock(build_runner(settings, clock, sessions=sessions), clock, fake_slack)


def assert_humane(posts: list[Post]) -> None:
    """Nobody hears Buddy in their quiet hours, at the weekend, or twice in one minute."""
    for user, zone in ZONES.items():
        theirs = [p for p in posts if user in p.readers]
        for post in theirs:
            local = post.at.astimezone(zone)
            assert not in_quiet_hours(post.at, str(zone)), (user, local, post.text)
            assert local.weekday() < 5, (user, local, post.text)
        for first, second in pairwise(theirs):
            assert second.at - first.at >= timedelta(minutes=1), (user, first, second)


def add_module(sessions: sessionmaker[Session], starts_on: date) -> None:
    with sessions() as session:
        cohort = session.scalars(select(Cohort)).one()
        session.add(
            Module(
                cohort_id=cohort.id,
                code="B2",
                title="Developing effective professional development",
                insight_module="B1",
                starts_on=starts_on,
            )
        )
        session.commit()


def test_a_slot_set_at_a_quarter_to_nine_at_night_has_its_prep_the_next_morning(
    slack: SlackClientForTests,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    """Thu 3 Dec at 16:00, set on Tue 1 Dec at 20:45 (21:45 in Paris): its prep nudge was due at
    16:00 that day. It is not sent at once: it waits for 07:30 in London, 08:30 in Paris."""
    tuesday = date(2026, 12, 1)
    clock.set(london(tuesday, 20, 45))
    london_and_paris(fake_slack, slack, "thu 16:00")
    # `/buddy upcoming` says so, in each reader's own time.
    assert (
        "Wed 2 Dec at 07:30: prep nudge for your meeting (due Tue 1 Dec at 16:00, held by quiet "
        "hours)" in slack.command("upcoming", user="UALICE").text
    )
    assert (
        "Wed 2 Dec at 08:30: prep nudge for your meeting (due Tue 1 Dec at 17:00, held by quiet "
        "hours)" in slack.command("upcoming", user="UBOB").text
    )
    passes = the_clock(settings, sessions, clock, fake_slack)
    passes.run(
        london(tuesday, 20, 45, 10),
        london(tuesday, 21, 0),
        london(tuesday, 23, 59),
        london(date(2026, 12, 2), 6, 30),  # 07:30 in Paris, but Alice is still asleep
        london(date(2026, 12, 2), 7, 29),
    )
    assert passes.posts == []
    passes.run(london(date(2026, 12, 2), 7, 30), london(date(2026, 12, 2), 7, 31))
    [prep] = passes.posts
    assert prep.channel == "GUALICE-UBOB"
    assert "Your buddy meeting: Thu 3 Dec at 16:00" in prep.text
    assert_humane(passes.posts)


def test_a_prep_nudge_missed_in_an_outage_and_found_at_nine_at_night_waits_for_the_morning(
    session: Session,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    """The clock was down from before 16:00, when the prep nudge was due, until 21:00 (22:00 in
    Paris): still useful, it goes in the morning, not at once."""
    make_pair(session, zones={"UALICE": "Europe/London", "UBOB": "Europe/Paris"})
    passes = the_clock(settings, sessions, clock, fake_slack)
    passes.run(london(date(2026, 12, 1), 21, 0), london(date(2026, 12, 2), 7, 29))
    assert kinds_sent(session) == []
    passes.run(london(date(2026, 12, 2), 7, 30))
    assert kinds_sent(session) == ["prep"]
    assert_humane(passes.posts)


def test_a_prep_nudge_that_could_only_go_with_the_reminder_is_folded_into_it(
    slack: SlackClientForTests,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    """A meeting at 08:00 on Thu 3 Dec, its slot set the evening before at 20:45: the prep nudge
    could only go at 07:30, a quarter of an hour before the reminder. It is skipped, and the
    reminder carries its module line: one message, not two."""
    wednesday, thursday = date(2026, 12, 2), date(2026, 12, 3)
    clock.set(london(wednesday, 20, 45))
    london_and_paris(fake_slack, slack, "thu 8:00")
    add_module(sessions, date(2026, 11, 30))
    upcoming = slack.command("upcoming", user="UALICE").text
    assert "Thu 3 Dec at 07:45: meeting reminder" in upcoming
    assert "Thu 3 Dec at 07:30: prep nudge" not in upcoming
    assert "Tue 15 Dec at 08:00: prep nudge for your meeting" in upcoming  # the next meeting's
    passes = the_clock(settings, sessions, clock, fake_slack)
    passes.run(
        london(wednesday, 20, 45, 10),
        london(thursday, 7, 0),
        london(thursday, 7, 30),
        london(thursday, 7, 45),
        london(thursday, 8, 0),
    )
    [reminder] = passes.posts
    assert reminder.at == london(thursday, 7, 45)
    assert "Your buddy meeting starts in 15 minutes" in reminder.text
    assert "Application module B2: Developing effective professional development" in reminder.text
    assert "look over insight module B1 before you start" in reminder.text
    with sessions() as session:
        prep = session.scalars(select(Delivery).where(Delivery.kind == "prep")).one()
        assert prep.status == SKIPPED


def test_after_a_half_term_break_the_chase_goes_first_at_nine_and_the_pair_hears_on_thursday(
    slack: SlackClientForTests,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    """Half term is Mon 15 to Sun 21 Feb; Alice's action is due on Tue 16 Feb, and the pair's
    meeting on Tue 23 Feb has its prep due on the Sunday. All of it waits for Monday 09:00, then
    goes one message at a time: Alice's chase, worded for a date gone by, then the prep; the
    pair hears her action is still open three days after her chase, on Thursday."""
    clock.set(london(date(2027, 2, 8), 10))
    london_and_paris(fake_slack, slack, "tue 16:00 from 23/2")
    slack.command("break add 15/2 21/2 Half term", user=FACILITATOR)
    slack.command("action Try hinge questions by 16/2")
    assert "Recorded action 1" in slack.told()
    # In the break, `/buddy upcoming` tells Alice what is coming after it, and why it waits.
    clock.set(london(date(2027, 2, 19), 10))
    upcoming = slack.command("upcoming", user="UALICE").text
    for line in (
        "Mon 22 Feb at 09:00: chase for an action due that day (due Tue 16 Feb at 09:00, held by "
        "a break)",
        "Mon 22 Feb at 09:05: prep nudge for your meeting (due Sun 21 Feb at 16:00, held by a "
        "break)",
        "Thu 25 Feb at 09:00: overdue action note to your pair",
    ):
        assert line in upcoming

    passes = the_clock(settings, sessions, clock, fake_slack)
    day = date(2027, 2, 12)
    while day <= date(2027, 2, 26):
        passes.run(
            *(
                london(day, hour, minute, second)
                for hour, minute, second in (
                    (7, 30, 0),
                    (9, 0, 0),
                    (9, 0, 20),
                    (9, 1, 0),
                    (9, 4, 0),
                    (9, 5, 0),
                    (9, 5, 30),
                    (9, 10, 0),
                    (15, 45, 0),
                    (16, 0, 0),
                    (18, 0, 0),
                    (21, 0, 0),
                )
            )
        )
        day += timedelta(days=1)

    monday = date(2027, 2, 22)
    chase, prep = passes.posts[:2]
    assert (chase.channel, chase.at) == ("DUALICE", london(monday, 9, 0))
    assert "Your action 1 was due on Tue 16 Feb: Try hinge questions" in chase.text
    assert (prep.channel, prep.at) == ("GUALICE-UBOB", london(monday, 9, 5))
    assert "Your buddy meeting: Tue 23 Feb at 16:00" in prep.text
    [still_open] = [p for p in passes.posts if "is still open" in p.text]
    assert still_open.channel == "GUALICE-UBOB"
    assert still_open.at == london(date(2027, 2, 25), 9, 0)  # Thursday, not Monday
    assert "<@UALICE>'s action 1 was due on Tue 16 Feb and is still open" in still_open.text
    assert [p.at for p in passes.posts if p.at < london(monday, 0, 0)] == []
    assert_humane(passes.posts)


def test_two_clocks_keep_one_persons_nudges_apart(
    slack: SlackClientForTests,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    """The wait between two nudges to one person is kept in the outbox: a second clock process
    that did not send the first still waits."""
    clock.set(london(date(2027, 2, 8), 10))
    london_and_paris(fake_slack, slack, "tue 16:00 from 23/2")
    slack.command("break add 15/2 21/2 Half term", user=FACILITATOR)
    slack.command("action Try hinge questions by 16/2")
    monday = date(2027, 2, 22)
    other_clock = SettableClock(london(monday, 9, 1))
    first = the_clock(settings, sessions, clock, fake_slack)
    second = Clock(build_runner(settings, other_clock, sessions=sessions), other_clock, fake_slack)
    first.run(london(monday, 9, 0))
    second.run(london(monday, 9, 1), london(monday, 9, 4, 59))
    assert [p.channel for p in first.posts + second.posts] == ["DUALICE"]
    second.run(london(monday, 9, 5))
    assert [p.channel for p in second.posts] == ["GUALICE-UBOB"]


def test_a_pair_in_london_and_paris_is_released_after_a_weekend_when_it_is_nine_for_both() -> None:
    saturday = datetime(2027, 2, 20, 16, 0, tzinfo=LONDON)
    zones = ["Europe/London", "Europe/Paris"]
    held = hold_proactive(saturday, zones, "Europe/London", working_days=(0, 1, 2, 3, 4))
    assert held == datetime(2027, 2, 22, 9, 0, tzinfo=LONDON)  # 10:00 in Paris
    # Quiet hours alone still end at 07:30.
    evening = datetime(2027, 2, 22, 21, 0, tzinfo=LONDON)
    assert hold_proactive(evening, zones, "Europe/London") == datetime(
        2027, 2, 23, 7, 30, tzinfo=LONDON
    )
    assert held_by(evening, zones) == "quiet hours"
