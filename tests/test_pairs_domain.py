"""Pairing rules in the domain, without Slack: who may pair, and what changes do to meetings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.meetings.changes import backup_start_for, move_meeting, practise_solo, skip_meeting
from models.meetings.schedule import SKIPPED
from models.pairs import (
    MeetingChange,
    Pair,
    Pairing,
    PairMember,
    Profile,
    Refusal,
    form_pair,
    match_pair,
    members_by_pair,
    pair_of,
    remember_profiles,
    set_backup,
    set_slot,
    unpair,
)
from models.people import Participant, ensure_participant
from tests.conftest import DEFAULT_NOW

LONDON = "Europe/London"


def people(session: Session, *user_ids: str, bots: tuple[str, ...] = ()) -> list[Participant]:
    profiles = [Profile(u, LONDON, u in bots) for u in user_ids]
    found = remember_profiles(session, "T1", profiles, DEFAULT_NOW)
    return [found[u] for u in user_ids]


def test_pair_rules(session: Session) -> None:
    alice, bob, carol, dan, botty = people(
        session, "UALICE", "UBOB", "UCAROL", "UDAN", "UBOTTY", bots=("UBOTTY",)
    )
    with pytest.raises(Refusal, match="your own buddy"):
        form_pair(session, alice, [alice], [], DEFAULT_NOW)
    with pytest.raises(Refusal, match="is a bot"):
        form_pair(session, alice, [botty], [], DEFAULT_NOW)
    with pytest.raises(Refusal, match="trio is the largest"):
        form_pair(session, alice, [bob, carol, dan], [], DEFAULT_NOW)
    pair = form_pair(session, alice, [bob], [], DEFAULT_NOW).pair
    with pytest.raises(Refusal, match="already in a buddy pair") as refused:
        form_pair(session, carol, [bob], [], DEFAULT_NOW)
    assert "trio" in refused.value.message
    with pytest.raises(Refusal, match="You're already in a buddy pair"):
        form_pair(session, alice, [carol], [], DEFAULT_NOW)
    # Asked again (or by both at once): the same pair, and nothing changed.
    assert form_pair(session, bob, [alice], [], DEFAULT_NOW) == Pairing(pair, formed=False)
    assert match_pair(session, "UFACIL", True, [bob, alice], [], DEFAULT_NOW).formed is False
    assert pair_of(session, bob) == pair
    assert members_by_pair(session, [pair.id]) == {pair.id: [alice, bob]}
    assert session.scalar(select(func.count()).select_from(PairMember)) == 2


def test_match_is_refused_to_non_facilitators(session: Session) -> None:
    bob, carol = people(session, "UBOB", "UCAROL")
    with pytest.raises(Refusal, match="Only facilitators"):
        match_pair(session, "UALICE", False, [bob, carol], [], DEFAULT_NOW)
    pair = match_pair(session, "UFACIL", True, [bob, carol], [], DEFAULT_NOW).pair
    assert pair.formed_by == "UFACIL"


def test_members_by_pair_reads_many_pairs_at_once(session: Session) -> None:
    a, b, c, d, e = people(session, "UA", "UB", "UC", "UD", "UE")
    first = form_pair(session, a, [b], [], DEFAULT_NOW).pair
    second = form_pair(session, c, [d, e], [], DEFAULT_NOW).pair
    found = members_by_pair(session, [first.id, second.id, 999])
    assert found == {first.id: [a, b], second.id: [c, d, e], 999: []}
    assert members_by_pair(session, []) == {}


def test_unpair_ends_a_pair_and_shrinks_a_trio(session: Session) -> None:
    a, b, c = people(session, "UA", "UB", "UC")
    trio = form_pair(session, a, [b, c], [], DEFAULT_NOW).pair
    trio.group_channel_id = "GOLD"
    left = unpair(session, c, DEFAULT_NOW)
    assert not left.dissolved and left.remaining == [a, b]
    assert trio.group_channel_id is None and trio.dissolved_at is None
    ended = unpair(session, a, DEFAULT_NOW)
    assert ended.dissolved and trio.dissolved_at == DEFAULT_NOW
    assert pair_of(session, b) is None
    with pytest.raises(Refusal, match="not in a buddy pair"):
        unpair(session, a, DEFAULT_NOW)


def test_slot_starts_at_the_next_such_day_and_drops_stale_changes(session: Session) -> None:
    a, b = people(session, "UA", "UB")
    pair = form_pair(session, a, [b], [], DEFAULT_NOW).pair
    # Tuesday 24 Nov, 10:00: a Tuesday 09:00 slot has already gone today, so it starts next week.
    set_slot(session, a, 1, time(9), LONDON, None, DEFAULT_NOW)
    assert pair.slot_first_date == date(2026, 12, 1)
    set_slot(session, a, 1, time(11), LONDON, None, DEFAULT_NOW)
    assert pair.slot_first_date == date(2026, 11, 24)
    skip_meeting(session, a, None, "ill", LONDON, DEFAULT_NOW)
    assert session.scalar(select(func.count()).select_from(MeetingChange)) == 1
    set_slot(session, b, 3, time(16), LONDON, date(2026, 12, 1), DEFAULT_NOW)
    assert pair.slot_first_date == date(2026, 12, 3)
    assert session.scalar(select(func.count()).select_from(MeetingChange)) == 0
    with pytest.raises(Refusal, match="already passed"):
        set_slot(session, b, 3, time(16), LONDON, date(2026, 11, 1), DEFAULT_NOW)


def test_only_members_change_meetings(session: Session) -> None:
    a, b, outsider = people(session, "UA", "UB", "UC")
    pair = form_pair(session, a, [b], [], DEFAULT_NOW).pair
    set_slot(session, a, 3, time(16), LONDON, None, DEFAULT_NOW)
    for change in (
        lambda: set_backup(session, outsider, 4, time(8)),
        lambda: move_meeting(
            session, outsider, None, date(2026, 11, 27), None, LONDON, DEFAULT_NOW
        ),
        lambda: skip_meeting(session, outsider, None, None, LONDON, DEFAULT_NOW),
    ):
        with pytest.raises(Refusal, match="not in a buddy pair"):
            change()
    with pytest.raises(Refusal, match="Only the pair's own members"):
        practise_solo(session, outsider, pair.id, date(2026, 11, 26), DEFAULT_NOW)


def test_a_refused_move_writes_nothing(session: Session) -> None:
    a, b = people(session, "UA", "UB")
    form_pair(session, a, [b], [], DEFAULT_NOW)
    set_slot(session, a, 3, time(16), LONDON, None, DEFAULT_NOW)
    with pytest.raises(Refusal, match="already passed"):
        move_meeting(session, a, None, date(2026, 11, 23), None, LONDON, DEFAULT_NOW)
    assert session.scalar(select(func.count()).select_from(MeetingChange)) == 0


def test_a_move_in_the_callers_own_zone(session: Session) -> None:
    a, b = people(session, "UA", "UB")
    form_pair(session, a, [b], [], DEFAULT_NOW)
    set_slot(session, a, 3, time(16), LONDON, None, DEFAULT_NOW)
    moved = move_meeting(
        session, b, None, date(2026, 11, 27), time(9), "America/New_York", DEFAULT_NOW
    )
    assert moved.before.original_date == moved.after.original_date == date(2026, 11, 26)
    assert moved.after.start == datetime(2026, 11, 27, 14, tzinfo=UTC)


def test_backup_slot_lands_in_the_skipped_meetings_fortnight(session: Session) -> None:
    a, b = people(session, "UA", "UB")
    pair = form_pair(session, a, [b], [], DEFAULT_NOW).pair
    set_slot(session, a, 3, time(16), LONDON, None, DEFAULT_NOW)
    set_backup(session, a, 0, time(8))  # Mondays 08:00
    meeting = skip_meeting(session, a, None, None, LONDON, DEFAULT_NOW)
    assert meeting.skipped
    assert backup_start_for(pair, meeting, DEFAULT_NOW) == datetime(2026, 11, 30, 8, tzinfo=UTC)
    solo = practise_solo(session, b, pair.id, meeting.original_date, DEFAULT_NOW).meeting
    assert solo.solo and solo.skipped
    change = session.scalar(select(MeetingChange))
    assert change is not None and change.kind == SKIPPED


def test_no_pair_means_no_pair(session: Session) -> None:
    alone = ensure_participant(session, "T1", "UALONE", DEFAULT_NOW)
    assert pair_of(session, alone) is None
    assert session.scalar(select(func.count()).select_from(Pair)) == 0
