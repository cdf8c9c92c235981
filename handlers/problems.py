"""`/buddy problem`: the problem-drafting wizard, and the card it posts in the channel.

The wizard is one modal whose view is replaced step by step. *Next* is the modal's submit button,
so Slack checks the answer before moving on: the submission's own ack answers with field errors or
the next view (`response_action: errors` / `update`). *Back* can't be a second submit button, so it
is a button in the view: its click saves what was typed, without checking it, and `views.update`
shows the step before, in the very view that was clicked. Every submission and click re-reads the
draft by the id in `private_metadata` and checks the clicking user owns it; the draft's row, not
the metadata, says which step it is at, so an old or forged step changes nothing.

Posting closes the modal at once (`response_action: clear`) and puts the card in the channel just
after the ack, so a slow `chat.postMessage` can never outlast Slack's three seconds. A card is only
ever changed at the channel and ts kept on the problem's row, never at the message a button was
on. If Slack refuses the card (Buddy not in the channel, say), the owner gets a DM saying how to
invite Buddy, with *Try again* and *Open my draft*: the draft is kept.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from conversation.blocks import Form
from conversation.commands import Subcommand
from conversation.deps import Deps
from conversation.markup import mention
from conversation.outlet import Outlet, OutletError
from conversation.replies import OutgoingMessage, Reply, ephemeral
from conversation.requests import (
    Answer,
    Command,
    FormValues,
    Handlers,
    Press,
    Request,
    Submission,
    Who,
    out_of_date,
)
from conversation.values import int_value
from handlers.views.problems import (
    ANSWER_BLOCK,
    AREA_BLOCK,
    BACK_ACTION,
    CALLBACK_ID,
    CRITERIA_BLOCK,
    EDIT_ACTION,
    LINK_BLOCK,
    OPEN_DRAFT_ACTION,
    RETRY_ACTION,
    UNREACHABLE,
    WITHDRAW_ACTION,
    build_confirm_view,
    build_notice_view,
    build_post_failed_message,
    build_posted_message,
    build_problem_card,
    build_withdrawn_card,
    parse_wizard_metadata,
    view_for_step,
)
from models.base import platform_name
from models.problems.drafts import (
    CONFIRM,
    FIELD_STEPS,
    REVIEW,
    NotYourProblem,
    OutOfStep,
    ProblemAccessError,
    ProblemGone,
    awaiting_publish,
    check_step,
    check_view,
    confirm_post,
    framework_areas_for,
    go_back,
    keep_review_inputs,
    mark_posted,
    next_step,
    owned_draft,
    post_failed,
    publish_target,
    remember_view,
    resume,
    retry_post,
    save_on_close,
    snapshot,
    start_edit,
    start_or_resume,
    submit_review,
    withdraw,
)
from models.problems.tables import Problem

logger = logging.getLogger(__name__)

# Editing an old card whose message has gone: post a fresh card instead of failing.
_CARD_GONE_ERRORS = ("message_not_found", "cant_update_message")
_RESUMED = ":wave: Welcome back: here is your draft as you left it."
_EDITING = (
    ":pencil2: You're editing your posted problem. The card in the channel changes only when "
    "you press *Update the card* at the end."
)
_OUT_OF_STEP = ":arrows_counterclockwise: {0} Here is your draft as it is now."
_TOO_SLOW_TO_OPEN = (
    ":hourglass: Slack closed the window before I could open your draft. "
    "Please run `/buddy problem` again: your draft is saved."
)
_TOO_SLOW_TO_EDIT = "Slack took too long to open your problem; please press *Edit* again."
_CARD_NOT_CHANGED = (
    "Your problem is withdrawn, but I couldn't change its card. Please delete the message yourself."
)
_GONE = "That draft is no longer available. Run `/buddy problem` to start again."
_REVIEW_ERROR_BLOCKS = {"framework_area": AREA_BLOCK, "artefact_link": LINK_BLOCK}


# -- the slash command ------------------------------------------------------------------------


def start(command: Command) -> Answer:
    """`/buddy problem`: the caller's draft (new or resumed), to post in this channel."""
    return open_wizard(command, command.channel_id)


