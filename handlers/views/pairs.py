"""Block Kit and wording for pairs: pure functions of what to show.

Times are shown in the reader's own zone; a message several buddies read shows each their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time
from zoneinfo import ZoneInfo

from conversation.blocks import (
    Form,
    Part,
    button,
    buttons,
    date_input,
    field_of,
    form,
    grouped_menu,
    menu,
    note,
    paragraph,
    time_input,
)
from conversation.markup import escape, mention, mentions
from conversation.moments import friendly_zone
from handlers.views.buddies import CARRY_ON_AS_PAIR, pair_or_trio, your_buddies_line
from handlers.views.meetings import format_description, when
from models.grammar import format_time, format_weekday
from models.guidance import BUDDY_ROLES, HABIT_NOTE
from models.meetings.schedule import Meeting, local_instant
from models.pairs import Pair, zone_of
from models.people import DEFAULT_COHORT_NAME, DEFAULT_COHORT_TIMEZONE, Participant
from models.zones import COMMON_ZONES

UNPAIR_CONFIRM = "buddy_unpair_confirm"
UNPAIR_CANCEL = "buddy_unpair_cancel"


def slot_description(pair: Pair, viewer_zone: str | None = None) -> str:
    """`every other Thursday at 16:00 (Europe/London)`, with the viewer's time if different."""
    if pair.slot_weekday is None or pair.slot_time is None or pair.slot_timezone is None:
        return "not agreed yet"
    text = (
        f"every other {format_weekday(pair.slot_weekday)} at {format_time(pair.slot_time)}"
        f" {friendly_zone(pair.slot_timezone)}"
    )
    if pair.slot_first_date is not None and viewer_zone and viewer_zone != pair.slot_timezone:
        start = local_instant(pair.slot_first_date, pair.slot_time, pair.slot_timezone)
        local = start.astimezone(ZoneInfo(viewer_zone))
        text += (
            f", which is {format_weekday(local.weekday())} {format_time(local.time())}"
            f" {friendly_zone(viewer_zone)} for you"
        )
    return text


def cohort_words(cohort_name: str) -> str:
    """`Cohort: NPQLT autumn`; the default cohort is no cohort to name."""
    if cohort_name == DEFAULT_COHORT_NAME:
        return "No cohort set up yet (everyone here is together)"
    return f"Cohort: {escape(cohort_name)}"


def backup_description(pair: Pair) -> str:
    if pair.backup_weekday is None or pair.backup_time is None:
        return "none yet"
    return (
        f"{format_weekday(pair.backup_weekday)} at {format_time(pair.backup_time)}"
        f" {friendly_zone(pair.slot_timezone or DEFAULT_COHORT_TIMEZONE)}"
    )


# -- pairing -----------------------------------------------------------------------------------


def build_paired_message(
    members: Sequence[Participant], formed_by: str, by_facilitator: bool
) -> tuple[str, list[Part]]:
    """The first message to a new pair: who, why, and the buddy's four roles from seed 000."""
    kind = "trio" if len(members) == 3 else "buddy pair"
    # Read by every member alike, so it never says "you" to mean one of them.
    names = mentions([m.user_id for m in members])
    if by_facilitator:
        intro = f":wave: {names}: <@{formed_by}> has made you a {kind}. Welcome!"
    else:
        intro = f":wave: {names}: you're now a {kind}. Welcome!"
    blocks = [
        paragraph(intro),
        paragraph("*The role of the buddy pair is to:*\n" + BUDDY_ROLES),
        paragraph(
            "*Next:* agree a fortnightly slot. " + HABIT_NOTE + "\nFor example: "
            "`/buddy slot thu 16:00`, then `/buddy backup fri 8am` and "
            "`/buddy format video <link>`."
        ),
    ]
    return intro, blocks


def build_unpair_confirm(pair: Pair, buddies: Sequence[Participant]) -> list[Part]:
    """Asked first; a trio's member is told the other two carry on as a pair."""
    names = mentions([b.user_id for b in buddies])
    group = pair_or_trio(len(buddies) + 1)
    if group == "trio":
        question = (
            f"Leave your trio with {names}? They will be told, and carry on as a pair with the "
            "same slot; your own fortnightly meetings stop."
        )
    else:
        question = (
            f"Leave your buddy pair with {names}? They will be told, and your fortnightly "
            "meetings stop."
        )
    return [
        paragraph(question),
        buttons(
            [
                button(f"Yes, leave the {group}", UNPAIR_CONFIRM, str(pair.id), style="danger"),
                button("No, stay", UNPAIR_CANCEL, str(pair.id)),
            ],
            row_id="unpair_confirm",
        ),
    ]


def build_unpaired_notice(leaver: str, dissolved: bool) -> str:
    """To the buddies of someone who left with `/buddy unpair`: a pair ends, a trio goes on."""
    if dissolved:
        return (
            f":wave: {mention(leaver)} has left your buddy pair, so your fortnightly meetings have "
            "stopped. When you're ready, pair with someone new: `/buddy pair @Sam`."
        )
    return f":wave: {mention(leaver)} has left your trio. {CARRY_ON_AS_PAIR}"


def build_unpaired_answer(remaining: Sequence[str], dissolved: bool) -> str:
    """To the one who left."""
    if dissolved:
        return f"You've left the buddy pair. I've let {mentions(remaining)} know."
    return (
        f"You've left the trio. I've let {mentions(remaining)} know; they carry on as a pair, "
        "with the same slot."
    )


