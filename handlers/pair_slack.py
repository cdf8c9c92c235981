"""The Slack side of pairs: profiles from users.info, the pair's group DM, the user's own DM.

Channels are opened once (conversations.open is rate-limited) and their ids kept in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from handlers.command_types import CommandRequest
from handlers.deps import Deps
from models.directory import cohort_of, ensure_participant
from models.pairing import PairingError, SlackProfile, members_of, zone_of
from models.pairs import Pair
from models.people import Participant

logger = logging.getLogger(__name__)


def fetch_profiles(client: WebClient, user_ids: Sequence[str]) -> list[SlackProfile]:
    """Each person's zone and bot flag from users.info; someone Slack doesn't know is refused."""
    profiles = []
    for user_id in user_ids:
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            if error.response.get("error") in ("user_not_found", "users_not_found"):
                raise PairingError(
                    f"I couldn't find <@{user_id}> in this Slack workspace.",
                    "/buddy pair @Sam",
                ) from error
            raise
        profiles.append(
            SlackProfile(
                user_id=user_id,
                timezone=user.get("tz") or None,
                is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT",
                deleted=bool(user.get("deleted")),
            )
        )
    return profiles


def caller_of(session: Session, request: CommandRequest, deps: Deps) -> Participant:
    return ensure_participant(session, request.team_id, request.user_id, deps.clock.now())


def local_today(participant: Participant, now: datetime) -> date:
    """Today where the participant is: what `thu` and `3/12` are read against."""
    return now.astimezone(ZoneInfo(zone_of(participant))).date()


def caller_today(request: CommandRequest, deps: Deps) -> date:
    """The caller's today, for reading dates they typed (`thu`, `3/12`)."""
    with deps.session() as session:
        return local_today(caller_of(session, request, deps), deps.clock.now())


def cohort_zone(session: Session, participant: Participant, now: datetime) -> str:
    return cohort_of(session, participant, now).timezone


def pair_channel(client: WebClient, session: Session, pair: Pair) -> str:
    """The pair's group DM, opened on first use and kept on the pair."""
    if pair.group_channel_id:
        return pair.group_channel_id
    users = ",".join(m.slack_user_id for m in members_of(session, pair))
    channel = client.conversations_open(users=users)["channel"]["id"]
    pair.group_channel_id = str(channel)
    session.flush()
    return pair.group_channel_id


def user_dm_channel(client: WebClient, session: Session, participant: Participant) -> str:
    """The user's DM with Buddy, opened once: files need a real channel id."""
    if participant.dm_channel_id:
        return participant.dm_channel_id
    channel = client.conversations_open(users=participant.slack_user_id)["channel"]["id"]
    participant.dm_channel_id = str(channel)
    session.flush()
    return participant.dm_channel_id


def tell_pair(
    client: WebClient, deps: Deps, pair_id: int, text: str, blocks: list[dict[str, Any]]
) -> bool:
    """Post to the pair's group DM; a failure is logged and reported, never raised."""
    try:
        with deps.session() as session:
            pair = session.get(Pair, pair_id)
            if pair is None:
                return False
            channel = pair_channel(client, session, pair)
        client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    except SlackApiError:
        logger.exception("Could not post to pair %s", pair_id)
        return False
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


NOT_TOLD = (
    "\n:warning: I couldn't post to your pair's conversation just now, so please let your buddy "
    "know yourself."
)
