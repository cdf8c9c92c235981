"""Buddy markup as a Teams reader sees it: the same formatting, people, links and moments as in
Slack, and nothing a person typed turned into formatting, a link or a mention."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from conversation.markup import escape, mention
from conversation.moments import day_for_all, moment_for_all
from frontends.teams.markup import (
    EMOJI,
    UNKNOWN_PERSON,
    Mentions,
    plain_markdown,
    to_markdown,
    to_plain,
    to_segments,
)

NAMES = {"AAD-ANN": "Ann Smith", "AAD-BOB": "Bob", "AAD-SAM1": "Sam", "AAD-SAM2": "Sam"}
MEETING = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)


def md(text: str) -> str:
    return to_markdown(text, Mentions(NAMES.get))


def test_bold_italics_and_strike() -> None:
    assert md("*Slot:* every other Thursday") == "**Slot:** every other Thursday"
    assert md("_Not written yet._") == "_Not written yet._"
    assert md("~Thu 3 Dec at 16:00~ skipped") == "Thu 3 Dec at 16:00 skipped"
    assert md("*1.* Try it") == "**1.** Try it"


def test_emphasis_needs_slacks_word_boundaries() -> None:
    """`snake_case_name` and `2*3*4` are no emphasis in Slack, so none here: shown as typed."""
    assert md("snake_case_name") == r"snake\_case\_name"
    assert md("2*3*4") == r"2\*3\*4"


def test_code_is_kept_and_commands_lose_the_slash() -> None:
    assert md("Run `/buddy slot thu 16:00` now") == "Run `slot thu 16:00` now"
    assert md("`0-5` Reconnect") == "`0-5` Reconnect"
    assert md("Everyone who uses `/buddy` here") == "Everyone who uses Buddy here"
    # Usage lines are escaped for Slack inside the code span: shown as typed.
    assert md("`/buddy help &lt;command&gt;`") == "`help <command>`"
    assert md("`/buddy format video <link>`") == "`format video <link>`"


def test_code_blocks_are_kept_as_typed() -> None:
    segments = to_segments("For example:\n```name,date\n&lt;x&gt;```", Mentions(NAMES.get))
    assert [s.code for s in segments] == [False, True]
    assert segments[1].text == "name,date\n\n\\<x\\>"  # monospaced TextBlocks still read Markdown
    assert md("For example:\n```a *b*\n1,2```") == "For example:\n\n```\na *b*\n1,2\n```"


def test_links_become_markdown_links() -> None:
    assert md("See <https://example.org/a|the data>.") == "See [the data](https://example.org/a)."
    assert md("<https://example.org/x>") == "[https://example.org/x](https://example.org/x)"
    # A bare URL is a link, as Slack makes one; the full stop after it is not part of it.
    assert md("by video: https://meet.example.org/a_b.") == (
        r"by video: [https://meet.example.org/a\_b](https://meet.example.org/a_b)."
    )


def test_only_web_and_mail_links_are_links() -> None:
    assert md("<javascript:alert(1)|click>") == "click"


def test_channels_are_plain_words() -> None:
    assert md("Your problem is now in <#C0123>.") == "Your problem is now in the channel."


def test_people_are_mentions_with_entities() -> None:
    mentions = Mentions(NAMES.get)
    text = to_markdown(f"{mention('AAD-ANN')} and {mention('AAD-BOB')}: hi", mentions)
    assert text == "<at>Ann Smith</at> and <at>Bob</at>: hi"
    assert [(m.user_id, m.tag) for m in mentions.people] == [
        ("AAD-ANN", "<at>Ann Smith</at>"),
        ("AAD-BOB", "<at>Bob</at>"),
    ]


def test_two_people_of_one_name_get_tags_teams_can_tell_apart() -> None:
    mentions = Mentions(NAMES.get)
    text = to_markdown("<@AAD-SAM1> and <@AAD-SAM2>", mentions)
    assert text == "<at>Sam</at> and <at>Sam (2)</at>"
    assert {m.user_id for m in mentions.people} == {"AAD-SAM1", "AAD-SAM2"}


def test_someone_the_resolver_cannot_name_is_plain_words() -> None:
    mentions = Mentions(NAMES.get)
    assert to_markdown("<@U-GONE> has left", mentions) == f"{UNKNOWN_PERSON} has left"
    assert mentions.people == []
    assert to_markdown("<@U-GONE>", Mentions(NAMES.get, unknown="your buddy")) == "your buddy"


def test_moments_use_the_cards_date_functions() -> None:
    iso = "2026-12-03T16:00:00Z"
    assert md(f"*Your buddy meeting: {moment_for_all(MEETING, 'Europe/London')}*") == (
        f"**Your buddy meeting: {{{{DATE({iso}, LONG)}}}} at {{{{TIME({iso})}}}}**"
    )
    assert md(day_for_all(MEETING, "Europe/London")) == f"{{{{DATE({iso}, LONG)}}}}"


def test_moments_outside_a_card_are_their_fallback() -> None:
    text = moment_for_all(MEETING, "Europe/London")
    assert to_markdown(text, Mentions(NAMES.get), cards=False) == "Thu 3 Dec at 16:00 UK time"
    assert md("<!date^1795536000^{ago}|a while ago>") == "a while ago"


def test_slacks_entities_are_characters_again() -> None:
    assert md(escape("Tom & Jerry")) == "Tom & Jerry"
    assert md(escape("a < b > c")) == r"a \< b \> c"
    assert md(escape("&copy;")) == r"\&copy;"  # an entity Markdown would read


def test_emoji_codes_are_emoji() -> None:
    assert md(":warning: Careful") == "⚠️ Careful"
    assert md(":white_check_mark: done") == "✅ done"
    assert md("an :unheard_of_code: here") == "an unheard of code here"
    assert md("at 16:00:30") == "at 16:00:30"


def test_every_emoji_code_buddy_writes_is_in_the_table() -> None:
    root = Path(__file__).resolve().parent.parent
    used = set()
    for folder in ("handlers", "scheduler", "models", "conversation", "bot"):
        for source in (root / folder).rglob("*.py"):
            used |= set(re.findall(r"(?<![\w:]):([a-z][a-z0-9_]*):(?![\w:])", source.read_text()))
    not_emoji = {"sha256"}  # a hash's name in bot/once.py
    assert used - not_emoji - set(EMOJI) == set()


def test_lines_break_and_keep_their_indent() -> None:
    assert md("one\ntwo") == "one\n\ntwo"
    assert md("  1. first") == "\u00a0\u00a01\\. first"


def test_markdown_slack_would_not_read_stays_as_typed() -> None:
    typed = escape("# Heading\n> quote\n- item\n+ item\n1. one\n2) two\n---\nback\\slash")
    assert md(typed).split("\n\n") == [
        r"\# Heading",
        r"\> quote",
        r"\- item",
        r"\+ item",
        r"1\. one",
        r"2\) two",
        r"\---",
        r"back\\slash",
    ]
    assert md(escape("<b>bold</b>")) == r"\<b\>bold\</b\>"


def test_a_link_typed_by_a_person_shows_where_it_goes() -> None:
    """`[click](https://evil)` must not become a link whose words hide its address."""
    drawn = md(f"Action 1: {escape('[click](https://evil)')}")
    assert "[click]" not in drawn.replace("\\[", "").replace("\\]", "")
    assert drawn.startswith(r"Action 1: \[click\](")
    assert "[https://evil](https://evil)" in drawn  # the address itself, as Slack links it


def test_a_mention_typed_by_a_person_is_no_mention() -> None:
    mentions = Mentions(NAMES.get)
    drawn = to_markdown(f"{mention('AAD-ANN')}: {escape('<at>Bob</at> please')}", mentions)
    assert drawn == r"<at>Ann Smith</at>: \<at\>Bob\</at\> please"
    assert [m.user_id for m in mentions.people] == ["AAD-ANN"]
    # Even in a code span, where nothing is escaped, no `<at>` tag survives.
    assert "<at>" not in md(f"`{escape('<at>Bob</at>')}`")


def test_slack_markup_typed_by_a_person_makes_nothing() -> None:
    drawn = md(escape("<@AAD-BOB> <!here> <https://evil|safe>"))
    assert drawn == r"\<@AAD-BOB\> \<!here\> \<[https://evil](https://evil)|safe\>"


def test_plain_words_for_choices_and_fallbacks() -> None:
    text = f":seedling: *Your buddy meeting* with <@AAD-ANN>: {day_for_all(MEETING, 'UTC')}"
    assert to_plain(text, NAMES.get) == "🌱 Your buddy meeting with Ann Smith: Thu 3 Dec"
    assert to_plain("`/buddy next` &amp; <https://x.org|the data>", NAMES.get) == (
        "next & the data"
    )


def test_plain_text_in_a_text_block_shows_as_typed() -> None:
    assert plain_markdown("Cohort: *NPQ* [1]") == r"Cohort: \*NPQ\* \[1\]"
    assert plain_markdown("# 1 :wave:") == r"\# 1 👋"
