"""Seed 000's protocol as Buddy runs it: word for word and minute for minute."""

from __future__ import annotations

import re

import pytest

from models.community.protocol import (
    ACTION_STEP,
    CHAIR_NOTE,
    CLARIFY,
    CLOSE_LINES,
    CLOSE_PURPOSE,
    FIVE_PERSON_STAGES,
    FOUR_PERSON_STAGES,
    FOUR_PERSON_TURNS,
    INTRODUCE,
    LOOK_DEEPER,
    OBSERVATIONS,
    RECONNECT_LINES,
    RECONNECT_NAME,
    REFLECTIONS,
    RESPONSE,
    SIX_PERSON_STAGES,
    TURN_PURPOSE,
    timetable,
)
from tests.seeds import SEED_000, seed_text


def plain_seed() -> str:
    """The seed without its HTML tags, with runs of spaces as one."""
    return re.sub(r"[ ]+", " ", re.sub(r"<[^>]+>", "", seed_text(SEED_000)))


def minutes(size: int) -> list[tuple[str, int, int]]:
    return [(s.key, s.start, s.end) for s in timetable(size)]


def turn(n: int, start: int, stages: list[tuple[str, int]]) -> list[tuple[str, int, int]]:
    out = []
    for key, length in stages:
        out.append((f"turn-{n}-{key}", start, start + length))
        start += length
    return out


FOUR_12 = [
    ("introduce", 2),
    ("clarify", 2),
    ("look-deeper", 3),
    ("action-step", 2),
    ("response", 2),
    ("reflections", 1),
]
FOUR_13 = [
    ("introduce", 2),
    ("clarify", 2),
    ("look-deeper", 4),
    ("action-step", 2),
    ("response", 2),
    ("reflections", 1),
]
FIVE = [
    ("clarify", 1),
    ("look-deeper", 4),
    ("action-step", 2),
    ("response", 2),
    ("observations", 1),
]
SIX = [("clarify", 1), ("look-deeper", 3), ("action-step", 2), ("response", 1), ("observations", 1)]


def test_a_group_of_four_follows_the_seeds_table_minute_for_minute() -> None:
    assert minutes(4) == [
        ("reconnect", 0, 5),
        *turn(1, 5, FOUR_12),
        *turn(2, 17, FOUR_13),
        *turn(3, 30, FOUR_13),
        *turn(4, 43, FOUR_12),
        ("close", 55, 60),
    ]
    shortened = [s.key for s in timetable(4) if s.shortened]
    assert shortened == ["turn-1-look-deeper", "turn-4-look-deeper"]


def test_a_group_of_three_takes_the_first_three_four_person_turns_and_closes_at_43() -> None:
    assert minutes(3) == [
        ("reconnect", 0, 5),
        *turn(1, 5, FOUR_12),
        *turn(2, 17, FOUR_13),
        *turn(3, 30, FOUR_13),
        ("close", 43, 60),
    ]


def test_a_group_of_five_has_ten_minute_turns_to_55() -> None:
    expected = [("reconnect", 0, 5)]
    for n in range(5):
        expected += turn(n + 1, 5 + 10 * n, FIVE)
    assert minutes(5) == [*expected, ("close", 55, 60)]


def test_a_group_of_six_has_eight_minute_turns_to_53_and_a_seven_minute_close() -> None:
    expected = [("reconnect", 0, 5)]
    for n in range(6):
        expected += turn(n + 1, 5 + 8 * n, SIX)
    assert minutes(6) == [*expected, ("close", 53, 60)]


@pytest.mark.parametrize("size", [3, 4, 5, 6])
def test_every_turn_starts_with_its_first_stage_and_every_minute_is_covered(size: int) -> None:
    stages = timetable(size)
    assert [s.start for s in stages[1:]] == [s.end for s in stages[:-1]]
    assert stages[0].start == 0 and stages[-1].end == 60
    firsts = [s for s in stages if s.first_of_turn]
    assert [s.turn for s in firsts] == list(range(1, size + 1))
    assert {s.text.key for s in firsts if s.text} == ({"introduce"} if size <= 4 else {"clarify"})


def test_the_four_person_times_and_stage_minutes_are_the_seeds() -> None:
    seed = plain_seed()
    assert "0 - 5\tStart on time" in seed
    assert "5 - 17\tProblem owner" in seed
    for start, end in FOUR_PERSON_TURNS[1:]:
        assert f"{start}-{end}\tPerson" in seed
    assert "55-60\t" in seed
    found = re.findall(r"^(\d) mins?\t(\d)\. ", seed, re.MULTILINE)
    assert [(int(m), int(n)) for m, n in found] == [
        (minutes, text.number) for text, minutes in FOUR_PERSON_STAGES
    ]


def test_the_adaptations_for_five_and_six_are_the_seeds() -> None:
    seed = plain_seed()
    for word, stages in (("five", FIVE_PERSON_STAGES), ("six", SIX_PERSON_STAGES)):
        listed = ", ".join(f"{text.name} – {m}" for text, m in stages)
        assert f"Groups of {word}:" in seed
        assert listed + "." in seed
    assert "reduce the time for each turn to ten minutes" in seed
    assert "reduce the time for each turn to eight minutes" in seed


def test_every_stage_text_is_quoted_word_for_word() -> None:
    seed = plain_seed()
    assert f"{RECONNECT_LINES[0]} {RECONNECT_LINES[1]}" in seed
    assert f"*{CHAIR_NOTE}" in seed
    assert f"\t{RECONNECT_NAME}" in seed
    assert f"Problem owner\t{TURN_PURPOSE}" in seed
    for text in (INTRODUCE, CLARIFY, LOOK_DEEPER, ACTION_STEP, RESPONSE, REFLECTIONS):
        line = f"{text.heading} {text.what}"
        if text.examples:
            line += f" ( e.g. {text.examples} )"
        assert line in seed, line
        assert f"({text.who})" in text.heading
    assert OBSERVATIONS.what == REFLECTIONS.what
    for line in CLOSE_LINES:
        assert f" {line}" in seed
    assert f"\t{CLOSE_PURPOSE}" in seed
