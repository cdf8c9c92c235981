"""The cohort report as a CSV file that opens cleanly in Excel (its chart is in `chart.py`).

The CSV is UTF-8 with a byte-order mark (Excel then reads accents and emoji correctly) and is
written by the `csv` module, so names with commas, quotes or line breaks survive.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from models.actions import ReviewAnswer
from models.facilitators.report import PAUSED, CohortReport, Member, PairRow, Paused

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CSV_COLUMNS = (
    "cohort",
    "buddy_1_name",
    "buddy_1_slack_id",
    "buddy_2_name",
    "buddy_2_slack_id",
    "buddy_3_name",
    "buddy_3_slack_id",
    "slot",
    "meetings_held",
    "meetings_skipped",
    "meetings_unconfirmed",
    "prep_completion",
    "open_actions",
    "overdue_actions",
    "last_meeting",
    "status",
    "why",
    "reviews_answered",
    "review_answers",
)
# A cell starting with one of these is a formula to Excel: quoted with a leading apostrophe.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def slot_text(slot: tuple[int, str, str] | None) -> str:
    if slot is None:
        return ""
    weekday, at, zone = slot
    return f"{WEEKDAYS[weekday]} {at} {zone}"


def _safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _people(members: tuple[Member, ...]) -> list[str]:
    people: list[str] = []
    for index in range(3):
        member = members[index] if index < len(members) else None
        people.extend(
            [_safe(member.name or "") if member else "", member.user_id if member else ""]
        )
    return people


def _paused_text(paused: Paused) -> str:
    return f"{paused.member.name or paused.member.user_id} paused until {paused.until.isoformat()}"


def _why(pair: PairRow) -> str:
    if pair.status == PAUSED:
        return _safe("; ".join(_paused_text(p) for p in pair.paused))
    return "; ".join(pair.reasons())


def _row(cohort: str, pair: PairRow) -> list[str]:
    people = _people(pair.members)
    prep = f"{pair.prep_done}/{pair.prep_expected}" if pair.prep_expected else ""
    return [
        _safe(cohort),
        *people,
        slot_text(pair.slot),
        str(pair.held),
        str(pair.skipped),
        str(pair.unconfirmed),
        prep,
        str(pair.open_actions),
        str(pair.overdue_actions),
        pair.last_met.isoformat() if pair.last_met else "",
        pair.status,
        _why(pair),
        str(len(pair.reviews)),
        _safe("\n".join(_review_text(r) for r in pair.reviews)),
    ]


def _unpaired_row(cohort: str, member: Member, paused: Paused | None) -> list[str]:
    """Someone not in a pair: named in the buddy_1 columns, so a facilitator can pair them."""
    cells = dict.fromkeys(CSV_COLUMNS, "")
    cells["cohort"] = _safe(cohort)
    cells["buddy_1_name"], cells["buddy_1_slack_id"] = _people((member,))[:2]
    cells["status"] = "not in a pair"
    cells["why"] = _safe(_paused_text(paused)) if paused else ""
    return list(cells.values())


def _review_text(review: ReviewAnswer) -> str:
    """One answered 90-day review in a cell's line: whose, which action, when, both answers."""
    who = review.owner_name or review.owner_user_id
    answered = review.answered_on.isoformat() if review.answered_on else ""
    impact = " ".join((review.impact or "").split())
    evidence = " ".join((review.evidence or "").split())
    return (
        f"{who} ({review.owner_user_id}), “{review.text}”, answered {answered}: "
        f"What changed: {impact} | How they know: {evidence}"
    )


def report_csv(report: CohortReport) -> bytes:
    """One row per pair, then one per person not in a pair; UTF-8 with a BOM, CRLF line ends
    (as Excel writes them). The figures are the report's: a column summed is the Home figure."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for pair in report.pairs:
        writer.writerow(_row(report.cohort.name, pair))
    paused = {p.member.user_id: p for p in report.paused}
    for member in report.unpaired:
        writer.writerow(_unpaired_row(report.cohort.name, member, paused.get(member.user_id)))
    return out.getvalue().encode("utf-8-sig")


def report_filename(cohort_name: str, today: date) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in cohort_name).strip("-") or "cohort"
    return f"buddy-{safe.lower()}-{today.isoformat()}"
