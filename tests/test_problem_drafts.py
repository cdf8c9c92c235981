"""The draft's state machine without Slack: steps, review, post, edit, withdraw, owner checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.people import ensure_participant
from models.problems.drafts import (
    CONFIRM,
    POSTING,
    REVIEW,
    NotYourProblem,
    OutOfStep,
    ProblemGone,
    awaiting_publish,
    check_step,
    confirm_post,
    framework_areas_for,
    go_back,
    keep_review_inputs,
    mark_posted,
    next_step,
    owned_draft,
    post_failed,
    publish_target,
    resume,
    retry_post,
    save_on_close,
    snapshot,
    start_edit,
    start_or_resume,
    submit_review,
    withdraw,
)
from models.problems.tables import DRAFT, POSTED, WITHDRAWN, Problem
from models.problems.template import STEPS, framework_areas
from models.refusals import Refusal
from tests.conftest import DEFAULT_NOW

NOW = DEFAULT_NOW
AREAS = framework_areas(None)
ALL = ["specific", "solvable", "controllable"]


def filled_draft(session: Session, user: str = "UALICE", channel: str = "C1") -> Problem:
    draft = start_or_resume(session, "T1", user, channel, NOW)
    for step in range(len(STEPS)):
        assert next_step(draft, step, STEPS[step].example, NOW) is None
    return draft


def posted_problem(session: Session) -> Problem:
    draft = filled_draft(session)
    outcome = submit_review(draft, ALL, "Teaching", "", AREAS, NOW)
    assert outcome.ready_to_post
    return mark_posted(session, draft, "C1", "111.222", NOW)


def count_problems(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Problem)) or 0


def test_a_draft_is_created_once_and_resumed(session: Session) -> None:
    first = start_or_resume(session, "T1", "UALICE", "C1", NOW)
    next_step(first, 0, STEPS[0].example, NOW)
    again = start_or_resume(session, "T1", "UALICE", "C2", NOW + timedelta(days=1))
    assert again.id == first.id
    assert again.step == 1
    assert again.channel_id == "C2"  # it posts where the latest command was run
    assert count_problems(session) == 1


def test_a_post_that_never_finished_resumes_at_the_review(session: Session) -> None:
    draft = filled_draft(session)
    submit_review(draft, ALL, "Teaching", None, AREAS, NOW)
    assert awaiting_publish(draft)
    assert start_or_resume(session, "T1", "UALICE", "C1", NOW).step == REVIEW


def test_a_refused_answer_changes_nothing(session: Session) -> None:
    draft = start_or_resume(session, "T1", "UALICE", "C1", NOW)
    assert next_step(draft, 0, "Too short", NOW) is not None
    assert (draft.step, draft.problem) == (0, None)


def test_back_keeps_half_an_answer_and_never_goes_below_the_first_step(session: Session) -> None:
    draft = start_or_resume(session, "T1", "UALICE", "C1", NOW)
    assert go_back(draft, 0, "Half", NOW) == 0
    assert draft.problem == "Half"
    draft = filled_draft(session, user="UBOB")
    submit_review(draft, ["specific"], "Teaching", None, AREAS, NOW)
    assert go_back(draft, CONFIRM, None, NOW) == REVIEW
    assert go_back(draft, REVIEW, None, NOW) == REVIEW - 1


def test_closing_keeps_the_typed_answer_and_the_step(session: Session) -> None:
    draft = start_or_resume(session, "T1", "UALICE", "C1", NOW)
    next_step(draft, 0, STEPS[0].example, NOW)
    next_step(draft, 1, STEPS[1].example, NOW)
    save_on_close(draft, 2, "  Some context  ", NOW)
    assert (draft.step, draft.context) == (2, "Some context")


def test_the_draft_not_the_modal_says_which_step_it_is_at(session: Session) -> None:
    """A step claimed by an old or forged modal is refused and changes nothing."""
    draft = start_or_resume(session, "T1", "UALICE", "C1", NOW)
    for claimed in (1, 3):
        with pytest.raises(OutOfStep):
            next_step(draft, claimed, STEPS[claimed].example, NOW)
    with pytest.raises(OutOfStep):
        go_back(draft, 2, "Typed on another page", NOW)
    with pytest.raises(OutOfStep):
        save_on_close(draft, 2, "Typed on another page", NOW)
    with pytest.raises(OutOfStep):
        submit_review(draft, ALL, "Teaching", None, AREAS, NOW)
    with pytest.raises(OutOfStep):
        keep_review_inputs(draft, ALL, "Teaching", None, NOW)
    with pytest.raises(OutOfStep):
        confirm_post(draft, NOW)  # "post anyway" for a draft that was never asked
    assert (draft.step, draft.evidence, draft.context) == (0, None, None)
    assert check_step(draft, 0) == 0
    assert not awaiting_publish(draft)


def test_only_a_reviewed_complete_draft_is_tried_again(session: Session) -> None:
    empty = start_or_resume(session, "T1", "UBOB", "C1", NOW)
    with pytest.raises(Refusal):
        retry_post(empty, AREAS, NOW)
    assert empty.step == 0
    draft = filled_draft(session)
    with pytest.raises(Refusal):  # at its review, but no framework area chosen yet
        retry_post(draft, AREAS, NOW)
    submit_review(draft, ALL, "Teaching", None, AREAS, NOW)
    post_failed(draft, NOW)
    retry_post(draft, AREAS, NOW)
    assert awaiting_publish(draft)


def test_a_draft_reopened_mid_post_resumes_at_its_review(session: Session) -> None:
    draft = filled_draft(session)
    submit_review(draft, ["specific"], "Teaching", None, AREAS, NOW)
    assert resume(draft, NOW) == REVIEW
    draft.problem = None  # should a POSTING draft ever lose an answer, it is not posted
    draft.step = POSTING
    assert not awaiting_publish(draft)


def test_only_the_owner_reaches_a_draft(session: Session) -> None:
    draft = start_or_resume(session, "T1", "UALICE", "C1", NOW)
    ensure_participant(session, "T1", "UBOB", NOW)
    assert owned_draft(session, draft.id, "T1", "UALICE") is draft
    with pytest.raises(NotYourProblem) as refused:
        owned_draft(session, draft.id, "T1", "UBOB")
    assert refused.value.owner_user_id == "UALICE"
    with pytest.raises(NotYourProblem):
        owned_draft(session, draft.id, "T2", "UALICE")  # same id, another workspace
    with pytest.raises(ProblemGone):
        owned_draft(session, draft.id + 100, "T1", "UALICE")


def test_the_review_checks_area_and_link_before_anything_else(session: Session) -> None:
    draft = filled_draft(session)
    outcome = submit_review(draft, ALL, "Astrology", "not a link", AREAS, NOW)
    assert set(outcome.errors) == {"framework_area", "artefact_link"}
    assert draft.step == REVIEW


def test_the_review_sends_the_owner_back_to_a_missing_answer(session: Session) -> None:
    draft = filled_draft(session)
    draft.context = None
    outcome = submit_review(draft, ALL, "Teaching", None, AREAS, NOW)
    assert outcome.incomplete_step == 2
    assert draft.step == 2


def test_an_unticked_criterion_asks_first_then_the_owner_may_post(session: Session) -> None:
    draft = filled_draft(session)
    outcome = submit_review(draft, ["controllable", "specific"], "Other", None, AREAS, NOW)
    assert [c.key for c in outcome.unmet] == ["solvable"]
    assert draft.step == CONFIRM
    assert draft.criteria == "specific,controllable"
    confirm_post(draft, NOW)
    assert draft.step == POSTING


def test_keeping_the_review_stores_without_judging(session: Session) -> None:
    draft = filled_draft(session)
    keep_review_inputs(draft, ["solvable"], None, " see my email ", NOW)
    assert (draft.criteria, draft.framework_area, draft.artefact_link) == (
        "solvable",
        None,
        "see my email",
    )


def test_posting_a_new_problem(session: Session) -> None:
    problem = posted_problem(session)
    assert (problem.status, problem.channel_id, problem.message_ts) == (POSTED, "C1", "111.222")
    assert problem.posted_at == NOW
    fresh = start_or_resume(session, "T1", "UALICE", "C1", NOW)
    assert fresh.id != problem.id


def test_a_failed_post_keeps_the_draft_at_its_review(session: Session) -> None:
    draft = filled_draft(session)
    submit_review(draft, ALL, "Teaching", None, AREAS, NOW)
    post_failed(draft, NOW)
    assert (draft.status, draft.step) == (DRAFT, REVIEW)
    assert publish_target(session, draft).channel_id == "C1"


def test_an_edit_leaves_the_card_alone_until_it_is_posted(session: Session) -> None:
    problem = posted_problem(session)
    edit = start_edit(session, problem.id, "T1", "UALICE", NOW)
    assert edit.id != problem.id
    assert (edit.step, edit.problem, edit.criteria) == (0, problem.problem, problem.criteria)
    assert snapshot(session, edit).card_id == problem.id
    assert start_edit(session, problem.id, "T1", "UALICE", NOW).id == edit.id  # resumed
    next_step(edit, 0, "A sharper problem about algebra recall.", NOW)
    assert problem.problem == STEPS[0].example
    target = publish_target(session, edit)
    assert (target.channel_id, target.ts) == ("C1", "111.222")
    updated = mark_posted(session, edit, "C1", "111.222", NOW)
    assert updated.id == problem.id
    assert updated.problem == "A sharper problem about algebra recall."
    assert count_problems(session) == 1


def test_only_the_owner_edits_or_withdraws(session: Session) -> None:
    problem = posted_problem(session)
    ensure_participant(session, "T1", "UBOB", NOW)
    with pytest.raises(NotYourProblem):
        start_edit(session, problem.id, "T1", "UBOB", NOW)
    with pytest.raises(NotYourProblem):
        withdraw(session, problem.id, "T1", "UBOB", NOW)
    assert problem.status == POSTED


def test_withdrawing_takes_any_edit_with_it(session: Session) -> None:
    problem = posted_problem(session)
    edit = start_edit(session, problem.id, "T1", "UALICE", NOW)
    edit_id = edit.id
    assert withdraw(session, problem.id, "T1", "UALICE", NOW).status == WITHDRAWN
    session.expire_all()
    assert session.get(Problem, edit_id) is None
    with pytest.raises(ProblemGone):
        withdraw(session, problem.id, "T1", "UALICE", NOW)
    with pytest.raises(ProblemGone):
        start_edit(session, problem.id, "T1", "UALICE", NOW)


def test_an_edit_of_a_withdrawn_problem_cannot_be_published(session: Session) -> None:
    problem = posted_problem(session)
    edit = start_edit(session, problem.id, "T1", "UALICE", NOW)
    problem.status = WITHDRAWN
    with pytest.raises(ProblemGone):
        publish_target(session, edit)


def test_framework_areas_follow_the_owners_cohort(session: Session) -> None:
    draft = start_or_resume(session, "T1", "UALICE", "C1", NOW)
    assert framework_areas_for(session, draft, NOW) == AREAS
