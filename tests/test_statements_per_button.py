"""What a button costs is what its presser has: every button Buddy puts in front of people (on
its nudges, its answers, its forms and Home) runs the same number of SQL statements with 10 pairs
in the database as with 1,000, as `tests/test_statements_per_command.py` checks for commands.

The world is seeded in bulk (`tests/bulk_seed.py`); each button is pressed with the value Buddy
puts on it, naming the presser's own pair, meeting, action, problem or community session, which
are the same at both sizes. Each press goes to the real web process as a signed request, its
slow work included, and says the same at both sizes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.settings import Settings
from bot.web import create_wsgi_app
from conversation.replies import SOMETHING_WENT_WRONG
from frontends.slack.router import RUN_SUGGESTED
from handlers.views.actions import (
    CHASE_DONE,
    CHASE_DROP,
    CHASE_MORE_TIME,
    DATE_CHOICES,
    REVIEW_ANSWER,
)
from handlers.views.community import CHAIR_ACTION, DRAFT_ACTION, RESPONSE_ACTION
from handlers.views.facilitators import EXPORT, NUDGE
from handlers.views.home import HOME_DONE
from handlers.views.meetings import (
    CHECKIN_ADD_ACTIONS,
    CHECKIN_CHANGE,
    CHECKIN_UNDO_ACTION,
    MOVE_OPEN,
    PREP_DONE_ACTION,
    PREP_UNDO_ACTION,
    SKIP_BACKUP,
    SKIP_BACKUP_ANYWAY,
    SKIP_SOLO,
    SKIP_SOLO_ANYWAY,
    SLOT_OPEN,
)
from handlers.views.pairs import SLOT_CHOOSE_PM, UNPAIR_CANCEL, UNPAIR_CONFIRM
from handlers.views.privacy import FORGET_CANCEL, FORGET_CONFIRM
from handlers.views.problems import (
    BACK_ACTION,
    EDIT_ACTION,
    OPEN_DRAFT_ACTION,
    RETRY_ACTION,
    WITHDRAW_ACTION,
)
from models.actions import Action
from models.clock import SettableClock
from models.community.tables import CommunityMember, CommunitySession
from models.db import make_session_factory
from models.pairs import PairMember
from models.people import Participant
from models.problems.tables import Problem
from tests.bulk_seed import COMMUNITY_CHANNEL, FACILITATOR, NAMED_PAIRS, UNPAIRED, seed
from tests.conftest import DEFAULT_NOW, InlineExecutor, SwappableApp
from tests.fake_slack import FakeSlack
from tests.slack_http import SIGNING_SECRET, SlackClientForTests
from tests.test_statements_per_command import SIZES, Seen, StatementCounter, _empty

ALICE, BOB = NAMED_PAIRS[0]
CAROL = NAMED_PAIRS[1][0]
GROUP_DM = "G0000000"  # pair 0's conversation, as seeded
DRAFTER = "U0000002B"  # the owner of a problem kept as a draft, as seeded
NEXT_MEETING = "2026-11-30"  # pair 0's next meeting (Mondays at 9:00 from 5 Oct)
ANSWERED_MEETING = "2026-11-16"  # answered "met" by Alice, both prepared
MOVED_MEETING = "2026-10-05"  # moved a day later, never answered


@dataclass(frozen=True)
class Ids:
    """The ids Buddy puts on the presser's buttons, as seeded."""

    pair: int
    cohort: int
    actions: dict[tuple[str, int], int]  # (user, number) -> action id
    posted_problem: int
    draft_problem: int
    community_session: int


def _ids(session: Session) -> Ids:
    def person(user_id: str) -> int:
        found = session.scalar(select(Participant.id).where(Participant.user_id == user_id))
        assert found is not None
        return found

    alice, bob = person(ALICE), person(BOB)
    pair = session.scalar(select(PairMember.pair_id).where(PairMember.participant_id == alice))
    cohort = session.scalar(select(Participant.cohort_id).where(Participant.id == alice))
    actions = {
        (user, number): action_id
        for user, owner in ((ALICE, alice), (BOB, bob))
        for action_id, number in session.execute(
            select(Action.id, Action.number).where(Action.owner_id == owner)
        )
    }
    posted = session.scalar(select(Problem.id).where(Problem.owner_id == bob))
    draft = session.scalar(select(Problem.id).where(Problem.owner_id == person(DRAFTER)))
    group = session.scalar(
        select(CommunityMember.group_id).where(CommunityMember.participant_id == alice)
    )
    upcoming = session.scalar(
        select(CommunitySession.id)
        .where(CommunitySession.group_id == group, CommunitySession.starts_at > DEFAULT_NOW)
        .order_by(CommunitySession.starts_at)
    )
    assert None not in (pair, cohort, posted, draft, upcoming)
    return Ids(pair, cohort, actions, posted, draft, upcoming)  # type: ignore[arg-type]


def _date_choice(_: Ids) -> str:
    return json.dumps(
        {"o": "0" * 32, "t": "Plan the cold call routine", "d": "2026-12-03", "r": False}
    )


