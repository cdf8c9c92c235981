"""The problem wizard as Slack drives it: signed requests in, recorded Web API calls out."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handlers.views.problems import wizard_metadata
from models.people import default_cohort
from models.problems.drafts import CONFIRM, REVIEW
from models.problems.tables import DRAFT, POSTED, WITHDRAWN, Problem
from models.problems.template import CRITERIA, EXAMPLE_PROBLEMS, STEPS
from tests.conftest import DEFAULT_NOW
from tests.fake_slack import Call, FakeSlack
from tests.slack_http import SlackClientForTests, message_text

ANSWERS = (
    "Year 9 pupils forget last term's algebra within weeks of learning it.",
    "End of unit tests show 40% recall of content taught six weeks earlier.",
    "Two new Maths teachers joined this year and the scheme of work is new too.",
    "Without secure algebra pupils cannot access the GCSE content that builds on it.",
)


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def view_of(call: Call) -> dict[str, Any]:
    view = dict(_decoded(call.params["view"]))
    view.setdefault("id", "VWIZARD")
    view.setdefault("hash", "hash-1")
    return view


def blocks_of(call: Call) -> list[dict[str, Any]]:
    return list(_decoded(call.params.get("blocks")) or [])


def text_of(view_or_message: dict[str, Any]) -> str:
    return message_text({"text": "", "blocks": view_or_message.get("blocks") or []})


def answer(text: str) -> dict[str, Any]:
    return {"answer": {"answer": {"type": "plain_text_input", "value": text}}}


def review_values(
    criteria: list[str] | None = None, area: str | None = "Teaching", link: str | None = None
) -> dict[str, Any]:
    ticked = [c.key for c in CRITERIA] if criteria is None else criteria
    values: dict[str, Any] = {
        "criteria": {
            "criteria": {
                "type": "checkboxes",
                "selected_options": [{"value": key} for key in ticked],
            }
        },
        "framework_area": {
            "framework_area": {
                "type": "static_select",
                "selected_option": {"value": area} if area else None,
            }
        },
        "artefact_link": {"artefact_link": {"type": "plain_text_input", "value": link}},
    }
    return values


def open_wizard(
    slack: SlackClientForTests, fake_slack: FakeSlack, user: str = "UALICE", channel: str = "C1"
) -> dict[str, Any]:
    result = slack.command("problem", user=user, channel=channel)
    assert result.status == 200
    assert result.body == ""  # acked at once; the modal opens right after
    opened = fake_slack.calls_to("views.open")[-1]
    assert opened.params["trigger_id"] == f"trigger-{slack._trigger}"
    return dict(view_of(opened), id=fake_slack.opened_views[-1])


def next_view(
    slack: SlackClientForTests, view: dict[str, Any], text: str, user: str = "UALICE"
) -> dict[str, Any]:
    reply = slack.view_submission(view, answer(text), user=user).json()
    assert reply["response_action"] == "update", reply
    return dict(reply["view"], id=view["id"], hash="hash-2")


def to_review(
    slack: SlackClientForTests, fake_slack: FakeSlack, user: str = "UALICE"
) -> dict[str, Any]:
    view = open_wizard(slack, fake_slack, user=user)
    for text in ANSWERS:
        view = next_view(slack, view, text, user=user)
    return view


def only_problem(sessions: sessionmaker[Session]) -> Problem:
    with sessions() as session:
        rows = list(session.scalars(select(Problem)))
    assert len(rows) == 1
    return rows[0]


def post_alices_problem(slack: SlackClientForTests, fake_slack: FakeSlack) -> Call:
    review = to_review(slack, fake_slack)
    reply = slack.view_submission(review, review_values(link="https://example.org/plan")).json()
    assert reply == {"response_action": "clear"}
    return fake_slack.calls_to("chat.postMessage")[-1]


def test_problem_opens_the_first_step_with_the_seeds_question_and_example(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    view = open_wizard(slack, fake_slack)
    shown = text_of(view)
    assert view["title"]["text"] == "Your problem: 1 of 5"
    assert view["submit"]["text"] == "Next"
    assert "What problem do you wish to discuss?" in shown
    assert "My pupils keep forgetting what they are taught, especially in Maths." in shown
    element = view["blocks"][2]["element"]
    assert element["max_length"] == 1500
    assert "problem_back" not in json.dumps(view)  # no Back on the first step


def test_each_step_shows_its_question_and_example_then_the_review(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    view = open_wizard(slack, fake_slack)
    for number, (step, text) in enumerate(zip(STEPS, ANSWERS, strict=True), start=1):
        assert view["title"]["text"] == f"Your problem: {number} of 5"
        assert step.question in text_of(view)
        assert step.example in text_of(view)
        view = next_view(slack, view, text)
        assert only_problem(sessions).step == number  # saved at every step
    shown = text_of(view)
    assert view["title"]["text"] == "Your problem: 5 of 5"
    assert view["submit"]["text"] == "Post to channel"
    for text in ANSWERS:
        assert text in shown
    for criterion in CRITERIA:
        assert f"*{criterion.name}* – {criterion.definition}" in shown
    for example in EXAMPLE_PROBLEMS:
        assert example.text in shown
    assert "Specific ✘   Solvable ?   Controllable ✘   Suitable problem? *No*" in shown
    assert "Specific ✓   Solvable ✓   Controllable ✓   Suitable problem? *Yes*" in shown
    area_block = next(b for b in view["blocks"] if b.get("block_id") == "framework_area")
    options = [o["value"] for o in area_block["element"]["options"]]
    assert options[0] == "School culture"
    assert options[-1] == "Other"
    assert len(options) == 11


def test_empty_and_too_short_answers_are_refused_on_that_step(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    view = open_wizard(slack, fake_slack)
    empty = slack.view_submission(view, answer("   ")).json()
    assert empty["response_action"] == "errors"
    assert "Please write an answer" in empty["errors"]["answer"]
    short = slack.view_submission(view, answer("Maths is hard")).json()
    assert short["response_action"] == "errors"
    assert "at least four words" in short["errors"]["answer"]
    draft = only_problem(sessions)
    assert (draft.step, draft.problem) == (0, None)


def test_back_keeps_what_was_typed_and_shows_the_step_before(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    view = open_wizard(slack, fake_slack)
    view = next_view(slack, view, ANSWERS[0])
    result = slack.block_action(
        "problem_back", view={**view, "state": {"values": answer("Half an answ")}}
    )
    assert result.status == 200
    update = fake_slack.calls_to("views.update")[-1]
    assert update.params["view_id"] == view["id"]
    assert update.params["hash"] == "hash-2"
    previous = view_of(update)
    assert previous["title"]["text"] == "Your problem: 1 of 5"
    assert previous["blocks"][2]["element"]["initial_value"] == ANSWERS[0]
    draft = only_problem(sessions)
    assert draft.evidence == "Half an answ"  # kept, though too short to move on with
    assert draft.step == 0
    # Forward again: the half answer is waiting on the evidence step.
    forward = next_view(slack, previous, ANSWERS[0])
    assert forward["blocks"][2]["element"]["initial_value"] == "Half an answ"


def test_the_next_problem_command_resumes_the_draft(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    view = open_wizard(slack, fake_slack)
    next_view(slack, view, ANSWERS[0])
    resumed = open_wizard(slack, fake_slack)
    assert resumed["title"]["text"] == "Your problem: 2 of 5"
    assert "Welcome back" in text_of(resumed)
    assert "What evidence do you have that this problem is a problem?" in text_of(resumed)
    # A colleague starts afresh: drafts are not shared.
    theirs = open_wizard(slack, fake_slack, user="UBOB")
    assert theirs["title"]["text"] == "Your problem: 1 of 5"
    assert ANSWERS[0] not in json.dumps(theirs)


def test_closing_the_modal_keeps_what_was_typed(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    view = open_wizard(slack, fake_slack)
    assert view["close"]["text"] == "Save and close"
    assert view["notify_on_close"] is True
    result = slack.interaction(
        {
            "type": "view_closed",
            "user": {"id": "UALICE", "team_id": "T1"},
            "view": {**view, "state": {"values": answer("Pupils forget the")}},
            "is_cleared": False,
        }
    )
    assert result.status == 200
    assert only_problem(sessions).problem == "Pupils forget the"


def test_someone_else_cannot_submit_or_step_back_through_a_draft(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    view = open_wizard(slack, fake_slack)
    slack.command("help", user="UBOB")  # Bob is known to Buddy too
    reply = slack.view_submission(view, answer(ANSWERS[0]), user="UBOB").json()
    assert reply["response_action"] == "update"
    assert "belongs to someone else" in text_of(reply["view"])
    slack.block_action("problem_back", user="UBOB", view={**view, "state": {"values": {}}})
    # Bob is told, privately; Alice's open modal is left as it was.
    assert "belongs to someone else" in fake_slack.response_posts[-1]["text"]
    assert fake_slack.calls_to("views.update") == []
    draft = only_problem(sessions)
    assert (draft.step, draft.problem) == (0, None)


def test_posting_puts_a_card_in_the_channel_the_command_came_from(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    posted = post_alices_problem(slack, fake_slack)
    assert posted.params["channel"] == "C1"
    card = text_of({"blocks": blocks_of(posted)})
    assert "<@UALICE>" in card
    for step, text in zip(STEPS, ANSWERS, strict=True):
        assert f"*{step.title}*\n{text}" in card
    assert "Teaching" in card
    assert "<https://example.org/plan>" in card
    assert "✓ Specific  ✓ Solvable  ✓ Controllable" in card
    assert "last term's algebra" in posted.params["text"]
    problem = only_problem(sessions)
    assert problem.status == POSTED
    assert (problem.channel_id, problem.message_ts) == ("C1", "1700000001.000100")
    assert problem.posted_at == DEFAULT_NOW
    # The next /buddy problem starts a fresh draft.
    fresh = open_wizard(slack, fake_slack)
    assert fresh["title"]["text"] == "Your problem: 1 of 5"
    assert "initial_value" not in json.dumps(fresh)


def test_what_people_type_cannot_ping_the_channel(
    slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    view = open_wizard(slack, fake_slack)
    view = next_view(slack, view, "Please <!channel> look at this & <@UBOB> too")
    for text in ANSWERS[1:]:
        view = next_view(slack, view, text)
    slack.view_submission(view, review_values())
    card = json.dumps(blocks_of(fake_slack.calls_to("chat.postMessage")[-1]))
    assert "<!channel>" not in card
    assert "&lt;!channel&gt; look at this &amp; &lt;@UBOB&gt; too" in card


def test_an_unticked_criterion_is_explained_and_the_owner_may_post_anyway(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    review = to_review(slack, fake_slack)
    reply = slack.view_submission(review, review_values(["specific", "solvable"])).json()
    assert reply["response_action"] == "update"
    confirm = dict(reply["view"], id=review["id"], hash="hash-3")
    shown = text_of(confirm)
    assert "You haven't ticked *Controllable*" in shown
    assert CRITERIA[2].definition in shown
    assert "yours to take" in shown
    assert confirm["submit"]["text"] == "Post anyway"
    assert fake_slack.calls_to("chat.postMessage") == []
    # Back goes to the review, with the ticks kept.
    slack.block_action("problem_back", view={**confirm, "state": {"values": {}}})
    back = view_of(fake_slack.calls_to("views.update")[-1])
    assert back["title"]["text"] == "Your problem: 5 of 5"
    criteria = next(b for b in back["blocks"] if b.get("block_id") == "criteria")
    assert [o["value"] for o in criteria["element"]["initial_options"]] == [
        "specific",
        "solvable",
    ]
    reply = slack.view_submission(back, review_values(["specific", "solvable"])).json()
    confirm = dict(reply["view"], id=review["id"])
    assert slack.view_submission(confirm, {}).json() == {"response_action": "clear"}
    posted = fake_slack.calls_to("chat.postMessage")[-1]
    assert posted.params["channel"] == "C1"
    card = text_of({"blocks": blocks_of(posted)})
    assert "✓ Specific  ✓ Solvable" in card
    assert "✘" not in card  # the channel never sees crosses against a problem
    assert only_problem(sessions).status == POSTED


def test_the_review_refuses_a_link_that_is_not_a_link(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    review = to_review(slack, fake_slack)
    reply = slack.view_submission(review, review_values(link="see my email")).json()
    assert reply["response_action"] == "errors"
    assert "doesn't look like a web link" in reply["errors"]["artefact_link"]
    reply = slack.view_submission(review, review_values(area="Astrology")).json()
    assert "framework area" in reply["errors"]["framework_area"]
    assert fake_slack.calls_to("chat.postMessage") == []
    assert only_problem(sessions).status == DRAFT


def test_when_buddy_is_not_in_the_channel_the_owner_is_told_how_to_invite_it(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    review = to_review(slack, fake_slack)
    fake_slack.fail_next("chat.postMessage", error="not_in_channel")
    assert slack.view_submission(review, review_values()).json() == {"response_action": "clear"}
    tried, told = fake_slack.calls_to("chat.postMessage")
    assert tried.params["channel"] == "C1"
    assert told.params["channel"] == "UALICE"
    advice = text_of({"blocks": blocks_of(told)})
    assert "/invite @Buddy" in advice
    assert "Your draft is saved" in advice
    draft = only_problem(sessions)
    assert (draft.status, draft.step) == (DRAFT, REVIEW)

    # The owner invites Buddy and presses Try again on the DM.
    retry = next(e for b in blocks_of(told) if b["type"] == "actions" for e in b["elements"])
    result = slack.block_action(
        "problem_retry", retry["value"], channel="DALICE", message={"ts": "1.2", "blocks": []}
    )
    assert result.status == 200
    posted = fake_slack.calls_to("chat.postMessage")[-1]
    assert posted.params["channel"] == "C1"
    assert fake_slack.response_posts[-1]["replace_original"] is True
    assert "now in <#C1>" in fake_slack.response_posts[-1]["text"]
    assert only_problem(sessions).status == POSTED


def test_a_channel_buddy_cannot_see_gets_its_own_advice_and_the_draft_opens_again(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    review = to_review(slack, fake_slack)
    fake_slack.fail_next("chat.postMessage", error="channel_not_found")
    slack.view_submission(review, review_values())
    told = fake_slack.calls_to("chat.postMessage")[-1]
    assert "private channel or a direct message" in told.params["blocks"][0]["text"]["text"]
    draft_id = str(only_problem(sessions).id)
    slack.block_action("problem_open_draft", draft_id, channel="DALICE")
    reopened = view_of(fake_slack.calls_to("views.open")[-1])
    assert reopened["title"]["text"] == "Your problem: 5 of 5"


def test_the_owner_edits_the_card_and_the_same_message_is_updated(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    posted = post_alices_problem(slack, fake_slack)
    problem_id = str(only_problem(sessions).id)
    buttons = next(b for b in blocks_of(posted) if b["type"] == "actions")["elements"]
    assert [(e["action_id"], e["value"]) for e in buttons] == [
        ("problem_edit", problem_id),
        ("problem_withdraw", problem_id),
    ]
    card_message = {"ts": "1700000001.000100", "blocks": blocks_of(posted)}
    slack.block_action("problem_edit", problem_id, channel="C1", message=card_message)
    view = view_of(fake_slack.calls_to("views.open")[-1])
    assert view["title"]["text"] == "Edit problem: 1 of 5"
    assert view["blocks"][3]["element"]["initial_value"] == ANSWERS[0]  # after the notice
    view = next_view(slack, view, "Year 9 pupils forget algebra, and Year 10 forget geometry.")
    for text in ANSWERS[1:]:
        view = next_view(slack, view, text)
    assert view["submit"]["text"] == "Update the card"
    # The card is unchanged until the edit is posted.
    with sessions() as session:
        original = session.get(Problem, int(problem_id))
        assert original is not None and original.problem == ANSWERS[0]
    reply = slack.view_submission(view, review_values(link="https://example.org/plan"))
    assert reply.json() == {"response_action": "clear"}
    update = fake_slack.calls_to("chat.update")[-1]
    assert (update.params["channel"], update.params["ts"]) == ("C1", "1700000001.000100")
    assert "Year 10 forget geometry" in text_of({"blocks": blocks_of(update)})
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # no second card
    problem = only_problem(sessions)  # the edit draft has gone
    assert problem.problem is not None and "Year 10" in problem.problem
    assert problem.status == POSTED


def test_an_edit_whose_card_was_deleted_posts_a_fresh_card(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    post_alices_problem(slack, fake_slack)
    problem_id = str(only_problem(sessions).id)
    slack.block_action("problem_edit", problem_id, channel="C1")
    view = view_of(fake_slack.calls_to("views.open")[-1])
    for text in ANSWERS:
        view = next_view(slack, view, text)
    fake_slack.fail_next("chat.update", error="message_not_found")
    slack.view_submission(view, review_values())
    assert len(fake_slack.calls_to("chat.update")) == 1
    reposted = fake_slack.calls_to("chat.postMessage")[-1]
    assert reposted.params["channel"] == "C1"
    problem = only_problem(sessions)
    assert problem.message_ts == "1700000002.000100"  # the card's buttons now act on this one


def test_someone_else_is_refused_politely_on_edit_and_withdraw(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    post_alices_problem(slack, fake_slack)
    problem_id = str(only_problem(sessions).id)
    opened_before = len(fake_slack.calls_to("views.open"))
    slack.block_action("problem_edit", problem_id, user="UBOB", channel="C1")
    slack.block_action("problem_withdraw", problem_id, user="UBOB", channel="C1")
    assert len(fake_slack.calls_to("views.open")) == opened_before
    assert fake_slack.calls_to("chat.update") == []
    edit_refusal, withdraw_refusal = fake_slack.response_posts[-2:]
    for refusal, verb in ((edit_refusal, "edit"), (withdraw_refusal, "withdraw")):
        assert refusal["response_type"] == "ephemeral"
        assert refusal["replace_original"] is False
        assert f"only <@UALICE> can {verb} this problem" in refusal["text"]
    assert only_problem(sessions).status == POSTED


def test_the_owner_withdraws_after_a_confirmation(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    posted = post_alices_problem(slack, fake_slack)
    problem_id = str(only_problem(sessions).id)
    withdraw = next(b for b in blocks_of(posted) if b["type"] == "actions")["elements"][1]
    assert withdraw["confirm"]["confirm"]["text"] == "Withdraw"
    assert withdraw["confirm"]["deny"]["text"] == "Keep it"
    slack.block_action("problem_withdraw", problem_id, channel="C1")
    update = fake_slack.calls_to("chat.update")[-1]
    assert (update.params["channel"], update.params["ts"]) == ("C1", "1700000001.000100")
    assert "<@UALICE> withdrew this problem" in update.params["text"]
    assert ANSWERS[0] not in json.dumps(update.params)
    assert only_problem(sessions).status == WITHDRAWN
    # A late Edit on the old card is turned away kindly.
    slack.block_action("problem_edit", problem_id, channel="C1")
    assert "withdrawn" in fake_slack.response_posts[-1]["text"]


def test_the_cohorts_own_framework_areas_are_offered(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        default_cohort(session, "T1", DEFAULT_NOW).framework_areas = "Early reading; Maths"
        session.commit()
    review = to_review(slack, fake_slack)
    area_block = next(b for b in review["blocks"] if b.get("block_id") == "framework_area")
    assert [o["value"] for o in area_block["element"]["options"]] == [
        "Early reading",
        "Maths",
        "Other",
    ]
    reply = slack.view_submission(review, review_values(area="Teaching")).json()
    assert reply["response_action"] == "errors"
    slack.view_submission(review, review_values(area="Maths"))
    assert "Maths" in text_of({"blocks": blocks_of(fake_slack.calls_to("chat.postMessage")[-1])})


def test_problem_is_listed_in_help(slack: SlackClientForTests) -> None:
    assert "/buddy problem" in slack.command("help").text


def test_a_new_draft_submitted_as_a_later_step_posts_nothing(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    """The draft's row says which step it is at; a step the modal claims is only checked."""
    view = open_wizard(slack, fake_slack)
    draft_id = only_problem(sessions).id
    for claimed, values in ((CONFIRM, {}), (REVIEW, review_values()), (2, answer(ANSWERS[2]))):
        forged = {**view, "private_metadata": wizard_metadata(draft_id, claimed)}
        reply = slack.view_submission(forged, values).json()
        assert reply["response_action"] == "update"
        shown = reply["view"]
        assert "out of date, so nothing was changed" in text_of(shown)
        assert shown["title"]["text"] == "Your problem: 1 of 5"  # where the draft really is
        assert json.loads(shown["private_metadata"]) == {"draft": draft_id, "step": 0}
    assert fake_slack.calls_to("chat.postMessage") == []
    assert fake_slack.calls_to("chat.update") == []
    draft = only_problem(sessions)
    assert (draft.status, draft.step) == (DRAFT, 0)
    assert (draft.problem, draft.context, draft.criteria) == (None, None, None)
    # Nor does a forged Try again on the DM post it.
    slack.block_action("problem_retry", str(draft_id), channel="DALICE")
    assert fake_slack.calls_to("chat.postMessage") == []
    assert "isn't finished" in fake_slack.response_posts[-1]["text"]
    # Nor "Save and close" from a page the draft is not at.
    slack.interaction(
        {
            "type": "view_closed",
            "user": {"id": "UALICE", "team_id": "T1"},
            "view": {
                **view,
                "private_metadata": wizard_metadata(draft_id, 2),
                "state": {"values": answer("Typed on another page")},
            },
            "is_cleared": False,
        }
    )
    assert only_problem(sessions).context is None