def open_wizard(request: Request, channel_id: str) -> Answer:
    """Open the caller's draft with a fresh trigger, after the ack.

    Anything with a trigger can start drafting (the later community-prep button, say).
    """
    with request.deps.session() as session:
        draft = start_or_resume(session, request.team_id, request.user_id, channel_id, request.now)
        notice = _RESUMED if _has_answers(draft) else None
        view = _wizard_view(session, draft, request.now, notice)
        draft_id = draft.id
    return _open_view(request, draft_id, view, ephemeral(_TOO_SLOW_TO_OPEN))


def _open_view(request: Request, draft_id: int, view: Form, too_slow: Reply | None) -> Answer:
    """The wizard, as the answer; the id of the form the platform opened is kept for the draft."""
    deps = request.deps

    def opened(view_id: str) -> None:
        with deps.session() as session:
            remember_view(session, draft_id, view_id)

    return Answer(form=view, form_opened=opened, form_unopened=too_slow)


def _has_answers(draft: Problem) -> bool:
    return any([draft.problem, draft.evidence, draft.context, draft.why])


def _wizard_view(
    session: Session, draft: Problem, now: datetime, notice: str | None = None
) -> Form:
    step = min(draft.step, REVIEW)
    areas = framework_areas_for(session, draft, now) if step == REVIEW else []
    return view_for_step(snapshot(session, draft), step, areas, notice)


def _out_of_step_view(session: Session, draft: Problem, now: datetime, stale: OutOfStep) -> Form:
    """An old or forged modal: nothing it sent was kept; show where the draft really is."""
    resume(draft, now)
    return _wizard_view(session, draft, now, _OUT_OF_STEP.format(stale.message))


SUBCOMMANDS = [
    Subcommand(
        name="problem",
        usage="/buddy problem",
        summary="draft a problem for your community session, then post it in this channel",
        group="Problems and coaching",
        handle=start,
        everyday=True,
    )
]


# -- the wizard's submissions -----------------------------------------------------------------


def submit(submission: Submission) -> Answer:
    """Next, post, post anyway: answered in the ack (errors, the next view, or close)."""
    meta = parse_wizard_metadata(submission.metadata)
    if meta is None:
        return Answer(view_response=_update(build_notice_view("Problem", _GONE)))
    draft_id, shown = meta
    try:
        with submission.deps.session() as session:
            draft = owned_draft(session, draft_id, submission.team_id, submission.user_id)
            try:
                step = check_step(draft, shown)
            except OutOfStep as stale:
                view = _out_of_step_view(session, draft, submission.now, stale)
                return Answer(view_response=_update(view))
            response = _submit_step(session, draft, step, submission.state, submission.now)
            posting = awaiting_publish(draft)
    except ProblemAccessError as refusal:
        return Answer(view_response=_update(build_notice_view("Problem", refusal.message)))
    if not posting:
        return Answer(view_response=response)
    deps, who = submission.deps, submission.who
    return Answer(view_response=response, then=lambda outlet: publish(deps, outlet, who, draft_id))


def _submit_step(
    session: Session, draft: Problem, step: int, state: FormValues, now: datetime
) -> Reply:
    if step in FIELD_STEPS:
        refusal = next_step(draft, step, state.text(ANSWER_BLOCK), now)
        if refusal is not None:
            return {"response_action": "errors", "errors": {ANSWER_BLOCK: refusal}}
        return _update(_wizard_view(session, draft, now))
    if step == REVIEW:
        outcome = submit_review(
            draft,
            state.options(CRITERIA_BLOCK),
            state.option(AREA_BLOCK),
            state.text(LINK_BLOCK),
            framework_areas_for(session, draft, now),
            now,
        )
        if outcome.errors:
            errors = {_REVIEW_ERROR_BLOCKS[k]: message for k, message in outcome.errors.items()}
            return {"response_action": "errors", "errors": errors}
        if outcome.incomplete_step is not None:
            notice = (
                f":point_right: Please finish this step before posting. {outcome.incomplete_reason}"
            )
            return _update(_wizard_view(session, draft, now, notice))
        if outcome.unmet:
            return _update(build_confirm_view(snapshot(session, draft), outcome.unmet))
        return {"response_action": "clear"}
    if step == CONFIRM:
        confirm_post(draft, now)
    return {"response_action": "clear"}


