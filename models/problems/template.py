"""The problem template from the NPQ community guidance (seed 000), quoted exactly, and its rules.

Participants know the guidance, so every question, example, criterion and example problem here is
the seed's own wording; a test checks each string against the seed file. The validation rules and
the "why it matters" lines are Buddy's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

ANSWER_MAX_CHARS = 1500
ANSWER_MIN_WORDS = 4
LINK_MAX_CHARS = 500
AREA_MAX_CHARS = 150  # a select option's value holds at most 150
MAX_AREAS = 100  # a static_select holds at most 100 options, "Other" included


@dataclass(frozen=True)
class TemplateStep:
    """One of the four questions, with the seed's worked example."""

    key: str  # the Problem column that holds the answer
    title: str
    question: str
    example: str


STEPS: tuple[TemplateStep, ...] = (
    TemplateStep(
        key="problem",
        title="The Problem",
        question="What problem do you wish to discuss?",
        example="My pupils keep forgetting what they are taught, especially in Maths.",
    ),
    TemplateStep(
        key="evidence",
        title="The Evidence",
        question="What evidence do you have that this problem is a problem?",
        example=(
            "Pupils answer questions correctly in lessons and complete work but then can’t "
            "remember the content in subsequent lessons. This has been observed during learning "
            "walks and it is reflected in the end of unit results."
        ),
    ),
    TemplateStep(
        key="context",
        title="The Context",
        question="What contextual factors matter?",
        example=(
            "With the pandemic and school closures over the previous academic year teachers are "
            "trying to plug the gaps and teach pupils all the content that they missed. We also "
            "have a number of new teachers this year including a new head of Maths and three "
            "early career teachers."
        ),
    ),
    TemplateStep(
        key="why",
        title="The Why",
        question="Why is this problem important?",
        example=(
            "We need pupils to learn what we are teaching them so that we can build knowledge "
            "over time and ensure all pupils have access to a broad, rich and balanced curriculum."
        ),
    ),
)

CRITERIA_INTRO = "A ‘good’ problem for discussion in a ‘communities’ format should be:"
ARTEFACT_ADVICE = (
    "You may wish to bring an artefact to the discussion – such as an email or planning "
    "document – to illustrate the problem and make it more concrete."
)


@dataclass(frozen=True)
class Criterion:
    key: str
    name: str
    definition: str  # the seed's words
    why_it_matters: str  # Buddy's words, shown when the owner leaves it unticked


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        key="specific",
        name="Specific",
        definition=(
            "The problem should relate to the NPQ and will therefore be easily understandable "
            "to all in the group."
        ),
        why_it_matters=(
            "Each turn is only a few minutes long, so your group needs to grasp the problem "
            "quickly to get to its causes and to useful next steps."
        ),
    ),
    Criterion(
        key="solvable",
        name="Solvable",
        definition="Solvable problems are those where our efforts can result in progress.",
        why_it_matters=(
            "The session ends with your next action; if effort can't move the problem on, "
            "there is little for your peers' suggestions to change."
        ),
    ),
    Criterion(
        key="controllable",
        name="Controllable",
        definition=(
            "They are things that you, in your specific role, have a high degree of control over."
        ),
        why_it_matters=(
            "Your next action has to be yours to take; a problem mostly in other people's "
            "hands leaves you little to act on."
        ),
    ),
)

YES, UNSURE, NO = "✓", "?", "✘"


@dataclass(frozen=True)
class ExampleProblem:
    """One row of the seed's "Example problems" table, verdicts as the seed marks them."""

    text: str
    specific: str
    solvable: str
    controllable: str
    suitable: bool

    def marks(self) -> tuple[str, str, str]:
        return self.specific, self.solvable, self.controllable


EXAMPLE_PROBLEMS: tuple[ExampleProblem, ...] = (
    ExampleProblem("Education doesn’t get enough funding", NO, UNSURE, NO, suitable=False),
    ExampleProblem("My team aren’t in the best roles for them", NO, UNSURE, YES, suitable=False),
    ExampleProblem(
        "I’m struggling to build consistency around assessment practices",
        NO,
        YES,
        YES,
        suitable=False,
    ),
    ExampleProblem("My pupils keep forgetting what I teach them", YES, YES, YES, suitable=True),
)
SUITABLE_HEADING = "Suitable problem?"

OTHER_AREA = "Other"
# The content areas of the 2020 NPQ leadership frameworks (SPEC, "Problem drafting").
DEFAULT_FRAMEWORK_AREAS: tuple[str, ...] = (
    "School culture",
    "Teaching",
    "Curriculum and assessment",
    "Behaviour",
    "Additional and special educational needs and disabilities",
    "Professional development",
    "Organisational management",
    "Implementation",
    "Working in partnership",
    "Governance and accountability",
)


def framework_areas(cohort_override: str | None) -> list[str]:
    """The cohort's own list (semicolon-separated) or the default, always ending with "Other"."""
    if cohort_override and cohort_override.strip():
        raw: Iterable[str] = cohort_override.split(";")
    else:
        raw = DEFAULT_FRAMEWORK_AREAS
    areas: list[str] = []
    for item in raw:
        area = " ".join(item.split())[:AREA_MAX_CHARS]
        if area and area.casefold() != OTHER_AREA.casefold() and area not in areas:
            areas.append(area)
    return [*areas[: MAX_AREAS - 1], OTHER_AREA]


def check_answer(text: str | None) -> str | None:
    """Why an answer can't be accepted yet, or None when it is fine."""
    cleaned = (text or "").strip()
    if not cleaned:
        return "Please write an answer before moving on: the example shows the kind of thing."
    if len(cleaned) > ANSWER_MAX_CHARS:
        return (
            f"That is {len(cleaned):,} characters; please keep it to {ANSWER_MAX_CHARS:,} so "
            "your group can take it in quickly."
        )
    if len(cleaned.split()) < ANSWER_MIN_WORDS:
        return (
            "Please say a little more: a full sentence (at least four words) helps your group "
            "picture it. The example above shows the kind of detail that helps."
        )
    return None


_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", re.I)
_UNSAFE_IN_LINK = re.compile(r"[\s<>|\"]")


@dataclass(frozen=True)
class LinkCheck:
    link: str | None  # normalised, or None when no link was given
    problem: str | None  # why it was refused


def check_artefact_link(text: str | None) -> LinkCheck:
    """An optional web link: `https://` is assumed when left off, as people often paste it so."""
    cleaned = (text or "").strip()
    if not cleaned:
        return LinkCheck(None, None)
    example = "For example: https://docs.google.com/document/d/abc123"
    if len(cleaned) > LINK_MAX_CHARS:
        return LinkCheck(None, f"That link is too long (over {LINK_MAX_CHARS} characters).")
    candidate = cleaned if "://" in cleaned else "https://" + cleaned
    parts = urlsplit(candidate)
    host = parts.hostname or ""
    if (
        parts.scheme.lower() not in ("http", "https")
        or _UNSAFE_IN_LINK.search(candidate)
        or not _HOST.match(host)
    ):
        return LinkCheck(None, f"That doesn't look like a web link. {example}")
    return LinkCheck(candidate, None)


def unmet_criteria(ticked: Iterable[str]) -> list[Criterion]:
    """The criteria the owner did not tick, in the seed's order."""
    chosen = set(ticked)
    return [c for c in CRITERIA if c.key not in chosen]
