"""A spring term as its people live it (issue 23's "Done when"), through the real web process and
the clock, with the fake Slack: a London facilitator sets up a cohort, its module calendar and a
half-term break; a London-Paris pair is matched, a London trio imported; a diligent pair answers
its nudges; actions are done or left to be chased; a community group of five meets fortnightly;
one participant pauses for two weeks; one trio member leaves Slack mid-term; the clocks go
forward in late March. Every message Buddy sends is kept with the moment it went, and then, for
every person: no proactive nudge in their quiet hours or at their weekend, never two nudges in
one minute, every time in the reader's zone, nothing to the leaver, nothing in the break or the
pause, and the nudges each pair should have had, had.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.clock import SettableClock
from tests.conftest import FACILITATOR
from tests.fake_slack import FakeSlack
from tests.slack_http import SlackClientForTests
from tests.term import DATE_TOKEN, Sent, Term
from tests.test_data_rights import event
from tests.test_facilitators_http import home_event
from tests.test_import_pairs import submit_file

LONDON = ZoneInfo("Europe/London")
PARIS = ZoneInfo("Europe/Paris")
CHANNEL = "CSPRING"

ALICE, PIERRE, BOB, CAROL, DAN, ERIN = "UALICE", "UPIERRE", "UBOB", "UCAROL", "UDAN", "UERIN"
ZONES = {
    ALICE: "Europe/London",
    PIERRE: "Europe/Paris",
    BOB: "Europe/London",
    CAROL: "Europe/London",
    DAN: "Europe/London",
    ERIN: "Europe/London",
    FACILITATOR: "Europe/London",
}
GROUP = (ALICE, PIERRE, BOB, CAROL, ERIN)  # the community group of five, in the cohort channel
PAIR_DM = "GUALICE-UPIERRE"
TRIO_DM = "GUBOB-UCAROL-UDAN"
AFTER_LEAVER_DM = "GUBOB-UDAN"

TERM_STARTS = datetime(2027, 1, 4, 8, 30, tzinfo=LONDON)
TERM_ENDS = datetime(2027, 4, 9, 18, 0, tzinfo=LONDON)
HALF_TERM = (date(2027, 2, 15), date(2027, 2, 19))
ALICE_PAUSE = (date(2027, 3, 1), date(2027, 3, 12))
CAROL_LEAVES = datetime(2027, 3, 10, 11, 0, tzinfo=LONDON)

PROACTIVE = {
    "prep",
    "checkin",
    "checkin-again",
    "action-chase",
    "action-overdue",
    "action-review",
    "slot-nudge",
    "community-prep",
    "facilitator-digest",
}
# Belong to an event the people chose: quiet hours and working days do not hold them (SPEC).
EVENT_BOUND = {"reminder", "community-stage", "community-close", "community-record"}


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def members_of(channel: str) -> tuple[str, ...]:
    """The people who read a conversation Buddy posted to."""
    if channel.startswith("E:"):
        return (channel[2:],)
    if channel.startswith("D"):
        return (channel[1:],)
    if channel.startswith("U"):
        return (channel,)
    if channel.startswith("G"):
        return tuple(channel[1:].split("-"))
    if channel == CHANNEL:
        return (*GROUP, DAN, FACILITATOR)
    raise AssertionError(f"a post to a conversation the scenario does not know: {channel}")


# -- what the people do ----------------------------------------------------------------------------


class People:
    """The term's people over HTTP: their commands, and how a diligent pair answers nudges."""

    def __init__(self, slack: SlackClientForTests, fake_slack: FakeSlack) -> None:
        self.slack = slack
        self.fake_slack = fake_slack
        self.left: set[str] = set()
        # Meetings whose check-in nobody answers (to see the follow-up): by the pair's channel
        # and the meeting's date as the check-in's key has it.
        self.unanswered: set[str] = set()

    def say(self, user: str, text: str, channel: str = CHANNEL) -> str:
        self.slack.command(text, user=user, channel=channel)
        return self.slack.told()

    def answer(self, message: Sent) -> None:
        """A diligent pair: each presses "I've completed" on the prep nudge; one presses "We met"
        on the check-in, unless the scenario leaves that meeting unanswered."""
        if message.kind is None and message.key is not None:
            message.kind = message.key.split(":", 1)[0]
        posted = {"ts": message.ts, "text": message.text, "blocks": message.blocks}
        if message.key is not None and message.key.startswith("prep:"):
            value = message.button_value("prep_done")
            if value is None:
                return
            for user in members_of(message.channel):
                self.slack.block_action(
                    "prep_done", value, user=user, channel=message.channel, message=posted
                )
        elif message.key is not None and message.key.startswith("checkin"):
            if any(part in message.key for part in self.unanswered):
                return
            value = message.button_value("checkin_met")
            if value is None:
                return
            user = members_of(message.channel)[0]
            self.slack.block_action(
                "checkin_met", value, user=user, channel=message.channel, message=posted
            )


