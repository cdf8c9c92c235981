"""Block Kit for actions: the list, the chases and their updates, and the two small modals."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from conversation.blocks import (
    Form,
    Part,
    button,
    buttons,
    checkboxes,
    date_input,
    field_of,
    form,
    heading,
    note,
    paragraph,
    text_input,
    truncate,
)
from conversation.markup import SECTION_CHUNK, escape, escaped_chunks, line_chunks
from conversation.replies import OutgoingMessage
from models.actions import (
    DONE,
    DROPPED,
    OPEN,
    REVIEW_ANSWER_LIMIT,
    REVIEW_EVIDENCE_EXAMPLE,
    REVIEW_IMPACT_EXAMPLE,
    Action,
    ActionList,
    ActionSnapshot,
    ReviewAnswer,
)
from models.grammar import format_day
from models.grow import GROW_WILL
from models.guidance import ACCOUNT_ROLE

CHASE_DONE = "action_chase_done"
CHASE_MORE_TIME = "action_chase_more_time"
CHASE_DROP = "action_chase_drop"
CHASE_BUTTONS = (CHASE_DONE, CHASE_MORE_TIME, CHASE_DROP)
MORE_TIME_CALLBACK = "action_more_time"
MORE_TIME_BLOCK = "new_due"
CHECKIN_ACTIONS_CALLBACK = "checkin_actions"
# The two buttons asking which reading of a date was meant (an actions block's ids must differ).
DATE_CHOICES = ("action_date_choice_1", "action_date_choice_2")
CHECKIN_ROWS = 3
REVIEW_PROMPT = "90 days on: what impact has this had, and how do you know?"
# The review's button ("Answer", then "Change answer"), its modal and the modal's two fields.
REVIEW_ANSWER = "action_review_answer"
REVIEW_CALLBACK = "action_review"
REVIEW_IMPACT_BLOCK = "review_impact"
REVIEW_EVIDENCE_BLOCK = "review_evidence"
# The "Add actions" modal's checkbox asking for a review of one row's action.
CHECKIN_REVIEW_OPTION = "with_review"
CHECKIN_REVIEW_LABEL = "Check in on its impact in 90 days"
# What a list or a report shows of each answer: a glimpse; the whole answer is in the CSV.
REVIEW_GLIMPSE = 120
INPUT_MAX = 500
MAX_LISTED = 20
# Actions one chase lists with buttons: two blocks each, within Block Kit's 50 a message.
MAX_CHASED = 20


def text_block_id(row: int) -> str:
    return f"action_text_{row}"


def due_block_id(row: int) -> str:
    return f"action_due_{row}"


def review_block_id(row: int) -> str:
    return f"action_with_review_{row}"


def _line(action: Action | ActionSnapshot, today: date | None) -> str:
    overdue = " :warning: overdue" if today is not None and action.due_date < today else ""
    review = " (with a 90-day review)" if action.review_at is not None else ""
    return (
        f"*{action.number}.* {escape(action.text)}, due "
        f"{format_day(action.due_date, today)}{overdue}{review}"
    )


def _numbered(actions: Sequence[Action], today: date) -> str:
    lines = [_line(a, today) for a in actions[:MAX_LISTED]]
    if len(actions) > MAX_LISTED:
        lines.append(f"…and {len(actions) - MAX_LISTED} more")
    return "\n".join(lines)


def build_actions_list(listing: ActionList, today: date) -> tuple[str, list[Part]]:
    """`/buddy actions`: the caller's open actions, then each buddy's, numbered."""
    blocks: list[Part] = [heading("Open actions")]
    if listing.mine:
        blocks.append(paragraph("*Yours*\n" + _numbered(listing.mine, today)))
        blocks.append(note("Done one? `/buddy done 1` (use its number)."))
    else:
        blocks.append(
            paragraph(
                "*Yours*\nNone open. Record one with "
                "`/buddy action Try retrieval starters with 9X by 3/12`."
            )
        )
    blocks.extend(reviews_blocks("Your", listing.my_reviews, today))
    for buddy, actions in listing.buddies:
        who = f"<@{buddy.user_id}>'s"
        body = _numbered(actions, today) if actions else "None open."
        blocks.append(paragraph(f"*{who}*\n{body}"))
        blocks.extend(reviews_blocks(who, listing.buddy_reviews.get(buddy.id, []), today))
    if not listing.paired:
        blocks.append(note("When you pair up, your buddy's actions show here too."))
    count = len(listing.mine)
    text = f"You have {count} open action{'s' if count != 1 else ''}."
    return text, blocks


def recorded_text(action: Action, today: date) -> str:
    """The answer to `/buddy action`: what was recorded, echoing the date with its weekday."""
    review = ""
    if action.review_at is not None:
        review = (
            f" Once it's done, on {format_day(action.review_at, today)} (or the day after you "
            f"finish it, if later) I'll ask you: _{REVIEW_PROMPT}_"
        )
    return (
        f":memo: Recorded action {action.number}: {escape(action.text)}, due "
        f"{format_day(action.due_date, today)}. I'll check in with you that morning.{review}"
    )


def closed_text(action: Action | ActionSnapshot) -> str:
    if action.status == DONE:
        return f":white_check_mark: Well done! Action {action.number} is done: " + escape(
            action.text
        )
    return f":wastebasket: Dropped action {action.number}: {escape(action.text)}"


def tell_buddy_text(action: ActionSnapshot, today: date | None = None) -> str:
    """What the pair's conversation is told when an owner closes or reschedules an action."""
    who = f"<@{action.owner_user_id}>"
    task = escape(action.text)
    if action.status == DONE:
        return f":white_check_mark: {who} has done their action: {task}"
    if action.status == DROPPED:
        return f":wastebasket: {who} has dropped their action: {task}"
    due = format_day(action.due_date, today)
    return f":calendar: {who} needs more time: {task} is now due {due}."


