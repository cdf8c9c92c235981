"""Text coming in from Slack: unescaped once where it comes in (stored as people meant it).

Slack sends `&`, `<` and `>` in command text as entities; people meant the characters, so that is
what is stored. Going out, text is Buddy markup (`conversation/markup.py`), escaped there once.
"""

from __future__ import annotations

import re


def unescape(text: str) -> str:
    """What the person typed, from Slack's entity-escaped command text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_MARKUP = re.compile(r"<([^<>]*)>")


_MARKUP = re.compile(r"<([^<>]*)>")


def typed(text: str) -> str:
    """What the person typed, from Slack's slash-command text: its markup for mentions, channels
    and links back to plain words (`<@U1|sam>` is `@sam`, `<!here>` is `@here`,
    `<https://x|the data>` is `the data (https://x)`), then its entities unescaped, once."""
    return unescape(_MARKUP.sub(_plain_markup, text))


def _plain_markup(match: re.Match[str]) -> str:
    target, _, label = match.group(1).partition("|")
    if target.startswith(("@", "#")):
        return target[0] + (label or target[1:])
    if target.startswith("!"):
        special = target[1:].split("^")[0]
        return label or f"@{special}"
    if label and label not in target:
        return f"{label} ({target})"
    return target.removeprefix("mailto:")
