"""The 90-day review as a real check-in (seed 002): asked only of done actions, answered in Buddy
(what changed, and the evidence), kept with the action, shown to the buddy, in `/buddy actions`
and in the facilitator's report and CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from handlers.views.actions import REVIEW_PROMPT, due_block_id, text_block_id
from handlers.views.meetings import CHECKIN_ADD_ACTIONS
from models.actions import Action
from models.clock import SettableClock
from models.deliveries import SENT, Delivery
from models.facilitators.export import CSV_COLUMNS
from scheduler.actions import plan_action_chases
from scheduler.runner import PassRunner, build_runner
from tests.conftest import FACILITATOR
from tests.fake_slack import Call, FakeSlack
from tests.slack_http import SlackClientForTests, message_text
from tests.test_actions_domain import make_pair
from tests.test_facilitators_http import home_event

LONDON = ZoneInfo("Europe/London")
# Set on Tue 24 Nov 2026 (the tests' today): 90 days on is Mon 22 Feb 2027.
REVIEW_DAY = datetime(2027, 2, 22, 9, 0, tzinfo=LONDON)
IMPACT = "Most of 9X now recall\nlast lesson's key words"
EVIDENCE = "Starter quiz up from 4/10 to 7/10 & <@UBOB> saw it too <!here>"


@pytest.fixture
def runner(settings: Settings, sessions: sessionmaker[Session], clock: SettableClock) -> PassRunner:
    return build_runner(settings, clock, sessions=sessions, planners=[plan_action_chases])


def run_at(runner: PassRunner, clock: SettableClock, moment: datetime) -> None:
    clock.set(moment.astimezone(UTC))
    runner.run_pass()


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def blocks_of(call: Call) -> list[dict[str, Any]]:
    return list(_decoded(call.params.get("blocks")) or [])


def shown(call: Call) -> str:
    return message_text({"text": call.params.get("text", ""), "blocks": blocks_of(call)})


def buttons(call: Call) -> list[dict[str, Any]]:
    return [e for b in blocks_of(call) if b["type"] == "actions" for e in b["elements"]]


def posts(fake: FakeSlack, channel: str | None = None) -> list[Call]:
    return [
        c
        for c in fake.calls_to("chat.postMessage")
        if channel is None or c.params["channel"] == channel
    ]


def reviews_sent(fake: FakeSlack) -> list[Call]:
    return [c for c in posts(fake) if REVIEW_PROMPT in shown(c)]


def stored(sessions: sessionmaker[Session]) -> list[Action]:
    with sessions() as session:
        return list(session.scalars(select(Action).order_by(Action.id)))


def review_message_ts(sessions: sessionmaker[Session]) -> str:
    with sessions() as session:
        [delivery] = session.scalars(select(Delivery).where(Delivery.kind == "action-review"))
        assert delivery.status == SENT and delivery.message_ts is not None
        return delivery.message_ts


def inputs(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in view["blocks"] if b["type"] == "input"]


def answers(view: dict[str, Any], impact: str | None, evidence: str | None) -> dict[str, Any]:
    """The modal's state with these two answers, in the order its fields come."""
    first, second = inputs(view)
    return {
        block["block_id"]: {
            block["element"]["action_id"]: {"type": "plain_text_input", "value": value}
        }
        for block, value in ((first, impact), (second, evidence))
    }


def press_answer(slack: SlackClientForTests, fake: FakeSlack, review: Call, ts: str) -> Any:
    """Press the button on the review's message, as the owner sees it in their DM."""
    [answer] = buttons(review)
    fake.clear()
    slack.block_action(
        answer["action_id"],
        answer["value"],
        channel="DUALICE",
        message={"ts": ts, "text": review.params.get("text", ""), "blocks": blocks_of(review)},
    )
    opened = fake.calls_to("views.open")
    return _decoded(opened[0].params["view"]) if opened else None


