r"""Buddy markup (`conversation/markup.py`) as the Markdown Teams renders in Adaptive Cards.

An Adaptive Card TextBlock reads a subset of CommonMark: `**bold**`, `_italics_`, lists and
`[links](url)`; `<at>Name</at>` is a mention when the card carries a matching entity, and
`{{DATE(…)}}` / `{{TIME(…)}}` show a moment in each reader's own zone. Buddy markup is Slack's
mrkdwn, so the two differ: this module reads Buddy markup the way Slack does and writes what a
Teams reader should see the same way.

- `*bold*` is `**bold**`, `_italics_` stays, `~strike~` is plain (Teams has none).
- A code span is kept; one beginning `/buddy ` is a command, shown without it (people type the
  same words to Buddy in Teams: TEAMS.md). A code block is kept, monospaced by the card drawer.
- `<url|label>` is `[label](url)` (http, https and mailto only); a bare URL is a link too, as
  Slack makes one; `<#C…>` is "the channel" (a Slack channel means nothing in Teams).
- `<@id>` is `<at>Name</at>` with a mention entity (`Mentions`): `id` is the person's platform
  id (an Entra object id for a Teams person), their name comes from the caller's resolver, and
  someone it cannot name is written in plain words ("a colleague"), never as a broken mention.
- `<!date^unix^{tokens}|fallback>` becomes the card's date functions, so each reader sees their
  own zone; where those do not render (a plain message, a choice's title) the fallback is used.
- Slack emoji codes (`:warning:`) are Unicode emoji; an unknown one is its words.

People's own words reach here escaped once for Slack (`&amp; &lt; &gt;`). Slack reads `*x*`
and `_x_` in them as formatting, and so does Teams, alike; but nothing Slack would show as typed
may turn into formatting, a link, a heading, a quote, a list or a mention here: every character
Markdown would read (`\ * _ ~ \` [ ] < >`, an entity, and `# > - + =` or `1.` starting a line)
is escaped with a backslash, the CommonMark way. A person's `<at>Boss</at>` arrives as
`&lt;at&gt;…` and leaves as `\<at\>…`, which no mention entity matches.

Lines are joined with a blank line between them: Microsoft's card formatting guide says a
TextBlock breaks a line outside a list only at `\n\n`. Leading spaces are kept as no-break
spaces, since four spaces would start a code block.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from conversation.markup import BUDDY

# The caller's way to name a person from their platform id; None when it cannot.
PeopleNames = Callable[[str], str | None]
# How someone the resolver cannot name is written: plain words that read right for anyone
# (the reader's buddy, a facilitator, a member of a group), never a mention of an unknown id.
UNKNOWN_PERSON = "a colleague"
CHANNEL_WORDS = "the channel"
NO_BREAK_SPACE = "\u00a0"
LINE_BREAK = "\n\n"

# Every Slack emoji code Buddy's own words use (tests check the code for new ones), and a few
# that people commonly type. Anything else is shown as its words (`:foo_bar:` is "foo bar").
EMOJI = {
    "wave": "👋",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "wastebasket": "🗑️",
    "calendar": "📆",
    "spiral_calendar_pad": "🗓️",
    "seedling": "🌱",
    "warning": "⚠️",
    "palm_tree": "🌴",
    "handshake": "🤝",
    "thinking_face": "🤔",
    "repeat": "🔁",
    "hourglass_flowing_sand": "⏳",
    "hourglass": "⌛",
    "busts_in_silhouette": "👥",
    "arrow_right": "➡️",
    "arrow_forward": "▶️",
    "arrows_counterclockwise": "🔄",
    "alarm_clock": "⏰",
    "memo": "📝",
    "pencil2": "✏️",
    "bar_chart": "📊",
    "relieved": "😌",
    "page_facing_up": "📄",
    "card_index_dividers": "🗂️",
    "zipper_mouth_face": "🤐",
    "face_with_head_bandage": "🤕",
    "x": "❌",
    "stop_button": "⏹️",
    "point_right": "👉",
    "no_entry_sign": "🚫",
    "newspaper": "📰",
    "jigsaw": "🧩",
    "information_source": "ℹ️",
    "incoming_envelope": "📨",
    "bulb": "💡",
    "books": "📚",
    "birthday": "🎂",
    "tada": "🎉",
    "smile": "😄",
    "slightly_smiling_face": "🙂",
    "grinning": "😀",
    "joy": "😂",
    "wink": "😉",
    "heart": "❤️",
    "+1": "👍",
    "thumbsup": "👍",
    "-1": "👎",
    "thumbsdown": "👎",
    "clap": "👏",
    "raised_hands": "🙌",
    "pray": "🙏",
    "muscle": "💪",
    "ok_hand": "👌",
    "eyes": "👀",
    "star": "⭐",
    "sparkles": "✨",
    "rocket": "🚀",
    "fire": "🔥",
    "100": "💯",
    "question": "❓",
    "exclamation": "❗",
    "speech_balloon": "💬",
    "email": "📧",
    "link": "🔗",
    "pushpin": "📌",
    "clipboard": "📋",
    "mag": "🔍",
    "bell": "🔔",
    "coffee": "☕",
    "sunny": "☀️",
}

# Slack's date tokens and the card function showing the same in the reader's zone.
_DATE_TOKENS = {
    "date_num": "DATE({iso}, COMPACT)",
    "date_slash": "DATE({iso}, COMPACT)",
    "date": "DATE({iso}, LONG)",
    "date_pretty": "DATE({iso}, LONG)",
    "date_long": "DATE({iso}, LONG)",
    "date_long_pretty": "DATE({iso}, LONG)",
    "date_long_full": "DATE({iso}, LONG)",
    "date_short": "DATE({iso}, SHORT)",
    "date_short_pretty": "DATE({iso}, SHORT)",
    "time": "TIME({iso})",
    "time_secs": "TIME({iso})",
}
_SPECIAL_WORDS = {"here": "everyone here", "channel": "everyone in the channel"}
_SPECIAL_WORDS["everyone"] = "everyone"

# Private-use characters mark where an already drawn piece goes back into a line.
_OPEN, _CLOSE = "\ue000", "\ue001"
_HOLE = re.compile(f"{_OPEN}(\\d+){_CLOSE}")
_CODE_BLOCK = re.compile(r"```(.*?)```", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_ANGLE = re.compile(r"<([^<>\n]*)>")
_BARE_URL = re.compile(r"(?<![\w/])https?://(?:(?!&[lg]t;)[^\s<>|\ue000\ue001])+")
_URL_TRAIL = ".,;:!?)'\"’”"
_EMOJI = re.compile(r"(?<![\w:]):([a-z0-9_+\-]+):(?![\w:])")
_EMPHASIS = re.compile(r"(?<!\w)([*_~])(?![\s*_~])(.+?)(?<!\s)\1(?!\w)")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
_MARKDOWN = re.compile(r"([\\*_~`\[\]<>])")
_LINE_START = re.compile(r"^((?:\u00a0)*)(?:([#>+\-=])|(\d+)([.)]))")
_AT_TAG = re.compile(r"<(/?at)>", re.I)
_DATE = re.compile(r"^!date\^(\d+)\^([^^|]*)(?:\^[^|]*)?\|(.*)$", re.S)
_SAFE_URL = re.compile(r"^(https?://|mailto:)\S+$", re.I)
_TOKEN = re.compile(r"\{(\w+)\}")


def unescape(text: str) -> str:
    """Slack's three entities back to the characters people typed, once."""
    return _ENTITY.sub(lambda m: {"amp": "&", "lt": "<", "gt": ">"}[m.group(1)], text)


