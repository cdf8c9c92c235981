"""Block Kit for community sessions: the commands' answers, seed 000's protocol posts, the prep DM,
the two modals (a response saved as an action, a chair appointed) and the session record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from conversation.blocks import (
    Form,
    Part,
    PersonPicker,
    button,
    buttons,
    field_of,
    form,
    heading,
    note,
    paragraph,
    text_input,
)
from conversation.markup import escape, mention, mentions
from conversation.moments import moment_for_all
from conversation.replies import OutgoingMessage, Reply, ephemeral
from models.community.chairs import Birthday
from models.community.protocol import (
    APPENDIX_A,
    CHAIR_NOTE,
    CLOSE_LINES,
    CLOSE_PURPOSE,
    INTRODUCE,
    LOOK_DEEPER,
    NEXT_ACTION_PROMPT,
    RECONNECT_LINES,
    RECONNECT_NAME,
    RESPONSE,
    TURN_HEADING,
    TURN_PURPOSE,
    Stage,
    timetable,
)
from models.community.sessions import CardLink, SavedAction, SessionPlan

DRAFT_ACTION = "community_draft_problem"
RESPONSE_ACTION = "community_save_response"
CHAIR_ACTION = "community_appoint_chair"
RESPONSE_CALLBACK = "community_response"
CHAIR_CALLBACK = "community_chair"
RESPONSE_BLOCK = "community_response_text"
CHAIR_BLOCK = "community_chair_user"


def card_url(card: CardLink) -> str:
    return f"https://slack.com/archives/{card.channel_id}/p{card.ts.replace('.', '')}"


def card_link(card: CardLink | None, words: str = "problem card") -> str | None:
    return f"<{card_url(card)}|{words}>" if card is not None else None


def when(plan: SessionPlan, today: date | None = None, zone: str | None = None) -> str:
    """The session's start as each reader sees it in their own time (Slack's date token); the
    plain fallback (`Thu 3 Dec at 16:00 UK time`) in `zone`, else the group's, named."""
    return moment_for_all(plan.starts_at, zone or plan.timezone, today)


def stage_name(stage: Stage) -> str:
    if stage.kind == "reconnect":
        return RECONNECT_NAME
    if stage.kind == "close":
        return "Close"
    assert stage.text is not None
    return stage.text.name


def _mins(n: int) -> str:
    return f"{n} min" if n == 1 else f"{n} mins"


def timetable_lines(size: int) -> list[str]:
    """The session for a group of `size`, minute by minute, one line per part."""
    stages = timetable(size)
    lines = [f"`0-5` {RECONNECT_NAME}"]
    for turn in range(1, size + 1):
        parts = [s for s in stages if s.turn == turn]
        steps = ", ".join(f"{stage_name(s)} {s.minutes}" for s in parts)
        lines.append(f"`{parts[0].start}-{parts[-1].end}` {TURN_HEADING} {turn}: {steps}")
    close = stages[-1]
    lines.append(f"`{close.start}-{close.end}` Close: {CLOSE_PURPOSE.lower()}")
    return lines


# -- the commands' answers -----------------------------------------------------------------------


def build_birthday_reply(birthday: Birthday | None) -> Reply:
    if birthday is None:
        return ephemeral(":wastebasket: Done: Buddy has forgotten your birthday.")
    return ephemeral(
        f":birthday: Got it: {birthday.show()}. Only the day and month are kept, to pick the "
        "first chair of your community group (earliest in the year goes first)."
    )


def build_group_reply(user_ids: Sequence[str], replaced: bool) -> Reply:
    verb = "is now" if replaced else "is"
    return ephemeral(
        f":busts_in_silhouette: This channel's community group {verb} {mentions(user_ids)} "
        f"({len(user_ids)}). Next: `/buddy community schedule 3/12 16:00 fortnightly`."
    )


def build_schedule_reply(plan: SessionPlan, fortnightly: bool, today: date) -> Reply:
    lines = [
        f":calendar: Community session on *{when(plan, today)}*"
        + (", then fortnightly" if fortnightly else "")
        + ".",
        f"*Group:* {mentions(plan.owners)}",
        f"*Chair:* {mention(plan.chair) if plan.chair else 'to be appointed'}",
        f"*Timetable for {len(plan.owners)}:*",
        *timetable_lines(len(plan.owners)),
    ]
    return ephemeral(lines[0], [paragraph("\n".join(lines))])


