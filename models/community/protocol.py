"""Seed 000's problem-solving protocol as data, quoted word for word, and its timetable for groups
of three to six, minute for minute.

The seed gives the four-person table (turns at 5-17, 17-30, 30-43, 43-55) and adapts it for five
(ten-minute turns) and six (eight-minute turns); its four-person stages add to 13 minutes, so the
two 12-minute turns (the first and the last) take their minute from Look deeper (Buddy's reading,
which the posts state). Groups of three take the first three four-person turns. The close runs to
the end of the hour.
"""

from __future__ import annotations

from dataclasses import dataclass

SESSION_MINUTES = 60
FEWEST, MOST = 3, 6

RECONNECT_NAME = "Reconnect"
RECONNECT_LINES = ("Start on time", "All leaders share one success from the last week.")
CHAIR_NOTE = (
    "For your first community you will need to assign a chair. We suggest the colleague with the "
    "birthday earliest in the year goes first, and all colleagues will take a turn as chair "
    "throughout the programme."
)
TURN_HEADING = "Problem owner"
TURN_PURPOSE = "Investigate, critique and develop practice"
# Where the seed points the owner to their problem; Buddy links their posted card instead.
APPENDIX_A = "(see appendix A)"
CLOSE_LINES = (
    "Any other questions/feedback/requests for help",
    "Appoint a chair for the next meeting",
)
CLOSE_PURPOSE = "Review learning, refine calls"
# The Response stage's prompt that the owner can save as an action.
NEXT_ACTION_PROMPT = "I think my next action will be"


@dataclass(frozen=True)
class StageText:
    """One stage of a turn as the seed words it."""

    key: str
    number: int
    name: str
    heading: str  # the seed's bold line, with who speaks
    who: str
    what: str
    examples: str  # without the seed's "e.g. " and parentheses


INTRODUCE = StageText(
    "introduce",
    1,
    "Introduce the problem",
    "1. Introduce the problem (problem-owner)",
    "problem-owner",
    "The problem owner briefly describes the persistent problem they are focussing on "
    "(see appendix A) and how it manifests in their context.",
    "",
)
CLARIFY = StageText(
    "clarify",
    2,
    "Clarify",
    "2. Clarify (Peers)",
    "Peers",
    "Questions about the problem",
    "Has this happened before? What happened last time?",
)
LOOK_DEEPER = StageText(
    "look-deeper",
    3,
    "Look deeper",
    "3. Look deeper (Peers; problem-owner listens but does not speak)",
    "Peers; problem-owner listens but does not speak",
    "Questions and discussion about the problem",
    "What does this show about teachers' beliefs? What possible responses are there?",
)
ACTION_STEP = StageText(
    "action-step",
    4,
    "Action step",
    "4. Action step (Peers; problem-owner listens but does not speak)",
    "Peers; problem-owner listens but does not speak",
    "What can be done next?",
    "If this were my school, I would...",
)
RESPONSE = StageText(
    "response",
    5,
    "Response",
    "5. Response (Problem owner)",
    "Problem owner",
    "What will you do in response?",
    "That's interesting – it made me think about... I think my next action will be",
)
REFLECTIONS = StageText(
    "reflections",
    6,
    "Our reflections",
    "6. Our reflections (All)",
    "All",
    "What did we learn from that round?",
    "A common strand to today's problems has been... It's interesting that we all struggled to "
    "offer suggestions for the problem.",
)
# The seed's name for the last stage in its adaptations for five and six; its words are stage 6's.
OBSERVATIONS = StageText(
    "observations",
    6,
    "Observations",
    REFLECTIONS.heading,
    REFLECTIONS.who,
    REFLECTIONS.what,
    REFLECTIONS.examples,
)

# Minutes per stage, as the seed gives them.
FOUR_PERSON_STAGES = (
    (INTRODUCE, 2),
    (CLARIFY, 2),
    (LOOK_DEEPER, 4),
    (ACTION_STEP, 2),
    (RESPONSE, 2),
    (REFLECTIONS, 1),
)
FIVE_PERSON_STAGES = (
    (CLARIFY, 1),
    (LOOK_DEEPER, 4),
    (ACTION_STEP, 2),
    (RESPONSE, 2),
    (OBSERVATIONS, 1),
)
SIX_PERSON_STAGES = (
    (CLARIFY, 1),
    (LOOK_DEEPER, 3),
    (ACTION_STEP, 2),
    (RESPONSE, 1),
    (OBSERVATIONS, 1),
)
# The seed's four turns; groups of three take the first three.
FOUR_PERSON_TURNS = ((5, 17), (17, 30), (30, 43), (43, 55))


@dataclass(frozen=True)
class Stage:
    """One post of the protocol: its minutes from the session's start, and what it says."""

    key: str  # unique within a session: "reconnect", "turn-2-clarify", "close"
    start: int
    end: int
    kind: str  # "reconnect" | "turn" | "close"
    text: StageText | None = None
    turn: int | None = None  # 1-based
    first_of_turn: bool = False
    # Buddy's reading of the seed: a 12-minute turn's Look deeper gives up a minute.
    shortened: bool = False

    @property
    def minutes(self) -> int:
        return self.end - self.start


def turn_spans(size: int) -> list[tuple[int, int]]:
    """Each turn's minutes for a group of `size` (3 to 6)."""
    if size in (3, 4):
        return list(FOUR_PERSON_TURNS[:size])
    if size == 5:
        return [(5 + 10 * n, 15 + 10 * n) for n in range(5)]
    if size == 6:
        return [(5 + 8 * n, 13 + 8 * n) for n in range(6)]
    raise ValueError(f"no timetable for a group of {size}")


def _turn_stages(size: int, length: int) -> list[tuple[StageText, int, bool]]:
    if size == 5:
        return [(text, minutes, False) for text, minutes in FIVE_PERSON_STAGES]
    if size == 6:
        return [(text, minutes, False) for text, minutes in SIX_PERSON_STAGES]
    cut = sum(m for _, m in FOUR_PERSON_STAGES) - length
    return [
        (text, minutes - cut if text is LOOK_DEEPER else minutes, cut > 0 and text is LOOK_DEEPER)
        for text, minutes in FOUR_PERSON_STAGES
    ]


def timetable(size: int) -> list[Stage]:
    """Every post of a session of `size` owners, in order, to the end of the hour."""
    stages = [Stage("reconnect", 0, 5, "reconnect")]
    for turn, (start, end) in enumerate(turn_spans(size), start=1):
        at = start
        for index, (text, minutes, shortened) in enumerate(_turn_stages(size, end - start)):
            stages.append(
                Stage(
                    f"turn-{turn}-{text.key}",
                    at,
                    at + minutes,
                    "turn",
                    text,
                    turn,
                    first_of_turn=index == 0,
                    shortened=shortened,
                )
            )
            at += minutes
        assert at == end
    stages.append(Stage("close", stages[-1].end, SESSION_MINUTES, "close"))
    return stages
