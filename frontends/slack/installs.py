"""One Buddy installed in many Slack workspaces: Bolt's own OAuth flow, slack_sdk's SQLAlchemy
installation and state stores on Buddy's database, and each workspace's bot token for the clock.

Everything is configured here, explicitly. Left to itself, Bolt turns OAuth on with file stores
in the working directory when it sees SLACK_CLIENT_ID and SLACK_CLIENT_SECRET in the environment,
and `OAuthSettings` reads SLACK_SCOPES, SLACK_REDIRECT_URI and more from it; the token refresher
it builds calls slack.com whatever SLACK_API_URL says. Here the scopes are the manifest's, the
stores are Buddy's tables (created by migration 0021, `install_tables.py`), and every call, token
refreshes included, goes to SLACK_API_URL.

The state of an install is Bolt's: a single-use random value kept in the state store and in a
cookie on the installer's browser, so a missing, forged or replayed state is refused (4xx).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth import AuthorizeUrlGenerator
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine, desc, select

from bot.logging_setup import quiet_logger
from bot.manifests import BOT_SCOPES
from bot.settings import Settings
from frontends.slack.install_tables import BOTS, INSTALLATIONS, OAUTH_STATES, installations

logger = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# How long an install link's state lives (Bolt's default): time enough to read Slack's page.
STATE_SECONDS = 600
# A rotating token is refreshed this long before it runs out (Bolt's default).
REFRESH_MINUTES_BEFORE = 120
REFRESH_TIMEOUT_SECONDS = 10
# Tokens whose auth.test answer the web process keeps (a few per workspace installed).
TOKENS_REMEMBERED = 10_000


def scopes() -> list[str]:
    """The bot scopes an install asks for: the manifest's, said once in bot/manifests.py."""
    return [scope for scope, _why in BOT_SCOPES]


def installation_store(settings: Settings, engine: Engine) -> SQLAlchemyInstallationStore:
    assert settings.client_id is not None
    return SQLAlchemyInstallationStore(
        client_id=settings.client_id,
        engine=engine,
        bots_table_name=BOTS,
        installations_table_name=INSTALLATIONS,
        logger=logging.getLogger("buddy.slack_installations"),
    )


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    return SQLAlchemyOAuthStateStore(
        expiration_seconds=STATE_SECONDS,
        engine=engine,
        table_name=OAUTH_STATES,
        logger=logging.getLogger("buddy.slack_oauth_states"),
    )


def refresh_client(settings: Settings) -> WebClient:
    """The client token refreshes (oauth.v2.access with a refresh token) go through: Bolt's own
    would be a bare WebClient on slack.com."""
    return WebClient(
        base_url=settings.slack_api_url,
        timeout=REFRESH_TIMEOUT_SECONDS,
        logger=quiet_logger("buddy.slack_refresh"),
    )


def token_rotator(settings: Settings) -> TokenRotator:
    assert settings.client_id is not None and settings.client_secret is not None
    return TokenRotator(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        client=refresh_client(settings),
    )


def oauth_settings(
    settings: Settings,
    engine: Engine,
    *,
    installed: Callable[[Installation], None],
) -> OAuthSettings:
    """Bolt's OAuth settings, every one given (none read from the environment); `installed` is
    told of each completed install (a workspace back after an uninstall picks up again)."""
    assert settings.client_id is not None and settings.client_secret is not None
    store = installation_store(settings, engine)
    bolt_logger = logging.getLogger("buddy.slack_oauth")

    def succeeded(args: SuccessArgs) -> BoltResponse:
        installed(args.installation)
        return args.default.success(args)

    def failed(args: FailureArgs) -> BoltResponse:
        logger.info("Refused an install: %s", args.reason)
        return args.default.failure(args)

    found = OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=scopes(),
        user_scopes=[],
        install_path=INSTALL_PATH,
        # The install link goes straight to Slack (its state cookie set), no page in between.
        install_page_rendering_enabled=False,
        redirect_uri_path=REDIRECT_PATH,
        callback_options=CallbackOptions(success=succeeded, failure=failed),
        installation_store=store,
        installation_store_bot_only=False,
        token_rotation_expiration_minutes=REFRESH_MINUTES_BEFORE,
        state_validation_enabled=True,
        state_store=state_store(engine),
        state_expiration_seconds=STATE_SECONDS,
        logger=bolt_logger,
    )
    # SLACK_REDIRECT_URI in the environment would have been read: the app's one redirect URL
    # (the manifest's) is the one Slack uses when none is named.
    found.redirect_uri = None
    found.authorize_url_generator = AuthorizeUrlGenerator(
        client_id=settings.client_id,
        redirect_uri=None,
        scopes=found.scopes,
        user_scopes=[],
        authorization_url=found.authorization_url,
    )
    # The authorize Bolt built refreshes tokens through a client of its own, on slack.com.
    found.authorize = InstallationStoreAuthorize(
        logger=bolt_logger,
        installation_store=store,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        token_rotation_expiration_minutes=REFRESH_MINUTES_BEFORE,
        bot_only=False,
        client=refresh_client(settings),
        user_token_resolution="authed_user",
        # Without it Bolt calls auth.test before every request is answered: a round trip to
        # Slack inside its 3 s. What auth.test says of a token (its bot's ids) does not change;
        # the installation is still read each time, so an uninstalled workspace is refused.
        cache_enabled=True,
    )
    found.authorize.authorize_result_cache = RecentTokens()
    return found


class RecentTokens(dict[str, Any]):
    """Bolt's cache of what auth.test said of each token, kept to the most recently added
    `most`: rotating tokens are replaced twice a day, so a plain dict would grow for ever."""

    def __init__(self, most: int = TOKENS_REMEMBERED) -> None:
        super().__init__()
        self.most = most

    def __setitem__(self, token: str, value: Any) -> None:
        super().__setitem__(token, value)
        while len(self) > self.most:
            del self[next(iter(self))]


class TeamTokens:
    """Each workspace's bot token from its installation, for the clock: refreshed first when it
    rotates and is about to run out (saved, as the web process saves its refreshes)."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.store = installation_store(settings, engine)
        self.rotator = token_rotator(settings)
        self.engine = engine

    def bot_token(self, team_id: str) -> str | None:
        """None when Buddy is not installed in `team_id` (never installed, or uninstalled)."""
        c = installations.c
        with self.engine.connect() as connection:
            enterprise_id = connection.execute(
                select(c.enterprise_id)
                .where(c.client_id == self.store.client_id, c.team_id == team_id)
                .order_by(desc(c.installed_at))
                .limit(1)
            ).first()
        if enterprise_id is None:
            return None
        found = self.store.find_installation(enterprise_id=enterprise_id[0], team_id=team_id)
        if found is None or found.bot_token is None:
            return None
        refreshed = self.rotator.perform_token_rotation(
            installation=found, minutes_before_expiration=REFRESH_MINUTES_BEFORE
        )
        if refreshed is not None:
            self.store.save(refreshed)
            return refreshed.bot_token
        return found.bot_token
