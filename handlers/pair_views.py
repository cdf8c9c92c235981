"""Block Kit and wording for pairs and their meetings: pure functions of what to show.

Times are shown in the reader's own zone; a message several buddies read shows each their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers.blocks import actions_block, button, context_block, section_block
from models.grammar import VIDEO, format_day, format_time, format_weekday
from models.occurrences import Meeting, local_instant
from models.pairing import zone_of
from models.pairs import Pair
from models.people import Participant

# Seed 000, "The role of the buddy pair is to:", quoted exactly.
BUDDY_ROLES = (
    "1. Provide opportunities to discuss and make sense of key content from the insight and "
    "application modules.\n"
    "2. Support their buddy by constructively questioning and challenging them, where "
    "appropriate, helping them to reflect on their actions and thinking.\n"
    "3. Give feedback on practice to develop more effective behaviours and mental models.\n"
    "4. Hold their buddy to account over time to progress actions or tasks identified during "
    "application modules."
)
# Seed 000, on agreeing a fortnightly format.
FORMAT_SUGGESTION = (
    "We strongly suggest that participants either meet in person, or use a computer/laptop to "
    "meet using software, such as Zoom or Teams."
)
FORMAT_ADVICE = "Phones can act as a barrier to sharing effective examples, videos and slides."
# Seed 000, on being flexible with time.
SOLO_PRACTICE_NOTE = (
    "Although it's best to work in buddy pairs in each application module, participants need "
    "to accept that, in some instances, solo practice may be required to not halt progression "
    "onto the next insight module."
)
HABIT_NOTE = (
    "To form strong habits, we suggest that buddy pairs set recurring meetings at the same day "
    "and time."
)

UNPAIR_CONFIRM = "buddy_unpair_confirm"
UNPAIR_CANCEL = "buddy_unpair_cancel"
SKIP_BACKUP = "buddy_skip_backup"
SKIP_SOLO = "buddy_skip_solo"


def mention(participant: Participant) -> str:
    return f"<@{participant.slack_user_id}>"


def mentions(people: Sequence[Participant]) -> str:
    names = [mention(p) for p in people]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def when(start: datetime, zone: str, today: date | None = None) -> str:
    """`Thu 3 Dec at 16:00`, in `zone`."""
    local = start.astimezone(ZoneInfo(zone))
    return f"{format_day(local.date(), today)} at {format_time(local.time())}"


def when_for_all(
    start: datetime, slot_zone: str, members: Sequence[Participant], today: date | None = None
) -> str:
    """The slot's local time, plus each member's own where their zone differs."""
    text = f"{when(start, slot_zone, today)} ({slot_zone})"
    others = [
        f"{when(start, zone_of(m, slot_zone), today)} for {mention(m)}"
        for m in members
        if zone_of(m, slot_zone) != slot_zone
        and when(start, zone_of(m, slot_zone)) != when(start, slot_zone)
    ]
    return text + ("; " + "; ".join(others) if others else "")


def slot_description(pair: Pair, viewer_zone: str | None = None) -> str:
    """`every other Thursday at 16:00 (Europe/London)`, with the viewer's time if different."""
    if pair.slot_weekday is None or pair.slot_time is None or pair.slot_timezone is None:
        return "not agreed yet"
    text = (
        f"every other {format_weekday(pair.slot_weekday)} at {format_time(pair.slot_time)}"
        f" ({pair.slot_timezone})"
    )
    if pair.slot_first_date is not None and viewer_zone and viewer_zone != pair.slot_timezone:
        start = local_instant(pair.slot_first_date, pair.slot_time, pair.slot_timezone)
        local = start.astimezone(ZoneInfo(viewer_zone))
        text += f", which is {format_weekday(local.weekday())} {format_time(local.time())} for you"
    return text


def backup_description(pair: Pair) -> str:
    if pair.backup_weekday is None or pair.backup_time is None:
        return "none yet"
    return (
        f"{format_weekday(pair.backup_weekday)} at {format_time(pair.backup_time)}"
        f" ({pair.slot_timezone})"
    )


def format_description(pair: Pair) -> str:
    if pair.format_kind is None:
        return "not agreed yet"
    if pair.format_kind == VIDEO:
        return f"video: {pair.format_detail}"
    return "in person" + (f": {pair.format_detail}" if pair.format_detail else "")


# -- pairing -----------------------------------------------------------------------------------


def build_paired_message(
    members: Sequence[Participant], formed_by: str, by_facilitator: bool
) -> tuple[str, list[dict[str, Any]]]:
    """The first message to a new pair: who, why, and the buddy's four roles from seed 000."""
    kind = "trio" if len(members) == 3 else "buddy pair"
    who = f"<@{formed_by}> has" if by_facilitator else f"<@{formed_by}> and you have"
    intro = f":wave: {mentions(members)}: {who} made you a {kind}. Welcome!"
    blocks = [
        section_block(intro),
        section_block("*The role of the buddy pair is to:*\n" + BUDDY_ROLES),
        section_block(
            "*Next:* agree a fortnightly slot. " + HABIT_NOTE + "\nFor example: "
            "`/buddy slot thu 16:00`, then `/buddy backup fri 8am` and "
            "`/buddy format video <link>`."
        ),
    ]
    return intro, blocks