@dataclass(frozen=True)
class Pressed:
    """One button as someone presses it, its value made from the seeded ids, and words its
    answer (ack or what followed) must contain, or the form it opens. `in_view`: pressed in the
    form the previous press opened (the problem wizard's Back), else in a message."""

    name: str
    action_id: str
    value: Callable[[Ids], str]
    user: str = ALICE
    channel: str = "CCOHORT"
    says: str = ""
    opens_form: bool = False
    in_view: bool = False
    home: bool = False


def meeting(day: str, *extra: str) -> Callable[[Ids], str]:
    return lambda ids: ":".join((str(ids.pair), day, *extra))


def action(user: str, number: int) -> Callable[[Ids], str]:
    return lambda ids: str(ids.actions[user, number])


def fixed(value: str) -> Callable[[Ids], str]:
    return lambda _: value


# In the order they are pressed: what one press changes, the next ones see, at both sizes alike.
BUTTONS = (
    Pressed("prep-done", PREP_DONE_ACTION, meeting(NEXT_MEETING), channel=GROUP_DM),
    Pressed("prep-undo", PREP_UNDO_ACTION, meeting(NEXT_MEETING, ALICE), channel=GROUP_DM),
    Pressed("checkin-met", "checkin_met", meeting(MOVED_MEETING), channel=GROUP_DM),
    Pressed("checkin-undo", CHECKIN_UNDO_ACTION, meeting(MOVED_MEETING), channel=GROUP_DM),
    Pressed(
        "checkin-taken",
        "checkin_solo",
        meeting(ANSWERED_MEETING),
        user=BOB,
        channel=GROUP_DM,
        says="Change it to",
    ),
    Pressed(
        "checkin-change",
        CHECKIN_CHANGE,
        meeting(ANSWERED_MEETING, "solo"),
        user=BOB,
        channel=GROUP_DM,
        says="Changed",
    ),
    Pressed("move-open", MOVE_OPEN, fixed(""), channel=GROUP_DM, opens_form=True),
    Pressed("skip-solo", SKIP_SOLO, meeting(NEXT_MEETING), channel=GROUP_DM, says="solo"),
    Pressed(
        "skip-backup-taken",
        SKIP_BACKUP,
        meeting(NEXT_MEETING),
        user=BOB,
        channel=GROUP_DM,
        says="backup slot anyway",
    ),
    Pressed(
        "skip-backup-anyway",
        SKIP_BACKUP_ANYWAY,
        meeting(NEXT_MEETING),
        user=BOB,
        channel=GROUP_DM,
        says="Changed",
    ),
    Pressed(
        "skip-solo-anyway",
        SKIP_SOLO_ANYWAY,
        meeting(NEXT_MEETING),
        channel=GROUP_DM,
        says="Changed",
    ),
    Pressed("skip-backup", SKIP_BACKUP, meeting("2026-12-14"), channel=GROUP_DM, says="Moved to"),
    Pressed("chase-done", CHASE_DONE, action(ALICE, 2), channel="DALICE"),
    Pressed("chase-drop", CHASE_DROP, action(BOB, 2), user=BOB, channel="DBOB"),
    Pressed("chase-more-time", CHASE_MORE_TIME, action(ALICE, 1), opens_form=True),
    Pressed("date-choice", DATE_CHOICES[0], _date_choice, says="Plan the cold call"),
    Pressed(
        "checkin-add-actions",
        CHECKIN_ADD_ACTIONS,
        meeting(ANSWERED_MEETING),
        channel=GROUP_DM,
        opens_form=True,
    ),
    Pressed("review", REVIEW_ANSWER, action(ALICE, 3), channel="DALICE", opens_form=True),
    Pressed(
        "community-draft",
        DRAFT_ACTION,
        lambda ids: str(ids.community_session),
        channel="DALICE",
        opens_form=True,
    ),
    Pressed(
        "community-response",
        RESPONSE_ACTION,
        lambda ids: f"{ids.community_session}:{ALICE}",
        channel=COMMUNITY_CHANNEL,
        opens_form=True,
    ),
    Pressed(
        "community-chair",
        CHAIR_ACTION,
        lambda ids: str(ids.community_session),
        channel=COMMUNITY_CHANNEL,
        opens_form=True,
    ),
    Pressed("nudge", NUDGE, fixed(CAROL), user=FACILITATOR, says="nudged"),
    Pressed("export", EXPORT, lambda ids: str(ids.cohort), user=FACILITATOR),
    Pressed("home-next", "home_command:next", fixed("next"), home=True, says="Next meeting"),
    Pressed("home-actions", "home_command:actions", fixed("actions"), home=True, says="Try"),
    Pressed("home-status", "home_command:status", fixed("status"), home=True, says="buddy pair"),
    Pressed("home-done", HOME_DONE, action(ALICE, 1), home=True),
    Pressed("slot-open", SLOT_OPEN, fixed(""), opens_form=True),
    Pressed("slot-pm", SLOT_CHOOSE_PM, fixed("thu 4pm"), says="Your fortnightly slot"),
    Pressed("run-suggested", RUN_SUGGESTED, fixed("/status"), says="Your buddy pair"),
    Pressed(
        "problem-edit",
        EDIT_ACTION,
        lambda ids: str(ids.posted_problem),
        user=BOB,
        channel=COMMUNITY_CHANNEL,
        opens_form=True,
    ),
    Pressed(
        "problem-back",
        BACK_ACTION,
        fixed(""),
        user=BOB,
        channel=COMMUNITY_CHANNEL,
        in_view=True,
    ),
    Pressed(
        "problem-withdraw",
        WITHDRAW_ACTION,
        lambda ids: str(ids.posted_problem),
        user=BOB,
        channel=COMMUNITY_CHANNEL,
    ),
    Pressed(
        "problem-open-draft",
        OPEN_DRAFT_ACTION,
        lambda ids: str(ids.draft_problem),
        user=DRAFTER,
        channel="D0000002B",
        opens_form=True,
    ),
    Pressed(
        "problem-retry",
        RETRY_ACTION,
        lambda ids: str(ids.draft_problem),
        user=DRAFTER,
        channel="D0000002B",
    ),
    Pressed("unpair-cancel", UNPAIR_CANCEL, lambda ids: str(ids.pair), says="No change"),
    Pressed("forget-cancel", FORGET_CANCEL, fixed(ALICE), says="nothing was erased"),
    Pressed("unpair-confirm", UNPAIR_CONFIRM, lambda ids: str(ids.pair), says="left"),
    Pressed("forget-confirm", FORGET_CONFIRM, fixed(CAROL), user=CAROL, says="erased"),
)