def status_fallback(buddies: Sequence[str]) -> str:
    """The plain text of `/buddy status` (notifications, screen readers)."""
    if not buddies:
        return "You're not in a buddy pair yet."
    group = pair_or_trio(len(buddies) + 1)
    return f"Your buddy {group} with {mentions(buddies)}"


# -- status and next -----------------------------------------------------------------------------


def build_status_blocks(
    pair: Pair | None,
    caller: Participant,
    members: Sequence[Participant],
    cohort_name: str,
    next_meeting: Meeting | None,
    today: date,
) -> list[Part]:
    zone = zone_of(caller)
    if pair is None:
        return [
            paragraph("You're not in a buddy pair yet. Pair with a colleague: `/buddy pair @Sam`."),
            note(f"{cohort_words(cohort_name)} · Your time zone: {friendly_zone(zone)}"),
        ]
    buddies = [m for m in members if m.id != caller.id]
    lines = [
        your_buddies_line([b.user_id for b in buddies]),
        f"*Slot:* {slot_description(pair, zone)}",
        f"*Backup:* {backup_description(pair)}",
        f"*Format:* {format_description(pair)}",
    ]
    if next_meeting is not None:
        lines.append(f"*Next meeting:* {when(next_meeting.start, zone, today)}")
    blocks = [paragraph("\n".join(lines))]
    missing = []
    if pair.slot_weekday is None:
        missing.append("`/buddy slot thu 16:00`")
    if pair.backup_weekday is None and pair.slot_weekday is not None:
        missing.append("`/buddy backup fri 8am`")
    if pair.format_kind is None:
        missing.append("`/buddy format in-person the library`")
    if missing:
        blocks.append(paragraph("Still to agree: " + ", ".join(missing)))
    blocks.append(note(f"{cohort_words(cohort_name)} · Times shown in {friendly_zone(zone)}"))
    return blocks


# -- the slot form and the am-or-pm question ------------------------------------------------------

SLOT_MODAL = "buddy_slot_modal"
SLOT_CHOOSE = "buddy_slot_choose"  # the 4am / 4pm buttons; the value is the slot's arguments
# One action id each: Slack refuses a block whose buttons share one.
SLOT_CHOOSE_AM, SLOT_CHOOSE_PM = f"{SLOT_CHOOSE}:am", f"{SLOT_CHOOSE}:pm"
SLOT_WEEKDAY = "slot_weekday"
SLOT_TIME = "slot_time"
SLOT_ZONE = "slot_zone"
SLOT_FROM = "slot_from"
SLOT_SUGGESTED_TIME = time(16, 0)


def zone_groups(*yours: str) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """The common zones under their headings, with the person's own (and their slot's) first
    when they are not among them."""
    listed = {zone for _heading, options in COMMON_ZONES for _label, zone in options}
    missing = [zone for zone in dict.fromkeys(yours) if zone not in listed]
    own = tuple((f"{zone.rsplit('/', 1)[-1].replace('_', ' ')} ({zone})", zone) for zone in missing)
    return ([("Your zone", own)] if own else []) + list(COMMON_ZONES)


def build_slot_modal(zone: str, pair: Pair | None) -> Form:
    """The slot without its syntax: a weekday, Block Kit's time picker, and the zone picked from
    the common ones (the person's own chosen); the pair's current slot as the starting point."""
    weekday = pair.slot_weekday if pair is not None else None
    at = pair.slot_time if pair is not None and pair.slot_time else SLOT_SUGGESTED_TIME
    # A slot already set keeps its zone, so its time means the same; else the person's own.
    chosen = pair.slot_timezone if pair is not None and pair.slot_time else None
    chosen = chosen or zone
    weekdays = [(format_weekday(day), str(day)) for day in range(7)]
    return form(
        SLOT_MODAL,
        "Your fortnightly slot",
        [
            paragraph(f"When will you meet, every other week? {HABIT_NOTE}"),
            field_of(
                SLOT_WEEKDAY,
                "Day",
                menu(SLOT_WEEKDAY, weekdays, None if weekday is None else str(weekday)),
            ),
            field_of(SLOT_TIME, "Time", time_input(at)),
            field_of(
                SLOT_ZONE,
                "Time zone",
                grouped_menu(SLOT_ZONE, zone_groups(zone, chosen), chosen),
            ),
            field_of(SLOT_FROM, "First meeting on or after", date_input(None), optional=True),
            note("Zone not listed? Name your city in the command: `/buddy slot thu 16:00 tz Lima`"),
        ],
        submit="Save",
        close="Cancel",
    )


def build_am_or_pm(hour: str, readings: tuple[str, str]) -> tuple[str, list[Part]]:
    """`/buddy slot thursday at 4`: morning or afternoon? Two buttons, each the full command."""
    text = f"{hour}am or {hour}pm?"
    morning, afternoon = readings
    return text, [
        paragraph(text),
        buttons(
            [
                button(f"{hour}am", SLOT_CHOOSE_AM, morning),
                button(f"{hour}pm", SLOT_CHOOSE_PM, afternoon, style="primary"),
            ],
            row_id="am_or_pm",
        ),
    ]