def done_action_with_review(slack: SlackClientForTests, sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        make_pair(session)
    slack.command("action Try retrieval starters with 9X by 3/12 with review")
    slack.command("done 1")


def test_a_done_actions_review_is_answered_kept_shown_and_told(
    slack: SlackClientForTests,
    sessions: sessionmaker[Session],
    runner: PassRunner,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    done_action_with_review(slack, sessions)
    fake_slack.clear()
    run_at(runner, clock, REVIEW_DAY)
    [review] = reviews_sent(fake_slack)
    assert review.params["channel"] == "DUALICE"
    assert "90 days on: what impact has this had, and how do you know?" in shown(review)
    [answer] = buttons(review)
    assert answer["text"]["text"] == "Answer"
    ts = review_message_ts(sessions)

    view = press_answer(slack, fake_slack, review, ts)
    assert view is not None, "the Answer button opens the review's form"
    impact_field, evidence_field = inputs(view)
    assert not impact_field["optional"] and not evidence_field["optional"]
    assert "What changed" in impact_field["label"]["text"]
    assert "How do you know" in evidence_field["label"]["text"]
    assert impact_field["element"]["max_length"] == evidence_field["element"]["max_length"] == 1000

    blank = slack.view_submission(view, answers(view, IMPACT, "   "))
    errors = blank.json()["errors"]
    assert list(errors) == [evidence_field["block_id"]]
    assert "Please write how you know" in errors[evidence_field["block_id"]]
    long = slack.view_submission(view, answers(view, "x" * 1001, EVIDENCE))
    assert "under 1000" in long.json()["errors"][impact_field["block_id"]]
    assert stored(sessions)[0].reviewed_at is None

    fake_slack.clear()
    saved = slack.view_submission(view, answers(view, IMPACT, EVIDENCE))
    assert saved.status == 200 and saved.body == ""  # the modal closes
    [action] = stored(sessions)
    assert (action.review_impact, action.review_evidence) == (IMPACT, EVIDENCE)  # as typed
    assert action.reviewed_at == clock.now()

    # The nudge now shows the answer, escaped once, with a button to change it.
    [update] = fake_slack.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == ("DUALICE", ts)
    text = shown(update)
    assert "You answered your 90-day review" in text
    assert "Most of 9X now recall\nlast lesson's key words" in text
    assert "&amp; &lt;@UBOB&gt; saw it too &lt;!here&gt;" in text and "<@UBOB>" not in text
    assert [b["text"]["text"] for b in buttons(update)] == ["Change answer"]

    # The buddy is told in the pair's conversation.
    [told] = posts(fake_slack, "GUALICE-UBOB")
    text = shown(told)
    assert "<@UALICE> answered their 90-day review of “Try retrieval starters with 9X”" in text
    assert "Most of 9X now recall" in text and "Starter quiz up from 4/10 to 7/10 &amp;" in text

    # `/buddy actions` shows it briefly, to both of them.
    for user, heading in (("UALICE", "Your 90-day reviews"), ("UBOB", "<@UALICE>'s 90-day")):
        listing = slack.command("actions", user=user).text
        assert heading in listing, listing
        assert "Most of 9X now recall last lesson's key words" in listing
        assert "Starter quiz up from 4/10 to 7/10 &amp;" in listing

    # ...and Alice's Home tab, under her actions.
    fake_slack.clear()
    slack.post(home_event("UALICE", "Ev-review"), "application/json")
    [home] = fake_slack.calls_to("views.publish")
    home_text = message_text({"blocks": _decoded(home.params["view"])["blocks"]})
    assert "Your 90-day reviews" in home_text
    assert "Most of 9X now recall last lesson's key words" in home_text

    # The facilitator's report and its CSV.
    fake_slack.clear()
    slack.command("report", user=FACILITATOR)
    report = slack.told()
    assert "90-day reviews answered (1)" in report
    assert "<@UALICE> on “Try retrieval starters with 9X”" in report
    assert "Most of 9X now recall last lesson's key words" in report
    csv_file = next(u for u in fake_slack.uploads.values() if u.startswith(b"\xef\xbb\xbf"))
    rows = list(csv.reader(io.StringIO(csv_file.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    alice = next(r for r in rows[1:] if "UALICE" in r)
    assert alice[CSV_COLUMNS.index("reviews_answered")] == "1"
    cell = alice[CSV_COLUMNS.index("review_answers")]
    assert "Try retrieval starters with 9X" in cell and "2027-02-22" in cell
    assert "Most of 9X now recall last lesson's key words" in cell
    assert "Starter quiz up from 4/10 to 7/10 & <@UBOB> saw it too <!here>" in cell


def test_a_second_press_shows_the_answer_to_change_and_only_a_change_is_told(
    slack: SlackClientForTests,
    sessions: sessionmaker[Session],
    runner: PassRunner,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    done_action_with_review(slack, sessions)
    fake_slack.clear()
    run_at(runner, clock, REVIEW_DAY)
    [review] = reviews_sent(fake_slack)
    ts = review_message_ts(sessions)
    view = press_answer(slack, fake_slack, review, ts)
    assert view is not None
    slack.view_submission(view, answers(view, IMPACT, EVIDENCE))

    # Bob cannot answer Alice's review, even with her button's value.
    [answer] = buttons(review)
    fake_slack.clear()
    slack.block_action(answer["action_id"], answer["value"], user="UBOB", channel="DUALICE")
    assert fake_slack.calls_to("views.open") == []
    assert "belongs to someone else" in slack.told()

    # Alice presses the old message's Answer again: her answer, to read or change.
    again = press_answer(slack, fake_slack, review, ts)
    assert again is not None
    values = [b["element"].get("initial_value") for b in inputs(again)]
    assert values == [IMPACT, EVIDENCE]
    assert "You answered this on Mon 22 Feb" in message_text({"blocks": again["blocks"]})
    [redrawn] = fake_slack.calls_to("chat.update")  # the stale message is brought up to date
    assert redrawn.params["ts"] == ts and "You answered your 90-day review" in shown(redrawn)

    fake_slack.clear()
    slack.view_submission(again, answers(again, IMPACT, EVIDENCE))  # the same answer: no news
    assert posts(fake_slack, "GUALICE-UBOB") == []
    slack.view_submission(again, answers(again, IMPACT, "Book looks show it too."))
    [told] = posts(fake_slack, "GUALICE-UBOB")
    assert "<@UALICE> changed their answer to the 90-day review" in shown(told)
    assert "Book looks show it too." in shown(told)
    assert stored(sessions)[0].review_evidence == "Book looks show it too."


def test_only_done_actions_are_reviewed_and_a_late_one_the_day_after_it_is_done(
    slack: SlackClientForTests,
    sessions: sessionmaker[Session],
    runner: PassRunner,
    clock: SettableClock,
    fake_slack: FakeSlack,
) -> None:
    with sessions() as session:
        make_pair(session)
    slack.command("action Try retrieval starters with 9X by 3/12 with review")
    slack.command("action Observe Sam's lesson by 3/12 with review")  # left open
    slack.command("action Plan the INSET by 4/12 with review")  # dropped
    slack.command("action Read Rosenshine by 4/12 with review", user="UBOB")  # done late
    slack.command("done 1")
    inset = next(a for a in stored(sessions) if a.text == "Plan the INSET")
    slack.block_action("action_chase_drop", str(inset.id), channel="DUALICE")
    assert [a.status for a in stored(sessions)] == ["done", "open", "dropped", "open"]
    fake_slack.clear()
    for day in (22, 23, 24):
        run_at(runner, clock, datetime(2027, 2, day, 9, 0, tzinfo=LONDON))
    asked = [shown(c) for c in reviews_sent(fake_slack)]
    assert len(asked) == 1 and "Try retrieval starters with 9X" in asked[0], asked
    assert not any("Read Rosenshine" in t or "Plan the INSET" in t for t in asked)

    # Bob's action is done on Thu 4 Mar, 100 days on: asked the next morning, not at once.
    clock.set(datetime(2027, 3, 4, 15, 0, tzinfo=LONDON).astimezone(UTC))
    slack.command("done 1", user="UBOB")
    fake_slack.clear()
    run_at(runner, clock, datetime(2027, 3, 4, 15, 0, 10, tzinfo=LONDON))
    run_at(runner, clock, datetime(2027, 3, 5, 8, 59, tzinfo=LONDON))
    assert reviews_sent(fake_slack) == []
    run_at(runner, clock, datetime(2027, 3, 5, 9, 0, tzinfo=LONDON))
    [late] = reviews_sent(fake_slack)
    assert late.params["channel"] == "DUBOB" and "Read Rosenshine" in shown(late)
    assert [b["text"]["text"] for b in buttons(late)] == ["Answer"]


def test_the_add_actions_form_can_ask_for_a_review(
    slack: SlackClientForTests, sessions: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    with sessions() as session:
        pair_id = make_pair(session).id
    value = f"{pair_id}:2026-11-19"
    slack.block_action(CHECKIN_ADD_ACTIONS, value, channel="GUALICE-UBOB")
    [opened] = fake_slack.calls_to("views.open")
    view = _decoded(opened.params["view"])
    boxes = [
        b for b in view["blocks"] if b["type"] == "input" and b["element"]["type"] == "checkboxes"
    ]
    assert len(boxes) == 3  # one for each action the form takes
    assert all(b["optional"] for b in boxes)
    [option] = boxes[0]["element"]["options"]
    assert option["text"]["text"] == "Check in on its impact in 90 days"

    def row(n: int, text: str | None, review: bool) -> dict[str, Any]:
        box = boxes[n - 1]
        chosen = [option] if review else []
        return {
            text_block_id(n): {text_block_id(n): {"type": "plain_text_input", "value": text}},
            due_block_id(n): {due_block_id(n): {"type": "datepicker", "selected_date": None}},
            box["block_id"]: {
                box["element"]["action_id"]: {"type": "checkboxes", "selected_options": chosen}
            },
        }

    values = {
        **row(1, "Try retrieval starters with 9X", True),
        **row(2, "Share the quiz with the department", False),
        **row(3, None, False),
    }
    saved = slack.view_submission(view, values)
    assert saved.status == 200 and saved.body == ""
    first, second = stored(sessions)
    assert first.review_at == date(2027, 2, 22) and second.review_at is None
    [confirmation] = [shown(c) for c in posts(fake_slack, "UALICE")]
    assert "Try retrieval starters with 9X, due Thu 3 Dec (with a 90-day review)" in (
        confirmation.replace("*", "")
    )