def _chase_buttons(action: ActionSnapshot) -> Part:
    value = str(action.id)
    return buttons(
        [
            button("Done", CHASE_DONE, value, style="primary"),
            button("Need more time", CHASE_MORE_TIME, value, opens_form=True),
            button("Drop", CHASE_DROP, value, style="danger"),
        ],
        row_id=f"action_chase_{action.id}",
    )


def _still_chased(action: ActionSnapshot, due: date) -> bool:
    """Open and still due on the day the chase was for: its buttons still apply."""
    return action.status == OPEN and action.due_date == due


def build_chase_message(
    actions: Sequence[ActionSnapshot], due: date, today: date | None = None
) -> OutgoingMessage:
    """On the due date at 09:00, one DM asks the owner how each action due that day went, each
    with its own three buttons; redrawn after a change from what each action now is."""
    ordered = sorted(actions, key=lambda a: a.number)
    if len(ordered) == 1:
        [action] = ordered
        if _still_chased(action, due):
            return _single_chase(action, today)
        return build_settled_chase(action, today)
    return _day_chase(ordered, due, today)


def _due_when(due: date, today: date | None) -> str:
    """`today`, or `on Tue 16 Feb`."""
    return "today" if today is not None and due == today else f"on {format_day(due, today)}"


def _past(due: date, today: date | None) -> bool:
    """A chase held by a break, a weekend or an outage goes after its date: worded as past."""
    return today is not None and due < today


def _single_chase(action: ActionSnapshot, today: date | None) -> OutgoingMessage:
    # Worded for the day it goes: a chase held by a break or an outage goes out after its date.
    tense = "was" if _past(action.due_date, today) else "is"
    line = (
        f"Your action {action.number} {tense} due {_due_when(action.due_date, today)}: "
        f"{escape(action.text)}"
    )
    return OutgoingMessage(
        text=f":alarm_clock: {line}",
        blocks=[
            paragraph(f":alarm_clock: *{line}*"),
            note(
                f"You set it on {format_day(action.created_on, today)}. How did it go? If it "
                "needs longer, that's fine: pick a new date."
            ),
            _chase_buttons(action),
        ],
    )


