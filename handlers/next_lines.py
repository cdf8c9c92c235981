"""What `/buddy next` adds under each meeting from the module calendar: the module, its insight
module, both buddies' preparation, and (under the first meeting) everyone's open actions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy.orm import Session

from models.grammar import format_day
from models.meeting_context import PairContext, load_pair_contexts
from models.occurrences import Meeting
from models.pairs import Pair


def module_and_prep_lines(
    session: Session, pair: Pair, meetings: Sequence[Meeting]
) -> dict[date, list[str]]:
    going_ahead = [m for m in meetings if not m.skipped]
    if not going_ahead:
        return {}
    start = min(m.start for m in going_ahead) - timedelta(days=1)
    end = max(m.start for m in going_ahead) + timedelta(days=1)
    contexts = load_pair_contexts(session, start, end, pair_ids=[pair.id])
    if not contexts:
        return {}
    context = contexts[0]
    lines: dict[date, list[str]] = {}
    for meeting in going_ahead:
        lines[meeting.original_date] = _module_lines(context, meeting)
    first = going_ahead[0].original_date
    lines[first] = [*lines[first], *_open_action_lines(context)]
    return lines


def _module_lines(context: PairContext, meeting: Meeting) -> list[str]:
    module = context.module_for(meeting)
    if module is None:
        return []
    prep = ", ".join(
        f"<@{m.slack_user_id}> "
        + ("has completed it" if context.is_prepared(meeting, m) else "not yet")
        for m in context.members
    )
    return [
        f"Module {module.code}: {module.title}",
        f"Complete insight module {module.insight_module} first: {prep}",
    ]


def _open_action_lines(context: PairContext) -> list[str]:
    lines = []
    for member in context.members:
        for action in context.open_actions.get(member.id, []):
            lines.append(
                f"Action {action.number} (<@{member.slack_user_id}>): {action.text}, "
                f"due {format_day(action.due_date)}"
            )
    return lines