def test_an_old_modal_is_shown_where_the_draft_is_and_changes_nothing(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    first = open_wizard(slack, fake_slack)
    second = open_wizard(slack, fake_slack)  # the same draft, in a second modal
    next_view(slack, second, ANSWERS[0])
    reply = slack.view_submission(first, answer("An older answer typed in the first modal")).json()
    assert reply["response_action"] == "update"
    assert reply["view"]["title"]["text"] == "Your problem: 2 of 5"
    assert only_problem(sessions).problem == ANSWERS[0]
    # Back in the older modal: only the view Buddy last opened on the draft may change.
    slack.block_action("problem_back", view={**first, "state": {"values": answer("Old")}})
    assert fake_slack.calls_to("views.update") == []
    assert "out of date" in slack.told()
    draft = only_problem(sessions)
    assert (draft.step, draft.problem) == (1, ANSWERS[0])
    # Back in the newer one works.
    slack.block_action("problem_back", view={**second, "state": {"values": answer("New")}})
    [update] = fake_slack.calls_to("views.update")
    assert update.params["view_id"] == second["id"]


def post_problem(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session], user: str
) -> tuple[int, str]:
    """Post `user`'s problem in C1; its id and the ts of its card."""
    review = to_review(slack, fake_slack, user=user)
    reply = slack.view_submission(review, review_values(), user=user).json()
    assert reply == {"response_action": "clear"}
    with sessions() as session:
        problem = session.scalars(
            select(Problem).where(Problem.status == POSTED).order_by(Problem.id.desc())
        ).first()
        assert problem is not None and problem.message_ts is not None
        return problem.id, problem.message_ts


