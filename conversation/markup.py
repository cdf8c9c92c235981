"""Buddy markup: the one way Buddy writes text, read by both front ends.

It is Slack's mrkdwn as Buddy writes it, so Slack takes it as it is, and Teams draws it
(`frontends/teams/markup.py`): `*bold*`, `_italics_`, `` `code` `` (a code span beginning
`/buddy ` is a command to type, shown without the slash where commands are typed without it),
`<@id>` a person (their platform id), `<!date^…|fallback>` a moment (`conversation/moments.py`),
`<url|label>` a link. People's own words are escaped exactly once, here (`escape`), on their way
into Buddy's text: `&`, `<` and `>`, so nothing they typed can make a mention, link or moment.
"""

from __future__ import annotations

from collections.abc import Sequence

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
SECTION_CHUNK = 2900  # leaves room for a heading above a section's first chunk
BUDDY = "/buddy"


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
