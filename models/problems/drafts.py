"""The problem draft's life: save each step, back and next, review, post, edit, withdraw.

Nothing here knows Slack. A draft belongs to one participant and every change checks the caller
owns it, so a forged id in a modal's metadata or a click on someone else's card changes nothing.
The draft's row says which step it is at: a step a modal claims to show is only a check (an old
modal, or a forged one, is told it is out of step and changes nothing), and a card goes out only
for a complete draft that reached POSTING through its review.
An edit of a posted problem is a separate draft (`edits_id`), so the card stays as it was until
the owner posts the edit; posting it copies the answers over and the edit draft goes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.people import Participant, cohort_of, ensure_participant, find_participant
from models.problems.tables import DRAFT, POSTED, WITHDRAWN, Problem
from models.problems.template import (
    ANSWER_MAX_CHARS,
    CRITERIA,
    LINK_MAX_CHARS,
    STEPS,
    Criterion,
    check_answer,
    check_artefact_link,
    framework_areas,
    unmet_criteria,
)
from models.refusals import Refusal

FIELD_STEPS = range(len(STEPS))  # 0 to 3: The Problem, The Evidence, The Context, The Why
REVIEW = len(STEPS)  # 4: criteria, framework area, artefact link
CONFIRM = REVIEW + 1  # 5: some criterion left unticked; post anyway or go back
POSTING = CONFIRM + 1  # 6: the owner pressed post; the card is on its way


class ProblemAccessError(Refusal):
    """The caller may not do this to this problem; the message is fit to show them."""


class NotYourProblem(ProblemAccessError):
    def __init__(self, owner_user_id: str | None) -> None:
        super().__init__("This problem belongs to someone else, so only they can change it.")
        self.owner_user_id = owner_user_id


class ProblemGone(ProblemAccessError):
    def __init__(self, message: str = "That draft has already been posted or withdrawn.") -> None:
        super().__init__(message)


class OutOfStep(ProblemAccessError):
    """The modal shows a step the draft is not at (an old modal, or a forged one)."""

    def __init__(self) -> None:
        super().__init__("That page of your draft was out of date, so nothing was changed.")


NOT_READY_TO_POST = (
    "Your draft isn't finished, so I haven't posted it. Press *Open my draft* to finish it."
)


@dataclass(frozen=True)
class DraftSnapshot:
    """What views and cards show of a problem, detached from the database session."""

    id: int  # the draft's id (for an edit, the edit draft's)
    card_id: int  # the problem the card belongs to (for an edit, the posted one)
    owner_user_id: str
    step: int
    answers: dict[str, str]
    criteria: tuple[str, ...]
    framework_area: str | None
    artefact_link: str | None
    channel_id: str | None
    editing: bool


@dataclass(frozen=True)
class ReviewOutcome:
    """The result of submitting the review step."""

    errors: dict[str, str] = field(default_factory=dict)  # keyed "framework_area", "artefact_link"
    unmet: list[Criterion] = field(default_factory=list)
    incomplete_step: int | None = None  # an answer still missing: go back there first
    incomplete_reason: str | None = None

    @property
    def ready_to_post(self) -> bool:
        return not self.errors and self.incomplete_step is None and not self.unmet


@dataclass(frozen=True)
class PublishTarget:
    """Where the card goes: a new message in `channel_id`, or an update of the one at `ts`."""

    channel_id: str
    ts: str | None


def snapshot(session: Session, problem: Problem) -> DraftSnapshot:
    owner = session.get(Participant, problem.owner_id)
    return DraftSnapshot(
        id=problem.id,
        card_id=problem.edits_id or problem.id,
        owner_user_id=owner.user_id if owner is not None else "",
        step=problem.step,
        answers={s.key: getattr(problem, s.key) or "" for s in STEPS},
        criteria=ticked_criteria(problem),
        framework_area=problem.framework_area,
        artefact_link=problem.artefact_link,
        channel_id=problem.channel_id,
        editing=problem.edits_id is not None,
    )


def ticked_criteria(problem: Problem) -> tuple[str, ...]:
    chosen = set((problem.criteria or "").split(","))
    return tuple(c.key for c in CRITERIA if c.key in chosen)


def start_or_resume(
    session: Session, team_id: str, user_id: str, channel_id: str, now: datetime
) -> Problem:
    """The caller's unfinished new problem, or a fresh one; it will post where this was run."""
    owner = ensure_participant(session, team_id, user_id, now)
    draft = session.scalar(
        select(Problem)
        .where(Problem.owner_id == owner.id, Problem.status == DRAFT, Problem.edits_id.is_(None))
        .order_by(Problem.updated_at.desc(), Problem.id.desc())
        .limit(1)
    )
    if draft is None:
        draft = Problem(owner_id=owner.id, status=DRAFT, step=0, created_at=now, updated_at=now)
        session.add(draft)
    draft.channel_id = channel_id or draft.channel_id
    resume(draft, now)
    session.flush()
    return draft


