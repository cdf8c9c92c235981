"""The problem template quotes seed 000 word for word, and its rules read answers kindly."""

from __future__ import annotations

import pytest

from handlers.views.problems import criteria_text, example_problems_text
from models.problems.template import (
    ARTEFACT_ADVICE,
    CRITERIA,
    CRITERIA_INTRO,
    DEFAULT_FRAMEWORK_AREAS,
    EXAMPLE_PROBLEMS,
    MAX_AREAS,
    OTHER_AREA,
    STEPS,
    SUITABLE_HEADING,
    check_answer,
    check_artefact_link,
    framework_areas,
    unmet_criteria,
)
from tests.seeds import SEED_000, SEED_001, seed_text


@pytest.fixture(scope="module")
def seed() -> str:
    return seed_text(SEED_000)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_questions_and_examples_are_the_seeds_words(seed: str) -> None:
    for number, step in enumerate(STEPS, start=1):
        assert f"{number}. <b>{step.title}:</b> {step.question}\t{step.example}" in seed


def test_criteria_are_the_seeds_words(seed: str) -> None:
    assert CRITERIA_INTRO in seed
    for criterion in CRITERIA:
        assert f"**{criterion.name}** – {criterion.definition}" in seed


def test_example_problems_and_verdicts_are_the_seeds(seed: str) -> None:
    assert f"\t{SUITABLE_HEADING}" in seed
    for number, example in enumerate(EXAMPLE_PROBLEMS, start=1):
        verdict = "Yes" if example.suitable else "No"
        row = "\t".join([f"{number}. {example.text}", *example.marks(), f"<b>{verdict}</b>"])
        assert row in seed.splitlines()


def test_artefact_advice_is_the_seeds(seed: str) -> None:
    assert ARTEFACT_ADVICE in seed


def test_the_pdf_extraction_agrees_where_it_kept_the_words() -> None:
    """Seed 001 wraps lines where the PDF did; with spaces evened out, the words are the same."""
    pdf = _flat(seed_text(SEED_001))
    for step in STEPS:
        assert _flat(step.example) in pdf
    for criterion in CRITERIA:
        assert _flat(criterion.definition) in pdf
    for example in EXAMPLE_PROBLEMS:
        assert _flat(example.text) in pdf


def test_the_wizard_shows_the_quoted_text_unchanged() -> None:
    shown = criteria_text() + example_problems_text()
    for criterion in CRITERIA:
        assert criterion.definition in shown
    for example in EXAMPLE_PROBLEMS:
        assert example.text in shown


def test_the_default_framework_areas_end_with_other() -> None:
    areas = framework_areas(None)
    assert areas == [*DEFAULT_FRAMEWORK_AREAS, OTHER_AREA]
    assert len(areas) == 11
    assert "Additional and special educational needs and disabilities" in areas


def test_a_cohorts_list_is_tidied_and_keeps_other_last() -> None:
    assert framework_areas(" Early  reading ;Maths;; other ; Maths") == [
        "Early reading",
        "Maths",
        OTHER_AREA,
    ]
    assert framework_areas("   ") == framework_areas(None)
    many = framework_areas(";".join(f"Area {n}" for n in range(150)))
    assert len(many) == MAX_AREAS
    assert many[-1] == OTHER_AREA
    assert len(framework_areas("x" * 400)[0]) == 150


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, "Please write an answer"),
        ("   \n ", "Please write an answer"),
        ("Maths is hard", "at least four words"),
        ("x " * 800, "please keep it to 1,500"),
    ],
)
def test_answers_that_are_refused_say_why(text: str | None, expected: str) -> None:
    problem = check_answer(text)
    assert problem is not None and expected in problem


def test_a_short_clear_answer_is_accepted() -> None:
    assert check_answer("My pupils forget algebra.") is None
    assert check_answer(STEPS[1].example) is None


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("https://example.org/plan?id=3#top", "https://example.org/plan?id=3#top"),
        ("  http://school.sch.uk/x ", "http://school.sch.uk/x"),
        ("docs.google.com/document/d/abc", "https://docs.google.com/document/d/abc"),
        ("", None),
        (None, None),
    ],
)
def test_links_that_look_like_links_are_accepted(text: str | None, link: str | None) -> None:
    assert check_artefact_link(text).link == link
    assert check_artefact_link(text).problem is None


@pytest.mark.parametrize(
    "text",
    ["see my email", "ftp://example.org/x", "https://localhost", "https://exa mple.org", "<x>"],
)
def test_links_that_do_not_look_like_links_are_refused(text: str) -> None:
    check = check_artefact_link(text)
    assert check.link is None
    assert check.problem is not None and "https://" in check.problem


def test_unmet_criteria_keep_the_seeds_order() -> None:
    assert [c.name for c in unmet_criteria(["solvable"])] == ["Specific", "Controllable"]
    assert unmet_criteria(c.key for c in CRITERIA) == []
