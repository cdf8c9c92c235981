"""Moments as each reader sees them, in their own local time (Slack draws the token itself,
Teams with its card date functions: `frontends/teams/markup.py`).

Slack formats `<!date^<unix seconds>^<tokens>|<fallback>>` in the reader's own zone: the tokens
(`{date_long_pretty}`, `{date_short_pretty}`, `{time}`, ...) are replaced by the reader's client;
the fallback is shown where it cannot be (notifications, older clients, plain_text fields). So the
fallback is plain words in a zone named the friendly way (`Thu 26 Nov at 16:00 UK time`).
Only mrkdwn renders the token: never put one in a button label or any plain_text.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from conversation.markup import escape
from models.grammar import format_clock, format_day, format_time

# `Thursday, November 26th` (or today, tomorrow) `at 4:00 PM` / `16:00` as the reader prefers.
DAY_AND_TIME = "{date_long_pretty} at {time}"
DAY_ONLY = "{date_long_pretty}"

_FRIENDLY = {
    "Europe/London": "UK time",
    "Europe/Belfast": "UK time",
    "GB": "UK time",
    "Europe/Dublin": "Irish time",
    "Etc/UTC": "UTC",
    "UTC": "UTC",
}


def friendly_zone(zone: str) -> str:
    """`UK time` for Europe/London, `Paris time` for Europe/Paris, `New York time` ..."""
    if zone in _FRIENDLY:
        return _FRIENDLY[zone]
    city = zone.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city} time"


def slack_date(text_tokens: str, moment: datetime, fallback: str) -> str:
    """Slack's date token: `<!date^1795536000^{date_long_pretty} at {time}|Thu 26 Nov ...>`.
    The fallback is escaped here, once (it ends at the first `>`)."""
    return f"<!date^{int(moment.timestamp())}^{text_tokens}|{escape(fallback)}>"


def local_moment(moment: datetime, zone: str, today: date | None = None) -> str:
    """`Thu 26 Nov at 16:00 UK time`: plain words, the zone named."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{format_day(local.date(), today)} at {format_time(local.time())} {friendly_zone(zone)}"


def moment_for_all(moment: datetime, zone: str, today: date | None = None) -> str:
    """A moment each reader sees in their own time; the fallback in `zone`, named."""
    return slack_date(DAY_AND_TIME, moment, local_moment(moment, zone, today))


def clock_for_all(moment: datetime, zone: str, today: date | None = None) -> str:
    """The one-line note's style (`Fri 13 Nov, 5pm`), each reader in their own time."""
    local = moment.astimezone(ZoneInfo(zone))
    fallback = (
        f"{format_day(local.date(), today)}, {format_clock(local.time())} {friendly_zone(zone)}"
    )
    return slack_date(DAY_AND_TIME, moment, fallback)


def day_for_all(moment: datetime, zone: str, today: date | None = None) -> str:
    """The day of a moment, each reader's own (`Thu 26 Nov` in the fallback)."""
    local = moment.astimezone(ZoneInfo(zone))
    return slack_date(DAY_ONLY, moment, format_day(local.date(), today))