# -- the term --------------------------------------------------------------------------------------


@pytest.fixture
def term(
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    fake_slack: FakeSlack,
    slack: SlackClientForTests,
) -> tuple[Term, People]:
    fake_slack.add_user(PIERRE, tz="Europe/Paris")
    clock.set(TERM_STARTS)
    people = People(slack, fake_slack)
    driver = Term(
        settings,
        sessions,
        clock,
        fake_slack,
        on_post=people.answer,
        probe_zones=("Europe/London", "Europe/Paris"),
    )
    return driver, people


Step = tuple[datetime, Callable[[People], None]]


def script() -> list[Step]:
    """What the people do across the term, at their moments (London time)."""

    def setup(p: People) -> None:
        assert "Spring 2027" in p.say(FACILITATOR, "cohort setup Spring 2027")
        for code, starts, title, insight in (
            ("B1", "4/1/2027", "Leading teaching", "A1"),
            ("B2", "18/1/2027", "Leading curriculum", "A2"),
            ("B3", "1/2/2027", "Leading assessment", "A3"),
            ("B4", "22/2/2027", "Leading behaviour", "A4"),
            ("B5", "8/3/2027", "Leading professional development", "A5"),
            ("B6", "22/3/2027", "Leading implementation", "A6"),
            ("B7", "5/4/2027", "Leading partnerships", "A7"),
        ):
            told = p.say(
                FACILITATOR, f"module add {code} {starts} {title} | Insight module {insight}"
            )
            assert code in told, told
        told = p.say(FACILITATOR, "break add 15/2/2027 19/2/2027 Half term")
        assert "Half term" in told, told
        # She opens Buddy's Home tab, as facilitators do: from then on, the weekly digest.
        p.slack.post(home_event(FACILITATOR, "Ev-home-1"), "application/json")

    def import_trio(p: People) -> None:
        csv = "buddy_1,buddy_2,buddy_3,slot\nUBOB,UCAROL,UDAN,tue 15:30\n"
        shown = str(submit_file(p.slack, p.fake_slack, "pairs", csv.encode()))
        assert "Imported 1 pairs" in shown or "Imported 1 " in shown, shown

    def match_pair(p: People) -> None:
        told = p.say(FACILITATOR, f"match <@{ALICE}|alice> <@{PIERRE}|pierre>")
        assert "are now a buddy pair" in told, told

    def late_slot(p: People) -> None:
        # Set on a Monday evening for Wednesday: the first prep nudge is already due.
        told = p.say(ALICE, "slot wed 16:00")
        assert "Your fortnightly slot is" in told, told

    def actions_after_first_trio_meeting(p: People) -> None:
        told = p.say(DAN, "action Read the EEF feedback guide by 1/2/2027 with review")
        assert "Read the EEF feedback guide" in told, told

    def actions_after_first_pair_meeting(p: People) -> None:
        p.say(ALICE, "action Try cold calling with 9X by 27/1/2027")
        p.say(PIERRE, "action Plan a retrieval starter by 27/1/2027")  # left open: chased

    def actions_after_second_trio_meeting(p: People) -> None:
        p.say(BOB, "action Observe a year 7 lesson by 16/2/2027")  # due in the break, left open
        p.say(CAROL, "action Try exit tickets by 16/3/2027")  # she leaves before it is due

    def alice_done(p: People) -> None:
        assert "Try cold calling" in p.say(ALICE, "done 1")

    def dan_done(p: People) -> None:
        told = p.say(DAN, "done 1")
        assert "EEF" in told, told

    def community(p: People) -> None:
        group = " ".join(f"<@{u}|{u.lower()}>" for u in GROUP)
        assert "community group is" in p.say(BOB, f"community group {group}")
        # The London facilitator schedules it (issue 23: Pierre, in Paris, must read 17:30).
        told = p.say(FACILITATOR, "community schedule 4/3/2027 16:30 fortnightly")
        assert "Thu 4 Mar" in told, told

    def alice_pauses(p: People) -> None:
        told = p.say(ALICE, "pause 1/3/2027 to 12/3/2027 knee surgery")
        assert "Paused from Mon 1 Mar to Fri 12 Mar" in told, told

    def carol_leaves(p: People) -> None:
        p.fake_slack.users[CAROL]["deleted"] = True
        gone = {
            "event_id": "Ev-carol-leaves",
            "event": {
                "type": "user_change",
                "user": {"id": CAROL, "team_id": "T1", "deleted": True},
            },
        }
        assert event(p.slack, gone) == 200
        p.left.add(CAROL)

    def trio_leaves_a_checkin_unanswered(p: People) -> None:
        # Nobody answers the trio's check-in for Tue 2 Mar: the follow-up goes two days on.
        p.unanswered.add("meeting=2027-03-02")

    return [
        (london(2027, 1, 4, 8, 30), setup),
        (london(2027, 1, 4, 9, 0), import_trio),
        (london(2027, 1, 4, 10, 0), match_pair),
        (london(2027, 1, 5, 17, 0), actions_after_first_trio_meeting),
        (london(2027, 1, 11, 20, 45), late_slot),
        (london(2027, 1, 13, 17, 30), actions_after_first_pair_meeting),
        (london(2027, 1, 19, 16, 45), actions_after_second_trio_meeting),
        (london(2027, 1, 28, 12, 0), alice_done),
        (london(2027, 2, 1, 12, 0), dan_done),
        (london(2027, 2, 24, 12, 0), alice_pauses),
        (london(2027, 2, 26, 10, 0), community),
        (london(2027, 3, 1, 6, 0), trio_leaves_a_checkin_unanswered),
        (CAROL_LEAVES, carol_leaves),
    ]


