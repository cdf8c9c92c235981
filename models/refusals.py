"""The one shape of a refused request: what was wrong, and a correct way to ask.

Domain rules raise `Refusal` before writing anything. It knows nothing of Slack: people are named by
their Slack user ids in `people` and referred to as `{0}`, `{1}`... in the message, and the example
is the command's own words (`slot thu 16:00`); handlers render both for Slack.
"""

from __future__ import annotations

from collections.abc import Sequence


class Refusal(Exception):
    """A refused change, in words for the person who asked, with a correct example."""

    def __init__(
        self, message: str, example: str | None = None, *, people: Sequence[str] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.example = example
        self.people = tuple(people)
