"""The Block Kit check every test runs on what Buddy sent refuses what Slack would refuse."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackObjectFormationError

from handlers.slack.blocks import section_block
from tests.block_kit import check_message, check_view


def test_a_section_over_slacks_limit_is_caught() -> None:
    over = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    with pytest.raises(SlackObjectFormationError):
        check_message({"text": "fallback", "blocks": [over]})


def test_too_many_blocks_and_a_long_modal_title_are_caught() -> None:
    with pytest.raises(AssertionError):
        check_message({"text": "fallback", "blocks": [section_block("hi")] * 51})
    with pytest.raises(SlackObjectFormationError):
        check_view(
            {"type": "modal", "title": {"type": "plain_text", "text": "t" * 25}, "blocks": []}
        )