@pytest.fixture(scope="module")
def pressed(
    http_server: tuple[SwappableApp, str], engine: Engine, database_url: str
) -> Iterator[dict[int, dict[str, Seen]]]:
    """Every button pressed at each size, on a database seeded once per size."""
    fake = FakeSlack().start()
    for user in (*(u for pair in NAMED_PAIRS for u in pair), *UNPAIRED, FACILITATOR, DRAFTER):
        fake.add_user(user)
    settings = Settings(
        bot_token="xoxb-test",
        signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
        database_url=database_url,
        facilitators=frozenset({FACILITATOR}),
    )
    sessions: sessionmaker[Session] = make_session_factory(engine)
    clock = SettableClock(DEFAULT_NOW)
    holder, url = http_server
    app = create_app(settings, sessions=sessions, clock=clock, listener_executor=InlineExecutor())
    counter = StatementCounter(engine)
    holder.app = counter.around(create_wsgi_app(app, sessions, signing_secret=SIGNING_SECRET))
    slack = SlackClientForTests(url + "/slack/events", fake.response_url(), fake.response_posts)
    found: dict[int, dict[str, Seen]] = {}
    try:
        for size in SIZES:
            _empty(engine)
            with sessions() as session:
                seed(session, size, DEFAULT_NOW)
                ids = _ids(session)
            clock.set(DEFAULT_NOW)
            # The process's first request does one-off work: not what a press costs.
            slack.command("help", user=FACILITATOR)
            found[size] = {}
            last_form: dict[str, Any] = {}
            for button in BUTTONS:
                request = f"{size}:{button.name}"
                opened = len(fake.calls_to("views.open"))
                where: dict[str, Any] = {"channel": button.channel}
                if button.in_view:
                    where = {"view": {**last_form, "id": "VW", "state": {"values": {}}}}
                elif button.home:
                    where = {"view": {"id": "VH", "type": "home"}}
                try:
                    result = slack.block_action(
                        button.action_id,
                        button.value(ids),
                        user=button.user,
                        headers={counter.HEADER: request},
                        **where,
                    )
                except OSError as error:  # no answer within the client's 10 s
                    found[size][button.name] = Seen(-1, f"no answer: {error}", 0)
                    continue
                assert result.status == 200, (button.name, result.body)
                said = slack.told() if slack.last_told else ""
                if result.body.startswith("{"):
                    said += json.dumps(result.json())
                forms = fake.calls_to("views.open")
                if len(forms) > opened:
                    view = forms[-1].params["view"]
                    last_form = view if isinstance(view, dict) else json.loads(view)
                seen = Seen(counter.counts[request], said, len(forms) - opened)
                found[size][button.name] = seen
        yield found
    finally:
        counter.close()
        holder.app = None
        fake.stop()
        _empty(engine)


@pytest.mark.parametrize("button", BUTTONS, ids=[b.name for b in BUTTONS])
def test_a_button_costs_the_same_with_10_pairs_as_with_1000(
    pressed: dict[int, dict[str, Seen]], button: Pressed
) -> None:
    small, large = (pressed[size][button.name] for size in SIZES)
    assert SOMETHING_WENT_WRONG not in small.said + large.said, button.name
    assert button.says in small.said, (button.name, small.said)
    assert (small.modals, large.modals) == ((1, 1) if button.opens_form else (0, 0)), button.name
    assert small.said == large.said, button.name
    assert small.statements == large.statements, (
        f"pressing {button.name}: {small.statements} SQL statements with {SIZES[0]} pairs, "
        f"{large.statements} with {SIZES[1]}"
    )
