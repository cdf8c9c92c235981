"""The App Home tab: a participant's pair, next meeting, prep and actions; a facilitator's cohort.

Pure: from what the handler read to a `home` view, always within Slack's 100 blocks (a large
cohort is summarised, its slipping pairs listed up to a limit, every pair in the CSV).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from conversation.blocks import (
    HomeView,
    Part,
    button,
    buttons,
    divider,
    heading,
    note,
    paragraph,
)
from conversation.markup import escape, mentions
from handlers.views.actions import reviews_blocks
from handlers.views.buddies import pair_or_trio, your_buddies_line
from handlers.views.facilitators import EXPORT, cohort_blocks, figures_lines
from handlers.views.meetings import when
from handlers.views.pairs import slot_description
from models.actions import Action, ReviewAnswer
from models.base import platform_name
from models.deliveries import MissingScope
from models.facilitators.report import CohortReport
from models.grammar import format_day
from models.meetings.schedule import Meeting
from models.pairs import Pair
from models.people import Participant

HOME_COMMAND = "home_command"  # each button's own action id is home_command:<command>
HOME_DONE = "home_action_done"
COMMON_COMMANDS = (("Next meeting", "next"), ("My actions", "actions"), ("My pair", "status"))
MOST_ACTIONS = 10
VIEW_BLOCK_LIMIT = 100


def home_command_id(name: str) -> str:
    """A command button's action id: Slack refuses a block whose buttons share one."""
    return f"{HOME_COMMAND}:{name}"


def participant_blocks(
    caller: Participant,
    pair: Pair | None,
    members: Sequence[Participant],
    next_meeting: Meeting | None,
    module_code: str | None,
    prepared: Sequence[str],
    actions: Sequence[Action],
    zone: str,
    today: date,
    reviews: Sequence[ReviewAnswer] = (),
) -> list[Part]:
    group = pair_or_trio(len(members)) if pair is not None else "pair"
    blocks: list[Part] = [heading(f"Your buddy {group}")]
    if pair is None:
        blocks.append(
            paragraph("You're not in a buddy pair yet. Pair with a colleague: `/buddy pair @Sam`.")
        )
    else:
        buddies = [m.user_id for m in members if m.id != caller.id]
        lines = [your_buddies_line(buddies), f"*Slot:* {slot_description(pair, zone)}"]
        if next_meeting is not None:
            module = f" · module {escape(module_code)}" if module_code else ""
            lines.append(f"*Next meeting:* {when(next_meeting.start, zone, today)}{module}")
            prep = [
                mentions([m.user_id]) + (" ✅ prepared" if m.user_id in prepared else " ⏳ not yet")
                for m in members
            ]
            lines.append("*Prep:* " + " · ".join(prep))
        blocks.append(paragraph("\n".join(lines)))
    blocks.append(heading("Your open actions"))
    if not actions:
        blocks.append(paragraph("No open actions. `/buddy action <text> by <date>` adds one."))
    for action in actions[:MOST_ACTIONS]:
        blocks.append(
            paragraph(
                f"*{action.number}.* {escape(action.text)} · due {action.due_date:%a %-d %b}",
                button("Done", HOME_DONE, str(action.id)),
            )
        )
    if len(actions) > MOST_ACTIONS:
        blocks.append(note(f"…and {len(actions) - MOST_ACTIONS} more: `/buddy actions`."))
    blocks.extend(reviews_blocks("Your", reviews, today))
    blocks.append(
        buttons([button(label, home_command_id(name), name) for label, name in COMMON_COMMANDS])
    )
    return blocks


def facilitator_blocks(report: CohortReport) -> list[Part]:
    blocks: list[Part] = [
        divider(),
        heading(f"Cohort: {report.cohort.name}"),
        paragraph("\n".join(figures_lines(report))),
        *cohort_blocks(report, with_buttons=True),
    ]
    if report.refused:
        blocks.append(paragraph(refused_text(report)))
    blocks.append(buttons([button("CSV export", EXPORT, str(report.cohort.id))]))
    return blocks


MOST_REFUSED = 10


def refused_text(report: CohortReport) -> str:
    """Nudges Slack refused for good, and why: a deactivated account, a closed conversation."""
    lines = [
        f"• {format_day(r.on)}: {r.kind.replace('-', ' ')} to {mentions(list(r.user_ids))}: "
        f"`{escape(r.reason)}`"
        for r in report.refused[:MOST_REFUSED]
    ]
    more = len(report.refused) - MOST_REFUSED
    if more > 0:
        lines.append(f"…and {more} more.")
    refuser = platform_name(report.cohort.team_id)
    return f"*Messages {refuser} refused (last fortnight):*\n" + "\n".join(lines)


def build_home(blocks: list[Part]) -> HomeView:
    assert len(blocks) <= VIEW_BLOCK_LIMIT
    return HomeView(blocks)


# The scopes manifest.yml asks for so the clock can read a conversation's history.
HISTORY_SCOPES = ("channels:history", "groups:history", "im:history", "mpim:history")


def missing_scope_blocks(missing: Sequence[MissingScope]) -> list[Part]:
    """A warning for facilitators: without these scopes the clock cannot check whether a nudge
    whose answer was lost went out, so it holds it (never resends it blind) until it gives up."""
    if not missing:
        return []
    found = ", ".join(f"`{escape(m.scope)}` since {format_day(m.since.date())}" for m in missing)
    *most, last = [f"`{scope}`" for scope in HISTORY_SCOPES]
    return [
        paragraph(
            ":warning: *Buddy cannot read the history of some conversations*, so it cannot "
            "check whether a nudge went out when Slack's answer was lost; those nudges are held, "
            f"not sent again. Missing: {found}.\nAdd the {', '.join(most)} and {last} scopes to "
            f"the app ({escape('OAuth & Permissions')}, bot token scopes) and reinstall it."
        )
    ]
