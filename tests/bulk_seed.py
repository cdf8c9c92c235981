"""Many pairs written straight into the database, in bulk, as a running programme has them.

Every pair has a slot, a backup and a format (one in ten is new and has none yet), past meetings
answered and prepared for, a moved meeting, sometimes a skipped one, and the nudges Buddy sent for
them; every member has open actions (one overdue, chased), a closed one up for review, sometimes a
pause or a problem; every three pairs form a community group with a session coming up.

Pair 0 is UALICE and UBOB, pair 1 UCAROL and UDAN, seeded like every other; UERIN, UFRANK, UGINA
and UHARRY are known but unpaired, and UFACIL is the facilitator. The command tests and the
command benchmark (`bench/commands.py`) seed with this, so what they measure is the same world.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from models.actions import CHASE_KIND, DONE, OPEN, OVERDUE_KIND, Action, day_chase_key
from models.calendar.tables import CohortBreak, Module
from models.community.tables import CommunityGroup, CommunityMember, CommunitySession
from models.deliveries import SENT, Delivery, DeliverySubject, action_subject, meeting_subject
from models.meetings.schedule import local_instant
from models.meetings.tables import MeetingChange, MeetingOutcome, PrepCompletion
from models.pairs import Pair, PairMember
from models.pauses import Pause
from models.people import Cohort, FacilitatorSetting, Participant
from models.problems.tables import DRAFT, POSTED, Problem

TEAM = "T1"
COHORT_CHANNEL = "CCOHORT"
# Pair 0's community group meets here.
COMMUNITY_CHANNEL = "CCOMM"
FACILITATOR = "UFACIL"
NAMED_PAIRS = (("UALICE", "UBOB"), ("UCAROL", "UDAN"))
UNPAIRED = ("UERIN", "UFRANK", "UGINA", "UHARRY")
ZONE = "Europe/London"
# Every slot's first meeting is in the fortnight from the Monday this long before now.
STARTED_BEFORE = timedelta(days=50)
GROUP_SIZE_IN_PAIRS = 3


@dataclass(frozen=True)
class Seeded:
    pairs: int
    cohort_id: int
    user_ids: tuple[str, ...]  # every Slack user seeded, the named ones first


def user_ids_of(index: int) -> tuple[str, str]:
    if index < len(NAMED_PAIRS):
        return NAMED_PAIRS[index]
    return f"U{index:07d}A", f"U{index:07d}B"


def _add(session: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert many rows as one executemany (Core's, the fast path on SQLite and PostgreSQL alike),
    returning their ids in order: the newest ids, as nothing else writes while seeding."""
    if not rows:
        return []
    session.execute(insert(model.__table__), rows)
    newest = session.scalars(select(model.id).order_by(model.id.desc()).limit(len(rows)))
    return sorted(newest)


def _slot_dates(first: date, until: date) -> Iterator[date]:
    day = first
    while day <= until:
        yield day
        day += timedelta(days=14)


