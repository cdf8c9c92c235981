"""The cohort report as files: a CSV that opens cleanly in Excel, and a PNG bar chart.

The CSV is UTF-8 with a byte-order mark (Excel then reads accents and emoji correctly) and is
written by the `csv` module, so names with commas, quotes or line breaks survive. The chart is
drawn by a few lines of pure Python (zlib and struct), so no imaging library is needed.
"""

from __future__ import annotations

import csv
import io
import struct
import zlib
from collections.abc import Sequence
from datetime import date

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
    ]


def _unpaired_row(cohort: str, member: Member, paused: Paused | None) -> list[str]:
    """Someone not in a pair: named in the buddy_1 columns, so a facilitator can pair them."""
    row = [_safe(cohort), *_people((member,))]
    row.extend("" for _ in range(len(CSV_COLUMNS) - len(row) - 2))
    return [*row, "not in a pair", _safe(_paused_text(paused)) if paused else ""]


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


# -- the chart --------------------------------------------------------------------------------

CHART_WIDTH = 480
CHART_HEIGHT = 240
MARGIN = 20
BACKGROUND = (255, 255, 255)
BAR = (44, 95, 45)
AXIS = (120, 120, 120)


def bar_heights(counts: Sequence[int], height: int = CHART_HEIGHT - 2 * MARGIN) -> list[int]:
    """Each bar's height in pixels: the largest count fills the plot, zero draws nothing."""
    top = max(counts, default=0)
    if top <= 0:
        return [0 for _ in counts]
    return [round(count * height / top) for count in counts]


def bar_chart_png(counts: Sequence[int]) -> bytes:
    """A plain bar chart of `counts` (one bar each, left to right) as a PNG image."""
    width, height = CHART_WIDTH, CHART_HEIGHT
    pixels = [[BACKGROUND] * width for _ in range(height)]
    base = height - MARGIN
    for x in range(MARGIN, width - MARGIN):
        pixels[base][x] = AXIS
    slots = max(len(counts), 1)
    slot_width = (width - 2 * MARGIN) // slots
    for index, bar in enumerate(bar_heights(counts)):
        left = MARGIN + index * slot_width + slot_width // 6
        right = MARGIN + (index + 1) * slot_width - slot_width // 6
        for y in range(base - bar, base):
            row = pixels[y]
            for x in range(left, right):
                row[x] = BAR
    raw = b"".join(
        b"\x00" + b"".join(struct.pack("BBB", *pixel) for pixel in row) for row in pixels
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def bar_column(index: int, slots: int) -> int:
    """The x of the middle of bar `index` (for reading a chart back in tests)."""
    slot_width = (CHART_WIDTH - 2 * MARGIN) // max(slots, 1)
    return MARGIN + index * slot_width + slot_width // 2
