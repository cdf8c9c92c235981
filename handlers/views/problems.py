"""Block Kit for problem drafting: the wizard's steps, the review, the card, and the notices.

Pure functions of a `DraftSnapshot`; each keeps within Slack's limits (modal title, submit and
close at most 24 characters, 1,500 characters an answer, well under 100 blocks a modal and 50 a
message). What the participant typed is escaped, so an answer can never ping a channel.
"""

from __future__ import annotations

import json
from typing import Any

from conversation.blocks import (
    OPTIONS_LIMIT,
    Confirm,
    Form,
    Menu,
    Part,
    button,
    buttons,
    checkboxes,
    divider,
    field_of,
    form,
    note,
    options_of,
    paragraph,
    text_input,
    truncate,
)
from conversation.markup import escape, escaped_chunks
from models.problems.drafts import CONFIRM, REVIEW, DraftSnapshot
from models.problems.template import (
    ANSWER_MAX_CHARS,
    ARTEFACT_ADVICE,
    CRITERIA,
    CRITERIA_INTRO,
    EXAMPLE_PROBLEMS,
    LINK_MAX_CHARS,
    STEPS,
    SUITABLE_HEADING,
    YES,
    Criterion,
)

CALLBACK_ID = "problem_wizard"
BACK_ACTION = "problem_back"
EDIT_ACTION = "problem_edit"
WITHDRAW_ACTION = "problem_withdraw"
RETRY_ACTION = "problem_retry"
OPEN_DRAFT_ACTION = "problem_open_draft"
ANSWER_BLOCK = "answer"
CRITERIA_BLOCK = "criteria"
AREA_BLOCK = "framework_area"
LINK_BLOCK = "artefact_link"

UNREACHABLE = "unreachable"  # no answer from Slack at all, rather than an error code

OPTION_TEXT_LIMIT = 75
OPTION_VALUE_LIMIT = 150
TOTAL_STEPS = len(STEPS) + 1  # the four questions and the review

ViewDict = Form
MessageDict = dict[str, Any]


def wizard_metadata(draft_id: int, step: int) -> str:
    """What the modal carries between submissions: which draft, and which step it shows.

    The step is only compared with the draft's own; the draft's row decides where it is.
    """
    return json.dumps({"draft": draft_id, "step": step})


def parse_wizard_metadata(text: str | None) -> tuple[int, int] | None:
    try:
        data = json.loads(text or "")
        return int(data["draft"]), int(data["step"])
    except (ValueError, TypeError, KeyError):
        return None


def _modal(
    title: str,
    blocks: list[Part],
    *,
    payload: str = "",
    submit: str | None = None,
    close: str = "Close",
    notify_on_close: bool = False,
) -> ViewDict:
    return form(
        CALLBACK_ID,
        title,
        blocks,
        submit=submit,
        close=close,
        payload=payload,
        notify_on_close=notify_on_close,
    )


def _wizard_title(draft: DraftSnapshot, number: int) -> str:
    return f"{'Edit' if draft.editing else 'Your'} problem: {number} of {TOTAL_STEPS}"


def _back_button() -> Part:
    return buttons([button("Back", BACK_ACTION)], row_id="wizard_back")


def build_step_view(draft: DraftSnapshot, step: int, notice: str | None = None) -> ViewDict:
    """One question, the seed's worked example, and the owner's answer so far."""
    template = STEPS[step]
    answer = draft.answers.get(template.key)
    element = text_input(
        multiline=True,
        max_length=ANSWER_MAX_CHARS,
        placeholder="A sentence or two is plenty.",
        initial=answer[:ANSWER_MAX_CHARS] if answer else None,
    )
    blocks: list[Part] = []
    if notice:
        blocks.append(paragraph(notice))
    blocks += [
        paragraph(f"*{step + 1}. {template.title}:* {template.question}"),
        note(f"*Example:* {template.example}"),
        field_of(
            ANSWER_BLOCK, template.title, element, hint=f"Up to {ANSWER_MAX_CHARS:,} characters."
        ),
    ]
    if step > 0:
        blocks.append(_back_button())
    blocks.append(
        note(
            f"Step {step + 1} of {TOTAL_STEPS}. Your draft is saved as you go, and only you can "
            "see it until you post it."
        )
    )
    return _modal(
        _wizard_title(draft, step + 1),
        blocks,
        payload=wizard_metadata(draft.id, step),
        submit="Next",
        close="Save and close",
        notify_on_close=True,
    )


