"""Slack's `Outlet`: what handlers ask of the platform, done with the Web API.

Where Buddy talks: a pair's group DM and a person's own DM, opened once and kept (conversations.open
is rate-limited, Tier 3, so each channel id is kept in the database after the first open); people's
profiles from users.info. Telling people is best effort: a failure is logged and reported, never
raised. Posting, redrawing, files and forms raise `OutletError` with Slack's own error word (or
`UNREACHABLE`), for the handler to word.

A post that names people (a pair told of a skip and why, a buddy told of a pause) is recorded
as being about each of them, by channel and ts only, so that erasing one of them finds it.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from conversation.blocks import Form, HomeView, Part
from conversation.deps import Deps
from conversation.outlet import UNREACHABLE, OutletError, Posted, SentFile
from conversation.replies import OutgoingMessage
from frontends.slack.blockkit import draw_blocks, draw_view
from models.deliveries import remember_direct_post
from models.pairs import Pair, Profile, members_of
from models.people import Participant
from models.refusals import Refusal

logger = logging.getLogger(__name__)

# A person named in a message Buddy writes: `<@U123>` (or `<@U123|name>`). Typed text is escaped
# on the way out, so only Buddy's own mentions match.
_MENTIONED = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")

# Profiles read before an ack share Slack's 3 seconds with everything else the request does.
QUICK_TIMEOUT_SECONDS = 1
SLACK_BUSY = (
    "Slack is slow to answer just now, so I haven't changed anything. Please try again in a moment."
)
DOWNLOAD_TIMEOUT_SECONDS = 30
# `open_form` without a trigger: Slack opens a modal only with the trigger of a press or command.
NO_TRIGGER = "no_trigger"


def reason_of(error: SlackApiError) -> str:
    """Slack's own word for a refusal (`not_in_channel`, `message_not_found`)."""
    return str(error.response.get("error") or "unknown_error")


@contextmanager
def _refusals() -> Iterator[None]:
    """Slack's refusals as `OutletError(reason)`, for the handler to word."""
    try:
        yield
    except SlackApiError as error:
        raise OutletError(reason_of(error)) from error
    except OSError as error:  # a timeout, or a connection Slack dropped
        raise OutletError(UNREACHABLE) from error