def _day_chase(actions: Sequence[ActionSnapshot], due: date, today: date | None) -> OutgoingMessage:
    """Several actions due the same day: one message, the first MAX_CHASED with buttons (two
    blocks each keeps it within Block Kit's 50), the rest summarised."""
    were = "that were " if _past(due, today) else ""
    heading = f":alarm_clock: You have {len(actions)} actions {were}due {_due_when(due, today)}."
    blocks: list[Part] = [
        paragraph(
            f"*{heading}*\nHow did they go? If one needs longer, that's fine: pick a new date."
        )
    ]
    for action in actions[:MAX_CHASED]:
        if _still_chased(action, due):
            blocks.append(paragraph(f"*{action.number}.* {escape(action.text)}"))
            blocks.append(_chase_buttons(action))
        else:
            blocks.append(paragraph(_settled_line(action, today)))
    rest = actions[MAX_CHASED:]
    if rest:
        numbers = ", ".join(str(a.number) for a in rest)
        blocks.append(
            note(
                f"…and {len(rest)} more due that day (actions {numbers}), without buttons here: "
                "`/buddy actions` lists them and `/buddy done <n>` closes one."
            )
        )
    return OutgoingMessage(text=heading, blocks=blocks)


def build_overdue_message(
    action: ActionSnapshot, buddy_user_ids: Sequence[str], today: date | None = None
) -> OutgoingMessage:
    """Three days overdue: the pair is told, so the buddy can hold the owner to account. No
    buttons: only the owner may use them, and the buddy sees this message too."""
    who = f"<@{action.owner_user_id}>"
    buddies = " and ".join(f"<@{b}>" for b in buddy_user_ids) or "Buddy"
    line = (
        f"{who}'s action {action.number} was due on {format_day(action.due_date, today)} and is "
        f"still open: {escape(action.text)}"
    )
    return OutgoingMessage(
        text=f":hourglass_flowing_sand: {line}",
        blocks=[
            paragraph(f":hourglass_flowing_sand: {line}"),
            note(
                f"{buddies}: a friendly word could help. The buddy's fourth role: _{ACCOUNT_ROLE}_"
            ),
            # Only the owner may close it, so its buttons are in their own DM, not here.
            note(
                f"{who} has the Done, Need more time and Drop buttons in their DM from Buddy, "
                f"or can type `/buddy done {action.number}`."
            ),
        ],
    )


def _review_button(action_id: int, label: str) -> Part:
    return buttons(
        [button(label, REVIEW_ANSWER, str(action_id), style="primary", opens_form=True)],
        row_id=f"action_review_{action_id}",
    )


def build_review_message(action: ActionSnapshot, today: date | None = None) -> OutgoingMessage:
    """90 days after a done action was set: seed 002's impact question, for the owner, with a
    button that opens the two answers (what changed, and the evidence)."""
    return OutgoingMessage(
        text=f":seedling: {REVIEW_PROMPT} ({escape(action.text)})",
        blocks=[
            paragraph(f":seedling: *{REVIEW_PROMPT}*"),
            paragraph(
                f"Your action, set on {format_day(action.created_on, today)}: {escape(action.text)}"
            ),
            note(
                "Two short answers: what changed, and your evidence. Your buddy will see them, "
                "and it's worth talking them over at your next meeting."
            ),
            _review_button(action.id, "Answer"),
        ],
    )


def _labelled(label: str, typed: str) -> list[Part]:
    """A bold label, then the typed answer escaped once, in as many sections as it needs."""
    chunks = escaped_chunks(typed, SECTION_CHUNK - len(label) - 8)
    return [paragraph(f"*{label}*\n{chunks[0]}"), *(paragraph(c) for c in chunks[1:])]


def _answers(review: ReviewAnswer, whose: str) -> list[Part]:
    return [
        *_labelled("What changed:", review.impact or ""),
        *_labelled(f"How {whose} know:", review.evidence or ""),
    ]


def build_answered_review(review: ReviewAnswer, today: date | None = None) -> OutgoingMessage:
    """The review nudge once answered: the answer in place of the question's button, with a
    button to change it."""
    answered = format_day(review.answered_on, today) if review.answered_on else "today"
    line = f"You answered your 90-day review of “{escape(review.text)}” on {answered}."
    return OutgoingMessage(
        text=f":white_check_mark: {line}",
        blocks=[
            paragraph(f":seedling: *{REVIEW_PROMPT}*"),
            paragraph(
                f"Your action, set on {format_day(review.set_on, today)}: {escape(review.text)}"
            ),
            paragraph(f":white_check_mark: *You answered on {answered}.*"),
            *_answers(review, "you"),
            _review_button(review.action_id, "Change answer"),
        ],
    )


