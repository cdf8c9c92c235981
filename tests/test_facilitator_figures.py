"""The cohort's figures as `models/facilitators/report.py` defines them, without Slack: who is
not in a pair, when a pair is told it exists, the slot's grace, pauses, and prep's denominator."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session

from models.calendar.tables import Module
from models.deliveries import SENT, Delivery, meeting_subject
from models.facilitators.nudges import pair_to_nudge
from models.facilitators.report import (
    SLOT_GRACE,
    CohortReport,
    PairRow,
    Paused,
    cohort_report,
)
from models.grammar import counted
from models.meetings.tables import PrepCompletion
from models.pairs import Pair, PairMember
from models.pauses import Pause
from models.people import (
    Cohort,
    Facilitator,
    FacilitatorSetting,
    Participant,
    default_cohort,
    ensure_participant,
)
from models.refusals import Refusal
from scheduler.meetings import SLOT_NUDGE_FIRST_DAYS

# Tue 24 Nov 2026, when the pairs formed; meetings Tuesdays 16:00 London from Tue 1 Dec.
FORMED = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
FIRST_MEETING = date(2026, 12, 1)
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # Mon 7 Dec
EARLIER = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def cohort_of(session: Session) -> Cohort:
    return default_cohort(session, "T1", FORMED)


def person(session: Session, user_id: str, welcomed: datetime | None = EARLIER) -> Participant:
    found = ensure_participant(session, "T1", user_id, EARLIER)
    found.welcomed_at = welcomed
    session.flush()
    return found


def pair_of(
    session: Session,
    users: Sequence[str],
    *,
    created_at: datetime = FORMED,
    first: date | None = FIRST_MEETING,
    welcomed: datetime | None = EARLIER,
) -> Pair:
    """A pair of these people (welcomed at `welcomed`, None: not yet), with a fortnightly slot
    at 16:00 London from `first` (None: no slot)."""
    pair = Pair(team_id="T1", cohort_id=cohort_of(session).id, formed_by="UFACIL")
    pair.created_at = created_at
    if first is not None:
        pair.slot_weekday = first.weekday()
        pair.slot_time = time(16, 0)
        pair.slot_timezone = "Europe/London"
        pair.slot_first_date = first
        pair.slot_set_at = created_at
    session.add(pair)
    session.flush()
    for user_id in users:
        member = person(session, user_id, welcomed)
        session.add(PairMember(pair_id=pair.id, participant_id=member.id, joined_at=created_at))
    session.flush()
    return pair


def pause(session: Session, user_id: str, start: date, end: date) -> None:
    who = person(session, user_id)
    session.add(Pause(participant_id=who.id, start_date=start, end_date=end, created_at=EARLIER))
    session.flush()


def report_at(session: Session, now: datetime, bootstrapped: Sequence[str] = ()) -> CohortReport:
    return cohort_report(session, cohort_of(session), now, bootstrapped=frozenset(bootstrapped))


def row(report: CohortReport, user_id: str) -> PairRow:
    return next(p for p in report.pairs if any(m.user_id == user_id for m in p.members))


def test_counts_and_their_nouns_agree() -> None:
    assert counted(0, "pair") == "0 pairs"
    assert counted(1, "pair") == "1 pair"
    assert counted(2, "meeting") == "2 meetings"
    assert counted(1, "overdue action") == "1 overdue action"
    assert counted(1, "person", "people") == "1 person"
    assert counted(3, "person", "people") == "3 people"


def test_a_facilitator_outside_every_pair_is_not_waiting_for_a_buddy(session: Session) -> None:
    """Bootstrapped (as a handler knows), granted in Slack, or seen acting as one (as the clock
    knows): none is "not in a pair"; one whose role was removed is a participant again."""
    for user_id in ("UBOOT", "UGRANTED", "UNOTED", "UREVOKED", "UERIN"):
        person(session, user_id)
    session.add(
        Facilitator(team_id="T1", user_id="UGRANTED", granted_by="UBOOT", created_at=EARLIER)
    )
    for user_id, active in (("UNOTED", True), ("UREVOKED", False)):
        session.add(
            FacilitatorSetting(
                team_id="T1",
                user_id=user_id,
                digest_enabled=True,
                active=active,
                updated_at=EARLIER,
            )
        )
    pair_of(session, ["UALICE", "UGRANTED"])  # a facilitator in a pair is one of its members
    report = report_at(session, NOW, bootstrapped=["UBOOT"])
    assert [m.user_id for m in report.unpaired] == ["UREVOKED", "UERIN"]
    assert {m.user_id for m in row(report, "UALICE").members} == {"UALICE", "UGRANTED"}
    # Without BUDDY_FACILITATORS (the clock), a bootstrapped one not yet seen is counted.
    assert [m.user_id for m in report_at(session, NOW).unpaired] == ["UBOOT", "UREVOKED", "UERIN"]


def test_the_slot_grace_is_the_first_slot_nudges_wait() -> None:
    assert timedelta(days=SLOT_NUDGE_FIRST_DAYS) == SLOT_GRACE


def test_a_new_pair_without_a_slot_slips_only_once_the_grace_is_over(session: Session) -> None:
    pair_of(session, ["UALICE", "UBOB"], created_at=NOW, first=None)
    almost = report_at(session, NOW + SLOT_GRACE - timedelta(minutes=1))
    assert row(almost, "UALICE").reasons() == [] and almost.slipping == []
    assert len(almost.without_slot) == 1  # still counted, and named, as without a slot
    over = report_at(session, NOW + SLOT_GRACE)
    assert row(over, "UALICE").reasons() == ["no slot"]
    assert row(over, "UALICE").status == "slipping"


def test_a_pair_not_welcomed_is_pending_and_owes_nothing_until_it_is(session: Session) -> None:
    """An imported pair: its meeting of Tue 1 Dec passes before anyone has told it it exists."""
    pair_of(session, ["UALICE", "UBOB"], welcomed=None)
    pending = report_at(session, NOW)
    alice = row(pending, "UALICE")
    assert (alice.status, alice.told, alice.unconfirmed, alice.reasons()) == (
        "welcome pending",
        False,
        0,
        [],
    )
    assert pending.not_told == [alice] and pending.slipping == []
    # One of them welcomed: the pair as a whole has still not been told.
    welcome_at = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    person(session, "UALICE", welcome_at)
    assert row(report_at(session, NOW), "UALICE").status == "welcome pending"
    # Both welcomed on Tue 8 Dec: the meeting of 1 Dec was before they knew; 15 Dec counts.
    person(session, "UBOB", welcome_at)
    after = report_at(session, datetime(2026, 12, 16, 10, 0, tzinfo=UTC))
    alice = row(after, "UALICE")
    assert (alice.status, alice.unconfirmed, alice.reasons()) == (
        "slipping",
        1,
        ["1 meeting unconfirmed"],
    )


def test_a_pair_imported_without_a_slot_has_its_grace_from_its_welcome(session: Session) -> None:
    welcome_at = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    pair_of(session, ["UALICE", "UBOB"], first=None, welcomed=welcome_at)
    assert row(report_at(session, welcome_at + timedelta(days=2)), "UALICE").reasons() == []
    assert row(report_at(session, welcome_at + SLOT_GRACE), "UALICE").reasons() == ["no slot"]


def test_a_paused_member_makes_the_pair_paused_not_slipping(session: Session) -> None:
    pair_of(session, ["UCAROL", "UDAN"])  # Tue 1 Dec falls in Dan's leave; nobody answered
    pause(session, "UDAN", date(2026, 11, 26), date(2026, 12, 4))
    pause(session, "UDAN", date(2026, 12, 5), date(2026, 12, 11))  # extended: one pause
    pause(session, "UERIN", date(2026, 12, 1), date(2026, 12, 20))  # not in a pair
    pause(session, "UCAROL", date(2027, 1, 4), date(2027, 1, 8))  # later: not paused today
    report = report_at(session, NOW)
    carol = row(report, "UCAROL")
    assert (carol.status, carol.reasons(), carol.nudgeable) == ("paused", [], False)
    assert [(p.member.user_id, p.until) for p in carol.paused] == [("UDAN", date(2026, 12, 11))]
    assert carol.unconfirmed == 0 and report.slipping == []
    assert [(p.member.user_id, p.until) for p in report.paused] == [
        ("UDAN", date(2026, 12, 11)),
        ("UERIN", date(2026, 12, 20)),
    ]
    assert all(isinstance(p, Paused) for p in report.paused)
    # Back on Sat 12 Dec: the pair can be nudged, and the meeting in the pause still owes nothing.
    back = row(report_at(session, datetime(2026, 12, 12, 10, 0, tzinfo=UTC)), "UCAROL")
    assert (back.status, back.nudgeable, back.unconfirmed) == ("on track", True, 0)


def prep_nudge(session: Session, pair: Pair, meeting: date) -> None:
    """A prep nudge the clock sent for the meeting of `meeting` (16:00 London, = UTC in winter)."""
    starts = datetime.combine(meeting, time(16, 0), tzinfo=UTC)
    session.add(
        Delivery(
            key=f"prep:pair={pair.id}:meeting={meeting.isoformat()}",
            kind="prep",
            pair_id=pair.id,
            subject=meeting_subject(pair.id, meeting),
            status=SENT,
            due_at=starts - timedelta(days=2),
            next_attempt_at=starts - timedelta(days=2),
            expires_at=starts,
            attempts=1,
            created_at=starts - timedelta(days=2),
            sent_at=starts - timedelta(days=2),
        )
    )
    session.flush()


def prepared(session: Session, pair: Pair, meeting: date, user_id: str) -> None:
    who = person(session, user_id)
    session.add(
        PrepCompletion(
            pair_id=pair.id, original_date=meeting, participant_id=who.id, completed_at=EARLIER
        )
    )
    session.flush()


@pytest.fixture
def modules(session: Session) -> None:
    """B1 from Mon 16 Nov, B2 from Mon 30 Nov (to Sun 13 Dec); nothing after."""
    cohort = cohort_of(session)
    for code, starts in (("B1", date(2026, 11, 16)), ("B2", date(2026, 11, 30))):
        session.add(
            Module(
                cohort_id=cohort.id,
                code=code,
                title=f"Module {code}",
                insight_module=f"Insight {code}",
                starts_on=starts,
            )
        )
    session.flush()


@pytest.mark.usefixtures("modules")
def test_prep_asks_each_member_once_per_prep_nudge_for_a_meeting_that_has_started(
    session: Session,
) -> None:
    alice = pair_of(session, ["UALICE", "UBOB"])  # Tue 1 Dec, nudged, Alice prepared
    prep_nudge(session, alice, FIRST_MEETING)
    prepared(session, alice, FIRST_MEETING, "UALICE")
    trio = pair_of(session, ["UCAROL", "UDAN", "UERIN"], first=date(2026, 12, 9))  # Wed 9 Dec
    prep_nudge(session, trio, date(2026, 12, 9))
    prepared(session, trio, date(2026, 12, 9), "UDAN")
    earlier = pair_of(session, ["UFRED", "UGINA"], first=date(2026, 11, 17))  # B1's meeting
    prep_nudge(session, earlier, date(2026, 11, 17))
    prepared(session, earlier, date(2026, 11, 17), "UFRED")
    pair_of(session, ["UHAL", "UIDA"], first=date(2026, 12, 2))  # met in B2, never nudged
    report = report_at(session, NOW)
    # Only Alice and Bob were asked for a meeting that has started: the trio's is on Wednesday.
    assert (report.module_code, report.prep) == ("B2", (1, 2))
    assert (row(report, "UCAROL").prep_done, row(report, "UCAROL").prep_expected) == (0, 0)
    later = report_at(session, datetime(2026, 12, 10, 10, 0, tzinfo=UTC))
    assert later.prep == (2, 5)  # the trio's meeting has started: three more people asked
    # After B2's fortnight, with no module yet after it, the figure stays B2's.
    gap = report_at(session, datetime(2026, 12, 15, 10, 0, tzinfo=UTC))
    assert (gap.module_code, gap.prep) == ("B2", (2, 5))


def test_a_paused_person_or_their_pair_is_not_nudged(session: Session) -> None:
    pair = pair_of(session, ["UCAROL", "UDAN"])
    pause(session, "UDAN", date(2026, 11, 26), date(2026, 12, 11))
    with pytest.raises(Refusal) as refused:
        pair_to_nudge(session, "T1", "UDAN", NOW)
    assert refused.value.message == (
        "{0} is paused until Fri 11 Dec; Buddy holds their nudges until then."
    )
    assert refused.value.people == ("UDAN",)
    with pytest.raises(Refusal) as refused:
        pair_to_nudge(session, "T1", "UCAROL", NOW)
    assert refused.value.people == ("UCAROL", "UDAN")
    assert "{0}'s buddy {1} is paused until Fri 11 Dec" in refused.value.message
    assert pair_to_nudge(session, "T1", "UCAROL", datetime(2026, 12, 12, 9, tzinfo=UTC)) == pair