def emoji(text: str) -> str:
    """`:warning:` as ⚠️; an unknown code as its words (`:foo_bar:` is `foo bar`)."""
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(1).replace("_", " ")), text)


def escape_markdown(text: str) -> str:
    """Plain characters (already unescaped) that Markdown must show as they are."""
    escaped = _MARKDOWN.sub(r"\\\1", text)
    return _ENTITY_LIKE.sub(r"\\&", escaped)


def _line_start(line: str) -> str:
    """A line Markdown would read as a heading, quote, list or rule starts with an escape."""

    def escaped(m: re.Match[str]) -> str:
        indent, mark, number, dot = m.groups()
        return indent + (f"\\{mark}" if mark else f"{number}\\{dot}")

    return _LINE_START.sub(escaped, line)


def _guard_at(text: str) -> str:
    """No `<at>` that Buddy did not write, even inside code: a zero-width joiner splits it."""
    return _AT_TAG.sub(lambda m: "<\u200d" + m.group(1) + ">", text)


def command_words(code: str) -> str | None:
    """The words of a code span that is a command (`/buddy slot thu 16:00` is `slot thu 16:00`);
    `/buddy` alone is Buddy itself; None when it is no command."""
    if code == BUDDY:
        return ""
    if code.startswith(BUDDY + " "):
        return code[len(BUDDY) + 1 :].strip()
    return None


@dataclass(frozen=True)
class Mentioned:
    """A person a card names: their platform id and the name shown in their `<at>` tag."""

    user_id: str
    name: str

    @property
    def tag(self) -> str:
        return f"<at>{self.name}</at>"