def build_review_told(review: ReviewAnswer, first: bool = True) -> OutgoingMessage:
    """The pair's conversation hears the owner's answer: the buddy's news, and something to
    talk over when they next meet."""
    who = f"<@{review.owner_user_id}>"
    what = f"“{escape(review.text)}”"
    line = (
        f"{who} answered their 90-day review of {what}: _{REVIEW_PROMPT}_"
        if first
        else f"{who} changed their answer to the 90-day review of {what}."
    )
    return OutgoingMessage(
        text=f":seedling: {line}",
        blocks=[paragraph(f":seedling: {line}"), *_answers(review, "they")],
    )


def build_review_modal(review: ReviewAnswer, today: date | None = None) -> Form:
    """The review's two answers, both required; an answer already given is there to change."""
    blocks: list[Part] = [
        paragraph(
            f":seedling: *{REVIEW_PROMPT}*\nYour action, set on "
            f"{format_day(review.set_on, today)}: {escape(review.text)}"
        )
    ]
    if review.answered and review.answered_on is not None:
        blocks.append(
            note(
                f"You answered this on {format_day(review.answered_on, today)}: your answer is "
                "below. Change it if you like, or close this and it stays as it is."
            )
        )
    for block_id, label, hint, example, typed in (
        (
            REVIEW_IMPACT_BLOCK,
            "What impact has it had? What changed?",
            "For you, your colleagues or your pupils.",
            REVIEW_IMPACT_EXAMPLE,
            review.impact,
        ),
        (
            REVIEW_EVIDENCE_BLOCK,
            "How do you know? Your evidence",
            "What you saw, heard or measured.",
            REVIEW_EVIDENCE_EXAMPLE,
            review.evidence,
        ),
    ):
        element = text_input(
            multiline=True,
            max_length=REVIEW_ANSWER_LIMIT,
            placeholder=f"e.g. {example}",
            initial=typed or None,
        )
        blocks.append(field_of(block_id, label, element, hint=hint))
    return form(
        REVIEW_CALLBACK,
        "90-day review",
        blocks,
        submit="Save answer",
        close="Cancel",
        payload=str(review.action_id),
    )


def _glimpse(typed: str | None, limit: int = REVIEW_GLIMPSE) -> str:
    """The start of an answer on one line, cut before it is escaped (never inside `&amp;`)."""
    return escape(truncate(" ".join((typed or "").split()), limit))


def reviews_blocks(whose: str, reviews: Sequence[ReviewAnswer], today: date | None) -> list[Part]:
    """A few answered 90-day reviews, briefly: what changed and the evidence, cut short."""
    if not reviews:
        return []
    lines = [
        f"• “{_glimpse(r.text, 60)}”"
        + (f", {format_day(r.answered_on, today)}" if r.answered_on else "")
        + f": _Impact:_ {_glimpse(r.impact)} · _Evidence:_ {_glimpse(r.evidence)}"
        for r in reviews
    ]
    return [paragraph(c) for c in line_chunks([f"*{whose} 90-day reviews*", *lines])]


def _settled_line(action: ActionSnapshot, today: date | None) -> str:
    if action.status == OPEN:
        return (
            f":calendar: Action {action.number} now has more time: due "
            f"{format_day(action.due_date, today)}. {escape(action.text)}"
        )
    if action.status == DONE:
        return f":white_check_mark: Done: action {action.number}, {escape(action.text)}"
    return f":wastebasket: Dropped: action {action.number}, {escape(action.text)}"


def build_settled_chase(action: ActionSnapshot, today: date | None = None) -> OutgoingMessage:
    """A chase after its action was closed or given more time: what happened, no buttons."""
    line = _settled_line(action, today)
    return OutgoingMessage(text=line, blocks=[paragraph(line)])


def build_settled_overdue(action: ActionSnapshot, today: date | None = None) -> OutgoingMessage:
    """An overdue note in the pair's conversation, once its owner acted: the buddy's news."""
    line = tell_buddy_text(action, today)
    return OutgoingMessage(text=line, blocks=[paragraph(line)])