def _update(view: Form) -> Reply:
    return {"response_action": "update", "view": view}


def publish(deps: Deps, outlet: Outlet, who: Who, draft_id: int) -> Reply | None:
    """Put the draft's card in its channel; None when done, else the message for the owner.

    Only a draft the server moved to POSTING goes out, and only to the channel (and, for an edit,
    the message) kept on the problem's row.
    """
    try:
        with deps.session() as session:
            draft = owned_draft(session, draft_id, who.team_id, who.user_id)
            if not awaiting_publish(draft):
                return None
            target = publish_target(session, draft)
            card = build_problem_card(snapshot(session, draft))
    except ProblemAccessError as refusal:
        return {"text": refusal.message}
    try:
        channel_id, ts = _send_card(outlet, target.channel_id, target.ts, card)
    except OutletError as error:
        code = error.reason
        if code != UNREACHABLE:
            logger.warning("Could not post problem %s in %s: %s", draft_id, target.channel_id, code)
        else:
            logger.exception("Could not reach the platform to post problem %s", draft_id)
        with deps.session() as session:
            post_failed(owned_draft(session, draft_id, who.team_id, who.user_id), deps.clock.now())
        return build_post_failed_message(
            draft_id, target.channel_id, code, platform_name(who.team_id)
        )
    with deps.session() as session:
        draft = owned_draft(session, draft_id, who.team_id, who.user_id)
        mark_posted(session, draft, channel_id, ts, deps.clock.now())
    return None


def _send_card(
    outlet: Outlet, channel_id: str, ts: str | None, card: dict[str, Any]
) -> tuple[str, str]:
    """Update the card in place when editing; a new message otherwise (or if the old one went)."""
    message = OutgoingMessage(card["text"], card["blocks"])
    if ts is not None:
        try:
            outlet.update(channel_id, ts, message)
            return channel_id, ts
        except OutletError as error:
            if error.reason not in _CARD_GONE_ERRORS:
                raise
    posted = outlet.post(channel_id, message)
    return posted.conversation, posted.message_id


# -- Back, and closing the modal --------------------------------------------------------------


def back(press: Press) -> Answer:
    """Keep what was typed on this step, then show the one before, in the view that was clicked.

    Someone else's draft is refused to the clicker alone: their view is left as it was.
    """
    pressed_in = press.form
    meta = parse_wizard_metadata(pressed_in.payload) if pressed_in is not None else None
    if meta is None or pressed_in is None or pressed_in.intent != CALLBACK_ID:
        raise out_of_date()
    view_id = pressed_in.form_id
    if not view_id:
        raise out_of_date()
    draft_id, shown = meta
    state = pressed_in.values
    with press.deps.session() as session:
        draft = owned_draft(session, draft_id, press.team_id, press.user_id)
        check_view(draft, view_id)
        try:
            _keep_inputs(draft, shown, state, press.now)
            go_back(draft, shown, state.text(ANSWER_BLOCK), press.now)
            view = _wizard_view(session, draft, press.now)
        except OutOfStep as stale:
            view = _out_of_step_view(session, draft, press.now, stale)
    view_hash = pressed_in.version

    def show(outlet: Outlet) -> None:
        try:
            outlet.update_form(view_id, view, view_hash)
        except OutletError:
            logger.exception("Could not take the problem wizard back a step")

    return Answer(then=show)


def _keep_inputs(draft: Problem, shown: int, state: FormValues, now: datetime) -> None:
    if shown == REVIEW:
        keep_review_inputs(
            draft,
            state.options(CRITERIA_BLOCK),
            state.option(AREA_BLOCK),
            state.text(LINK_BLOCK),
            now,
        )


def save_when_closed(submission: Submission) -> None:
    """ "Save and close" means it: keep what was typed on the step the owner left.

    Nothing is said: a modal that is someone else's, or out of step, is simply not saved.
    """
    meta = parse_wizard_metadata(submission.metadata)
    if meta is None:
        return
    draft_id, shown = meta
    state = submission.state
    try:
        with submission.deps.session() as session:
            draft = owned_draft(session, draft_id, submission.team_id, submission.user_id)
            _keep_inputs(draft, shown, state, submission.now)
            save_on_close(draft, shown, state.text(ANSWER_BLOCK), submission.now)
    except ProblemAccessError:
        return