def build_show_reply(
    members: Sequence[str], owners: Sequence[str], plan: SessionPlan | None, today: date
) -> Reply:
    lines = [f"*Community group:* {mentions(members)}"]
    if plan is None:
        lines.append("*Next session:* none scheduled (`/buddy community schedule 3/12 16:00`).")
    else:
        lines.append(f"*Next session:* {when(plan, today)}")
        lines.append(f"*Chair:* {mention(plan.chair) if plan.chair else 'to be appointed'}")
        owners = plan.owners
    lines.append("*Order of problem owners:* " + ", ".join(mention(u) for u in owners))
    return ephemeral(lines[0], [paragraph("\n".join(lines))])


def build_order_reply(owners: Sequence[str]) -> Reply:
    order = ", ".join(f"{n}. {mention(u)}" for n, u in enumerate(owners, start=1))
    return ephemeral(f":arrow_right: Problem owners will present in this order: {order}")


def build_started_reply(plan: SessionPlan) -> Reply:
    return ephemeral(
        f":arrow_forward: The session starts now with {mentions(plan.owners)}: Buddy posts each "
        "stage here as it begins. `/buddy community stop` ends it."
    )


def build_stopped_reply() -> Reply:
    return ephemeral(":stop_button: Session stopped: Buddy posts nothing more for it.")


# -- the protocol in the channel ---------------------------------------------------------------


def _minutes_heading(stage: Stage) -> str:
    return f"{stage_name(stage)} ({_mins(stage.minutes)}, {stage.start}-{stage.end})"


def build_stage_message(plan: SessionPlan, stage: Stage) -> OutgoingMessage:
    title_line = _minutes_heading(stage)
    if stage.kind == "reconnect":
        return _reconnect(plan, stage, title_line)
    if stage.kind == "close":
        return _close(plan, title_line)
    return _turn_stage(plan, stage, title_line)


def _reconnect(plan: SessionPlan, stage: Stage, title_line: str) -> OutgoingMessage:
    lines = [f"*{line}*" if n == 0 else line for n, line in enumerate(RECONNECT_LINES)]
    if plan.chair:
        lines.append(f"Chair: {mention(plan.chair)}")
    blocks = [heading(title_line), paragraph("\n".join(lines))]
    if plan.first:
        blocks.append(note(f":bulb: {CHAIR_NOTE}"))
    blocks.append(note(f"Problem owners today, in order: {mentions(plan.owners)}"))
    return OutgoingMessage(f"{title_line}: {RECONNECT_LINES[0]}", blocks)


def _turn_stage(plan: SessionPlan, stage: Stage, title_line: str) -> OutgoingMessage:
    assert stage.text is not None and stage.turn is not None
    owner = plan.owner_of(stage)
    assert owner is not None
    text = stage.text
    card = plan.cards.get(owner)
    blocks: list[Part] = [heading(title_line)]
    if stage.first_of_turn:
        link = card_link(card, "their problem card")
        blocks.append(
            paragraph(
                f"*{TURN_HEADING} {stage.turn}: {mention(owner)}* ({TURN_PURPOSE})\n"
                + (f":page_facing_up: {link}" if link else "No problem card posted yet.")
            )
        )
    what = text.what
    if text is INTRODUCE:
        what = what.replace(APPENDIX_A, f"({card_link(card) or 'no card posted yet'})")
    lines = [f"*Who speaks:* {text.who}", f"*What for:* {what}"]
    if text.examples:
        lines.append(f"_e.g. {text.examples}_")
    blocks.append(paragraph("\n".join(lines)))
    if stage.shortened:
        blocks.append(
            note(
                f"This turn is 12 minutes, so {LOOK_DEEPER.name} takes 3 rather than the seed's 4 "
                "(Buddy's reading of the seed)."
            )
        )
    if text is RESPONSE:
        blocks.append(
            buttons(
                [
                    button(
                        "Save my next action",
                        RESPONSE_ACTION,
                        f"{plan.session_id}:{owner}",
                        opens_form=True,
                    )
                ]
            )
        )
        blocks.append(
            note(
                f'{mention(owner)}: save "{NEXT_ACTION_PROMPT}..." as an action, and Buddy '
                "will follow it up."
            )
        )
    return OutgoingMessage(f"{title_line}: {text.who}", blocks)


