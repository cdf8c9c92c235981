"""Facilitators' messages: the roles list, the cohort's figures, the digest, a nudge. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from conversation.blocks import (
    Part,
    button,
    buttons,
    heading,
    note,
    paragraph,
    truncate,
)
from conversation.markup import escape, line_chunks, mention, mentions
from conversation.replies import OutgoingMessage, Reply, ephemeral
from models.facilitators.report import ON_TRACK, SLIPPING, CohortReport, PairRow
from models.grammar import counted, format_day

NUDGE = "facilitators_nudge"
EXPORT = "facilitators_export"
# Slipping pairs listed by name with a Nudge button; the rest are counted and in the CSV.
MOST_LISTED = 15
# People or pairs named in one line (not in a pair, paused, not told, without a slot).
MOST_NAMED = 20


def build_facilitator_list(user_ids: Sequence[str]) -> Reply:
    if not user_ids:
        return ephemeral("There are no facilitators yet; they are set with BUDDY_FACILITATORS.")
    return ephemeral(f":busts_in_silhouette: Facilitators: {mentions(user_ids)}.")


def figures_lines(report: CohortReport) -> list[str]:
    """The cohort's figures, as `models/facilitators/report.py` defines them, each with its noun
    agreeing with its count."""
    held, skipped, unconfirmed = report.meetings
    missed = report.recent_missed_meetings
    recent = (
        f"{counted(missed, 'meeting')} (in {counted(len(report.recently_missed), 'pair')})"
        if missed
        else "none"
    )
    return [
        f"*Pairs:* {len(report.pairs)} · *Not in a pair:* {len(report.unpaired)} · "
        f"*Paused:* {len(report.paused)}",
        f"*Pairs without a slot:* {len(report.without_slot)}",
        f"*Meetings so far:* {held} held · {skipped} skipped · {unconfirmed} unconfirmed",
        f"*Skipped or unconfirmed in the last fortnight:* {recent}",
        f"*Overdue actions:* {report.overdue}",
        prep_line(report),
    ]


def prep_line(report: CohortReport) -> str:
    done, expected = report.prep
    if report.module_code is None:
        return "*Prep:* no module has begun yet"
    label = f"*Prep for module {escape(report.module_code)}:*"
    if not expected:
        return f"{label} no meeting in it has started yet"
    people = counted(expected, "person", "people")
    return f"{label} {done} of {people} prepared (those asked, for meetings that have started)"


def pair_label(pair: PairRow) -> str:
    return mentions([m.user_id for m in pair.members])


def named(groups: Sequence[str], most: int = MOST_NAMED) -> str:
    """Up to `most` people or pairs by name, the rest counted (every one is in the CSV)."""
    text = "; ".join(groups[:most])
    more = len(groups) - most
    return text + (f"; and {more} more (all in the CSV)" if more > 0 else "")


def slipping_blocks(report: CohortReport, *, with_buttons: bool) -> list[Part]:
    slipping = report.slipping
    if not slipping:
        return [paragraph(":white_check_mark: No pair is slipping.")]
    blocks: list[Part] = [paragraph(f"*{counted(len(slipping), 'pair')} slipping*")]
    for pair in slipping[:MOST_LISTED]:
        text = f"{pair_label(pair)}: {', '.join(pair.reasons())}"
        accessory = (
            button("Nudge", NUDGE, pair.members[0].user_id)
            if with_buttons and pair.members and pair.nudgeable
            else None
        )
        blocks.append(paragraph(text, accessory))
    if len(slipping) > MOST_LISTED:
        blocks.append(note(f"…and {len(slipping) - MOST_LISTED} more: every pair is in the CSV."))
    return blocks


def named_lines(report: CohortReport) -> list[str]:
    """Everyone a facilitator must act on, or know about, by name: people not in a pair, the
    paused (and until when), pairs not told yet, and pairs without a slot."""
    lines = []
    if report.unpaired:
        lines.append(f"*Not in a pair:* {named([mention(m.user_id) for m in report.unpaired])}")
    if report.paused:
        paused = [
            f"{mention(p.member.user_id)} until {format_day(p.until, report.today)}"
            for p in report.paused
        ]
        lines.append(f"*Paused* (Buddy holds their nudges): {named(paused)}")
    if report.not_told:
        pairs = [pair_label(p) for p in report.not_told]
        lines.append(
            f"*Welcome pending* (not told they are a pair yet, so not slipping): {named(pairs)}"
        )
    if report.without_slot:
        pairs = [_without_slot(p) for p in report.without_slot]
        lines.append(f"*Pairs without a slot:* {named(pairs)}")
    return lines


def _without_slot(pair: PairRow) -> str:
    if pair.status == SLIPPING:
        return pair_label(pair)
    why = "new" if pair.status == ON_TRACK and not pair.slot_due else pair.status
    return f"{pair_label(pair)} ({why})"


def cohort_blocks(report: CohortReport, *, with_buttons: bool) -> list[Part]:
    """The slipping pairs (with Nudge buttons), then the people named: the same in the Home tab,
    the report and the digest."""
    return [
        *slipping_blocks(report, with_buttons=with_buttons),
        *(paragraph(line) for line in named_lines(report)),
    ]


def build_report_reply(report: CohortReport) -> Reply:
    name = escape(report.cohort.name)
    lines = figures_lines(report)
    blocks = [
        paragraph(f":bar_chart: *{name}*\n" + "\n".join(lines)),
        *cohort_blocks(report, with_buttons=True),
        *review_blocks(report),
        note(
            "The CSV (a row per pair, and per person not in a pair) and a chart are on their "
            "way by DM."
        ),
    ]
    return ephemeral(f"{report.cohort.name}: " + "; ".join(_plain(lines)), blocks)


REVIEWS_SHOWN = 5
REVIEW_GLIMPSE = 200


def review_blocks(report: CohortReport) -> list[Part]:
    """The latest answered 90-day reviews (what changed, how they know), cut short; every one,
    whole, is in the CSV's review_answers column."""
    reviews = report.reviews
    if not reviews:
        return []
    lines = [
        f"• {mention(r.owner_user_id)} on “{_glimpse(r.text, 80)}”"
        + (f" ({format_day(r.answered_on, report.today)})" if r.answered_on else "")
        + f": _What changed:_ {_glimpse(r.impact)} · _How they know:_ {_glimpse(r.evidence)}"
        for r in reviews[:REVIEWS_SHOWN]
    ]
    more = len(reviews) - REVIEWS_SHOWN
    if more > 0:
        lines.append(f"…and {more} more in the CSV.")
    heading = f"*90-day reviews answered ({len(reviews)})*"
    return [paragraph(chunk) for chunk in line_chunks([heading, *lines])]