# -- the card's buttons, and the DM's ---------------------------------------------------------


def _pressed_id(press: Press) -> int:
    problem_id = int_value(press.value)
    if problem_id is None:
        raise out_of_date()
    return problem_id


def edit(press: Press) -> Answer | Reply:
    """The owner opens the wizard on their posted problem, pre-filled; others are refused."""
    problem_id = _pressed_id(press)
    try:
        with press.deps.session() as session:
            draft = start_edit(session, problem_id, press.team_id, press.user_id, press.now)
            view = _wizard_view(session, draft, press.now, _EDITING)
            draft_id = draft.id
    except ProblemAccessError as refusal:
        return _refusal(refusal, "edit")
    return _open_view(press, draft_id, view, ephemeral(_TOO_SLOW_TO_EDIT))


def withdraw_card(press: Press) -> Answer | Reply | None:
    """The owner (and only the owner) confirmed: the card kept on the row becomes a short notice."""
    problem_id = _pressed_id(press)
    try:
        with press.deps.session() as session:
            problem = withdraw(session, problem_id, press.team_id, press.user_id, press.now)
            channel_id, ts = problem.channel_id, problem.message_ts
    except ProblemAccessError as refusal:
        return _refusal(refusal, "withdraw")
    if not channel_id or not ts:
        return None
    card = build_withdrawn_card(press.user_id)

    def take_down(outlet: Outlet) -> Reply | None:
        try:
            outlet.update(channel_id, ts, OutgoingMessage(card["text"], card["blocks"]))
        except OutletError:
            logger.exception("Could not take down the card of problem %s", problem_id)
            return ephemeral(_CARD_NOT_CHANGED)
        return None

    return Answer(then=take_down)


def _refusal(refusal: ProblemAccessError, verb: str) -> Reply:
    """A polite, private no; only the person who clicked sees it."""
    if isinstance(refusal, NotYourProblem) and refusal.owner_user_id:
        text = (
            f":relieved: Sorry, only {mention(refusal.owner_user_id)} can {verb} this problem: "
            "it's theirs. You could reply in a thread to help them with it."
        )
    elif isinstance(refusal, ProblemGone):
        text = f":information_source: {refusal.message}"
    else:
        text = f":relieved: Sorry: {refusal.message}"
    return ephemeral(text)


def retry(press: Press) -> Answer | Reply:
    """The owner invited Buddy and pressed *Try again* on the DM: only a reviewed draft goes."""
    draft_id = _pressed_id(press)
    try:
        with press.deps.session() as session:
            draft = owned_draft(session, draft_id, press.team_id, press.user_id)
            retry_post(draft, framework_areas_for(session, draft, press.now), press.now)
            channel_id = publish_target(session, draft).channel_id
    except ProblemAccessError as refusal:
        return {"replace_original": True, "text": refusal.message}
    deps, who = press.deps, press.who

    def post(outlet: Outlet) -> Reply:
        failure = publish(deps, outlet, who, draft_id)
        return {"replace_original": True, **(failure or build_posted_message(channel_id))}

    return Answer(then=post)


def open_draft(press: Press) -> Answer | Reply:
    """Open the kept draft from the DM, at its review, to change it or the channel."""
    draft_id = _pressed_id(press)
    try:
        with press.deps.session() as session:
            draft = owned_draft(session, draft_id, press.team_id, press.user_id)
            resume(draft, press.now)
            view = _wizard_view(session, draft, press.now)
    except ProblemAccessError as refusal:
        return _refusal(refusal, "open")
    return _open_view(press, draft_id, view, None)


HANDLERS = Handlers(
    buttons={
        BACK_ACTION: back,
        EDIT_ACTION: edit,
        WITHDRAW_ACTION: withdraw_card,
        RETRY_ACTION: retry,
        OPEN_DRAFT_ACTION: open_draft,
    },
    submissions={CALLBACK_ID: submit},
    closings={CALLBACK_ID: save_when_closed},
)