def resume(draft: Problem, now: datetime) -> int:
    """Open the draft again where it was; a post that never finished resumes at the review."""
    draft.step = min(draft.step, REVIEW)
    draft.updated_at = now
    return draft.step


def check_step(draft: Problem, shown: int) -> int:
    """The draft's own step, provided it is the one the modal showed; else refused."""
    if shown != draft.step:
        raise OutOfStep()
    return draft.step


def owned_problem(session: Session, problem_id: int, team_id: str, user_id: str) -> Problem:
    """The problem, if the caller owns it; refused otherwise, naming the owner."""
    problem = session.get(Problem, problem_id)
    if problem is None:
        raise ProblemGone("That problem no longer exists.")
    caller = find_participant(session, team_id, user_id)
    if caller is None or caller.id != problem.owner_id:
        owner = session.get(Participant, problem.owner_id)
        raise NotYourProblem(owner.user_id if owner is not None else None)
    return problem


def owned_draft(session: Session, draft_id: int, team_id: str, user_id: str) -> Problem:
    draft = owned_problem(session, draft_id, team_id, user_id)
    if draft.status != DRAFT:
        raise ProblemGone()
    return draft


def _store_answer(draft: Problem, step: int, text: str | None) -> None:
    setattr(draft, STEPS[step].key, (text or "").strip()[:ANSWER_MAX_CHARS] or None)


def next_step(draft: Problem, step: int, text: str | None, now: datetime) -> str | None:
    """Save this step's answer and move on; or say why the answer can't be accepted yet.

    `step` is the step the modal showed; it must be the one the draft is at.
    """
    check_step(draft, step)
    if step not in FIELD_STEPS:
        raise ValueError(f"step {step} has no answer")
    problem = check_answer(text)
    if problem is not None:
        return problem
    _store_answer(draft, step, text)
    draft.step = step + 1
    draft.updated_at = now
    return None


def go_back(draft: Problem, step: int, text: str | None, now: datetime) -> int:
    """Keep what was typed on this step (even half an answer) and step back one."""
    check_step(draft, step)
    if step in FIELD_STEPS and text is not None:
        _store_answer(draft, step, text)
    draft.step = REVIEW if step in (CONFIRM, POSTING) else max(step - 1, 0)
    draft.updated_at = now
    return draft.step


def save_on_close(draft: Problem, step: int, text: str | None, now: datetime) -> None:
    """The owner closed the modal: keep what they typed on the step they were on."""
    check_step(draft, step)
    if step in FIELD_STEPS and text is not None:
        _store_answer(draft, step, text)
        draft.updated_at = now


def framework_areas_for(session: Session, draft: Problem, now: datetime) -> list[str]:
    """The owner's cohort's list of areas, or the default list, with "Other" last."""
    owner = session.get(Participant, draft.owner_id)
    if owner is None:
        return framework_areas(None)
    return framework_areas(cohort_of(session, owner, now).framework_areas)


def keep_review_inputs(
    draft: Problem,
    ticked: Iterable[str],
    framework_area: str | None,
    link_text: str | None,
    now: datetime,
) -> None:
    """Keep the review as it stands (Back, or closing the modal); it is checked again on posting."""
    check_step(draft, REVIEW)
    chosen = set(ticked)
    draft.criteria = ",".join(c.key for c in CRITERIA if c.key in chosen)
    if framework_area:
        draft.framework_area = framework_area
    draft.artefact_link = (link_text or "").strip()[:LINK_MAX_CHARS] or None
    draft.updated_at = now


def first_incomplete_step(draft: Problem) -> tuple[int, str] | None:
    for index, step in enumerate(STEPS):
        problem = check_answer(getattr(draft, step.key))
        if problem is not None:
            return index, problem
    return None


def submit_review(
    draft: Problem,
    ticked: Iterable[str],
    framework_area: str | None,
    link_text: str | None,
    allowed_areas: list[str],
    now: datetime,
) -> ReviewOutcome:
    """Save the review; the draft moves to CONFIRM when a criterion is unticked, else POSTING."""
    check_step(draft, REVIEW)
    chosen = [c.key for c in CRITERIA if c.key in set(ticked)]
    draft.criteria = ",".join(chosen)
    errors: dict[str, str] = {}
    if framework_area in allowed_areas:
        draft.framework_area = framework_area
    else:
        errors["framework_area"] = "Please choose the NPQ framework area it links to."
    link = check_artefact_link(link_text)
    if link.problem is not None:
        errors["artefact_link"] = link.problem
    else:
        draft.artefact_link = link.link
    draft.updated_at = now
    if errors:
        return ReviewOutcome(errors=errors)
    incomplete = first_incomplete_step(draft)
    if incomplete is not None:
        draft.step = incomplete[0]
        return ReviewOutcome(incomplete_step=incomplete[0], incomplete_reason=incomplete[1])
    unmet = unmet_criteria(chosen)
    draft.step = CONFIRM if unmet else POSTING
    return ReviewOutcome(unmet=unmet)