def test_a_button_pressed_on_someone_elses_card_changes_only_the_pressers_card(
    slack: SlackClientForTests, fake_slack: FakeSlack, sessions: sessionmaker[Session]
) -> None:
    """A card is changed only at the channel and ts kept on its row, never at the message named."""
    alice_id, alice_ts = post_problem(slack, fake_slack, sessions, "UALICE")
    bob_id, bob_ts = post_problem(slack, fake_slack, sessions, "UBOB")
    assert alice_ts != bob_ts
    on_alices_card = {"ts": alice_ts, "text": "", "blocks": []}
    # Bob edits his own problem from a press that names Alice's card: his card is updated.
    slack.block_action(
        "problem_edit", str(bob_id), user="UBOB", channel="C1", message=on_alices_card
    )
    view = view_of(fake_slack.calls_to("views.open")[-1])
    assert view["title"]["text"] == "Edit problem: 1 of 5"
    for text in ANSWERS:
        view = next_view(slack, view, text, user="UBOB")
    slack.view_submission(view, review_values(), user="UBOB")
    # Bob withdraws his own problem, again from a press that names Alice's card.
    slack.block_action(
        "problem_withdraw", str(bob_id), user="UBOB", channel="C1", message=on_alices_card
    )
    # Bob's forged presses on Alice's problem are refused.
    slack.block_action(
        "problem_withdraw", str(alice_id), user="UBOB", channel="C1", message=on_alices_card
    )
    slack.block_action("problem_edit", str(alice_id), user="UBOB", channel="C1")
    assert "only <@UALICE> can edit" in fake_slack.response_posts[-1]["text"]
    updates = [(c.params["channel"], c.params["ts"]) for c in fake_slack.calls_to("chat.update")]
    assert updates == [("C1", bob_ts), ("C1", bob_ts)]
    with sessions() as session:
        alices = session.get(Problem, alice_id)
        bobs = session.get(Problem, bob_id)
        assert alices is not None and bobs is not None
        assert (alices.status, alices.message_ts, alices.problem) == (POSTED, alice_ts, ANSWERS[0])
        assert (bobs.status, bobs.message_ts) == (WITHDRAWN, bob_ts)
