"""Answers given in the ack's own body, before any listener runs (a second delivery, an
org-wide install, an error): Slack shows a slash command's JSON body to its sender alone."""

from __future__ import annotations

import json

from slack_bolt import BoltResponse

from conversation.replies import ephemeral


def ephemeral_ack(text: str) -> BoltResponse:
    """A slash command's answer, seen by its sender only."""
    return BoltResponse(
        status=200,
        body=json.dumps(ephemeral(text)),
        headers={"content-type": "application/json;charset=utf-8"},
    )


def empty_ack() -> BoltResponse:
    """Received, nothing to show (an event, a button)."""
    return BoltResponse(status=200, body="")
