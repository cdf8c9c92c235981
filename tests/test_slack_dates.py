"""Slack's date tokens: `<!date^seconds^tokens|fallback>`, zones named kindly."""

from __future__ import annotations

from datetime import UTC, datetime

from conversation.moments import day_for_all, friendly_zone, moment_for_all, slack_date
from tests.slack_dates import DAY_ONLY, token


def test_a_moment_is_a_token_with_a_plain_fallback_in_the_named_zone() -> None:
    moment = datetime(2026, 10, 15, 15, 0, tzinfo=UTC)
    assert moment_for_all(moment, "Europe/London") == token(moment, "Thu 15 Oct at 16:00 UK time")
    assert moment_for_all(moment, "Europe/Paris") == token(moment, "Thu 15 Oct at 17:00 Paris time")
    assert day_for_all(moment, "Europe/London") == token(moment, "Thu 15 Oct", DAY_ONLY)


def test_zones_are_named_the_friendly_way() -> None:
    assert friendly_zone("Europe/London") == "UK time"
    assert friendly_zone("America/New_York") == "New York time"
    assert friendly_zone("UTC") == "UTC"


def test_the_fallback_is_escaped_so_it_cannot_end_the_token() -> None:
    moment = datetime(2026, 10, 15, 15, 0, tzinfo=UTC)
    assert slack_date("{time}", moment, "a > b & c") == (
        f"<!date^{int(moment.timestamp())}^{{time}}|a &gt; b &amp; c>"
    )
