"""Where Buddy talks: a pair's group DM and a person's own DM, opened once and kept; and people's
profiles from users.info.

conversations.open is rate-limited (Tier 3), so each channel id is kept in the database after the
first open. Telling people is best effort: a failure is logged and reported, never raised.

A post that names people (a pair told of a skip and why, a buddy told of a pause) is recorded
as being about each of them, by channel and ts only, so that erasing one of them finds it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from conversation.blocks import Part
from frontends.slack.blockkit import draw_blocks
from handlers.slack.deps import Deps
from handlers.slack.replies import OutgoingMessage, Reply, ephemeral
from models.deliveries import remember_direct_post
from models.pairs import Pair, Profile, members_of
from models.people import Participant
from models.refusals import Refusal

logger = logging.getLogger(__name__)

# A person named in a message Buddy writes: `<@U123>` (or `<@U123|name>`). Typed text is escaped
# on the way out, so only Buddy's own mentions match.
_MENTIONED = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")

NOT_TOLD = (
    "\n:warning: I couldn't post to your pair's conversation just now, so please let your buddy "
    "know yourself."
)


def fetch_profiles(client: WebClient, user_ids: Sequence[str]) -> list[Profile]:
    """Each person's zone and bot flag from users.info; someone Slack doesn't know is refused."""
    profiles = []
    for user_id in user_ids:
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            if error.response.get("error") in ("user_not_found", "users_not_found"):
                raise Refusal(
                    "I couldn't find {0} in this Slack workspace.", "pair @Sam", people=[user_id]
                ) from error
            raise
        profiles.append(
            Profile(
                user_id=user_id,
                timezone=user.get("tz") or None,
                is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT",
                deleted=bool(user.get("deleted")),
                name=display_name(user),
            )
        )
    return profiles


# Profiles read before an ack share Slack's 3 seconds with everything else the request does.
QUICK_TIMEOUT_SECONDS = 1
SLACK_BUSY = (
    "Slack is slow to answer just now, so I haven't changed anything. Please try again in a moment."
)


def quick_profiles(client: WebClient, user_ids: Sequence[str]) -> list[Profile]:
    """`fetch_profiles` inside the ack's time: a short timeout and no retry (a 429's Retry-After
    would outlast Slack's 3 seconds); a slow or busy Slack is a refusal that changed nothing."""
    quick = WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=QUICK_TIMEOUT_SECONDS,
        retry_handlers=[],
    )
    try:
        return fetch_profiles(quick, user_ids)
    except SlackApiError as error:
        if error.response.status_code == 429 or error.response.status_code >= 500:
            raise Refusal(SLACK_BUSY, "pair @Sam") from error
        raise
    except (TimeoutError, OSError) as error:  # a timeout or a connection Slack dropped
        raise Refusal(SLACK_BUSY, "pair @Sam") from error


def display_name(user: dict[str, Any]) -> str | None:
    """The name Slack shows: the display name, else the real name, else the handle."""
    found = user.get("profile")
    profile: dict[str, Any] = found if isinstance(found, dict) else {}
    for value in (
        profile.get("display_name"),
        profile.get("real_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def user_ids_by_email(client: WebClient, emails: Sequence[str]) -> dict[str, str]:
    """The Slack user id of each email Slack knows (users.lookupByEmail); unknown ones left out."""
    found: dict[str, str] = {}
    for email in emails:
        try:
            found[email] = str(client.users_lookupByEmail(email=email)["user"]["id"])
        except SlackApiError:
            continue
    return found


def open_conversation(client: WebClient, user_ids: Sequence[str]) -> str:
    return str(client.conversations_open(users=",".join(user_ids))["channel"]["id"])


def pair_channel(client: WebClient, session: Session, pair: Pair) -> str:
    """The pair's group DM, opened on first use and kept on the pair."""
    if not pair.group_channel_id:
        members = [m.user_id for m in members_of(session, pair)]
        pair.group_channel_id = open_conversation(client, members)
        session.flush()
    return pair.group_channel_id


def user_dm_channel(client: WebClient, session: Session, participant: Participant) -> str:
    """The person's DM with Buddy, opened once: files need a real channel id."""
    if not participant.dm_channel_id:
        participant.dm_channel_id = open_conversation(client, [participant.user_id])
        session.flush()
    return participant.dm_channel_id


def named_in(text: str, blocks: Sequence[Part] | None = None) -> list[str]:
    """The Slack ids a message Buddy wrote mentions, in its text or its blocks, each once."""
    found = _MENTIONED.findall(text) + _MENTIONED.findall(json.dumps(draw_blocks(blocks or [])))
    return list(dict.fromkeys(found))


def remember_post(
    deps: Deps,
    about: Sequence[str],
    posted: SlackResponse,
    *,
    channel: str | None = None,
    file_id: str | None = None,
) -> None:
    """Record where a post about these people went (the channel and ts Slack answered, or the
    file), never what it said. Best effort: the post is out, so a failure here is only logged."""
    channel = channel or _answered(posted, "channel")
    ts = _answered(posted, "ts")
    if not about or channel is None or (ts is None and file_id is None):
        return
    try:
        with deps.session() as session:
            remember_direct_post(session, about, channel, ts=ts, file_id=file_id)
    except SQLAlchemyError:
        logger.exception("Could not record where a message in %s went", channel)


def _answered(posted: SlackResponse, field: str) -> str | None:
    value = posted.get(field)
    return value if isinstance(value, str) and value else None


def tell_pair(client: WebClient, deps: Deps, pair_id: int, text: str, blocks: list[Part]) -> bool:
    """Post to the pair's group DM; False (and logged) when Slack could not be reached."""
    try:
        with deps.session() as session:
            pair = session.get(Pair, pair_id)
            if pair is None:
                return False
            channel = pair_channel(client, session, pair)
        posted = client.chat_postMessage(channel=channel, text=text, blocks=draw_blocks(blocks))
    except SlackApiError:
        logger.exception("Could not post to pair %s", pair_id)
        return False
    remember_post(deps, named_in(text, blocks), posted)
    return True


def tell_people(client: WebClient, user_ids: Sequence[str], text: str) -> bool:
    """Post to each person's DM by user id (no conversations.open needed for plain messages)."""
    ok = True
    for user_id in user_ids:
        try:
            client.chat_postMessage(channel=user_id, text=text)
        except SlackApiError:
            logger.exception("Could not tell %s", user_id)
            ok = False
    return ok


def tell_person(
    client: WebClient, user_id: str, message: OutgoingMessage, deps: Deps | None = None
) -> bool:
    """Post a message with blocks to one person's DM; False (and logged) when it failed. With
    `deps`, where it went is recorded for each person it names (a pause notice names who paused)."""
    try:
        posted = client.chat_postMessage(
            channel=user_id, text=message.text, blocks=draw_blocks(message.blocks) or None
        )
    except SlackApiError:
        logger.exception("Could not tell %s", user_id)
        return False
    if deps is not None:
        remember_post(deps, named_in(message.text, message.blocks), posted)
    return True


def tell_pair_later(
    deps: Deps, pair_id: int, message: OutgoingMessage
) -> Callable[[WebClient], Reply | None]:
    """Slow work for after the ack: tell the pair; the caller hears back only if that failed."""

    def tell(client: WebClient) -> Reply | None:
        if tell_pair(client, deps, pair_id, message.text, message.blocks):
            return None
        return ephemeral(NOT_TOLD.strip())

    return tell


def told_or_not(answer: str, told: bool) -> str:
    """The caller's answer, with a note when their pair could not be told."""
    return answer if told else answer + NOT_TOLD
