"""Seed 000's guidance for buddy pairs, quoted exactly: every message that shows it reads here."""

from __future__ import annotations

# "The role of the buddy pair is to:"
ROLES = (
    "Provide opportunities to discuss and make sense of key content from the insight and "
    "application modules.",
    "Support their buddy by constructively questioning and challenging them, where "
    "appropriate, helping them to reflect on their actions and thinking.",
    "Give feedback on practice to develop more effective behaviours and mental models.",
    "Hold their buddy to account over time to progress actions or tasks identified during "
    "application modules.",
)
BUDDY_ROLES = "\n".join(f"{n}. {role}" for n, role in enumerate(ROLES, start=1))
ACCOUNT_ROLE = ROLES[3]
# On agreeing a fortnightly format.
FORMAT_SUGGESTION = (
    "We strongly suggest that participants either meet in person, or use a computer/laptop to "
    "meet using software, such as Zoom or Teams."
)
FORMAT_ADVICE = "Phones can act as a barrier to sharing effective examples, videos and slides."
# On being flexible with time.
SOLO_PRACTICE_NOTE = (
    "Although it's best to work in buddy pairs in each application module, participants need "
    "to accept that, in some instances, solo practice may be required to not halt progression "
    "onto the next insight module."
)
HABIT_NOTE = (
    "To form strong habits, we suggest that buddy pairs set recurring meetings at the same day "
    "and time."
)