class Mentions:
    """The people one card (or message) names, each once, each tag unique within it: Teams
    matches a tag to its entity by the tag's text, so two people called Sam are "Sam" and
    "Sam (2)"."""

    def __init__(self, names: PeopleNames, unknown: str = UNKNOWN_PERSON) -> None:
        self._names = names
        self.unknown = unknown
        self._by_id: dict[str, Mentioned | None] = {}

    def find(self, user_id: str) -> Mentioned | None:
        if user_id not in self._by_id:
            self._by_id[user_id] = self._new(user_id)
        return self._by_id[user_id]

    def _new(self, user_id: str) -> Mentioned | None:
        named = self._names(user_id)
        # A tag ends at its first `<`, and Markdown must not read the name: keep it plain.
        name = " ".join(re.sub(r"[<>\[\]\\*_~`{}]", "", named or "").split())
        if not name:
            return None
        taken = {m.name for m in self._by_id.values() if m is not None}
        unique, n = name, 1
        while unique in taken:
            n += 1
            unique = f"{name} ({n})"
        return Mentioned(user_id, unique)

    def name(self, user_id: str) -> str:
        found = self.find(user_id)
        return found.name if found is not None else self.unknown

    @property
    def people(self) -> list[Mentioned]:
        return [m for m in self._by_id.values() if m is not None]


def no_names(user_id: str) -> str | None:
    """A resolver that knows nobody: every person is written as `UNKNOWN_PERSON`."""
    return None


# -- drawing -------------------------------------------------------------------------------------


class _Line:
    """Pieces drawn ahead of the text around them (code, links, mentions, moments), kept in
    holes so nothing escapes or re-reads them."""

    def __init__(self) -> None:
        self.pieces: list[str] = []

    def hole(self, drawn: str) -> str:
        self.pieces.append(drawn)
        return f"{_OPEN}{len(self.pieces) - 1}{_CLOSE}"

    def fill(self, text: str) -> str:
        # A piece may hold another's hole (a link's label), so fill until none is left.
        while _HOLE.search(text):
            text = _HOLE.sub(lambda m: self.pieces[int(m.group(1))], text)
        return text


def _url(raw: str) -> str | None:
    url = unescape(raw).strip()
    if not _SAFE_URL.match(url):
        return None
    return quote(url, safe="/:?#@!$&'*+,;=%-._~")


def _link(url: str, label: str) -> str:
    return f"[{escape_markdown(emoji(label))}]({url})"


def _moment(match: re.Match[str], cards: bool) -> str:
    seconds, tokens, fallback = match.groups()
    plain = escape_markdown(unescape(fallback))
    names = _TOKEN.findall(tokens)
    if not cards or not names or any(n not in _DATE_TOKENS for n in names):
        return plain
    iso = datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    drawn, pos = [], 0
    for token in _TOKEN.finditer(tokens):
        drawn.append(escape_markdown(unescape(tokens[pos : token.start()])))
        drawn.append("{{" + _DATE_TOKENS[token.group(1)].format(iso=iso) + "}}")
        pos = token.end()
    drawn.append(escape_markdown(unescape(tokens[pos:])))
    return "".join(drawn)


def _angle(inner: str, mentions: Mentions, cards: bool) -> str:
    """One of Slack's `<…>` constructs; Buddy's own, since people's `<` arrive escaped."""
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        found = mentions.find(target[1:])
        return found.tag if found is not None else escape_markdown(mentions.unknown)
    if target.startswith("#"):
        return CHANNEL_WORDS
    date = _DATE.match(inner)
    if date is not None:
        return _moment(date, cards)
    if target.startswith("!"):
        word = target[1:].split("^", 1)[0]
        return escape_markdown(unescape(label) if label else _SPECIAL_WORDS.get(word, word))
    url = _url(target)
    if url is not None:
        return _link(url, unescape(label) if label else unescape(target))
    if label:
        return escape_markdown(emoji(unescape(label)))
    return escape_markdown(f"<{unescape(inner)}>")


def _code(content: str) -> str:
    words = command_words(unescape(content))
    if words == "":
        return "Buddy"
    return "`" + _guard_at(words if words is not None else unescape(content)) + "`"


def _inline(text: str) -> str:
    """Slack's emphasis in one line: `*bold*`, `_italics_`, `~strike~`; the rest escaped."""
    drawn, pos = [], 0
    for match in _EMPHASIS.finditer(text):
        drawn.append(escape_markdown(unescape(text[pos : match.start()])))
        marker, inner = match.groups()
        body = _inline(inner)
        drawn.append(f"**{body}**" if marker == "*" else f"_{body}_" if marker == "_" else body)
        pos = match.end()
    drawn.append(escape_markdown(unescape(text[pos:])))
    return "".join(drawn)


def _bare_url(match: re.Match[str], line: _Line) -> str:
    found = match.group(0)
    kept = found.rstrip(_URL_TRAIL)
    url = _url(kept)
    if url is None:
        return found
    return line.hole(_link(url, unescape(kept))) + found[len(kept) :]