def live_the_term(driver: Term, people: People) -> list[Sent]:
    for moment, step in script():
        driver.run_until(moment)
        driver.clock.set(moment)
        driver.collect()
        step(people)
        driver.collect()
    driver.run_until(TERM_ENDS)
    driver.settle_kinds()
    return driver.sent


# -- what Buddy should have done: the people's events, by hand ------------------------------------

TRIO_MEETINGS = [london(2027, m, d, 15, 30) for m, d in ((1, 5), (1, 19), (2, 2), (3, 2))]
# The trio's meeting of Tue 16 Feb falls in the half term: none. After Carol left, Bob and Dan:
PAIR_AFTER_LEAVER_MEETINGS = [london(2027, 3, 16, 15, 30), london(2027, 3, 30, 15, 30)]
# Alice and Pierre's meeting of Wed 10 Mar falls in Alice's pause: Pierre has solo practice.
PAIR_MEETINGS = [
    london(2027, m, d, 16, 0) for m, d in ((1, 13), (1, 27), (2, 10), (2, 24), (3, 24), (4, 7))
]
COMMUNITY_SESSIONS = [london(2027, 3, d, 16, 30) for d in (4, 18)] + [london(2027, 4, 1, 16, 30)]
SKIPPED_PAIR_MEETING = london(2027, 3, 10, 16, 0)
EVENTS = set(
    TRIO_MEETINGS
    + PAIR_AFTER_LEAVER_MEETINGS
    + PAIR_MEETINGS
    + COMMUNITY_SESSIONS
    + [SKIPPED_PAIR_MEETING, london(2027, 2, 16, 15, 30)]
)
MONDAYS_OUTSIDE_THE_BREAK = [
    d
    for d in (date(2027, 1, 4) + timedelta(weeks=n) for n in range(14))
    if not HALF_TERM[0] <= d <= HALF_TERM[1]
]
FRIENDLY = {"Europe/London": "UK time", "Europe/Paris": "Paris time"}
ROLE_ONE = "Provide opportunities to discuss and make sense of key content"


def readers(message: Sent, left_at: dict[str, datetime]) -> tuple[str, ...]:
    """Who can read it when it went: the conversation's people, less anyone who had left."""
    return tuple(
        u for u in members_of(message.channel) if u not in left_at or message.at < left_at[u]
    )


def when(message: Sent, user: str) -> str:
    local = message.local(ZONES[user])
    return f"{local:%a %d %b %H:%M} {FRIENDLY[ZONES[user]]}"


def describe(message: Sent, user: str | None = None) -> str:
    who = f" to {user} at {when(message, user)}" if user else ""
    first = message.shown.split("\n", 1)[0][:160]
    return f"[{message.kind or 'answer'} in {message.channel}{who}] {first!r}"


