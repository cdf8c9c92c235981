"""Facilitators' messages: the roles list, the cohort's figures, the digest, a nudge. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from handlers.slack.blocks import (
    actions_block,
    button,
    context_block,
    header_block,
    section_block,
    truncate,
)
from handlers.slack.replies import OutgoingMessage, Reply, ephemeral
from handlers.slack.text import escape, line_chunks, mention, mentions
from models.facilitators.report import CohortReport, PairRow
from models.grammar import format_day

NUDGE = "facilitators_nudge"
EXPORT = "facilitators_export"
# Slipping pairs listed by name with a Nudge button; the rest are counted and in the CSV.
MOST_LISTED = 15


def build_facilitator_list(user_ids: Sequence[str]) -> Reply:
    if not user_ids:
        return ephemeral("There are no facilitators yet; they are set with BUDDY_FACILITATORS.")
    return ephemeral(f":busts_in_silhouette: Facilitators: {mentions(user_ids)}.")


def figures_lines(report: CohortReport) -> list[str]:
    done, expected = report.prep
    prep = f"{done} of {expected}" if expected else "no meetings in a module yet"
    module = f" ({report.module_code})" if report.module_code else ""
    return [
        f"*Pairs:* {len(report.pairs)} · *Not in a pair:* {len(report.unpaired)}",
        f"*Pairs without a slot:* {len(report.without_slot)}",
        f"*Meetings unconfirmed or skipped in the last fortnight:* "
        f"{sum(p.recent_unconfirmed + p.recent_skipped for p in report.pairs)} "
        f"(in {len(report.recently_missed)} pairs)",
        f"*Overdue actions:* {report.overdue}",
        f"*Prep for the current module{module}:* {prep}",
    ]


def pair_label(pair: PairRow) -> str:
    return mentions([m.user_id for m in pair.members])


def slipping_blocks(report: CohortReport, *, with_buttons: bool) -> list[dict[str, Any]]:
    slipping = report.slipping
    if not slipping:
        return [section_block(":white_check_mark: No pair is slipping.")]
    blocks: list[dict[str, Any]] = [section_block(f"*Slipping pairs ({len(slipping)})*")]
    for pair in slipping[:MOST_LISTED]:
        text = f"{pair_label(pair)}: {', '.join(pair.reasons())}"
        accessory = (
            button("Nudge", NUDGE, pair.members[0].user_id)
            if with_buttons and pair.members
            else None
        )
        blocks.append(section_block(text, accessory))
    if len(slipping) > MOST_LISTED:
        blocks.append(
            context_block(f"…and {len(slipping) - MOST_LISTED} more: every pair is in the CSV.")
        )
    return blocks


def build_report_reply(report: CohortReport) -> Reply:
    name = escape(report.cohort.name)
    lines = figures_lines(report)
    blocks = [
        section_block(f":bar_chart: *{name}*\n" + "\n".join(lines)),
        *slipping_blocks(report, with_buttons=True),
        *review_blocks(report),
        context_block("The CSV (one row per pair) and a chart are on their way by DM."),
    ]
    return ephemeral(f"{report.cohort.name}: " + "; ".join(_plain(lines)), blocks)


REVIEWS_SHOWN = 5
REVIEW_GLIMPSE = 200


def review_blocks(report: CohortReport) -> list[dict[str, Any]]:
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
    return [section_block(chunk) for chunk in line_chunks([heading, *lines])]


def _glimpse(typed: str | None, limit: int = REVIEW_GLIMPSE) -> str:
    """The start of a typed answer on one line, cut before it is escaped."""
    return escape(truncate(" ".join((typed or "").split()), limit))


def _plain(lines: Sequence[str]) -> list[str]:
    return [line.replace("*", "") for line in lines]


def build_digest(report: CohortReport, week_start: date) -> OutgoingMessage:
    name = escape(report.cohort.name)
    held = report.held_since(week_start - timedelta(days=7))
    changes = f"*Last week:* {held} meetings held, {report.actions_done_last_week} actions done."
    blocks = [
        header_block(f"Weekly digest: {report.cohort.name}"),
        section_block(changes + "\n" + "\n".join(figures_lines(report))),
        *slipping_blocks(report, with_buttons=True),
        actions_block([button("CSV export", EXPORT, str(report.cohort.id))]),
        context_block("`/buddy digest off` stops this weekly message."),
    ]
    return OutgoingMessage(
        f"Weekly digest for {name}: {len(report.slipping)} pairs slipping", blocks
    )


def build_nudge_message(facilitator: str, user_ids: Sequence[str]) -> OutgoingMessage:
    text = (
        f":wave: Hello {mentions(user_ids)}! {mention(facilitator)} asked me to check in: is your "
        "next buddy meeting in the diary? `/buddy next` shows it, `/buddy slot thu 16:00` sets a "
        "slot, and `/buddy move` finds a new time. Even twenty minutes keeps the habit going."
    )
    return OutgoingMessage(text, [section_block(text)])


def build_nudge_sent(user_ids: Sequence[str]) -> str:
    return f":incoming_envelope: I've nudged {mentions(user_ids)} on your behalf."