def _prose(text: str, mentions: Mentions, cards: bool) -> str:
    """Buddy markup without code blocks, as Teams Markdown."""
    line = _Line()
    text = text.replace(_OPEN, "\ufffd").replace(_CLOSE, "\ufffd")
    text = _CODE.sub(lambda m: line.hole(_code(m.group(1))), text)
    text = _ANGLE.sub(lambda m: line.hole(_angle(m.group(1), mentions, cards)), text)
    text = _BARE_URL.sub(lambda m: _bare_url(m, line), text)
    text = emoji(text)
    lines = []
    for raw in text.split("\n"):
        stripped = raw.lstrip(" ")
        indent = NO_BREAK_SPACE * (len(raw) - len(stripped))
        lines.append(_line_start(indent + _inline(stripped)))
    return line.fill(LINE_BREAK.join(lines))


def code_block_text(content: str, *, fenced: bool = False) -> str:
    """A code block's content for a monospaced TextBlock (which still reads Markdown): every
    character as typed, each line kept; `fenced`, for a chat message's ``` block, as it is."""
    if fenced:
        return _guard_at(unescape(content).strip("\n"))
    lines = []
    for raw in unescape(content).strip("\n").split("\n"):
        stripped = raw.lstrip(" ")
        indent = NO_BREAK_SPACE * (len(raw) - len(stripped))
        lines.append(_line_start(indent + escape_markdown(stripped)))
    return _guard_at(LINE_BREAK.join(lines))


@dataclass(frozen=True)
class Segment:
    """A run of a text: prose (Teams Markdown) or a code block's content (monospaced)."""

    text: str
    code: bool = False


def to_segments(
    text: str, mentions: Mentions, *, cards: bool = True, fenced: bool = False
) -> list[Segment]:
    """Buddy markup as its prose and code blocks in order, each drawn for a TextBlock (or,
    `fenced`, for a ``` block in a chat message)."""
    segments: list[Segment] = []
    pos = 0
    for match in _CODE_BLOCK.finditer(text):
        before = text[pos : match.start()].strip("\n")
        if before.strip():
            segments.append(Segment(_prose(before, mentions, cards)))
        segments.append(Segment(code_block_text(match.group(1), fenced=fenced), code=True))
        pos = match.end()
    rest = text[pos:].strip("\n") if segments else text[pos:]
    if rest.strip() or not segments:
        segments.append(Segment(_prose(rest, mentions, cards)))
    return segments


def to_markdown(text: str, mentions: Mentions, *, cards: bool = True) -> str:
    """Buddy markup as one Teams Markdown text (a code block fenced). `cards`: the text goes in
    an Adaptive Card, where moments are drawn with the date functions; elsewhere (a plain chat
    message) a moment is its fallback words."""
    segments = to_segments(text, mentions, cards=cards, fenced=True)
    return LINE_BREAK.join(f"```\n{s.text}\n```" if s.code else s.text for s in segments)


def plain_text(text: str) -> str:
    """Plain text Buddy wrote (a button's label, a field's label, a heading): its emoji codes as
    emoji. For places Teams shows as they are, with no Markdown read."""
    return emoji(text)


def plain_markdown(text: str) -> str:
    """Plain text for a TextBlock, which reads Markdown: emoji, and every mark escaped."""
    lines = []
    for raw in emoji(text).split("\n"):
        lines.append(_line_start(escape_markdown(raw.strip())))
    return LINE_BREAK.join(lines)


def to_plain(text: str, names: PeopleNames | Mentions) -> str:
    """Buddy markup as plain words: a choice's title, a card's fallback and notification text.
    Marks go, people are their names, links their labels, moments their fallback."""
    mentions = names if isinstance(names, Mentions) else Mentions(names)
    line = _Line()

    def angle(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return mentions.name(target[1:])
        if target.startswith("#"):
            return CHANNEL_WORDS
        date = _DATE.match(inner)
        if date is not None:
            return unescape(date.group(3))
        if target.startswith("!"):
            word = target[1:].split("^", 1)[0]
            return unescape(label) if label else _SPECIAL_WORDS.get(word, word)
        if label:
            return emoji(unescape(label))
        return unescape(target) if _url(target) else f"<{unescape(inner)}>"

    def code(match: re.Match[str]) -> str:
        words = command_words(unescape(match.group(1)))
        return "Buddy" if words == "" else words if words is not None else unescape(match.group(1))

    text = text.replace(_OPEN, "\ufffd").replace(_CLOSE, "\ufffd")
    text = _CODE_BLOCK.sub(lambda m: line.hole(unescape(m.group(1)).strip("\n")), text)
    text = _CODE.sub(lambda m: line.hole(code(m)), text)
    text = _ANGLE.sub(lambda m: line.hole(angle(m)), text)
    previous = None
    while previous != text:
        previous, text = text, _EMPHASIS.sub(lambda m: m.group(2), text)
    return line.fill(emoji(unescape(text)))