# -- times in messages -----------------------------------------------------------------------------

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d{1,2}) (" + "|".join(_MONTHS) + r")(?: (\d{4}))?"
_CLOCK = r"(\d{1,2})(?:[:.](\d{2}))?(?:\s*(am|pm))?"
_ZONE_NAMED = r"(?:\s+(UK time|Paris time|[A-Z][a-z]+ time))?"
# `Thu 4 Mar at 16:30`, `Fri 13 Nov, 5pm`, each perhaps followed by its zone's name.
_DATED_TIME = re.compile(_DAY + r"(?:,| at) " + _CLOCK + r"\b" + _ZONE_NAMED)
# A time of day on its own: `16:00`, `4.30pm`, `5pm` (not a stage's minutes, `5-15`).
_BARE_TIME = re.compile(
    r"(?<![\d-])(\d{1,2})(?::(\d{2})|\.(\d{2})(?=\s*[ap]m)|(?=\s*[ap]m))(\s*[ap]m)?"
    r"(?![\d-])" + _ZONE_NAMED
)
_ZONE_OF_NAME = {v: k for k, v in FRIENDLY.items()}


def _hour(hour: str, minute: str | None, half: str | None) -> time:
    h = int(hour) % 12 + (12 if half == "pm" else 0) if half else int(hour)
    return time(h, int(minute or 0))


def _instant(
    day: int, month: str, year: str | None, clock: time, zone: str, near: datetime
) -> datetime:
    y = int(year) if year else near.year
    return datetime(
        y, _MONTHS.index(month) + 1, day, clock.hour, clock.minute, tzinfo=ZoneInfo(zone)
    )


def time_problems(message: Sent, people: tuple[str, ...]) -> list[str]:
    """Every time the message shows, checked for the people who read it (see the test)."""
    problems: list[str] = []
    zones = {ZONES[u] for u in people}
    one_zone = next(iter(zones)) if len(zones) == 1 else None
    shown = message.shown
    for epoch, tokens, fallback in DATE_TOKEN.findall(shown):
        moment = datetime.fromtimestamp(int(epoch), ZoneInfo("UTC"))
        if "{time}" in tokens:
            if moment not in EVENTS:
                problems.append(f"a date token's moment {moment:%a %d %b %H:%M} UTC is no event's")
            found = _DATED_TIME.search(fallback)
            if found is None:
                problems.append(f"a date token's fallback {fallback!r} shows no day and time")
                continue
            day, month, year, hour, minute, half, zone_name = found.groups()
            zone = _ZONE_OF_NAME.get(zone_name or "")
            if zone is None:
                problems.append(f"a date token's fallback {fallback!r} names no zone")
                continue
            said = _instant(int(day), month, year, _hour(hour, minute, half), zone, moment)
            if said != moment:
                problems.append(f"a date token says {fallback!r} but its moment is {moment:%c} UTC")
            if one_zone is not None and zone != one_zone:
                problems.append(f"a date token's fallback {fallback!r} is not in {one_zone}")
        else:
            for user in people:
                local = moment.astimezone(ZoneInfo(ZONES[user])).date()
                if f"{local.day} {_MONTHS[local.month - 1]}" not in fallback:
                    problems.append(f"a date token's day {fallback!r} is {local} for {user}")
    # Command examples (`/buddy slot thu 16:00`) are words to type, not times.
    plain = re.sub(r"`[^`]*`", " ", DATE_TOKEN.sub(" ", shown))
    for found in _DATED_TIME.finditer(plain):
        day, month, year, hour, minute, half, zone_name = found.groups()
        clock = _hour(hour, minute, half)
        if zone_name is None and one_zone is None:
            problems.append(f"{found.group(0)!r} is read in several zones and names none")
            continue
        zone = _ZONE_OF_NAME.get(zone_name or "", one_zone)
        if zone is None:
            problems.append(f"{found.group(0)!r} names a zone nobody here is in")
            continue
        said = _instant(int(day), month, year, clock, zone, message.at)
        if said not in EVENTS:
            problems.append(f"{found.group(0)!r} read in {zone} is no event's time")
        if one_zone is not None and zone != one_zone:
            problems.append(f"{found.group(0)!r} is not in the reader's zone, {one_zone}")
    for found in _BARE_TIME.finditer(_DATED_TIME.sub(" ", plain)):
        zone_name = found.groups()[-1]
        if zone_name is None and one_zone is None:
            problems.append(f"the time {found.group(0)!r} is read in several zones and names none")
        elif (
            zone_name is not None
            and one_zone is not None
            and _ZONE_OF_NAME.get(zone_name) != one_zone
        ):
            problems.append(f"the time {found.group(0)!r} is not in the reader's zone, {one_zone}")
    return list(dict.fromkeys(problems))  # the text and the blocks say it twice


