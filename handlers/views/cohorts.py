"""A cohort as Slack shows it: its name, zone, end, modules, breaks, areas and pairs. Pure."""

from __future__ import annotations

from datetime import date

from conversation.blocks import (
    note,
    paragraph,
)
from conversation.markup import escape
from conversation.replies import Reply, ephemeral
from models.cohorts import CohortSummary
from models.grammar import format_day
from models.people import Cohort


def build_cohort(summary: CohortSummary, today: date, bound: bool) -> Reply:
    cohort = summary.cohort
    name = escape(cohort.name)
    modules = ", ".join(
        f"{escape(m.code)} from {format_day(m.starts_on, today)}" for m in summary.modules
    )
    breaks = ", ".join(
        f"{escape(b.name)} ({format_day(b.start_date, today)} to {format_day(b.end_date, today)})"
        for b in summary.breaks
    )
    lines = [
        f"*Cohort:* {name}" + ("" if bound else " (the default: no cohort is set up here)"),
        f"*Time zone:* {cohort.timezone}",
        f"*Ends:* {format_day(cohort.end_date, today) if cohort.end_date else 'no end date'}",
        f"*Modules:* {modules or 'none yet (`/buddy module add`)'}",
        f"*Breaks:* {breaks or 'none'}",
        f"*Pairs:* {summary.pairs} · *Participants:* {summary.participants}",
        f"*Framework areas:* {escape('; '.join(summary.areas))}",
    ]
    text = "\n".join(lines)
    return ephemeral(
        text.replace("*", ""),
        [
            paragraph(text[:2900]),
            note("Facilitators: `/buddy cohort setup|zone|end|areas`"),
        ],
    )


def build_cohort_set_up(cohort: Cohort) -> Reply:
    return ephemeral(
        f":seedling: This channel is now the *{escape(cohort.name)}* cohort (time zone "
        f"{cohort.timezone}). Everyone who uses `/buddy` here joins it. Next: "
        "`/buddy module add`, `/buddy cohort zone`, `/buddy import pairs`."
    )


def build_cohort_changed(cohort: Cohort, what: str) -> Reply:
    return ephemeral(f":white_check_mark: The {escape(cohort.name)} cohort's {what}.")