class SlackOutlet:
    """The Web API, with the request's own client (each workspace its token) and the workspace
    that client speaks for: what it posts is recorded as about that workspace's people only."""

    platform = "slack"

    def __init__(self, client: WebClient, team_id: str) -> None:
        self.client = client
        self.team_id = team_id

    # -- telling people (best effort) --

    def tell_pair(self, deps: Deps, pair_id: int, message: OutgoingMessage) -> bool:
        """Post to the pair's group DM; False (and logged) when Slack could not be reached."""
        try:
            with deps.session() as session:
                pair = session.get(Pair, pair_id)
                if pair is None:
                    return False
                channel = pair_channel(self.client, session, pair)
            posted = self.client.chat_postMessage(
                channel=channel, text=message.text, blocks=draw_blocks(message.blocks)
            )
        except SlackApiError:
            logger.exception("Could not post to pair %s", pair_id)
            return False
        remember_post(deps, self.team_id, named_in(message.text, message.blocks), posted)
        return True

    def tell_people(self, user_ids: Sequence[str], text: str) -> bool:
        """Post to each person's DM by user id (no conversations.open needed for plain text)."""
        ok = True
        for user_id in user_ids:
            try:
                self.client.chat_postMessage(channel=user_id, text=text)
            except SlackApiError:
                logger.exception("Could not tell %s", user_id)
                ok = False
        return ok

    def tell_person(self, user_id: str, message: OutgoingMessage, deps: Deps | None = None) -> bool:
        """Post a message with blocks to one person's DM; False (and logged) when it failed. With
        `deps`, where it went is recorded for each person it names (a pause notice names who
        paused)."""
        try:
            posted = self.client.chat_postMessage(
                channel=user_id, text=message.text, blocks=draw_blocks(message.blocks) or None
            )
        except SlackApiError:
            logger.exception("Could not tell %s", user_id)
            return False
        if deps is not None:
            remember_post(deps, self.team_id, named_in(message.text, message.blocks), posted)
        return True

    # -- posting and redrawing (raise OutletError) --

    def pair_conversation(self, session: Session, pair: Pair) -> str:
        with _refusals():
            return pair_channel(self.client, session, pair)

    def person_conversation(self, session: Session, participant: Participant) -> str:
        with _refusals():
            return user_dm_channel(self.client, session, participant)

    def post(self, conversation: str, message: OutgoingMessage) -> Posted:
        with _refusals():
            response = self.client.chat_postMessage(
                channel=conversation,
                text=message.text,
                blocks=draw_blocks(message.blocks) or None,
                thread_ts=message.thread_ts or None,
            )
        return Posted(str(response.get("channel") or conversation), str(response["ts"]))

    def update(self, conversation: str, message_id: str, message: OutgoingMessage) -> None:
        with _refusals():
            self.client.chat_update(
                channel=conversation,
                ts=message_id,
                text=message.text,
                blocks=draw_blocks(message.blocks),
            )

    def delete(self, conversation: str, message_id: str) -> None:
        with _refusals():
            self.client.chat_delete(channel=conversation, ts=message_id)

    def send_files(self, conversation: str, files: Sequence[SentFile], comment: str) -> list[str]:
        """Upload the files to the conversation in one message; the ids Slack gave them."""
        uploads: list[dict[str, Any]] = []
        for sent in files:
            upload: dict[str, Any] = {
                "content": sent.content,
                "filename": sent.filename,
                "title": sent.title,
            }
            if sent.alt_text:
                upload["alt_txt"] = sent.alt_text
            uploads.append(upload)
        with _refusals():
            uploaded = self.client.files_upload_v2(
                channel=conversation,
                file_uploads=uploads,
                initial_comment=comment,
                request_file_info=False,
            )
        return _file_ids(uploaded.get("files"))

    def delete_file(self, file_id: str) -> None:
        with _refusals():
            self.client.files_delete(file=file_id)

    def download(self, file_id: str, most_bytes: int) -> bytes:
        """A file someone uploaded in a form: at most `most_bytes + 1` bytes, so the caller can
        tell a file over its limit."""
        with _refusals():
            info = self.client.files_info(file=file_id)["file"]
        url = str(info.get("url_private_download") or info.get("url_private"))
        request = urllib.request.Request(
            url, headers={"Authorization": f"Bearer {self.client.token}"}
        )
        with _refusals(), urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_SECONDS) as got:
            data: bytes = got.read(most_bytes + 1)
        return data

    # -- forms and Home --

    def open_form(self, trigger_id: str | None, form: Form) -> str:
        """`views.open` with the trigger of the press or command; the id of the opened view."""
        if not trigger_id:
            raise OutletError(NO_TRIGGER)
        with _refusals():
            opened = self.client.views_open(trigger_id=trigger_id, view=draw_view(form))
        view = opened.get("view")
        view_id = view.get("id") if isinstance(view, dict) else None
        return view_id if isinstance(view_id, str) else ""

    def update_form(self, view_id: str, form: Form, view_hash: str | None = None) -> None:
        with _refusals():
            self.client.views_update(view_id=view_id, hash=view_hash, view=draw_view(form))

    def publish_home(self, user_id: str, view: HomeView) -> None:
        with _refusals():
            self.client.views_publish(user_id=user_id, view=draw_view(view))

    # -- people --

    def profiles(self, user_ids: Sequence[str]) -> list[Profile]:
        with _refusals():
            return fetch_profiles(self.client, user_ids)

    def quick_profiles(self, user_ids: Sequence[str]) -> list[Profile]:
        with _refusals():
            return quick_profiles(self.client, user_ids)

    def user_ids_by_email(self, emails: Sequence[str]) -> dict[str, str]:
        return user_ids_by_email(self.client, emails)


# -- the Web API calls behind it (the clock's sender opens conversations the same way) ----------


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


def remember_post(deps: Deps, team_id: str, about: Sequence[str], posted: SlackResponse) -> None:
    """Record where a post in workspace `team_id` about these people went (the channel and ts
    Slack answered), never what it said. Best effort: the post is out, so a failure here is only
    logged."""
    channel = _answered(posted, "channel")
    ts = _answered(posted, "ts")
    if not about or channel is None or ts is None:
        return
    try:
        with deps.session() as session:
            remember_direct_post(session, team_id, about, channel, ts=ts)
    except SQLAlchemyError:
        logger.exception("Could not record where a message in %s went", channel)


def _answered(posted: SlackResponse, field: str) -> str | None:
    value = posted.get(field)
    return value if isinstance(value, str) and value else None


def _file_ids(files: object) -> list[str]:
    if not isinstance(files, list):
        return []
    return [str(f["id"]) for f in files if isinstance(f, dict) and isinstance(f.get("id"), str)]
