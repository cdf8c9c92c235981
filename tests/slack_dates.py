"""Slack's date tokens as a test expects them, written out by hand (not with the app's builder)."""

from __future__ import annotations

import re
from datetime import datetime

DAY_AND_TIME = "{date_long_pretty} at {time}"
DAY_ONLY = "{date_long_pretty}"
_TOKEN = re.compile(r"<!date\^[^|>]*\|([^>]*)>")


def token(moment: datetime, fallback: str, tokens: str = DAY_AND_TIME) -> str:
    """`<!date^<unix seconds>^<tokens>|<fallback>>`, as Slack documents it."""
    return f"<!date^{int(moment.timestamp())}^{tokens}|{fallback}>"


def as_fallback(text: str) -> str:
    """The text as a client that cannot format dates shows it: each token's fallback."""
    return _TOKEN.sub(r"\1", text)