def criteria_text() -> str:
    lines = [CRITERIA_INTRO]
    lines += [f"• *{c.name}* – {c.definition}" for c in CRITERIA]
    return "\n".join(lines)


def example_problems_text() -> str:
    """The seed's table of example problems, one problem and its verdicts a line."""
    lines = ["*Example problems:*"]
    for number, example in enumerate(EXAMPLE_PROBLEMS, start=1):
        marks = "   ".join(
            f"{c.name} {mark}" for c, mark in zip(CRITERIA, example.marks(), strict=True)
        )
        verdict = "Yes" if example.suitable else "No"
        lines.append(f"{number}. {example.text}\n        {marks}   {SUITABLE_HEADING} *{verdict}*")
    return "\n".join(lines)


def _answer_sections(draft: DraftSnapshot) -> list[Part]:
    """Each answer under its title; a very long one runs on into a second section."""
    sections = []
    for step in STEPS:
        answer = draft.answers.get(step.key) or ""
        if not answer:
            sections.append(paragraph(f"*{step.title}*\n_Not written yet._"))
            continue
        first, *rest = escaped_chunks(answer)
        sections.append(paragraph(f"*{step.title}*\n{first}"))
        sections += [paragraph(chunk) for chunk in rest]
    return sections


def build_review_view(
    draft: DraftSnapshot, areas: list[str], notice: str | None = None
) -> ViewDict:
    """The whole draft, the three criteria with the seed's examples, the area and the artefact."""
    where = "update your card" if draft.editing else f"post it in <#{draft.channel_id}>"
    blocks: list[Part] = []
    if notice:
        blocks.append(paragraph(notice))
    blocks.append(
        paragraph(
            "*Here is your problem.* Check it against the three criteria below, then "
            f"{where}. Use *Back* to change an answer."
        )
    )
    blocks += _answer_sections(draft)
    blocks += [divider(), paragraph(criteria_text())]
    blocks.append(paragraph(example_problems_text()))
    blocks.append(divider())

    criteria = checkboxes(
        [(f"*{c.name}*", c.key) for c in CRITERIA],
        [c.key for c in CRITERIA if c.key in draft.criteria],
        markup=True,
    )
    blocks.append(
        field_of(
            CRITERIA_BLOCK,
            "Which criteria do you believe your problem meets?",
            criteria,
            optional=True,
        )
    )
    area_menu = Menu(
        AREA_BLOCK,
        options_of([(area, area[:OPTION_VALUE_LIMIT]) for area in areas][:OPTIONS_LIMIT]),
        initial=draft.framework_area,
        placeholder="Choose an area",
    )
    blocks.append(field_of(AREA_BLOCK, "The NPQ framework area it links to", area_menu))
    link = text_input(
        max_length=LINK_MAX_CHARS,
        placeholder="https://…",
        initial=draft.artefact_link[:LINK_MAX_CHARS] if draft.artefact_link else None,
    )
    # The front end marks an optional field "(optional)" itself.
    blocks.append(
        field_of(LINK_BLOCK, "A link to an artefact", link, optional=True, hint=ARTEFACT_ADVICE)
    )
    blocks.append(_back_button())
    return _modal(
        _wizard_title(draft, TOTAL_STEPS),
        blocks,
        payload=wizard_metadata(draft.id, REVIEW),
        submit="Update the card" if draft.editing else "Post to channel",
        close="Save and close",
        notify_on_close=True,
    )


def build_confirm_view(draft: DraftSnapshot, unmet: list[Criterion]) -> ViewDict:
    """Say which criteria are unticked and why they matter; the owner may still post."""
    names = " and ".join(f"*{c.name}*" for c in unmet)
    blocks: list[Part] = [
        paragraph(f"You haven't ticked {names}. Here is what the guidance means, and why:")
    ]
    blocks += [paragraph(f"*{c.name}* – {c.definition}\n{c.why_it_matters}") for c in unmet]
    blocks.append(
        paragraph(
            "You can go *Back* and sharpen it, or post it as it is: your group can help you "
            "shape it too."
        )
    )
    blocks.append(_back_button())
    return _modal(
        "Post anyway?",
        blocks,
        payload=wizard_metadata(draft.id, CONFIRM),
        submit="Update anyway" if draft.editing else "Post anyway",
        close="Save and close",
    )