def _glimpse(typed: str | None, limit: int = REVIEW_GLIMPSE) -> str:
    """The start of a typed answer on one line, cut before it is escaped."""
    return escape(truncate(" ".join((typed or "").split()), limit))


def _plain(lines: Sequence[str]) -> list[str]:
    return [line.replace("*", "") for line in lines]


def build_digest(report: CohortReport, week_start: date) -> OutgoingMessage:
    name = escape(report.cohort.name)
    held = report.held_since(week_start - timedelta(days=7))
    done = report.actions_done_last_week
    changes = f"*Last week:* {counted(held, 'meeting')} held, {counted(done, 'action')} done."
    blocks = [
        heading(f"Weekly digest: {report.cohort.name}"),
        paragraph(changes + "\n" + "\n".join(figures_lines(report))),
        *cohort_blocks(report, with_buttons=True),
        buttons([button("CSV export", EXPORT, str(report.cohort.id))]),
        note("`/buddy digest off` stops this weekly message."),
    ]
    slipping = counted(len(report.slipping), "pair")
    return OutgoingMessage(f"Weekly digest for {name}: {slipping} slipping", blocks)


def build_nudge_message(facilitator: str, user_ids: Sequence[str]) -> OutgoingMessage:
    text = (
        f":wave: Hello {mentions(user_ids)}! {mention(facilitator)} asked me to check in: is your "
        "next buddy meeting in the diary? `/buddy next` shows it, `/buddy slot thu 16:00` sets a "
        "slot, and `/buddy move` finds a new time. Even twenty minutes keeps the habit going."
    )
    return OutgoingMessage(text, [paragraph(text)])


def build_nudge_sent(user_ids: Sequence[str]) -> str:
    return f":incoming_envelope: I've nudged {mentions(user_ids)} on your behalf."