# -- the test --------------------------------------------------------------------------------------


@pytest.mark.welcome
def test_a_spring_term_reaches_every_person_at_the_right_moment_in_their_own_zone(
    term: tuple[Term, People], sessions: sessionmaker[Session]
) -> None:
    driver, people = term
    sent = live_the_term(driver, people)
    left_at = {CAROL: CAROL_LEAVES}
    broken: dict[str, list[str]] = defaultdict(list)
    everyone = sorted(ZONES)

    # Who read what, when.
    by_person: dict[str, list[Sent]] = {u: [] for u in everyone}
    for message in sent:
        for user in readers(message, left_at):
            by_person[user].append(message)

    # (a) No proactive nudge in the reader's quiet hours (20:00-07:30) or at their weekend.
    for user in everyone:
        for message in by_person[user]:
            if message.kind not in PROACTIVE:
                continue
            local = message.local(ZONES[user])
            if not time(7, 30) <= local.time() < time(20, 0) or local.weekday() >= 5:
                broken["a: quiet hours or weekend"].append(describe(message, user))

    # (b) Never two nudges to one person in the same minute (nor a prep nudge and its meeting's
    # reminder as one burst, as the issue says).
    for user in everyone:
        minutes: dict[datetime, list[Sent]] = defaultdict(list)
        for message in by_person[user]:
            if message.kind in PROACTIVE or message.kind == "reminder":
                minutes[message.at.replace(second=0, microsecond=0)].append(message)
        for group in minutes.values():
            if len(group) > 1:
                broken["b: two nudges in one minute"].append(
                    " + ".join(describe(m, user) for m in group)
                )

    # (c) Every time shown is right for its readers: a date token carries an event's moment and
    # says it in its fallback; a time in plain words, or a token's fallback, in a conversation
    # read in one zone is in that zone; read in several, a plain time names its zone.
    for message in sent:
        who = readers(message, left_at)
        if not who:
            continue
        for problem in time_problems(message, who):
            broken["c: times in the reader's zone"].append(
                f"{problem}: {describe(message, who[0] if len(who) == 1 else None)}"
            )

    # (d) Nothing to the leaver once she has left; the trio goes on as a pair.
    for message in sent:
        # (The community channel's live posts are the group's, not sent to her.)
        to_her = CAROL in members_of(message.channel) and not message.channel.startswith("C")
        if message.at >= CAROL_LEAVES and to_her:
            broken["d: the leaver"].append(describe(message, CAROL))
    after_leaving = [m for m in sent if m.at >= CAROL_LEAVES]
    for user in (BOB, DAN):
        told = [m.shown for m in after_leaving if m.channel in ("D" + user, user)]
        if not any("carry on as a pair" in t for t in told):
            broken["d: the leaver"].append(f"{user} was not told the trio carries on as a pair")
    if not any("Their trio is now a pair" in m.shown for m in after_leaving):
        broken["d: the leaver"].append("the facilitator was not told the trio is now a pair")

    # (e) Nothing in the half term to anyone; nothing from the clock to Alice in her pause.
    break_from = datetime.combine(HALF_TERM[0], time(0), tzinfo=LONDON)
    break_to = datetime.combine(HALF_TERM[1] + timedelta(days=1), time(0), tzinfo=LONDON)
    for message in sent:
        if break_from <= message.at < break_to:
            for user in readers(message, left_at):
                broken["e: the break"].append(describe(message, user))
    pause_from = datetime.combine(ALICE_PAUSE[0], time(0), tzinfo=LONDON)
    pause_to = datetime.combine(ALICE_PAUSE[1] + timedelta(days=1), time(0), tzinfo=LONDON)
    for message in by_person[ALICE]:
        if message.key is None or message.kind in EVENT_BOUND:
            continue  # what people did, and the group's live session, are not nudges
        if pause_from <= message.at < pause_to:
            broken["e: the pause"].append(describe(message, ALICE))

    # (f) Not vacuous: each pair had its nudges for each meeting outside the break and pause.
    def starts(kind: str, channel: str) -> list[datetime]:
        found = []
        for m in sent:
            if m.kind == kind and m.channel == channel and m.key is not None:
                at = re.search(r":at=(\d{8}T\d{4})Z", m.key)
                assert at is not None, m.key
                found.append(datetime.strptime(at.group(1) + "+0000", "%Y%m%dT%H%M%z"))
        return found

    for channel, meetings in (
        (PAIR_DM, PAIR_MEETINGS),
        (TRIO_DM, TRIO_MEETINGS),
        (AFTER_LEAVER_DM, PAIR_AFTER_LEAVER_MEETINGS),
    ):
        for kind in ("prep", "reminder", "checkin"):
            wanted = meetings
            if kind == "prep" and channel == TRIO_DM:
                # Imported on Mon 4 Jan at 09:00: the prep nudge for Tuesday was due before they
                # were told they are a trio, so the welcome comes first and that prep is not
                # sent (its reminder carries the module line instead).
                wanted = meetings[1:]
            if sorted(starts(kind, channel)) != sorted(wanted):
                got = [
                    f"{s.astimezone(LONDON):%a %d %b %H:%M}" for s in sorted(starts(kind, channel))
                ]
                broken["f: the nudges each pair should have"].append(f"{kind} in {channel}: {got}")
    first_trio_reminder = next(
        m for m in sent if m.kind == "reminder" and m.channel == TRIO_DM and m.key is not None
    )
    if "If you haven't yet, look over" not in first_trio_reminder.text + str(
        first_trio_reminder.blocks
    ):
        broken["f: the nudges each pair should have"].append(
            "the trio's first reminder, with no prep nudge before it, has no module line"
        )
    counts = Counter(m.kind for m in sent if m.kind is not None)
    expected = {
        "checkin-again": 1,  # the trio's unanswered Tue 2 Mar
        "slot-nudge": 1,  # Alice and Pierre, three days after pairing
        "action-chase": 4,  # Pierre's and Alice's on 27 Jan, Dan's on 1 Feb, Bob's after the break
        "action-overdue": 2,  # Pierre's (to Alice), Bob's (to Carol and Dan)
        "action-review": 1,  # Dan's, done, 90 days on
        "community-prep": 12,  # 4 per session: not Alice in her pause, not Carol once gone
        "community-record": 3,
    }
    for kind, count in expected.items():
        if counts[kind] != count:
            broken["f: the nudges each pair should have"].append(
                f"{counts[kind]} {kind} messages, not {count}"
            )
    digest_days = Counter(
        m.local(ZONES[FACILITATOR]).date() for m in sent if m.kind == "facilitator-digest"
    )
    for monday in MONDAYS_OUTSIDE_THE_BREAK:
        if digest_days[monday] != 1:
            broken["f: the nudges each pair should have"].append(
                f"{digest_days[monday]} digests on {monday:%a %d %b}"
            )

    # (g) After the break, as the issue asks: held nudges at a humane hour (09:00 local, not
    # 07:30), the chase before the buddy's escalation, and no "is due on" a day already past.
    for user in everyone:
        for message in by_person[user]:
            if message.kind not in PROACTIVE or message.due_at is None:
                continue
            if message.at <= message.due_at:
                continue  # not held
            held_by_break = break_from <= message.due_at < break_to
            if held_by_break and message.local(ZONES[user]).time() < time(9, 0):
                broken["g: after a hold"].append(describe(message, user))
    chase = next((m for m in sent if m.kind == "action-chase" and m.channel == "DUBOB"), None)
    overdue = next((m for m in sent if m.kind == "action-overdue" and m.channel == TRIO_DM), None)
    if chase is None or overdue is None or not chase.at < overdue.at:
        broken["g: after a hold"].append("Bob's chase did not go before the escalation to his trio")
    if chase is not None and re.search(r"is due on \w{3} 16 Feb", chase.shown):
        broken["g: after a hold"].append(f"the chase after the break says {describe(chase, BOB)}")

    # (h) Everyone in a pair hears that they are in one, with the buddy's four roles, before any
    # nudge about it (imported or matched).
    for user in (ALICE, PIERRE, BOB, CAROL, DAN):
        for message in by_person[user]:
            if ROLE_ONE in message.shown:
                break
            if message.kind in PROACTIVE:
                broken["h: told first"].append(f"before any welcome: {describe(message, user)}")
                break

    assert not broken, "\n\n".join(
        f"{name} ({len(lines)}):\n  " + "\n  ".join(lines) for name, lines in sorted(broken.items())
    )
