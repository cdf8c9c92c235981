"""Text across the Slack boundary: unescaped once where it comes in, escaped once where it leaves.

Slack sends `&`, `<` and `>` in command text as entities; people meant the characters, so that is
what is stored. Everything people typed is escaped exactly once where it goes out as mrkdwn, so no
typed text can make a link, a mention or `<!here>`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
SECTION_CHUNK = 2900  # leaves room for a heading above a section's first chunk
BUDDY = "/buddy"


def unescape(text: str) -> str:
    """What the person typed, from Slack's entity-escaped command text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


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


def escape(text: str) -> str:
    """Slack's three control characters, so typed text shows as typed and pings nobody."""
    return "".join(_ESCAPES.get(char, char) for char in text)


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def mentions(user_ids: Sequence[str]) -> str:
    """`<@A>`, `<@A> and <@B>`, `<@A>, <@B> and <@C>`."""
    named = [mention(u) for u in user_ids]
    if len(named) <= 1:
        return "".join(named)
    return ", ".join(named[:-1]) + " and " + named[-1]


def command(words: str) -> str:
    """A domain example (`slot thu 16:00`) as the command to type (`/buddy slot thu 16:00`)."""
    return f"{BUDDY} {words}".rstrip()


def escaped_chunks(text: str, limit: int = SECTION_CHUNK) -> list[str]:
    """Escaped text in pieces of at most `limit`, never splitting an escape, preferring spaces.

    Escaping can make text up to five times longer (`&` is `&amp;`), so even a 1,500 character
    answer may need more than one 3,000-character section.
    """
    chunks: list[str] = []
    current = ""
    for char in text:
        piece = _ESCAPES.get(char, char)
        if len(current) + len(piece) > limit:
            cut = current.rfind(" ", limit // 2)
            if cut > 0:
                chunks.append(current[:cut])
                current = current[cut + 1 :]
            else:
                chunks.append(current)
                current = ""
        current += piece
    if current or not chunks:
        chunks.append(current)
    return chunks


def line_chunks(lines: Sequence[str], limit: int = SECTION_CHUNK) -> list[str]:
    """Whole lines grouped into section-sized texts, so a long list stays within Slack's limits."""
    chunks: list[str] = []
    current: list[str] = []
    for line in lines:
        if current and len("\n".join([*current, line])) > limit:
            chunks.append("\n".join(current))
            current = []
        current.append(line)
    if current:
        chunks.append("\n".join(current))
    return chunks