def _close(plan: SessionPlan, title_line: str) -> OutgoingMessage:
    lines = [f"• {line}" for line in CLOSE_LINES]
    blocks = [
        heading(title_line),
        paragraph("\n".join(lines) + f"\n*Purpose:* {CLOSE_PURPOSE}"),
    ]
    proposal = (
        f"Buddy proposes {mention(plan.next_chair)} to chair the next meeting (everyone chairs "
        "once before anyone chairs twice). It's the group's call:"
        if plan.next_chair
        else "Who chairs the next meeting? It's the group's call:"
    )
    blocks.append(
        paragraph(
            proposal, button("Appoint a chair", CHAIR_ACTION, str(plan.session_id), opens_form=True)
        )
    )
    return OutgoingMessage(f"{title_line}: {CLOSE_LINES[0]}", blocks)


def build_record_message(
    plan: SessionPlan, actions: Sequence[SavedAction], thread_ts: str
) -> OutgoingMessage:
    """The session record, in the thread under the close: nothing private (no drafts)."""
    presented = []
    for owner in plan.owners:
        link = card_link(plan.cards.get(owner))
        presented.append(f"• {mention(owner)}: {link or 'no problem card posted'}")
    saved = [f"• {mention(a.user_id)}: {escape(a.text)}" for a in actions] or ["• none saved"]
    chair = mention(plan.next_chair) if plan.next_chair else "to be appointed"
    text = "\n".join(
        [
            f"*Session record, {when(plan)}*",
            f"*Chair:* {mention(plan.chair) if plan.chair else 'none'}",
            "*Problems presented:*",
            *presented,
            "*Actions saved:*",
            *saved,
            f"*Next chair:* {chair}",
        ]
    )
    return OutgoingMessage(f"Session record, {when(plan)}", [paragraph(text)], thread_ts=thread_ts)


def build_prep_message(plan: SessionPlan, user_id: str) -> OutgoingMessage:
    lines = [
        f":calendar: Your community session is on *{when(plan, zone=plan.zones.get(user_id))}* "
        f"in <#{plan.channel_id}>.",
        f"Chair: {mention(plan.chair) if plan.chair else 'to be appointed'}.",
    ]
    card = plan.cards.get(user_id)
    blocks: list[Part] = [paragraph("\n".join(lines))]
    if card is not None:
        blocks.append(
            paragraph(
                f":page_facing_up: You'll present your {card_link(card, 'posted problem card')}."
            )
        )
    else:
        blocks.append(
            paragraph(
                "Bring a tricky professional problem to discuss.",
                button(
                    "Draft your problem",
                    DRAFT_ACTION,
                    str(plan.session_id),
                    "primary",
                    opens_form=True,
                ),
            )
        )
    return OutgoingMessage(lines[0], blocks)


# -- the modals ------------------------------------------------------------------------------


def build_response_modal(metadata: str) -> Form:
    return form(
        RESPONSE_CALLBACK,
        "Your next action",
        [field_of(RESPONSE_BLOCK, f"{NEXT_ACTION_PROMPT}...", text_input(max_length=500))],
        submit="Save action",
        close="Cancel",
        payload=metadata,
    )


def build_chair_modal(metadata: str, proposed: str | None) -> Form:
    return form(
        CHAIR_CALLBACK,
        "Next chair",
        [
            field_of(
                CHAIR_BLOCK,
                "Appoint a chair for the next meeting",
                PersonPicker(proposed or None),
            )
        ],
        submit="Appoint",
        close="Cancel",
        payload=metadata,
    )


def build_appointed_message(chair: str) -> dict[str, Any]:
    return {"text": f":handshake: The group appointed {mention(chair)} to chair the next meeting."}


def build_saved_reply(number: int, text: str) -> Reply:
    return ephemeral(
        f":white_check_mark: Saved as action {number}: {escape(text)}. Buddy will follow it up; "
        f"`/buddy done {number}` when it's done."
    )