def seed(session: Session, pairs: int, now: datetime) -> Seeded:
    """`pairs` pairs (at least two) and everything around them, as of `now` (the tests' Tue 24
    Nov 2026: slots from Mon 5 Oct, the Christmas break from Mon 21 Dec)."""
    today = now.date()
    started = (now - STARTED_BEFORE).date()
    first_monday = started - timedelta(days=started.weekday())
    cohort_id = _add(
        session,
        Cohort,
        [
            {
                "team_id": TEAM,
                "channel_id": COHORT_CHANNEL,
                "name": "Autumn 2026",
                "timezone": ZONE,
                "created_at": now - timedelta(days=90),
            }
        ],
    )[0]
    _add(
        session,
        Module,
        [
            {
                "cohort_id": cohort_id,
                "code": f"B{n + 1}",
                "title": f"Module {n + 1}",
                "insight_module": f"Insight {n + 1}",
                "starts_on": first_monday + timedelta(days=14 * n),
            }
            for n in range(8)
        ],
    )
    _add(
        session,
        CohortBreak,
        [
            {
                "cohort_id": cohort_id,
                "name": "Christmas holidays",
                "start_date": first_monday + timedelta(weeks=11),
                "end_date": first_monday + timedelta(weeks=11, days=11),
            }
        ],
    )

    def person(user_id: str, n: int) -> dict[str, Any]:
        return {
            "team_id": TEAM,
            "user_id": user_id,
            "cohort_id": cohort_id,
            "timezone": ZONE,
            "is_bot": False,
            "dm_channel_id": f"D{user_id[1:]}",
            "display_name": f"Teacher {n}",
            "created_at": now - timedelta(days=70),
            "welcomed_at": now - timedelta(days=70),
        }

    members = [u for i in range(pairs) for u in user_ids_of(i)]
    others = [*UNPAIRED, FACILITATOR]
    people = _add(session, Participant, [person(u, n) for n, u in enumerate(members + others)])
    session.execute(
        insert(FacilitatorSetting.__table__),
        [
            {
                "team_id": TEAM,
                "user_id": FACILITATOR,
                "digest_enabled": True,
                "active": True,
                "updated_at": now - timedelta(days=60),
            }
        ],
    )

    pair_rows = []
    for i in range(pairs):
        slotted = i % 10 != 9
        first = first_monday + timedelta(days=i % 5 + 7 * (i // 5 % 2))
        created = now - (timedelta(days=60) if slotted else timedelta(days=5 + i % 7))
        pair_rows.append(
            {
                "team_id": TEAM,
                "cohort_id": cohort_id,
                "formed_by": user_ids_of(i)[0],
                "created_at": created,
                "group_channel_id": f"G{i:07d}",
                "slot_weekday": first.weekday() if slotted else None,
                "slot_time": time(9 + i % 8, 0) if slotted else None,
                "slot_timezone": ZONE if slotted else None,
                "slot_first_date": first if slotted else None,
                "slot_set_at": created + timedelta(days=2) if slotted else None,
                "backup_weekday": (first.weekday() + 1) % 5 if slotted else None,
                "backup_time": time(8, 0) if slotted else None,
                "format_kind": "video" if slotted else None,
                "format_detail": f"https://meet.example.com/{i}" if slotted else None,
            }
        )
    pair_ids = _add(session, Pair, pair_rows)
    session.execute(
        insert(PairMember.__table__),
        [
            {
                "pair_id": pair_ids[i],
                "participant_id": people[2 * i + k],
                "joined_at": pair_rows[i]["created_at"],
            }
            for i in range(pairs)
            for k in (0, 1)
        ],
    )

    changes, outcomes, preps, deliveries = [], [], [], []
    for i, row in enumerate(pair_rows):
        if row["slot_first_date"] is None:
            continue
        pair_id, at = pair_ids[i], row["slot_time"]
        dates = list(_slot_dates(row["slot_first_date"], today + timedelta(days=60)))
        past = [d for d in dates if local_instant(d, at, ZONE) < now - timedelta(hours=3)]
        ahead = [d for d in dates if d not in past]
        # The first meeting was moved a day later; one pair in three skips the one after next.
        changes.append(
            {
                "pair_id": pair_id,
                "original_date": past[0],
                "kind": "moved",
                "new_start": local_instant(past[0] + timedelta(days=1), at, ZONE),
                "solo": False,
                "reason": None,
                "changed_by": row["formed_by"],
                "changed_at": now - timedelta(days=50),
            }
        )
        if i % 3 == 1:
            changes.append(
                {
                    "pair_id": pair_id,
                    "original_date": ahead[1],
                    "kind": "skipped",
                    "new_start": None,
                    "solo": True,
                    "reason": "parents evening",
                    "changed_by": row["formed_by"],
                    "changed_at": now - timedelta(days=2),
                }
            )
        for day in past[-3:]:
            outcomes.append(
                {
                    "pair_id": pair_id,
                    "original_date": day,
                    "outcome": "met",
                    "answered_by": row["formed_by"],
                    "answered_at": local_instant(day, at, ZONE) + timedelta(hours=2),
                }
            )
        last = past[-1]
        for k in (0, 1):
            preps.append(
                {
                    "pair_id": pair_id,
                    "original_date": last,
                    "participant_id": people[2 * i + k],
                    "completed_at": local_instant(last, at, ZONE) - timedelta(days=1),
                }
            )
        start = local_instant(last, at, ZONE)
        for kind, due in (
            ("prep", start - timedelta(days=2)),
            ("reminder", start - timedelta(minutes=15)),
            ("checkin", start + timedelta(hours=2)),
        ):
            deliveries.append(
                _sent(
                    f"{kind}:pair={pair_id}:meeting={last.isoformat()}"
                    f":at={start.strftime('%Y%m%dT%H%MZ')}",
                    kind,
                    due,
                    str(row["group_channel_id"]),
                    pair_id=pair_id,
                    subject=meeting_subject(pair_id, last),
                    expires_at=start if kind != "checkin" else start + timedelta(days=7),
                )
            )
    session.execute(insert(MeetingChange.__table__), changes)
    session.execute(insert(MeetingOutcome.__table__), outcomes)
    session.execute(insert(PrepCompletion.__table__), preps)

    action_rows, owners = [], []
    for n in range(2 * pairs):
        owner, pair_id = people[n], pair_ids[n // 2]
        base = {
            "owner_id": owner,
            "pair_id": pair_id,
            "source": "command",
            "created_at": now - timedelta(days=20),
            "closed_at": None,
            "review_at": None,
        }
        action_rows += [
            {
                **base,
                "number": 1,
                "text": "Try retrieval starters with 9X",
                "due_date": today + timedelta(days=1 + n % 10),
                "status": OPEN,
            },
            {
                **base,
                "number": 2,
                "text": "Share the seating plan with <@UBOB>",
                "due_date": today - timedelta(days=1 + n % 5),
                "status": OPEN,
            },
            {
                **base,
                "number": 3,
                "text": "Launch the new feedback policy",
                "due_date": today - timedelta(days=30),
                "status": DONE,
                "closed_at": now - timedelta(days=25),
                "review_at": today + timedelta(days=n % 14),
            },
        ]
        owners.append(owner)
    action_ids = _add(session, Action, action_rows)
    chased = []
    for n, owner in enumerate(owners):
        overdue = action_rows[3 * n + 1]
        chased.append((action_ids[3 * n + 1], owner, overdue["due_date"]))
    chase_ids = _add(
        session,
        Delivery,
        [
            _sent(
                day_chase_key(owner, due),
                CHASE_KIND,
                local_instant(due, time(9, 0), ZONE),
                f"D{members[n][1:]}",
                participant_id=owner,
                subject=action_subject(action_id),
                expires_at=local_instant(due, time(9, 0), ZONE) + timedelta(days=7),
            )
            for n, (action_id, owner, due) in enumerate(chased)
        ],
    )
    session.execute(
        insert(DeliverySubject.__table__),
        [
            {"delivery_id": delivery_id, "subject": action_subject(action_id)}
            for delivery_id, (action_id, _, _) in zip(chase_ids, chased, strict=True)
        ],
    )
    deliveries += [
        _sent(
            f"{OVERDUE_KIND}:action={action_id}:due={due.isoformat()}",
            OVERDUE_KIND,
            local_instant(due + timedelta(days=3), time(9, 0), ZONE),
            str(pair_rows[n // 2]["group_channel_id"]),
            pair_id=pair_ids[n // 2],
            participant_id=owner,
            subject=action_subject(action_id),
            expires_at=now + timedelta(days=7),
        )
        for n, (action_id, owner, due) in enumerate(chased)
        if due + timedelta(days=3) < today
    ]
    session.execute(insert(Delivery.__table__), deliveries)

    session.execute(
        insert(Pause.__table__),
        [
            {
                "participant_id": people[n],
                "start_date": today + timedelta(days=20),
                "end_date": today + timedelta(days=27),
                "reason": "leave",
                "created_at": now - timedelta(days=3),
            }
            for n in range(2, 2 * pairs, 25)
        ],
    )
    session.execute(
        insert(Problem.__table__),
        [
            {
                "owner_id": people[n],
                "status": POSTED if n % 8 == 1 else DRAFT,
                "step": 5 if n % 8 == 1 else 1,
                "problem": "Year 9 lose focus after lunch",
                "evidence": "Three lessons in a row" if n % 8 == 1 else None,
                "channel_id": _group_channel(n // 2 // GROUP_SIZE_IN_PAIRS),
                "message_ts": f"1700000000.{n:06d}" if n % 8 == 1 else None,
                "posted_at": now - timedelta(days=3) if n % 8 == 1 else None,
                "created_at": now - timedelta(days=4),
                "updated_at": now - timedelta(days=3),
            }
            for n in range(1, 2 * pairs, 4)
        ],
    )

    # Groups of six; the pairs left over are in none.
    groups = pairs // GROUP_SIZE_IN_PAIRS
    group_ids = _add(
        session,
        CommunityGroup,
        [
            {
                "team_id": TEAM,
                "channel_id": _group_channel(g),
                "timezone": ZONE,
                "fortnightly": True,
                "created_by": user_ids_of(g * GROUP_SIZE_IN_PAIRS)[0],
                "created_at": now - timedelta(days=40),
            }
            for g in range(groups)
        ],
    )
    session.execute(
        insert(CommunityMember.__table__),
        [
            {
                "group_id": group_ids[n // 2 // GROUP_SIZE_IN_PAIRS],
                "participant_id": people[n],
                "position": n % (2 * GROUP_SIZE_IN_PAIRS),
                "owner_position": None,
            }
            for n in range(2 * GROUP_SIZE_IN_PAIRS * groups)
        ],
    )
    session.execute(
        insert(CommunitySession.__table__),
        [
            {
                "group_id": group_id,
                "starts_at": datetime.combine(today + timedelta(days=days), time(16, 0), UTC),
                "present": None,
                "started_by": None,
                "created_at": now - timedelta(days=30),
            }
            for group_id in group_ids
            for days in (-14, 5)
        ],
    )
    session.commit()
    return Seeded(pairs, cohort_id, (*members, *others))


def _group_channel(group: int) -> str:
    return COMMUNITY_CHANNEL if group == 0 else f"CC{group:07d}"


def _sent(
    key: str,
    kind: str,
    due_at: datetime,
    channel: str,
    *,
    pair_id: int | None = None,
    participant_id: int | None = None,
    subject: str | None = None,
    expires_at: datetime | None = None,
) -> dict[str, Any]:
    """An outbox row for a message Buddy sent when it was due."""
    return {
        "key": key,
        "kind": kind,
        "pair_id": pair_id,
        "participant_id": participant_id,
        "subject": subject,
        "status": SENT,
        "due_at": due_at,
        "expires_at": expires_at,
        "next_attempt_at": due_at,
        "attempts": 1,
        "attempted_at": due_at,
        "channel_id": channel,
        "message_ts": f"{due_at.timestamp():.0f}.000100",
        "created_at": due_at,
        "sent_at": due_at,
    }
