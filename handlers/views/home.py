"""The App Home tab: a participant's pair, next meeting, prep and actions; a facilitator's cohort.

Pure: from what the handler read to a `home` view, always within Slack's 100 blocks (a large
cohort is summarised, its slipping pairs listed up to a limit, every pair in the CSV).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from handlers.slack.blocks import (
    actions_block,
    button,
    context_block,
    divider_block,
    header_block,
    section_block,
)
from handlers.slack.text import escape, mentions
from handlers.views.actions import reviews_blocks
from handlers.views.buddies import pair_or_trio, your_buddies_line
from handlers.views.facilitators import EXPORT, cohort_blocks, figures_lines
from handlers.views.meetings import when
from handlers.views.pairs import slot_description
from models.actions import Action, ReviewAnswer
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
) -> list[dict[str, Any]]:
    group = pair_or_trio(len(members)) if pair is not None else "pair"
    blocks: list[dict[str, Any]] = [header_block(f"Your buddy {group}")]
    if pair is None:
        blocks.append(
            section_block(
                "You're not in a buddy pair yet. Pair with a colleague: `/buddy pair @Sam`."
            )
        )
    else:
        buddies = [m.slack_user_id for m in members if m.id != caller.id]
        lines = [your_buddies_line(buddies), f"*Slot:* {slot_description(pair, zone)}"]
        if next_meeting is not None:
            module = f" · module {escape(module_code)}" if module_code else ""
            lines.append(f"*Next meeting:* {when(next_meeting.start, zone, today)}{module}")
            prep = [
                mentions([m.slack_user_id])
                + (" ✅ prepared" if m.slack_user_id in prepared else " ⏳ not yet")
                for m in members
            ]
            lines.append("*Prep:* " + " · ".join(prep))
        blocks.append(section_block("\n".join(lines)))
    blocks.append(header_block("Your open actions"))
    if not actions:
        blocks.append(section_block("No open actions. `/buddy action <text> by <date>` adds one."))
    for action in actions[:MOST_ACTIONS]:
        blocks.append(
            section_block(
                f"*{action.number}.* {escape(action.text)} · due {action.due_date:%a %-d %b}",
                button("Done", HOME_DONE, str(action.id)),
            )
        )
    if len(actions) > MOST_ACTIONS:
        blocks.append(context_block(f"…and {len(actions) - MOST_ACTIONS} more: `/buddy actions`."))
    blocks.extend(reviews_blocks("Your", reviews, today))
    blocks.append(
        actions_block(
            [button(label, home_command_id(name), name) for label, name in COMMON_COMMANDS]
        )
    )
    return blocks


def facilitator_blocks(report: CohortReport) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        divider_block(),
        header_block(f"Cohort: {report.cohort.name}"),
        section_block("\n".join(figures_lines(report))),
        *cohort_blocks(report, with_buttons=True),
    ]
    if report.refused:
        blocks.append(section_block(refused_text(report)))
    blocks.append(actions_block([button("CSV export", EXPORT, str(report.cohort.id))]))
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
    return "*Messages Slack refused (last fortnight):*\n" + "\n".join(lines)


def build_home(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(blocks) <= VIEW_BLOCK_LIMIT
    return {"type": "home", "blocks": blocks}


# The scopes manifest.yml asks for so the clock can read a conversation's history.
HISTORY_SCOPES = ("channels:history", "groups:history", "im:history", "mpim:history")


def missing_scope_blocks(missing: Sequence[MissingScope]) -> list[dict[str, Any]]:
    """A warning for facilitators: without these scopes the clock cannot check whether a nudge
    whose answer was lost went out, so it holds it (never resends it blind) until it gives up."""
    if not missing:
        return []
    found = ", ".join(f"`{escape(m.scope)}` since {format_day(m.since.date())}" for m in missing)
    *most, last = [f"`{scope}`" for scope in HISTORY_SCOPES]
    return [
        section_block(
            ":warning: *Buddy cannot read the history of some conversations*, so it cannot "
            "check whether a nudge went out when Slack's answer was lost; those nudges are held, "
            f"not sent again. Missing: {found}.\nAdd the {', '.join(most)} and {last} scopes to "
            f"the app ({escape('OAuth & Permissions')}, bot token scopes) and reinstall it."
        )
    ]
