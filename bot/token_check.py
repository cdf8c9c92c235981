"""Ask Slack, once at start, whether the bot token works: a placeholder token from `.env.example`
should stop the process with a plain sentence, not "listen" and fail at the first request."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import Settings, SettingsError

CHECK_TIMEOUT_SECONDS = 10


def check_bot_token(settings: Settings) -> str:
    """The bot's user id from auth.test; SettingsError saying what went wrong otherwise.

    Teams-only settings, and those installing Buddy in many workspaces (OAuth), have no one Slack
    token to check: "" without asking Slack."""
    if settings.bot_token is None:  # Teams only, or each workspace's token from its install
        return ""
    client = WebClient(
        token=settings.bot_token, base_url=settings.slack_api_url, timeout=CHECK_TIMEOUT_SECONDS
    )
    try:
        answer = client.auth_test()
    except SlackApiError as error:
        reason = error.response.get("error", "an error") if error.response else "an error"
        raise SettingsError(
            f"Slack refused SLACK_BOT_TOKEN ({reason}). Copy the Bot User OAuth Token (xoxb-...) "
            "from your app's OAuth & Permissions page into .env, and install the app to your "
            "workspace if you haven't yet."
        ) from error
    except OSError as error:
        raise SettingsError(
            f"Couldn't reach Slack at {settings.slack_api_url} to check SLACK_BOT_TOKEN "
            f"({error}). Is this machine online, and is SLACK_API_URL right?"
        ) from error
    return str(answer.get("user_id") or "")
