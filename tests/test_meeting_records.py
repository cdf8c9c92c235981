"""Undo's rules, without Slack: only the one who pressed takes it back; a member of another pair
is refused; undoing twice changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from models.meetings.records import (
    NotInThisPair,
    NotYours,
    record_outcome,
    record_prep,
    undo_outcome,
    undo_prep,
)
from tests.conftest import DEFAULT_NOW
from tests.test_meeting_nudges import make_pair

MEETING = date(2026, 12, 3)


def test_only_the_member_who_marked_prep_undoes_it(session: Session) -> None:
    pair = make_pair(session)
    assert record_prep(session, pair.id, MEETING, "UBOB", DEFAULT_NOW)
    with pytest.raises(NotYours) as refused:
        undo_prep(session, pair.id, MEETING, "UALICE", "UBOB")
    assert refused.value.people == ("UBOB",)
    with pytest.raises(NotInThisPair):
        undo_prep(session, pair.id, MEETING, "UCAROL", "UCAROL")
    assert undo_prep(session, pair.id, MEETING, "UBOB", "UBOB")
    assert not undo_prep(session, pair.id, MEETING, "UBOB", "UBOB")
    assert record_prep(session, pair.id, MEETING, "UBOB", DEFAULT_NOW)  # can mark it again


def test_only_whoever_answered_the_check_in_undoes_it(session: Session) -> None:
    pair = make_pair(session)
    record_outcome(session, pair.id, MEETING, "moved", "UALICE", DEFAULT_NOW)
    with pytest.raises(NotYours):
        undo_outcome(session, pair.id, MEETING, "UBOB")
    undone = undo_outcome(session, pair.id, MEETING, "UALICE")
    assert undone is not None and (undone.kind, undone.by) == ("moved", "UALICE")
    assert undo_outcome(session, pair.id, MEETING, "UALICE") is None
    # Unanswered again: the buddy may answer without being told it was taken.
    answered = record_outcome(session, pair.id, MEETING, "met", "UBOB", DEFAULT_NOW)
    assert answered.replaced is None