def build_notice_view(title: str, text: str) -> ViewDict:
    """A modal with a message and nothing to submit (a refusal, or a draft that has gone)."""
    return _modal(title, [paragraph(text)])


def _criteria_summary(ticked: tuple[str, ...]) -> str:
    """Only what the owner ticked: the channel never sees a row of crosses against a problem."""
    return "  ".join(f"{YES} {c.name}" for c in CRITERIA if c.key in ticked)


def build_problem_card(draft: DraftSnapshot) -> MessageDict:
    """The posted problem: the four answers, the owner's own check, the area, and the buttons."""
    owner = f"<@{draft.owner_user_id}>"
    blocks: list[Part] = [
        paragraph(f":jigsaw: *A problem for our community session*, from {owner}")
    ]
    blocks += _answer_sections(draft)
    details = [f"*NPQ framework area:* {escape(draft.framework_area or 'Not chosen')}"]
    if draft.criteria:
        details.append(f"*The owner's check:* {_criteria_summary(draft.criteria)}")
    if draft.artefact_link:
        details.append(f"*Artefact:* <{draft.artefact_link}>")
    blocks.append(note("\n".join(details)))
    withdraw = button(
        "Withdraw",
        WITHDRAW_ACTION,
        str(draft.card_id),
        style="danger",
        confirm=Confirm(
            "Withdraw this problem?",
            "It will be taken down from the channel for everyone. Only its owner can do this.",
            "Withdraw",
            "Keep it",
        ),
    )
    blocks.append(
        buttons(
            [button("Edit", EDIT_ACTION, str(draft.card_id), opens_form=True), withdraw],
            row_id="problem_card",
        )
    )
    summary = escape(truncate(draft.answers.get("problem") or "", 150))
    return {"text": f"{owner}'s problem: {summary}", "blocks": blocks}


def build_withdrawn_card(owner_user_id: str) -> MessageDict:
    text = f":wastebasket: <@{owner_user_id}> withdrew this problem."
    return {"text": text, "blocks": [note(text)]}


def build_post_failed_message(
    draft_id: int, channel_id: str, error: str, platform: str = "Slack"
) -> MessageDict:
    """A DM to the owner when the card could not go out: how to fix it; the draft is kept."""
    channel = f"<#{channel_id}>"
    if error == "not_in_channel":
        why = (
            f"I'm not a member of {channel} yet. Type `/invite @Buddy` in {channel}, "
            "then press *Try again*."
        )
    elif error == "channel_not_found":
        why = (
            f"I can't see {channel}: it may be a private channel or a direct message I'm not "
            f"part of. Type `/invite @Buddy` in {channel} (or run `/buddy problem` from a "
            "channel I'm in), then press *Try again*."
        )
    elif error == UNREACHABLE:
        why = f"I couldn't reach {platform} just then. Please press *Try again* in a minute."
    elif error == "is_archived":
        why = f"{channel} has been archived. Run `/buddy problem` from another channel."
    else:
        why = f"{platform} said `{escape(error)}`. Please press *Try again* in a minute."
    text = f":warning: I couldn't post your problem in {channel}."
    blocks = [
        paragraph(f"{text} {why}\nYour draft is saved, so nothing is lost."),
        buttons(
            [
                button("Try again", RETRY_ACTION, str(draft_id), style="primary"),
                button("Open my draft", OPEN_DRAFT_ACTION, str(draft_id), opens_form=True),
            ],
            row_id="problem_post_failed",
        ),
    ]
    return {"text": text, "blocks": blocks}


def build_posted_message(channel_id: str) -> MessageDict:
    text = f":white_check_mark: Your problem is now in <#{channel_id}>."
    return {"text": text, "blocks": [paragraph(text)]}


def view_for_step(
    draft: DraftSnapshot, step: int, areas: list[str], notice: str | None = None
) -> ViewDict:
    """The wizard at `step`: a question, or the review (which needs the cohort's areas)."""
    if step < REVIEW:
        return build_step_view(draft, step, notice)
    return build_review_view(draft, areas, notice)
