"""One Buddy installed in many workspaces, through the real web process and Bolt's own OAuth flow
against the fake Slack: each workspace's install gives it its own bot token, its commands and its
clock passes use that token and see only its data, and uninstalling one stops only its sends."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.settings import Settings
from bot.web import create_wsgi_app
from frontends.slack.install_tables import BOTS, INSTALLATIONS, OAUTH_STATES, installations
from frontends.slack.install_tables import bots as bots_table
from frontends.slack.installs import RecentTokens
from models.actions import Action
from models.clock import SettableClock
from models.deliveries import FAILED, Delivery
from models.lifecycle import Workspace
from models.pairs import Pair
from scheduler.actions import plan_action_chases
from scheduler.runner import build_runner
from tests.conftest import FACILITATOR, InlineExecutor, SwappableApp
from tests.fake_slack import FakeSlack, Install
from tests.slack_http import SIGNING_SECRET, SlackClientForTests, message_text

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret"
# Two schools: Alice and Bob in T1, Carol and Dan in T2.
SCHOOL_ONE = Install(team_id="T1", bot_token="xoxb-school-one", installer="UALICE")
SCHOOL_TWO = Install(team_id="T2", bot_token="xoxb-school-two", installer="UCAROL")
# Thu 26 Nov, 09:00: when an action due at that meeting (the first on a slot set on Tuesday) is
# chased.
CHASE_TIME = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def oauth_settings(fake_slack: FakeSlack, database_url: str) -> Settings:
    return Settings(
        signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url,
        database_url=database_url,
        facilitators=frozenset({FACILITATOR}),
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )


@pytest.fixture
def oauth_url(
    http_server: tuple[SwappableApp, str],
    oauth_settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> Iterator[str]:
    holder, url = http_server
    app = create_app(
        oauth_settings, sessions=sessions, clock=clock, listener_executor=InlineExecutor()
    )
    holder.app = create_wsgi_app(app, sessions, signing_secret=SIGNING_SECRET)
    yield url
    holder.app = None


@pytest.fixture
def slack(oauth_url: str, fake_slack: FakeSlack) -> SlackClientForTests:
    return SlackClientForTests(
        oauth_url + "/slack/events", fake_slack.response_url(), fake_slack.response_posts
    )


@dataclass
class Page:
    status: int
    headers: http.client.HTTPMessage
    body: str


def get(base: str, path: str, cookie: str | None = None) -> Page:
    """A browser's GET, redirects not followed."""
    parsed = urlparse(base)
    connection = http.client.HTTPConnection(parsed.hostname or "", parsed.port, timeout=10)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    page = Page(response.status, response.headers, response.read().decode())
    connection.close()
    return page


def start_install(base: str) -> tuple[str, str]:
    """Open the install link: the state Slack is sent with, and the browser's cookie for it."""
    page = get(base, "/slack/install")
    assert page.status == 302
    location = urlparse(page.headers["Location"])
    query = parse_qs(location.query)
    assert location.netloc == "slack.com" and location.path == "/oauth/v2/authorize"
    assert query["client_id"] == [CLIENT_ID]
    assert "chat:write" in query["scope"][0].split(",")
    [state] = query["state"]
    cookie = page.headers["Set-Cookie"].split(";")[0]
    assert cookie == f"slack-app-oauth-state={state}"
    return state, cookie


def install(base: str, fake: FakeSlack, code: str, what: Install) -> Page:
    """The whole install: the link, Slack's approval, and the redirect back with code and state."""
    state, cookie = start_install(base)
    fake.offer_install(code, what)
    return get(base, "/slack/oauth_redirect?" + urlencode({"code": code, "state": state}), cookie)


def installed_teams(engine: Engine) -> list[str | None]:
    with engine.connect() as connection:
        return sorted(
            connection.execute(select(installations.c.team_id)).scalars(),
            key=lambda team: team or "",
        )


def install_both(base: str, fake: FakeSlack) -> None:
    assert install(base, fake, "code-one", SCHOOL_ONE).status == 200
    assert install(base, fake, "code-two", SCHOOL_TWO).status == 200


def chase_pass(settings: Settings, sessions: sessionmaker[Session], clock: SettableClock) -> None:
    clock.set(CHASE_TIME)
    build_runner(settings, clock, sessions=sessions, planners=[plan_action_chases]).run_pass()