def build_unpair_confirm(pair: Pair, buddies: Sequence[Participant]) -> list[dict[str, Any]]:
    return [
        section_block(
            f"Leave your buddy pair with {mentions(buddies)}? They will be told, and your "
            "fortnightly meetings stop."
        ),
        actions_block(
            [
                button("Yes, leave the pair", UNPAIR_CONFIRM, str(pair.id), style="danger"),
                button("No, stay", UNPAIR_CANCEL, str(pair.id)),
            ],
            block_id="unpair_confirm",
        ),
    ]


# -- status and next -----------------------------------------------------------------------------


def build_status_blocks(
    pair: Pair | None,
    caller: Participant,
    members: Sequence[Participant],
    cohort_name: str,
    next_meeting: Meeting | None,
    today: date,
) -> list[dict[str, Any]]:
    zone = zone_of(caller)
    if pair is None:
        return [
            section_block(
                "You're not in a buddy pair yet. Pair with a colleague: `/buddy pair @Sam`."
            ),
            context_block(f"Cohort: {cohort_name} · Your time zone: {zone}"),
        ]
    buddies = [m for m in members if m.id != caller.id]
    lines = [
        f"*Your buddy:* {mentions(buddies)}",
        f"*Slot:* {slot_description(pair, zone)}",
        f"*Backup:* {backup_description(pair)}",
        f"*Format:* {format_description(pair)}",
    ]
    if next_meeting is not None:
        lines.append(f"*Next meeting:* {when(next_meeting.start, zone, today)}")
    blocks = [section_block("\n".join(lines))]
    missing = []
    if pair.slot_weekday is None:
        missing.append("`/buddy slot thu 16:00`")
    if pair.backup_weekday is None and pair.slot_weekday is not None:
        missing.append("`/buddy backup fri 8am`")
    if pair.format_kind is None:
        missing.append("`/buddy format in-person the library`")
    if missing:
        blocks.append(section_block("Still to agree: " + ", ".join(missing)))
    blocks.append(context_block(f"Cohort: {cohort_name} · Times shown in {zone}"))
    return blocks


def meeting_heading(meeting: Meeting, zone: str, today: date) -> str:
    text = f"*{when(meeting.start, zone, today)}*"
    if meeting.skipped:
        return f"~{when(meeting.start, zone, today)}~ skipped" + (
            " (solo practice)" if meeting.solo else ""
        )
    if meeting.moved:
        text += f" (moved from {format_day(meeting.original_date, today)})"
    return text


def build_next_blocks(
    meetings: Sequence[Meeting],
    lines_by_meeting: dict[date, list[str]],
    zone: str,
    today: date,
) -> list[dict[str, Any]]:
    if not meetings:
        return [section_block("No meetings coming up.")]
    blocks = [section_block("*Your next meetings*")]
    for meeting in meetings:
        extra = lines_by_meeting.get(meeting.original_date, [])
        blocks.append(section_block("\n".join([meeting_heading(meeting, zone, today), *extra])))
    blocks.append(context_block(f"Times shown in {zone}. Change one: `/buddy move to 5/12 17:00`"))
    return blocks


# -- skip offer ------------------------------------------------------------------------------------


def build_skip_offer(
    pair: Pair,
    meeting: Meeting,
    skipped_by: Participant,
    members: Sequence[Participant],
    backup_start: datetime | None,
    reason: str | None,
    today: date,
) -> tuple[str, list[dict[str, Any]]]:
    """Told to the pair after a skip: meet at the backup slot instead, or practise solo."""
    day = format_day(meeting.local_start().date(), today)
    text = f"{mention(skipped_by)} can't make the meeting on {day}"
    text += f" ({reason})." if reason else "."
    value = f"{pair.id}:{meeting.original_date.isoformat()}"
    buttons = []
    if backup_start is not None:
        text += (
            f"\nYour backup slot is {when_for_all(backup_start, meeting.timezone, members, today)}."
        )
        buttons.append(button("Meet at the backup slot", SKIP_BACKUP, value, style="primary"))
    else:
        text += "\nYou have no backup slot free before the next meeting (`/buddy backup fri 8am`)."
    buttons.append(button("Solo practice this time", SKIP_SOLO, value))
    blocks = [
        section_block(text),
        context_block(SOLO_PRACTICE_NOTE),
        actions_block(buttons, block_id="skip_offer"),
    ]
    return text, blocks