def confirm_post(draft: Problem, now: datetime) -> None:
    """The owner chose to post with some criteria unticked (only from the question that asked)."""
    check_step(draft, CONFIRM)
    draft.step = POSTING
    draft.updated_at = now


def retry_post(draft: Problem, allowed_areas: list[str], now: datetime) -> None:
    """Try the card again after Slack refused it: only a draft that passes its review goes."""
    if draft.step not in (REVIEW, POSTING) or not _passes_review(draft, allowed_areas):
        raise Refusal(NOT_READY_TO_POST)
    draft.step = POSTING
    draft.updated_at = now


def _passes_review(draft: Problem, allowed_areas: list[str]) -> bool:
    return (
        first_incomplete_step(draft) is None
        and draft.framework_area in allowed_areas
        and check_artefact_link(draft.artefact_link).problem is None
    )


def awaiting_publish(draft: Problem) -> bool:
    """The draft went through its review to POSTING, and every question has an answer."""
    return draft.status == DRAFT and draft.step == POSTING and first_incomplete_step(draft) is None


def publish_target(session: Session, draft: Problem) -> PublishTarget:
    if draft.edits_id is not None:
        original = session.get(Problem, draft.edits_id)
        if original is None or original.status != POSTED or not original.channel_id:
            raise ProblemGone("The problem you were editing has been withdrawn.")
        return PublishTarget(original.channel_id, original.message_ts)
    if not draft.channel_id:
        raise ProblemGone("I don't know which channel to post this in.")
    return PublishTarget(draft.channel_id, None)


def mark_posted(
    session: Session, draft: Problem, channel_id: str, ts: str, now: datetime
) -> Problem:
    """The card is in the channel: a new problem is posted; an edit replaces the original."""
    if draft.edits_id is None:
        draft.status = POSTED
        draft.channel_id = channel_id
        draft.message_ts = ts
        draft.posted_at = now
        draft.updated_at = now
        return draft
    original = session.get(Problem, draft.edits_id)
    if original is None:
        raise ProblemGone("The problem you were editing has been withdrawn.")
    for column in (*(s.key for s in STEPS), "criteria", "framework_area", "artefact_link"):
        setattr(original, column, getattr(draft, column))
    original.channel_id = channel_id
    original.message_ts = ts
    original.updated_at = now
    session.delete(draft)
    session.flush()
    return original


def post_failed(draft: Problem, now: datetime) -> None:
    """Slack refused the card: the draft stays, ready to try again from the review."""
    draft.step = REVIEW
    draft.updated_at = now


def start_edit(
    session: Session, problem_id: int, team_id: str, user_id: str, now: datetime
) -> Problem:
    """An edit draft of the owner's posted problem, resumed if one is already under way."""
    problem = owned_problem(session, problem_id, team_id, user_id)
    if problem.status != POSTED:
        raise ProblemGone("That problem has been withdrawn, so it can't be edited.")
    draft = session.scalar(
        select(Problem).where(Problem.edits_id == problem.id, Problem.status == DRAFT).limit(1)
    )
    if draft is None:
        draft = Problem(
            owner_id=problem.owner_id,
            status=DRAFT,
            edits_id=problem.id,
            channel_id=problem.channel_id,
            created_at=now,
            updated_at=now,
        )
        for column in (*(s.key for s in STEPS), "criteria", "framework_area", "artefact_link"):
            setattr(draft, column, getattr(problem, column))
        session.add(draft)
    draft.step = 0
    draft.updated_at = now
    session.flush()
    return draft


def withdraw(
    session: Session, problem_id: int, team_id: str, user_id: str, now: datetime
) -> Problem:
    """Only the owner withdraws; any edit in progress goes with it."""
    problem = owned_problem(session, problem_id, team_id, user_id)
    if problem.status != POSTED:
        raise ProblemGone("That problem has already been withdrawn.")
    problem.status = WITHDRAWN
    problem.updated_at = now
    session.execute(delete(Problem).where(Problem.edits_id == problem.id))
    return problem


def remember_view(session: Session, draft_id: int, view_id: str) -> None:
    """The modal Buddy just opened on this draft: the one view its Back button may change."""
    draft = session.get(Problem, draft_id)
    if draft is not None:
        draft.view_id = view_id


def check_view(draft: Problem, view_id: str) -> None:
    """A Back press names the view to change; only the one Buddy opened on this draft will do."""
    if draft.view_id is not None and draft.view_id != view_id:
        raise ProblemGone("That wizard window is out of date, so I've left it as it was.")
