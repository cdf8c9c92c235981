"""Every view Buddy has, drawn for Teams and checked: what a Teams reader would notice.

Each builder in `handlers/views/` (and the help screens) is called with realistic arguments,
people's words full of characters Markdown and Slack read, and drawn by `frontends/teams/cards.py`.
Every card passes `tests/adaptive_cards.py`; its text is Teams Markdown with nothing of Slack left
(no `<@…>`, date tokens, emoji codes, entities or `/buddy`); its people are `<at>` mentions with
entities; its buttons carry their intent and value; a form has every field by its id, with its
required-ness and limits. Two cards' JSON is snapshotted (the models accept misspelt keyword
arguments silently, so only the JSON shows one)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from conversation import help as helps
from conversation.blocks import (
    Button,
    Buttons,
    DateInput,
    Field,
    FileInput,
    Form,
    HomeView,
    Menu,
    Paragraph,
    Part,
    TextInput,
    TimeInput,
    paragraph,
)
from conversation.replies import OutgoingMessage, refusal_text
from frontends.teams.cards import (
    CARD_BUDGET,
    CUT_SHORT,
    Dialog,
    TeamsMessage,
    card_json,
    card_size,
    draw_form,
    draw_home,
    draw_message,
    draw_outgoing,
    draw_reply,
    draw_said,
    pressed_value,
)
from handlers.views import (
    actions,
    calendar,
    cohorts,
    community,
    facilitators,
    grow,
    home,
    imports,
    lifecycle,
    meetings,
    pairs,
    pauses,
    privacy,
    problems,
    upcoming,
    welcome,
)
from models.actions import Action, ActionList, ActionSnapshot, ReviewAnswer
from models.calendar.tables import CohortBreak, Module
from models.cohorts import CohortSummary
from models.community.chairs import Birthday
from models.community.sessions import CardLink, SavedAction, SessionPlan
from models.deliveries import MissingScope
from models.facilitators.report import CohortReport, Member, PairRow, Paused, Refused
from models.meetings.context import PairContext
from models.meetings.records import Choice
from models.meetings.schedule import Meeting
from models.pairs import Pair
from models.pauses import Pause
from models.people import Cohort, Participant
from models.problems.drafts import DraftSnapshot
from models.problems.template import CRITERIA, STEPS, framework_areas
from models.upcoming import Upcoming
from models.welcome import Greeting
from tests.adaptive_cards import check_card

NAMES = {
    "UALICE": "Alice Ahmed",
    "UBOB": "Bob Brown",
    "UCHLOE": "Chloé Dubois",
    "UFAC": "Fran Facilitator",
}
TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TYPED = "Try *retrieval* starters with 9X & <8Y> [notes](https://evil) # now"
SNAPSHOTS = Path(__file__).parent / "teams_snapshots"


def names(user_id: str) -> str | None:
    return NAMES.get(user_id)


# -- realistic arguments -------------------------------------------------------------------------

COHORT = Cohort(
    id=1, team_id="T1", channel_id="C1", name="NPQLT <spring> & co", timezone="Europe/London"
)
COHORT.end_date = date(2027, 7, 1)
ALICE = Participant(id=1, team_id="T1", user_id="UALICE", timezone="Europe/London")
BOB = Participant(id=2, team_id="T1", user_id="UBOB", timezone="America/New_York")
CHLOE = Participant(id=3, team_id="T1", user_id="UCHLOE", timezone="Europe/Paris")
PAIR = Pair(
    id=7,
    team_id="T1",
    cohort_id=1,
    formed_by="UALICE",
    slot_weekday=3,
    slot_time=time(16, 0),
    slot_timezone="Europe/London",
    slot_first_date=date(2026, 12, 3),
    backup_weekday=4,
    backup_time=time(8, 0),
    format_kind="video",
    format_detail="https://meet.example.org/ab?x=1&y=2",
)
NEW_PAIR = Pair(id=8, team_id="T1", cohort_id=1, formed_by="UBOB")
MODULE = Module(
    id=1,
    cohort_id=1,
    code="B2",
    title="Developing <effective> PD & more",
    insight_module="B1",
    starts_on=date(2026, 11, 30),
)
BREAK = CohortBreak(
    id=1,
    cohort_id=1,
    name="Winter *break*",
    start_date=date(2026, 12, 21),
    end_date=date(2027, 1, 2),
)
MEETING = Meeting(
    7,
    date(2026, 12, 3),
    datetime(2026, 12, 3, 16, tzinfo=UTC),
    "Europe/London",
    False,
    False,
    False,
)
LATER = Meeting(
    7,
    date(2026, 12, 17),
    datetime(2026, 12, 17, 16, tzinfo=UTC),
    "Europe/London",
    True,
    False,
    False,
)
SKIPPED = Meeting(
    7,
    date(2026, 12, 31),
    datetime(2026, 12, 31, 16, tzinfo=UTC),
    "Europe/London",
    False,
    True,
    True,
)
DROPPED = Meeting(
    7,
    date(2027, 1, 14),
    datetime(2027, 1, 14, 16, tzinfo=UTC),
    "Europe/London",
    False,
    False,
    False,
    "Winter break",
)
ACTION = Action(
    id=11,
    owner_id=1,
    number=1,
    text=TYPED,
    due_date=date(2026, 12, 3),
    status="open",
    source="command",
    review_at=date(2027, 3, 3),
    created_at=datetime(2026, 11, 20, 9, tzinfo=UTC),
)
SNAPSHOT = ActionSnapshot.of(ACTION, ALICE)
SECOND = ActionSnapshot(
    12, 1, 2, "Observe <Sam> & co", date(2026, 12, 3), "open", TODAY, "UALICE", None
)
DONE = ActionSnapshot(13, 1, 3, "Read the paper", date(2026, 12, 3), "done", TODAY, "UALICE", None)
REVIEW = ReviewAnswer(
    11,
    1,
    "UALICE",
    "Alice",
    1,
    TYPED,
    date(2026, 9, 1),
    "Pupils *recall* more <b>",
    "Quiz scores & notes",
    date(2026, 12, 1),
)
UNANSWERED = ReviewAnswer(11, 1, "UALICE", "Alice", 1, TYPED, date(2026, 9, 1), None, None, None)
CONTEXT = PairContext(
    PAIR,
    COHORT,
    [ALICE, BOB],
    meetings=[MEETING],
    modules=[MODULE],
    prepared={(date(2026, 12, 3), 1)},
    open_actions={1: [ACTION]},
)
TRIO = PairContext(PAIR, COHORT, [ALICE, BOB, CHLOE], meetings=[MEETING], modules=[MODULE])
PLAN = SessionPlan(
    session_id=3,
    group_id=1,
    channel_id="C1",
    timezone="Europe/London",
    starts_at=datetime(2026, 12, 3, 16, tzinfo=UTC),
    owners=("UALICE", "UBOB", "UCHLOE"),
    members=("UALICE", "UBOB", "UCHLOE"),
    chair="UALICE",
    next_chair="UBOB",
    first=True,
    stopped=False,
    started_by=None,
    cards={"UALICE": CardLink("C1", "1700000000.000100")},
    participant_ids={"UALICE": 1, "UBOB": 2, "UCHLOE": 3},
    zones={"UBOB": "America/New_York"},
)
ALICE_M, BOB_M, CHLOE_M = Member("UALICE", "Alice"), Member("UBOB", "Bob"), Member("UCHLOE", None)


def row(pair_id: int, *members: Member, **figures: Any) -> PairRow:
    usual: dict[str, Any] = {
        "told": True,
        "slot_due": True,
        "paused": (),
        "slot": (3, "16:00", "Europe/London"),
        "held": 3,
        "skipped": 1,
        "unconfirmed": 0,
        "recent_skipped": 0,
        "recent_unconfirmed": 0,
        "prep_done": 1,
        "prep_expected": 2,
        "open_actions": 1,
        "overdue_actions": 0,
        "last_met": date(2026, 11, 19),
        "held_days": (date(2026, 11, 26),),
    }
    return PairRow(pair_id, members, **{**usual, **figures})


REPORT = CohortReport(
    cohort=COHORT,
    today=TODAY,
    module_code="B2",
    pairs=[
        row(7, ALICE_M, BOB_M, reviews=(REVIEW,)),
        row(8, CHLOE_M, Member("UDAN", "Dan"), slot=None, recent_skipped=1, overdue_actions=2),
        row(9, Member("UEVE", "Eve"), Member("UFAY", None), told=False, slot=None),
    ],
    unpaired=[Member("UGUS", "Gus")],
    paused=[Paused(CHLOE_M, date(2026, 12, 10))],
    refused=[Refused("prep-nudge", ("UBOB",), "account_inactive", date(2026, 11, 30))],
    actions_done_last_week=2,
)
DRAFT = DraftSnapshot(
    id=5,
    card_id=4,
    owner_user_id="UALICE",
    step=0,
    answers={s.key: f"{s.title}: {TYPED}" for s in STEPS},
    criteria=tuple(c.key for c in CRITERIA[:2]),
    framework_area="Area 3",
    artefact_link="https://example.org/artefact_1",
    channel_id="C1",
    editing=False,
)
AREAS = framework_areas(";".join(f"Area {n}" for n in range(1, 8)))
PAUSE = Pause(
    id=1,
    participant_id=2,
    start_date=date(2026, 12, 7),
    end_date=date(2026, 12, 11),
    reason="Trip <abroad> & back",
)


def subcommands() -> list[Any]:
    from bot.listeners import FEATURES

    return [sub for feature in FEATURES for sub in feature.SUBCOMMANDS]


# Every builder, by name: each returns what a handler or the clock hands a front end.
VIEWS: dict[str, Callable[[], Any]] = {
    # meetings
    "prep nudge": lambda: meetings.build_prep_message(CONTEXT, MEETING),
    "prep nudge, trio": lambda: meetings.build_prep_message(TRIO, MEETING),
    "reminder": lambda: meetings.build_reminder_message(CONTEXT, MEETING, with_prep=True),
    "check-in": lambda: meetings.build_checkin_message(CONTEXT, MEETING),
    "check-in again": lambda: meetings.build_checkin_message(CONTEXT, MEETING, follow_up=True),
    "check-in answered": lambda: meetings.checkin_blocks(
        "How did it go?", MEETING, ("UBOB", "moved")
    ),
    "slot nudge": lambda: meetings.build_slot_nudge_message([ALICE, BOB]),
    "moved note": lambda: meetings.build_moved_note(LATER, [ALICE, BOB], TODAY),
    "next": lambda: meetings.build_next_blocks(
        CONTEXT, [MEETING, LATER, SKIPPED, DROPPED], "Europe/London", TODAY
    ),
    "next, none": lambda: meetings.build_next_blocks(CONTEXT, [], "Europe/London", TODAY),
    "skip offer": lambda: meetings.build_skip_offer(
        PAIR, MEETING, BOB, [ALICE, BOB], LATER.start, "Parents' <evening>", TODAY
    ),
    "skip offer, no backup": lambda: meetings.build_skip_offer(
        PAIR, MEETING, BOB, [ALICE, BOB], None, None, TODAY
    ),
    "skip choice taken": lambda: meetings.build_skip_choice_taken(
        Choice("moved", "UBOB", LATER.start),
        "Thu 3 Dec",
        "Europe/London",
        TODAY,
        ("Solo after all", meetings.SKIP_SOLO_ANYWAY, "7:2026-12-03"),
    ),
    "skip choice changed": lambda: meetings.build_skip_choice_changed(
        "UALICE", Choice("solo", "UBOB"), "Thu 3 Dec", None
    ),
    "answer taken": lambda: meetings.build_answer_taken(
        Choice("met", "UBOB"), "Thu 3 Dec", ("We moved it", meetings.CHECKIN_CHANGE, "7:2026-12-03")
    ),
    "answer changed": lambda: meetings.build_answer_changed(
        "UALICE", Choice("met", "UBOB"), "solo", "Thu 3 Dec"
    ),
    "move form": lambda: meetings.build_move_modal([MEETING, LATER], "Europe/London", TODAY),
    "skip form": lambda: meetings.build_skip_modal([MEETING, LATER], "Europe/London", TODAY),
    "solo note": lambda: meetings.build_solo_note("UBOB", "Thu 3 Dec"),
    # pairs
    "paired": lambda: pairs.build_paired_message([ALICE, BOB], "UFAC", True),
    "paired, trio": lambda: pairs.build_paired_message([ALICE, BOB, CHLOE], "UALICE", False),
    "unpair confirm": lambda: pairs.build_unpair_confirm(PAIR, [BOB]),
    "unpair confirm, trio": lambda: pairs.build_unpair_confirm(PAIR, [BOB, CHLOE]),
    "unpaired notice": lambda: pairs.build_unpaired_notice("UBOB", True),
    "unpaired notice, trio": lambda: pairs.build_unpaired_notice("UBOB", False),
    "unpaired answer": lambda: pairs.build_unpaired_answer(["UBOB"], True),
    "status": lambda: pairs.build_status_blocks(
        PAIR, ALICE, [ALICE, BOB], COHORT.name, MEETING, TODAY
    ),
    "status, new pair": lambda: pairs.build_status_blocks(
        NEW_PAIR, BOB, [ALICE, BOB], "Default", None, TODAY
    ),
    "status, unpaired": lambda: pairs.build_status_blocks(
        None, ALICE, [], COHORT.name, None, TODAY
    ),
    "slot form": lambda: pairs.build_slot_modal("Europe/London", PAIR),
    "slot form, new": lambda: pairs.build_slot_modal("Asia/Kolkata", None),
    "am or pm": lambda: pairs.build_am_or_pm("4", ("slot thu 4am", "slot thu 4pm")),
    # actions
    "actions": lambda: actions.build_actions_list(
        ActionList([ACTION], [(BOB, [])], True, [REVIEW], {2: [REVIEW]}), TODAY
    ),
    "actions, none": lambda: actions.build_actions_list(ActionList([], [], False), TODAY),
    "recorded": lambda: actions.recorded_text(ACTION, TODAY),
    "closed": lambda: actions.closed_text(DONE),
    "told buddy": lambda: actions.tell_buddy_text(SNAPSHOT, TODAY),
    "chase": lambda: actions.build_chase_message([SNAPSHOT], date(2026, 12, 3), TODAY),
    "chase, several": lambda: actions.build_chase_message(
        [SNAPSHOT, SECOND, DONE], date(2026, 12, 3), date(2026, 12, 3)
    ),
    "overdue": lambda: actions.build_overdue_message(SNAPSHOT, ["UBOB"], date(2026, 12, 6)),
    "review": lambda: actions.build_review_message(SNAPSHOT, TODAY),
    "review answered": lambda: actions.build_answered_review(REVIEW, TODAY),
    "review told": lambda: actions.build_review_told(REVIEW),
    "review form": lambda: actions.build_review_modal(REVIEW, TODAY),
    "review form, new": lambda: actions.build_review_modal(UNANSWERED, TODAY),
    "settled chase": lambda: actions.build_settled_chase(DONE, TODAY),
    "settled overdue": lambda: actions.build_settled_overdue(DONE, TODAY),
    "date question": lambda: actions.build_date_question(
        (
            actions.DateChoice("a" * 32, TYPED, date(2026, 11, 5), False),
            actions.DateChoice("a" * 32, TYPED, date(2027, 5, 11), True),
        ),
        TODAY,
    ),
    "more time form": lambda: actions.build_more_time_modal(
        SNAPSHOT, date(2026, 12, 10), "11", TODAY
    ),
    "check-in actions form": lambda: actions.build_checkin_actions_modal(
        "7:2026-12-03", date(2026, 12, 17), TODAY
    ),
    "check-in confirmation": lambda: actions.checkin_confirmation([SNAPSHOT, SECOND], TODAY),
    # calendar and cohorts
    "modules": lambda: calendar.build_module_list(COHORT.name, [MODULE], TODAY),
    "modules, none": lambda: calendar.build_module_list(COHORT.name, [], TODAY),
    "breaks": lambda: calendar.build_break_list(COHORT.name, [BREAK], TODAY),
    "module added": lambda: calendar.build_module_added(MODULE, COHORT.name, [BREAK], TODAY),
    "module removed": lambda: calendar.build_module_removed(MODULE, COHORT.name, TODAY),
    "break added": lambda: calendar.build_break_added(BREAK, 1, COHORT.name, TODAY),
    "break removed": lambda: calendar.build_break_removed(BREAK, COHORT.name, TODAY),
    "no such module": lambda: refusal_text(calendar.no_such_module(COHORT.name, "Z9", ["B2"])),
    "cohort": lambda: cohorts.build_cohort(
        CohortSummary(COHORT, [MODULE], [BREAK], AREAS, 3, 7), TODAY, True
    ),
    "cohort set up": lambda: cohorts.build_cohort_set_up(COHORT),
    "cohort changed": lambda: cohorts.build_cohort_changed(COHORT, "zone is now Europe/Paris"),
    # community
    "birthday": lambda: community.build_birthday_reply(Birthday(14, 3)),
    "birthday forgotten": lambda: community.build_birthday_reply(None),
    "group": lambda: community.build_group_reply(["UALICE", "UBOB", "UCHLOE"], True),
    "schedule": lambda: community.build_schedule_reply(PLAN, True, TODAY),
    "show": lambda: community.build_show_reply(PLAN.members, PLAN.owners, PLAN, TODAY),
    "show, none": lambda: community.build_show_reply(PLAN.members, PLAN.owners, None, TODAY),
    "order": lambda: community.build_order_reply(PLAN.owners),
    "started": lambda: community.build_started_reply(PLAN),
    "stopped": lambda: community.build_stopped_reply(),
    **{
        f"stage {stage.key}": partial(community.build_stage_message, PLAN, stage)
        for stage in PLAN.stages
    },
    "session record": lambda: community.build_record_message(
        PLAN, [SavedAction("UBOB", TYPED)], "1700000001.000200"
    ),
    "community prep, with card": lambda: community.build_prep_message(PLAN, "UALICE"),
    "community prep": lambda: community.build_prep_message(PLAN, "UBOB"),
    "response form": lambda: community.build_response_modal("3:UALICE"),
    "chair form": lambda: community.build_chair_modal("3", "UBOB"),
    "appointed": lambda: community.build_appointed_message("UBOB"),
    "saved": lambda: community.build_saved_reply(4, TYPED),
    # facilitators and home
    "facilitators": lambda: facilitators.build_facilitator_list(["UFAC"]),
    "report": lambda: facilitators.build_report_reply(REPORT),
    "digest": lambda: facilitators.build_digest(REPORT, TODAY),
    "nudge": lambda: facilitators.build_nudge_message("UFAC", ["UALICE", "UBOB"]),
    "nudge sent": lambda: facilitators.build_nudge_sent(["UALICE", "UBOB"]),
    "home": lambda: home.build_home(
        home.participant_blocks(
            ALICE,
            PAIR,
            [ALICE, BOB],
            MEETING,
            "B2",
            ["UALICE"],
            [ACTION],
            "Europe/London",
            TODAY,
            [REVIEW],
        )
    ),
    "home, facilitator": lambda: home.build_home(
        [
            *home.participant_blocks(ALICE, None, [], None, None, [], [], "Europe/London", TODAY),
            *home.facilitator_blocks(REPORT),
            *home.missing_scope_blocks(
                [MissingScope(team_id="T1", scope="im:history", since=NOW, last_seen=NOW)]
            ),
        ]
    ),
    # imports
    "import pairs form": lambda: imports.build_import_modal("pairs", COHORT.name, "1"),
    "import modules form": lambda: imports.build_import_modal("modules", COHORT.name, "1"),
    "checking": lambda: imports.build_checking("pairs"),
    "imported": lambda: imports.build_import_result("pairs", "Imported 3 pairs & 1 trio", []),
    "import refused": lambda: imports.build_import_result(
        "pairs", "Nothing imported", ["Line 2: <bad> row", "Line 3: no buddy"], refused=True
    ),
    # lifecycle, pauses, privacy, upcoming, welcome, grow
    "leaver buddy": lambda: lifecycle.build_leaver_buddy_notice("UBOB", False, WHERE),
    "leaver facilitator": lambda: lifecycle.build_leaver_facilitator_notice(
        "UBOB", ["UALICE"], False, WHERE, ["C1"]
    ),
    "leaver group": lambda: lifecycle.build_leaver_group_notice(
        "UBOB", ["UALICE", "UCHLOE"], True, WHERE
    ),
    "paused": lambda: pauses.build_paused_answer(PAUSE, ["UALICE"], TODAY),
    "pause notice": lambda: pauses.build_pause_notice(
        "UBOB", PAUSE, [LATER.start], "Europe/London", TODAY
    ),
    "resumed": lambda: pauses.build_resumed_answer(1),
    "resume notice": lambda: pauses.build_resume_notice("UBOB"),
    "not told": lambda: pauses.build_not_told(2),
    "pause status": lambda: pauses.build_pause_status(PAUSE, TODAY),
    "forget confirm": lambda: privacy.build_forget_confirm(
        "UBOB", False, ["UALICE"], "UBOB", "Teams"
    ),
    "removed": lambda: privacy.build_removed_message(),
    "forgotten": lambda: privacy.build_forgotten_answer(True, "UALICE", 1, ["UBOB"], 2, 1, "Teams"),
    "export comment": lambda: privacy.build_export_comment(),
    "erased buddy notice": lambda: privacy.build_buddy_notice(False),
    "erased facilitator notice": lambda: privacy.build_facilitator_notice(["UBOB", "UCHLOE"], True),
    "upcoming": lambda: upcoming.build_upcoming_blocks(
        [Upcoming("prep", NOW, NOW, "quiet hours")], "Europe/London"
    ),
    "welcome": lambda: welcome.build_welcome_message(),
    "welcome, imported": lambda: welcome.build_welcome_message(
        Greeting("UALICE", pair=PAIR, buddies=("UBOB",), zone="Europe/London")
    ),
    "welcome, facilitator": lambda: welcome.build_welcome_message(
        Greeting("UFAC", facilitator=True)
    ),
    "grow": lambda: grow.build_grow_blocks(),
    # problems
    **{
        f"wizard step {n + 1}": partial(problems.build_step_view, DRAFT, n, "Welcome back")
        for n in range(len(STEPS))
    },
    "wizard review": lambda: problems.build_review_view(DRAFT, AREAS, "Please finish"),
    "wizard confirm": lambda: problems.build_confirm_view(DRAFT, list(CRITERIA)),
    "wizard notice": lambda: problems.build_notice_view("Problem", "That draft is gone."),
    "problem card": lambda: problems.build_problem_card(DRAFT),
    "withdrawn": lambda: problems.build_withdrawn_card("UALICE"),
    "post failed": lambda: problems.build_post_failed_message(5, "C1", "not_in_channel"),
    "posted": lambda: problems.build_posted_message("C1"),
    # help
    "help": lambda: helps.help_reply(subcommands(), True, "Did you mean `/buddy slot`?"),
    "help all": lambda: helps.all_help_reply(subcommands(), True),
    **{
        f"help {sub.name}": partial(helps.command_help_reply, sub)
        for sub in [s for s in subcommands() if s.in_help]
    },
}


# -- drawing any of them -------------------------------------------------------------------------


def parts_of(view: Any) -> list[Part]:
    if isinstance(view, Form | HomeView):
        return list(view.blocks)
    if isinstance(view, OutgoingMessage):
        return view.blocks
    if isinstance(view, tuple):
        return list(view[1])
    if isinstance(view, dict):
        return list(view.get("blocks") or [])
    if isinstance(view, list):
        return view
    return []


def text_of(view: Any) -> str:
    if isinstance(view, OutgoingMessage):
        return view.text
    if isinstance(view, tuple):
        return str(view[0])
    if isinstance(view, dict):
        return str(view.get("text", ""))
    return view if isinstance(view, str) else ""


DIALOG_OPENERS = frozenset({meetings.SLOT_OPEN, meetings.MOVE_OPEN, meetings.CHECKIN_ADD_ACTIONS})


WHERE = "the cohort's team in Teams"


def draw(view: Any) -> tuple[dict[str, Any] | None, TeamsMessage | Dialog]:
    """The card (checked) a view becomes, and what the listeners get."""
    drawn: TeamsMessage | Dialog
    if isinstance(view, Form):
        drawn = draw_form(view, names)
        return check_card(drawn.card), drawn
    if isinstance(view, HomeView):
        card = draw_home(view, names, dialogs=DIALOG_OPENERS)
        return check_card(card), TeamsMessage("", card)
    if isinstance(view, OutgoingMessage):
        drawn = draw_outgoing(view, names, dialogs=DIALOG_OPENERS)
    elif isinstance(view, dict):
        drawn = draw_reply(view, names, dialogs=DIALOG_OPENERS)
    else:
        drawn = draw_said(text_of(view), parts_of(view), names, dialogs=DIALOG_OPENERS)
    return (check_card(drawn.card) if drawn.card is not None else None), drawn


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def shown_text(card: dict[str, Any]) -> str:
    return "\n".join(str(n["text"]) for n in walk(card) if n.get("type") == "TextBlock")


def controls(parts: list[Part]) -> list[Button | Menu]:
    found: list[Button | Menu] = []
    for part in parts:
        if isinstance(part, Buttons):
            found.extend(part.items)
        elif isinstance(part, Paragraph) and part.accessory is not None:
            found.append(part.accessory)
    return found


SLACK_LEFT = re.compile(r"<[@#!]|&(amp|lt|gt);|(?<![\w:]):[a-z_]+:(?![\w:])|`/buddy|/buddy ")


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_every_view_draws_for_teams(name: str) -> None:
    view = VIEWS[name]()
    card, drawn = draw(view)
    parts = parts_of(view)
    if card is None:
        # A plain message: nothing in it needed a card (no parts, people or moments).
        assert isinstance(drawn, TeamsMessage) and drawn.text
        assert not SLACK_LEFT.search(drawn.text), drawn.text
        return
    text = shown_text(card)
    assert not SLACK_LEFT.search(text), f"Slack's markup left in Teams: {text}"

    # Everyone the view names is a mention Teams resolves.
    markup = repr(parts) if parts else text_of(view)
    entities = {
        e["mentioned"]["id"]: e["text"] for e in card.get("msteams", {}).get("entities", [])
    }
    for user_id in set(re.findall(r"<@(\w+)>", markup)) & set(NAMES):
        assert entities.get(user_id) == f"<at>{NAMES[user_id]}</at>", (user_id, entities)
        assert entities[user_id] in text

    # Every button carries its intent and value (or its link).
    drawn_actions = [n for n in walk(card) if str(n.get("type", "")).startswith("Action.")]
    for control in controls(parts):
        if isinstance(control, Menu):
            menus = [n for n in walk(card) if n.get("type") == "Input.ChoiceSet"]
            assert any(m["id"].startswith(control.intent) for m in menus)
            continue
        if control.url:
            assert any(a.get("url") == control.url for a in drawn_actions)
            continue
        pressing = [
            a
            for a in drawn_actions
            if isinstance(a.get("data"), dict) and a["data"].get("action") == control.intent
        ]
        assert pressing, f"no button for {control.intent}"
        assert any(
            pressed_value(a["data"]) == control.value
            and (a.get("title") == control.label or control.confirm is not None)
            for a in pressing
        ), f"no {control.label} button for {control.intent} {control.value}"

    # A form has every field by its id, required or not, with its limits.
    inputs = {n["id"]: n for n in walk(card) if str(n.get("type", "")).startswith("Input.")}
    for part in parts:
        if not isinstance(part, Field):
            continue
        if isinstance(part.input, FileInput):
            assert "attachment in our personal chat" in text
            continue
        drawn_input = inputs[part.field_id]
        assert drawn_input.get("isRequired") is (not part.optional), part.field_id
        assert drawn_input["label"].startswith(part.label.split(":")[0][:40])
        if isinstance(part.input, TextInput):
            if part.input.max_length is not None:
                assert drawn_input["maxLength"] == part.input.max_length
            assert drawn_input.get("isMultiline", False) is part.input.multiline
            if part.input.initial is not None:
                assert drawn_input["value"] == part.input.initial
        if isinstance(part.input, DateInput) and part.input.initial is not None:
            assert drawn_input["value"] == part.input.initial.isoformat()
        if isinstance(part.input, TimeInput) and part.input.initial is not None:
            assert drawn_input["value"] == part.input.initial.strftime("%H:%M")
        if isinstance(part.input, Menu) and part.input.initial is not None:
            assert drawn_input["value"] == part.input.initial
    if isinstance(view, Form):
        assert isinstance(drawn, Dialog) and drawn.title == view.title
        submits = [a for a in card.get("actions", []) if a["type"] == "Action.Submit"]
        if view.submit:
            assert submits[0]["title"] == view.submit
            assert submits[0]["data"] == {"action": view.intent, "payload": view.payload}


# -- what a reader sees, in particular -----------------------------------------------------------


def test_the_prep_nudge_reads_right_in_teams() -> None:
    card, _ = draw(meetings.build_prep_message(CONTEXT, MEETING))
    assert card is not None
    text = shown_text(card)
    assert "🗓️ **Your buddy meeting: {{DATE(2026-12-03T16:00:00Z, LONG)}} at " in text
    assert "**Application module B2: Developing \\<effective\\> PD & more**" in text
    assert "✅ <at>Alice Ahmed</at> has completed B1" in text
    assert "⏳ <at>Bob Brown</at> not yet" in text
    # The person's own words: their Markdown and Slack markup shown as typed.
    assert r"\<8Y\> \[notes\](" in text
    assert "<at>Alice Ahmed</at>'s open actions:" in text
    [done] = [n for n in walk(card) if n.get("verb") == meetings.PREP_DONE_ACTION]
    assert done["title"] == "I've completed B1" and done["style"] == "positive"
    assert done["data"] == {"action": "prep_done", "value": "7:2026-12-03"}


def test_a_button_that_opens_a_form_opens_a_teams_dialog() -> None:
    card, _ = draw(meetings.build_slot_nudge_message([ALICE, BOB]))
    assert card is not None
    [opener] = [n for n in walk(card) if n.get("title") == "Set our slot"]
    assert opener["type"] == "Action.Submit"
    assert opener["data"]["msteams"] == {"type": "task/fetch"}
    assert opener["data"]["dialog_id"] == meetings.SLOT_OPEN


def test_a_button_marked_as_opening_a_form_needs_no_list_of_openers() -> None:
    drawn = draw_outgoing(meetings.build_slot_nudge_message([ALICE, BOB]), names)
    card = check_card(drawn.card)
    [opener] = [n for n in walk(card) if n.get("title") == "Set our slot"]
    assert opener["data"]["msteams"] == {"type": "task/fetch"}


def test_the_slot_dialog_asks_every_question() -> None:
    dialog = draw_form(pairs.build_slot_modal("Europe/London", PAIR), names)
    card = check_card(dialog.card)
    inputs = {n["id"]: n for n in walk(card) if str(n.get("type", "")).startswith("Input.")}
    assert inputs["slot_weekday"]["value"] == "3"
    assert inputs["slot_time"] == {
        "type": "Input.Time",
        "id": "slot_time",
        "label": "Time",
        "isRequired": True,
        "value": "16:00",
    }
    zones = inputs["slot_zone"]["choices"]
    assert {"title": "UK and Ireland · London (UK)", "value": "Europe/London"} in zones
    assert inputs["slot_from"]["label"] == "First meeting on or after (optional)"
    assert dialog.title == "Your fortnightly slot"


def test_a_menu_on_a_message_sends_its_choice() -> None:
    menu = Menu("pick", (), initial=None)
    card = check_card(draw_message("Pick", [paragraph("Which?", menu)], names))
    [send] = [n for n in walk(card) if n.get("type") == "Action.Execute"]
    assert send["data"] == {"action": "pick", "menu": "pick"}
    assert pressed_value({**send["data"], "pick": "b"}) == "b"


def test_buttons_in_a_dialog_submit_with_the_forms_payload() -> None:
    dialog = draw_form(problems.build_step_view(DRAFT, 1), names)
    card = check_card(dialog.card)
    [back] = [n for n in walk(card) if n.get("title") == "Back"]
    assert back["type"] == "Action.Submit"
    assert back["data"] == {
        "action": "problem_back",
        "value": "",
        "payload": '{"draft": 5, "step": 1}',
    }
    # Teams says nothing when a dialog is closed: "Save and close" is a button of its own.
    [closing] = [a for a in card["actions"] if a["title"] == "Save and close"]
    assert closing["data"]["closed"] is True


def test_a_confirmed_button_asks_first() -> None:
    card, _ = draw(problems.build_problem_card(DRAFT))
    assert card is not None
    [show] = [n for n in walk(card) if n.get("type") == "Action.ShowCard"]
    assert show["title"] == "Withdraw" and show["style"] == "destructive"
    [yes] = show["card"]["actions"]
    assert yes["type"] == "Action.Execute" and yes["data"]["action"] == problems.WITHDRAW_ACTION


def test_the_home_tab_submits_where_the_chat_executes() -> None:
    view = VIEWS["home"]()
    tab = check_card(draw_home(view, names, tab=True))
    chat = check_card(draw_home(view, names))
    assert {n["type"] for n in walk(tab) if "data" in n} == {"Action.Submit"}
    assert {n["type"] for n in walk(chat) if "data" in n} == {"Action.Execute"}


def test_a_plain_answer_is_a_text_message_and_one_naming_someone_a_card() -> None:
    plain = draw_reply(
        {"response_type": "ephemeral", "text": ":white_check_mark: Saved & done."}, names
    )
    assert plain.card is None and plain.text == "✅ Saved & done." and plain.private
    named = draw_reply({"text": "Hi <@UBOB>", "response_type": "in_channel"}, names)
    assert named.card is not None and not named.private
    assert named.text == "Hi Bob Brown"


def test_a_message_too_long_for_teams_is_cut_visibly_and_keeps_its_buttons() -> None:
    long = [
        paragraph("\n".join(f"Line {n}: " + "word " * 40 for n in range(14))) for _ in range(12)
    ]
    parts: list[Part] = [*long, VIEWS["unpair confirm"]()[1]]
    card = draw_message("Long", parts, names)
    assert card_size(card) <= CARD_BUDGET
    drawn = check_card(card)
    assert CUT_SHORT in shown_text(drawn)
    assert [n["title"] for n in walk(drawn) if n.get("type") == "Action.Execute"] == [
        "Yes, leave the pair",
        "No, stay",
    ]
    assert "Line 0:" in shown_text(drawn)


def test_one_long_line_is_cut_without_breaking_a_mention() -> None:
    """(A paragraph holds 3,000 characters, so this one is made without its constructor.)"""
    line = " ".join(f"<@UBOB> *word{n}* {{{{x}}}}" for n in range(2500))
    card = check_card(draw_message("Long", [Paragraph(line)], names))
    assert CUT_SHORT in shown_text(card)
    text = shown_text(card)
    assert text.count("<at>") == text.count("</at>")
    assert text.count("**") % 2 == 0


# -- snapshots: the JSON itself, so a misspelt keyword argument shows --------------------------


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("prep_nudge", lambda: draw(meetings.build_prep_message(CONTEXT, MEETING))[0]),
        (
            "slot_dialog",
            lambda: card_json(draw_form(pairs.build_slot_modal("Europe/London", PAIR), names).card),
        ),
    ],
)
def test_snapshots(name: str, make: Callable[[], Any]) -> None:
    path = SNAPSHOTS / f"{name}.json"
    drawn = json.dumps(make(), indent=2, ensure_ascii=False) + "\n"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(drawn)
    assert drawn == path.read_text(), (
        f"{path.name} changed: read the diff, then delete it to redraw"
    )
