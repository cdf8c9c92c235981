"""Sends requests to the running app exactly as Slack does: form or JSON bodies, signed."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.block_kit import check_message, check_view

SIGNING_SECRET = "test-signing-secret"
TEAM_ID = "T1"


@dataclass
class HttpResult:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        """The ack's text plus the text of its blocks: what the person reads."""
        if not self.body:
            return ""
        data = self.json()
        return message_text(data)


def message_text(message: dict[str, Any]) -> str:
    parts = [str(message.get("text", ""))]
    parts.extend(_block_texts(message.get("blocks") or []))
    return "\n".join(parts)


def _block_texts(blocks: list[dict[str, Any]]) -> list[str]:
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and "text" in node:
                texts.append(str(node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return texts


def sign(
    body: str | bytes, timestamp: int | None = None, secret: str = SIGNING_SECRET
) -> dict[str, str]:
    """Slack's v0 signature, over bytes so that a body which is not UTF-8 can be signed too."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    raw = body.encode() if isinstance(body, str) else body
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + digest.hexdigest()}


class SlackClientForTests:
    """Plays Slack towards the app at `events_url`."""

    def __init__(
        self, events_url: str, response_url: str, response_posts: list[dict[str, Any]] | None = None
    ) -> None:
        self.events_url = events_url
        self.response_url = response_url
        self._trigger = 0
        # Where the fake Slack keeps what was posted to response URLs, to see what a request told.
        self._response_posts = response_posts if response_posts is not None else []
        self.last_told: list[dict[str, Any]] = []

    def post(
        self,
        body: str | bytes,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
    ) -> HttpResult:
        all_headers = {"Content-Type": content_type, **sign(body, timestamp, secret)}
        all_headers.update(headers or {})
        data = body.encode() if isinstance(body, str) else body
        request = urllib.request.Request(
            self.events_url, data=data, headers=all_headers, method="POST"
        )
        posted_before = len(self._response_posts)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                result = HttpResult(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return HttpResult(error.code, error.read().decode())
        acked = result.json() if result.body.startswith("{") else {}
        if "text" in acked or "blocks" in acked:
            check_message(acked)  # a command's answer in the ack, as Slack would check it
        elif acked.get("response_action") in ("update", "push"):
            check_view(acked["view"])
        self.last_told = ([acked] if acked.get("text") else []) + self._response_posts[
            posted_before:
        ]
        return result

    def told(self) -> str:
        """Everything the last request told its sender: the ack's answer, then any that followed."""
        assert self.last_told, "the last request told its sender nothing"
        return "\n".join(message_text(m) for m in self.last_told)

    def command(
        self,
        text: str,
        *,
        user: str = "UALICE",
        channel: str = "CCOHORT",
        team: str = TEAM_ID,
        trigger_id: str | None = None,
        **signing: Any,
    ) -> HttpResult:
        """A slash command; pass `trigger_id` to send the same one again, as a retry or replay."""
        self._trigger += 1
        form = {
            "token": "legacy",
            "team_id": team,
            "team_domain": "school",
            "channel_id": channel,
            "channel_name": "cohort",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/buddy",
            "text": text,
            "api_app_id": "A1",
            "response_url": self.response_url,
            "trigger_id": trigger_id or f"trigger-{self._trigger}",
        }
        return self.post(urlencode(form), "application/x-www-form-urlencoded", **signing)

    def interaction(self, payload: dict[str, Any], **signing: Any) -> HttpResult:
        """A block action or view submission: a form with one `payload` field of JSON."""
        payload.setdefault("team", {"id": TEAM_ID, "domain": "school"})
        payload.setdefault("api_app_id", "A1")
        payload.setdefault("token", "legacy")
        self._trigger += 1
        payload.setdefault("trigger_id", f"trigger-{self._trigger}")
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", **signing)

    def block_action(
        self,
        action_id: str,
        value: str = "",
        *,
        user: str = "UALICE",
        channel: str = "CCOHORT",
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        block_id: str = "b",
        extra_action: dict[str, Any] | None = None,
        trigger_id: str | None = None,
        **signing: Any,
    ) -> HttpResult:
        action: dict[str, Any] = {
            "type": "button",
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "action_ts": str(time.time()),
        }
        action.update(extra_action or {})
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
            "actions": [action],
            "response_url": self.response_url,
        }
        if view is not None:
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
        else:
            msg = message or {"ts": "1700000000.000100", "text": "", "blocks": []}
            payload["channel"] = {"id": channel, "name": "cohort"}
            payload["message"] = msg
            payload["container"] = {
                "type": "message",
                "message_ts": msg.get("ts"),
                "channel_id": channel,
            }
        if trigger_id is not None:
            payload["trigger_id"] = trigger_id
        return self.interaction(payload, **signing)

    def view_submission(
        self,
        view: dict[str, Any],
        state_values: dict[str, Any],
        *,
        user: str = "UALICE",
        trigger_id: str | None = None,
        **signing: Any,
    ) -> HttpResult:
        submitted = {
            "id": view.get("id", "V1"),
            "hash": "h1",
            **{k: v for k, v in view.items() if k != "state"},
            "state": {"values": state_values},
        }
        payload = {
            "type": "view_submission",
            "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
            "view": submitted,
        }
        if trigger_id is not None:
            payload["trigger_id"] = trigger_id
        return self.interaction(payload, **signing)