def set_up_pairs(slack: SlackClientForTests) -> None:
    """A pair in each school, meeting Thursdays, each with an action due at the next meeting."""
    for team, owner, buddy, action in (
        ("T1", "UALICE", "UBOB", "Plan the phonics audit"),
        ("T2", "UCAROL", "UDAN", "Observe the year 7 lesson"),
    ):
        assert "now buddies" in slack.command(f"pair <@{buddy}|x>", user=owner, team=team).text
        slack.command("slot thu 16:00", user=owner, team=team)
        assert "Recorded action 1" in slack.command(f"action {action}", user=owner, team=team).text


# -- the install -----------------------------------------------------------------------------


def test_each_workspace_installed_gets_its_own_token(
    oauth_url: str, fake_slack: FakeSlack, engine: Engine
) -> None:
    done = install(oauth_url, fake_slack, "code-one", SCHOOL_ONE)
    assert done.status == 200 and "Thank you!" in done.body
    install(oauth_url, fake_slack, "code-two", SCHOOL_TWO)
    with engine.connect() as connection:
        rows = connection.execute(
            select(installations.c.team_id, installations.c.bot_token, installations.c.user_id)
            .where(installations.c.client_id == CLIENT_ID)
            .order_by(installations.c.team_id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("T1", "xoxb-school-one", "UALICE"),
        ("T2", "xoxb-school-two", "UCAROL"),
    ]
    # The code is exchanged at SLACK_API_URL (the fake), with the app's credentials.
    assert [c.params.get("code") for c in fake_slack.calls_to("oauth.v2.access")] == [
        "code-one",
        "code-two",
    ]


def test_a_missing_state_is_refused(oauth_url: str, fake_slack: FakeSlack, engine: Engine) -> None:
    _state, cookie = start_install(oauth_url)
    fake_slack.offer_install("code-one", SCHOOL_ONE)
    refused = get(oauth_url, "/slack/oauth_redirect?code=code-one", cookie)
    assert 400 <= refused.status < 500
    assert installed_teams(engine) == []
    assert fake_slack.calls_to("oauth.v2.access") == []


def test_a_made_up_state_is_refused(oauth_url: str, fake_slack: FakeSlack, engine: Engine) -> None:
    fake_slack.offer_install("code-one", SCHOOL_ONE)
    made_up = "0a0b0c0d-not-issued"
    refused = get(
        oauth_url,
        "/slack/oauth_redirect?" + urlencode({"code": "code-one", "state": made_up}),
        f"slack-app-oauth-state={made_up}",
    )
    assert 400 <= refused.status < 500
    assert installed_teams(engine) == []


def test_a_state_from_another_browser_is_refused(
    oauth_url: str, fake_slack: FakeSlack, engine: Engine
) -> None:
    state, _cookie = start_install(oauth_url)
    fake_slack.offer_install("code-one", SCHOOL_ONE)
    path = "/slack/oauth_redirect?" + urlencode({"code": "code-one", "state": state})
    assert 400 <= get(oauth_url, path).status < 500  # no cookie: not the browser that started
    assert 400 <= get(oauth_url, path, "slack-app-oauth-state=other").status < 500
    assert installed_teams(engine) == []


def test_a_replayed_state_is_refused(oauth_url: str, fake_slack: FakeSlack, engine: Engine) -> None:
    state, cookie = start_install(oauth_url)
    fake_slack.offer_install("code-one", SCHOOL_ONE)
    path = "/slack/oauth_redirect?" + urlencode({"code": "code-one", "state": state})
    assert get(oauth_url, path, cookie).status == 200
    fake_slack.offer_install("code-one", SCHOOL_TWO)  # even were the code good again
    replayed = get(oauth_url, path, cookie)
    assert 400 <= replayed.status < 500
    assert installed_teams(engine) == ["T1"]


def test_a_bad_code_is_refused_without_an_error(
    oauth_url: str, fake_slack: FakeSlack, engine: Engine
) -> None:
    state, cookie = start_install(oauth_url)
    path = "/slack/oauth_redirect?" + urlencode({"code": "never-issued", "state": state})
    assert 400 <= get(oauth_url, path, cookie).status < 500
    assert installed_teams(engine) == []


@pytest.mark.parametrize(
    "failing, error",
    [
        ("slack_sdk.WebClient.oauth_v2_access", TimeoutError("The read operation timed out")),
        (
            "slack_sdk.oauth.installation_store.sqlalchemy.SQLAlchemyInstallationStore.save",
            OperationalError("INSERT", {}, Exception("database is locked")),
        ),
    ],
)
def test_slack_or_the_database_not_answering_gives_a_plain_page_not_a_500(
    oauth_url: str,
    fake_slack: FakeSlack,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    failing: str,
    error: Exception,
) -> None:
    def fails(*_: object, **__: object) -> None:
        raise error

    monkeypatch.setattr(failing, fails)
    state, cookie = start_install(oauth_url)
    fake_slack.offer_install("code-one", SCHOOL_ONE)
    path = "/slack/oauth_redirect?" + urlencode({"code": "code-one", "state": state})
    page = get(oauth_url, path, cookie)
    assert page.status == 502
    assert "Buddy could not finish installing" in page.body
    assert "open the install link again" in page.body and "Traceback" not in page.body
    assert installed_teams(engine) == []


def test_enterprise_grid_installs_are_stored(
    oauth_url: str, fake_slack: FakeSlack, engine: Engine
) -> None:
    """Stored as Slack gives them (a workspace of an org, and an org-wide install), though Buddy
    keys its data by workspace and does not otherwise serve an org-wide install."""
    in_org = Install(team_id="T3", enterprise_id="E1", bot_token="xoxb-org-ws", installer="UEVE")
    org_wide = Install(
        team_id=None,
        enterprise_id="E2",
        is_enterprise_install=True,
        bot_token="xoxb-org-wide",
        installer="UFRAN",
    )
    assert install(oauth_url, fake_slack, "code-ws", in_org).status == 200
    assert install(oauth_url, fake_slack, "code-org", org_wide).status == 200
    c = installations.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(c.enterprise_id, c.team_id, c.is_enterprise_install, c.enterprise_url)
            .where(c.client_id == CLIENT_ID)
            .order_by(c.enterprise_id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("E1", "T3", False, None),
        ("E2", None, True, "https://school.slack.com/"),
    ]


def test_a_command_through_an_org_wide_install_is_told_what_to_do_and_changes_nothing(
    oauth_url: str,
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    sessions: sessionmaker[Session],
) -> None:
    """Buddy's clock finds a token per workspace, so an org-wide install could never send what
    its commands would promise: a command is told to have Buddy installed in the workspace."""
    org_wide = Install(
        team_id=None,
        enterprise_id="E2",
        is_enterprise_install=True,
        bot_token="xoxb-org-wide",
        installer="UFRAN",
    )
    assert install(oauth_url, fake_slack, "code-org", org_wide).status == 200
    form = {
        "token": "legacy",
        "team_id": "T5",
        "enterprise_id": "E2",
        "is_enterprise_install": "true",
        "channel_id": "CCOHORT",
        "user_id": "UALICE",
        "command": "/buddy",
        "text": "pair <@UBOB|bob>",
        "api_app_id": "A1",
        "response_url": fake_slack.response_url(),
        "trigger_id": "trigger-org-wide",
    }
    answer = slack.post(urlencode(form), "application/x-www-form-urlencoded")
    assert answer.status == 200
    assert "install Buddy in this workspace itself" in answer.text
    with sessions() as session:
        assert session.scalars(select(Pair)).all() == []


# -- commands and clock passes in each workspace ---------------------------------------------


def test_commands_and_clock_passes_use_each_workspaces_own_token(
    oauth_url: str,
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    oauth_settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    install_both(oauth_url, fake_slack)
    fake_slack.clear()
    set_up_pairs(slack)
    one, two = SCHOOL_ONE.bot_token, SCHOOL_TWO.bot_token
    # pair looks its people up in Slack, each with its own workspace's token.
    looked_up = {c.params["user"]: c.token for c in fake_slack.calls_to("users.info")}
    assert looked_up == {"UALICE": one, "UBOB": one, "UCAROL": two, "UDAN": two}
    assert {c.token for c in fake_slack.calls} <= {one, two, None}

    status_one = slack.command("actions", user="UBOB", team="T1").text
    status_two = slack.command("actions", user="UDAN", team="T2").text
    assert "phonics audit" in status_one and "year 7 lesson" not in status_one
    assert "year 7 lesson" in status_two and "phonics audit" not in status_two
    # A person of one school is not found from the other.
    assert "phonics audit" not in slack.command("actions", user="UBOB", team="T2").text

    fake_slack.clear()
    chase_pass(oauth_settings, sessions, clock)
    posted = {c.params["channel"]: c.token for c in fake_slack.calls_to("chat.postMessage")}
    assert posted == {"DUALICE": one, "DUCAROL": two}
    opened = {c.params["users"]: c.token for c in fake_slack.calls_to("conversations.open")}
    assert opened == {"UALICE": one, "UCAROL": two}


def test_each_workspaces_home_is_published_with_its_token_and_shows_only_its_data(
    oauth_url: str, slack: SlackClientForTests, fake_slack: FakeSlack
) -> None:
    install_both(oauth_url, fake_slack)
    set_up_pairs(slack)
    homes = {}
    for team, user in (("T1", "UALICE"), ("T2", "UCAROL")):
        fake_slack.clear()
        event = {
            "type": "event_callback",
            "team_id": team,
            "api_app_id": "A1",
            "event_id": f"EvHome{team}",
            "event": {"type": "app_home_opened", "user": user, "tab": "home"},
        }
        assert slack.post(json.dumps(event), "application/json").status == 200
        [call] = fake_slack.calls_to("views.publish")
        view = call.params["view"]
        shown = json.loads(view) if isinstance(view, str) else view
        homes[team] = (call.token, message_text({"blocks": shown["blocks"]}))
    assert homes["T1"][0] == SCHOOL_ONE.bot_token and homes["T2"][0] == SCHOOL_TWO.bot_token
    assert "phonics audit" in homes["T1"][1] and "year 7 lesson" not in homes["T1"][1]
    assert "year 7 lesson" in homes["T2"][1] and "phonics audit" not in homes["T2"][1]
    assert "<@UBOB>" in homes["T1"][1] and "<@UDAN>" not in homes["T1"][1]


def test_uninstalling_one_workspace_stops_its_sends_and_not_the_others(
    oauth_url: str,
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    oauth_settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
    engine: Engine,
) -> None:
    install_both(oauth_url, fake_slack)
    set_up_pairs(slack)
    fake_slack.revoke(SCHOOL_TWO.bot_token)  # what uninstalling does to the token
    gone = slack.post(
        '{"type": "event_callback", "team_id": "T2", "api_app_id": "A1", "event_id": "Ev1", '
        '"event": {"type": "app_uninstalled"}}',
        "application/json",
    )
    assert gone.status == 200
    assert installed_teams(engine) == ["T1"]
    with engine.connect() as connection:
        assert connection.execute(select(installations.c.id)).all()  # T1's stays
    with sessions() as session:
        stopped = session.get(Workspace, "T2")
        assert stopped is not None and stopped.stopped_at is not None

    fake_slack.clear()
    chase_pass(oauth_settings, sessions, clock)
    posted = [(c.params["channel"], c.token) for c in fake_slack.calls_to("chat.postMessage")]
    assert posted == [("DUALICE", SCHOOL_ONE.bot_token)]
    assert fake_slack.calls_with(SCHOOL_TWO.bot_token) == []
    with sessions() as session:
        assert session.scalars(select(Delivery).where(Delivery.status == FAILED)).all() == []

    # Installed again: its nudge, still planned, goes with the new token.
    again = Install(team_id="T2", bot_token="xoxb-school-two-again", installer="UCAROL")
    assert install(oauth_url, fake_slack, "code-again", again).status == 200
    fake_slack.clear()
    chase_pass(oauth_settings, sessions, clock)
    posted = [(c.params["channel"], c.token) for c in fake_slack.calls_to("chat.postMessage")]
    assert posted == [("DUCAROL", "xoxb-school-two-again")]


def test_tokens_revoked_deletes_that_workspaces_installation_whole(
    oauth_url: str, slack: SlackClientForTests, fake_slack: FakeSlack, engine: Engine
) -> None:
    """Bolt's own listener would delete only the bot, leaving the installation's token for the
    clock to find; Buddy deletes the workspace's installation, and the other stays."""
    install_both(oauth_url, fake_slack)
    event = {
        "type": "event_callback",
        "team_id": "T1",
        "api_app_id": "A1",
        "event_id": "EvRevoked",
        "event": {"type": "tokens_revoked", "tokens": {"bot": ["UBUDDYBOT"]}},
    }
    assert slack.post(json.dumps(event), "application/json").status == 200
    assert installed_teams(engine) == ["T2"]
    with engine.connect() as connection:
        bots = connection.execute(select(bots_table.c.team_id)).scalars().all()
    assert bots == ["T2"]


def test_a_revoked_token_holds_only_its_own_workspaces_sends(
    oauth_url: str,
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    oauth_settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    """Revoked without Buddy being told: its posts are refused; they wait, plainly, not failed,
    and the other school's go out in the same pass."""
    install_both(oauth_url, fake_slack)
    set_up_pairs(slack)
    fake_slack.revoke(SCHOOL_ONE.bot_token)
    fake_slack.clear()
    chase_pass(oauth_settings, sessions, clock)
    sent = [
        (c.params["channel"], c.token)
        for c in fake_slack.calls_to("chat.postMessage")
        if c.token not in fake_slack.revoked
    ]
    assert sent == [("DUCAROL", SCHOOL_TWO.bot_token)]
    with sessions() as session:
        assert session.scalars(select(Delivery).where(Delivery.status == FAILED)).all() == []


def test_uninstalled_workspaces_requests_reach_no_listener(
    oauth_url: str,
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    sessions: sessionmaker[Session],
) -> None:
    install_both(oauth_url, fake_slack)
    answer = slack.command("action Something", user="UEVE", team="T9")
    assert answer.status == 200 and "Recorded" not in answer.text
    with sessions() as session:
        assert session.scalars(select(Action)).all() == []


def test_slack_is_asked_about_a_token_once_not_before_every_answer(
    oauth_url: str,
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    sessions: sessionmaker[Session],
) -> None:
    """auth.test is a round trip to Slack inside the 3 s an answer has: once per token. The
    installation is still read every time, so an uninstalled workspace is refused at once."""
    install_both(oauth_url, fake_slack)
    fake_slack.clear()
    for _ in range(3):
        assert slack.command("help", user="UALICE", team="T1").status == 200
    slack.command("help", user="UCAROL", team="T2")
    asked = [c.token for c in fake_slack.calls_to("auth.test")]
    assert asked == [SCHOOL_ONE.bot_token, SCHOOL_TWO.bot_token]

    gone = slack.post(
        '{"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": "EvGone", '
        '"event": {"type": "app_uninstalled"}}',
        "application/json",
    )
    assert gone.status == 200
    answer = slack.command("action Something", user="UALICE", team="T1")
    assert answer.status == 200 and "Recorded" not in answer.text
    with sessions() as session:
        assert session.scalars(select(Action)).all() == []


def test_the_token_cache_keeps_the_newest_tokens_only() -> None:
    cache = RecentTokens(most=2)
    for token in ("xoxb-1", "xoxb-2", "xoxb-3"):
        cache[token] = token.upper()
    assert cache == {"xoxb-2": "XOXB-2", "xoxb-3": "XOXB-3"}


def test_rotating_tokens_are_refreshed_at_slack_api_url(
    oauth_url: str,
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    oauth_settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    """A token that runs out within the refresh margin is refreshed before use, by the web
    process and by the clock, through the fake (SLACK_API_URL), and the new one is used."""
    rotating = Install(
        team_id="T1", bot_token="xoxe.xoxb-first", installer="UALICE", rotating=True, expires_in=60
    )
    assert install(oauth_url, fake_slack, "code-one", rotating).status == 200
    assert install(oauth_url, fake_slack, "code-two", SCHOOL_TWO).status == 200
    fake_slack.clear()
    assert "now buddies" in slack.command("pair <@UBOB|bob>", user="UALICE", team="T1").text
    refreshes = [
        c
        for c in fake_slack.calls_to("oauth.v2.access")
        if c.params["grant_type"] == "refresh_token"
    ]
    assert refreshes
    lookups = fake_slack.calls_to("users.info")
    assert lookups and all(str(c.token).startswith("xoxe.xoxb-T1-") for c in lookups)
    slack.command("slot thu 16:00", user="UALICE", team="T1")
    slack.command("action Try retrieval starters with 9X", user="UALICE", team="T1")
    current = rotating.bot_token  # the fake's latest
    fake_slack.clear()
    chase_pass(oauth_settings, sessions, clock)
    [post] = fake_slack.calls_to("chat.postMessage")
    assert post.token != current and str(post.token).startswith("xoxe.xoxb-T1")
    assert any(c.params.get("grant_type") == "refresh_token" for c in fake_slack.calls)


# -- the schema ------------------------------------------------------------------------------


def test_the_migrated_tables_are_the_stores_own(engine: Engine) -> None:
    """Migration 0021 made the tables exactly as slack_sdk's stores define them (on SQLite and,
    in CI's second run, PostgreSQL)."""
    expected = MetaData()
    SQLAlchemyInstallationStore.build_installations_table(expected, INSTALLATIONS)
    SQLAlchemyInstallationStore.build_bots_table(expected, BOTS)
    SQLAlchemyOAuthStateStore.build_oauth_states_table(expected, OAUTH_STATES)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, expected)
    ours = {INSTALLATIONS, BOTS, OAUTH_STATES}
    about_ours = [d for d in differences if _table_of(d) in ours]
    assert about_ours == []


def _table_of(difference: object) -> str | None:
    first = difference[0] if isinstance(difference, list) else difference
    assert isinstance(first, tuple)
    for part in first[1:]:
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None and getattr(table, "name", None):
            return str(table.name)
        if isinstance(part, str) and part.startswith("slack_"):
            return part
        if name and str(name).startswith("slack_"):
            return str(name)
    return None


# -- one user id in two workspaces (Enterprise Grid) -------------------------------------------
# A pause taken, or leaving, in one workspace is that workspace's alone. Before, pauses and
# leavers were looked up by user id alone: Alice's pause in one school held her nudges, and showed
# in the facilitator's report, in the other.


def _alice_in_both_schools(slack: SlackClientForTests) -> None:
    """UALICE is Bob's buddy in T1 and Dan's in T2, with an action in T2 chased on Thursday."""
    assert "now buddies" in slack.command("pair <@UBOB|x>", user="UALICE", team="T1").text
    slack.command("slot thu 16:00", user="UALICE", team="T1")
    assert "now buddies" in slack.command("pair <@UDAN|x>", user="UALICE", team="T2").text
    slack.command("slot thu 16:00", user="UALICE", team="T2")
    assert (
        "Recorded action 1"
        in slack.command("action Observe a year 7 lesson", user="UALICE", team="T2").text
    )


def _t2_posts(fake_slack: FakeSlack) -> list[str]:
    return [
        str(c.params["channel"])
        for c in fake_slack.calls_to("chat.postMessage")
        if c.token == SCHOOL_TWO.bot_token
    ]


def test_a_pause_in_one_workspace_holds_nothing_in_the_other(
    oauth_url: str,
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    oauth_settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    install_both(oauth_url, fake_slack)
    _alice_in_both_schools(slack)
    answer = slack.command("pause 24/11 to 11/12 medical leave", user="UALICE", team="T1").text
    assert "pause" in answer.lower()

    slack.command("report", user="UFACIL", team="T2")
    assert "Paused: 0" in slack.told()
    slack.command("report", user="UFACIL", team="T1")
    assert "Paused: 1" in slack.told()

    fake_slack.clear()
    chase_pass(oauth_settings, sessions, clock)
    assert _t2_posts(fake_slack) == ["DUALICE"]  # her T2 chase goes on Thursday all the same


@pytest.mark.parametrize("leaves_t1", [False, True])
def test_leaving_one_workspace_stops_nothing_in_the_other(
    leaves_t1: bool,
    oauth_url: str,
    slack: SlackClientForTests,
    fake_slack: FakeSlack,
    oauth_settings: Settings,
    sessions: sessionmaker[Session],
    clock: SettableClock,
) -> None:
    install_both(oauth_url, fake_slack)
    _alice_in_both_schools(slack)
    if leaves_t1:
        event = {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_id": "EvAliceLeftT1",
            "event": {
                "type": "user_change",
                "user": {"id": "UALICE", "team_id": "T1", "deleted": True},
            },
        }
        assert slack.post(json.dumps(event), "application/json").status == 200
    fake_slack.clear()
    chase_pass(oauth_settings, sessions, clock)
    assert _t2_posts(fake_slack) == ["DUALICE"]