@dataclass(frozen=True)
class DateChoice:
    """What one of the two date buttons carries: all it takes to record the action on press."""

    offer: str
    text: str
    due: date
    with_review: bool


_OFFER = re.compile(r"[0-9a-f]{32}")


def date_choice_value(choice: DateChoice) -> str:
    data = {"o": choice.offer, "t": choice.text, "d": choice.due.isoformat()}
    return json.dumps({**data, "r": choice.with_review}, ensure_ascii=False)


def read_date_choice(value: str) -> DateChoice | None:
    try:
        data = json.loads(value)
        offer, text, due = str(data["o"]), str(data["t"]), date.fromisoformat(data["d"])
    except (ValueError, TypeError, KeyError):
        return None
    if not _OFFER.fullmatch(offer):
        return None
    return DateChoice(offer, text, due, data.get("r") is True)


def build_date_question(
    choices: tuple[DateChoice, DateChoice], today: date
) -> tuple[str, list[Part]]:
    """`by 11/5` on 1 November: 5 Nov, or 11 May next year? Asked before anything is stored."""
    first, second = (format_day(c.due, today) for c in choices)
    question = (
        f":thinking_face: Which date did you mean for “{escape(choices[0].text)}”: {first} or "
        f"{second}? I read dates day first, but this one could be either."
    )
    choices_row = [
        button(format_day(c.due, today), action_id, date_choice_value(c))
        for c, action_id in zip(choices, DATE_CHOICES, strict=True)
    ]
    return question, [
        paragraph(question),
        buttons(choices_row, row_id="action_date_choice"),
        note("Nothing is recorded until you pick one."),
    ]


def build_more_time_modal(
    action: ActionSnapshot, suggested: date, metadata: str, today: date | None = None
) -> Form:
    """Need more time: one datepicker for the new due date."""
    return form(
        MORE_TIME_CALLBACK,
        "Need more time",
        [
            paragraph(
                f"*Action {action.number}:* {escape(action.text)}\n"
                f"Due {format_day(action.due_date, today)}."
            ),
            field_of(MORE_TIME_BLOCK, "New due date", date_input(suggested)),
        ],
        submit="Save",
        close="Cancel",
        payload=metadata,
    )


def build_checkin_actions_modal(
    metadata: str, suggested: date | None, today: date | None = None
) -> Form:
    """GROW's Will after a meeting: up to three actions, each with its due date and a box to
    ask for its 90-day review."""
    blocks: list[Part] = [
        paragraph(
            f"*{GROW_WILL}*\nWrite each step you agreed as an action for yourself, so your "
            "buddy can hold you to it. One is enough."
        )
    ]
    if suggested is None:
        blocks.append(note("Please give each action a date."))
    else:
        blocks.append(
            note(f"A date left as it is means your next meeting, {format_day(suggested, today)}.")
        )
    for row in range(1, CHECKIN_ROWS + 1):
        blocks.append(
            field_of(
                text_block_id(row),
                f"Action {row}",
                text_input(max_length=INPUT_MAX, placeholder="e.g. Try retrieval starters with 9X"),
                optional=row > 1,
            )
        )
        blocks.append(field_of(due_block_id(row), "Due by", date_input(suggested), optional=True))
        blocks.append(
            field_of(
                review_block_id(row),
                "Review",
                checkboxes([(CHECKIN_REVIEW_LABEL, CHECKIN_REVIEW_OPTION)]),
                optional=True,
            )
        )
    return form(
        CHECKIN_ACTIONS_CALLBACK,
        "Add actions",
        blocks,
        submit="Save actions",
        close="Cancel",
        payload=metadata,
    )


def checkin_confirmation(actions: Sequence[ActionSnapshot], today: date) -> str:
    """The owner's DM once the check-in's actions are recorded."""
    lines = [_line(a, today) for a in actions]
    word = "action" if len(actions) == 1 else "actions"
    return (
        f":memo: Recorded your {word} from the check-in:\n"
        + "\n".join(lines)
        + "\nI'll check in with you on each due date. `/buddy actions` lists them."
    )
