"""What a command costs is what its caller has: every `/buddy` command a participant or a
facilitator types runs the same number of SQL statements with 10 pairs in the database as with
1,000.

The world is seeded in bulk (`tests/bulk_seed.py`): the caller's own pair, actions, meetings and
community group are the same at both sizes; only everyone else's grows. Each command goes to the
real web process as a signed request, its slow work included, and says the same at both sizes.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine, delete, event
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.settings import Settings
from bot.web import create_wsgi_app
from conversation.replies import SOMETHING_WENT_WRONG
from models.clock import SettableClock
from models.db import make_session_factory
from models.registry import Base
from tests.bulk_seed import COMMUNITY_CHANNEL, FACILITATOR, NAMED_PAIRS, UNPAIRED, seed
from tests.conftest import DEFAULT_NOW, InlineExecutor, SwappableApp
from tests.fake_slack import FakeSlack
from tests.slack_http import SIGNING_SECRET, SlackClientForTests

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

SIZES = (10, 1000)
ALICE, BOB = NAMED_PAIRS[0]
CAROL = NAMED_PAIRS[1][0]
ERIN, FRANK, GINA, HARRY = UNPAIRED


@dataclass(frozen=True)
class Typed:
    """One command as someone types it, and words its answer must contain (or the form it
    opens). `whole_cohort`: its answer is about everyone (a report), so it differs by size."""

    name: str
    text: str
    user: str = ALICE
    channel: str = "CCOHORT"
    says: str = ""
    opens_form: bool = False
    whole_cohort: bool = False


# In the order they are sent: what one command changes, the next ones see, at both sizes alike.
COMMANDS = (
    Typed("help", "help", says="/buddy next"),
    Typed("help-empty", "", says="/buddy next"),
    Typed("help-all", "help all", says="/buddy upcoming"),
    Typed("help-one", "help slot", says="slot thu 16:00"),
    Typed("unknown-word", "stauts", says="Did you mean"),
    Typed("next", "next", says="Next meeting"),
    Typed("status", "status", says="Your buddy pair"),
    Typed("upcoming", "upcoming", says="chase for an action due that day"),
    Typed("actions", "actions", says="Try retrieval starters"),
    Typed("action", "action Plan the cold call routine by 3/12", says="Plan the cold call"),
    Typed("done", "done 1", says="done"),
    Typed("move-form", "move", opens_form=True),
    Typed("move", "move 30/11 to 1/12 17:00", says="Moved"),
    Typed("skip-form", "skip", opens_form=True),
    Typed("skip", "skip 14/12 parents evening", says="Skipped"),
    Typed("calendar", "calendar", says="calendar file"),
    Typed("slot-form", "slot", opens_form=True),
    Typed("slot-am-or-pm", "slot thu at 4", says="4pm"),
    Typed("slot", "slot mon 16:00 tz Europe/London", says="Your fortnightly slot"),
    Typed("slot-own-zone", "slot mon 16:00", says="Your fortnightly slot"),
    Typed("backup", "backup fri 8am", says="backup slot"),
    Typed("format", "format video https://meet.example.com/abc", says="You'll meet"),
    Typed("pause", "pause 7/12 to 18/12 illness", says="Paused from Mon 7 Dec"),
    Typed("status-paused", "status", says="Pause planned"),
    Typed("resume", "resume", says="Welcome back"),
    Typed("grow", "grow", says="GROW"),
    Typed("problem", "problem", channel=COMMUNITY_CHANNEL, opens_form=True),
    Typed("community", "community", channel=COMMUNITY_CHANNEL, says="Next session"),
    Typed(
        "community-order",
        f"community order <@{BOB}> <@{ALICE}> <@{CAROL}>",
        user=BOB,
        channel=COMMUNITY_CHANNEL,
        says="order",
    ),
    Typed(
        "community-schedule",
        "community schedule 8/12 16:00",
        channel=COMMUNITY_CHANNEL,
        says="Tue 8 Dec at 16:00",
    ),
    Typed(
        "community-start", "community start", channel=COMMUNITY_CHANNEL, says="The session starts"
    ),
    Typed("community-stop", "community stop", channel=COMMUNITY_CHANNEL, says="Session stopped"),
    Typed("birthday", "birthday 14 March", says="14 March"),
    Typed("export", "export me", says="sent your data"),
    Typed("forget", "forget me", says="Erase"),
    Typed("unpair", "unpair", says="Leave your buddy pair"),
    Typed("pair-taken", f"pair <@{CAROL}>", says="already"),
    Typed("pair", f"pair <@{FRANK}>", user=ERIN, says="buddies"),
    Typed("cohort", "cohort", says="Cohort: Autumn 2026", whole_cohort=True),
    Typed("module-list", "module list", says="B1"),
    Typed("break-list", "break list", says="Christmas"),
    Typed("facilitators", "facilitators", says=FACILITATOR),
    Typed("report-refused", "report", says="only facilitators"),
    Typed("facilitator-help", "help all", user=FACILITATOR, says="/buddy report"),
    Typed("facilitator-status", "status", user=FACILITATOR, says="not in a buddy pair"),
    Typed("facilitator-upcoming", "upcoming", user=FACILITATOR, says="facilitator digest"),
    Typed("report", "report", user=FACILITATOR, says="Pairs:", whole_cohort=True),
    Typed("cohort-days", "cohort days mon-fri", user=FACILITATOR, says="working days"),
    Typed("cohort-end", "cohort end 23/7/2027", user=FACILITATOR, says="last day"),
    Typed("module-add", "module add B9 8/2 Coaching | Insight 9", user=FACILITATOR, says="B9"),
    Typed("module-remove", "module remove B9", user=FACILITATOR, says="B9"),
    Typed("break-add", "break add 15/2 19/2 Half term", user=FACILITATOR, says="Half term"),
    Typed("break-remove", "break remove 2", user=FACILITATOR, says="Half term"),
    Typed("facilitator-add", f"facilitator add <@{HARRY}>", user=FACILITATOR, says="is now"),
    Typed("digest", "digest off", user=FACILITATOR, says="No more weekly digest"),
    Typed("nudge", f"nudge <@{CAROL}>", user=FACILITATOR, says="nudged"),
    Typed("match", f"match <@{GINA}> <@{HARRY}>", user=FACILITATOR, says="are now a buddy pair"),
    Typed("import", "import pairs", user=FACILITATOR, opens_form=True),
    Typed("forget-someone", f"forget <@{CAROL}>", user=FACILITATOR, says="Erase"),
)


@dataclass(frozen=True)
class Seen:
    statements: int
    said: str
    modals: int


class StatementCounter:
    """SQL statements counted per request: each request names itself in a header, and the
    statements run by the server thread answering it (its slow work included, as the executor
    is inline) count for it alone, so a request that outlived its client cannot add to the next.
    """

    HEADER = "X-Test-Request"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.counts: dict[str, int] = defaultdict(int)
        self.serving = threading.local()
        event.listen(engine, "before_cursor_execute", self._one)

    def _one(self, *_: Any) -> None:
        request = getattr(self.serving, "request", None)
        if request is not None:
            self.counts[request] += 1

    def around(self, app: WSGIApplication) -> WSGIApplication:
        def counted(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            self.serving.request = environ.get("HTTP_X_TEST_REQUEST")
            try:
                return app(environ, start_response)
            finally:
                self.serving.request = None

        return counted

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._one)


def _empty(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))


@pytest.fixture(scope="module")
def seen(
    http_server: tuple[SwappableApp, str], engine: Engine, database_url: str
) -> Iterator[dict[int, dict[str, Seen]]]:
    """Every command sent at each size, on a database seeded once per size."""
    fake = FakeSlack().start()
    for user in (*(u for pair in NAMED_PAIRS for u in pair), *UNPAIRED, FACILITATOR):
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
            clock.set(DEFAULT_NOW)
            # The process's first request does one-off work: not what a command costs.
            slack.command("help", user=FACILITATOR)
            found[size] = {}
            for typed in COMMANDS:
                request = f"{size}:{typed.name}"
                opened = len(fake.calls_to("views.open"))
                try:
                    result = slack.command(
                        typed.text,
                        user=typed.user,
                        channel=typed.channel,
                        headers={counter.HEADER: request},
                    )
                except OSError as error:  # no answer within the client's 10 s
                    found[size][typed.name] = Seen(-1, f"no answer: {error}", 0)
                    continue
                assert result.status == 200, (typed.name, result.body)
                said = slack.told() if slack.last_told else ""
                modals = len(fake.calls_to("views.open")) - opened
                found[size][typed.name] = Seen(counter.counts[request], said, modals)
        yield found
    finally:
        counter.close()
        holder.app = None
        fake.stop()
        _empty(engine)


@pytest.mark.parametrize("typed", COMMANDS, ids=[t.name for t in COMMANDS])
def test_a_command_costs_the_same_with_10_pairs_as_with_1000(
    seen: dict[int, dict[str, Seen]], typed: Typed
) -> None:
    small, large = (seen[size][typed.name] for size in SIZES)
    assert SOMETHING_WENT_WRONG not in small.said + large.said
    assert typed.says in small.said
    assert (small.modals, large.modals) == ((1, 1) if typed.opens_form else (0, 0))
    if not typed.whole_cohort:
        assert small.said == large.said
    assert small.statements == large.statements
