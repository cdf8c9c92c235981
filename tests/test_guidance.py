"""Seed 000's guidance for buddy pairs is quoted once, word for word, wherever Buddy shows it."""

from __future__ import annotations

from models.guidance import (
    BUDDY_ROLES,
    FORMAT_ADVICE,
    FORMAT_SUGGESTION,
    HABIT_NOTE,
    ROLES,
    SOLO_PRACTICE_NOTE,
)
from tests.seeds import SEED_000, seed_text


def test_the_four_roles_are_the_seeds_numbered_list() -> None:
    seed = seed_text(SEED_000)
    assert "The role of the buddy pair is to:\n\n" + BUDDY_ROLES in seed
    assert len(ROLES) == 4


def test_the_advice_lines_are_the_seeds_words() -> None:
    seed = seed_text(SEED_000)
    for line in (FORMAT_SUGGESTION, FORMAT_ADVICE, HABIT_NOTE, SOLO_PRACTICE_NOTE):
        assert f"&gt; {line}</li>" in seed, line
