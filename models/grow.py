"""Seed 003's GROW peer-coaching prompts, word for word, as data the views render.

Two forms: the four steps of "GROW Model prompt questions" with their bullet points and
questions, and the one-line "Reflection: Preparation for Peer Coaching" (Goal, Reality, Options,
Will). Bold in the seed is kept as `**...**`, so a view can render it in its own markup.
"""

from __future__ import annotations

from dataclasses import dataclass

GROW_TITLE = "GROW Model prompt questions"
REFLECTION_TITLE = "Reflection: Preparation for Peer Coaching"


@dataclass(frozen=True)
class GrowStep:
    title: str
    bullets: tuple[str, ...]
    questions: tuple[str, ...]


GROW_STEPS: tuple[GrowStep, ...] = (
    GrowStep(
        title="1. Agree a measurable goal",
        bullets=(
            "Focus-in on a specific subject or topic.",
            "Set an objective to set the tone for the conversation.",
            "Share and agree the objectives with your peer coaching colleague.",
        ),
        questions=(
            "What is the purpose of this conversation?",
            "What would be most useful for us to focus-in on?",
            "What would be a marker of a productive conversation as you walk away from this "
            "conversation?",
        ),
    ),
    GrowStep(
        title="2. Describe the context and situation",
        bullets=(
            "**Coached:** Share examples to illuminate your individual contexts and situations.",
            "**Coach:** Ask questions to challenge any assumptions and gain clarity.",
        ),
        questions=(
            "Where are you on your journey at present? What do I need to know about your context?",
            "What does this specific area look like now?",
            "What impact does this specific issue have on the wider programme/partnership?",
        ),
    ),
    GrowStep(
        title="3. Explore possible solutions and select the preferred solution",
        bullets=(
            "Coaches, this is your chance to really explore the issue-question creatively!",
            "Invite suggestions from your colleague who is being coached",
            "Offer suggestions mindfully.",
        ),
        questions=(
            "What potential solutions might there be to the challenge you are facing?",
            "What could you do in the short/medium/long term to address this?",
            "What are the pros and cons of the solution?",
        ),
    ),
    GrowStep(
        title="4. Discuss challenges, mitigate, and commit to action",
        bullets=(
            "Discuss potential challenges that could arise.",
            "Consider possible timelines.",
            "Agree the support, resources and associated professional development that will be "
            "required.",
        ),
        questions=(
            "What is your next step?",
            "How will this be communicated to your senior leadership team/strategic "
            "board/mentors/more widely?",
            "What will you delegate to who and when will they need to complete these actions by?",
        ),
    ),
)

REFLECTION_LINES: tuple[str, ...] = (
    "Goal – What do you want to do differently moving forward?",
    "Reality – Where are you currently in relation to your goal?",
    "Options – What steps could you take?",
    "Will – What steps are you going to take?",
)
# The check-in's "Add actions" is framed as this line.
GROW_WILL = REFLECTION_LINES[3]
