"""What a handler's work after the answer may ask of the platform, in neutral terms.

A handler returns an `Answer` whose `then` takes an `Outlet`: Slack's (`frontends/slack/outlet.py`)
or Teams' (`frontends/teams/outlet.py`); a request also carries it (`Request.outlet`) for the one
lookup made before the answer. A form is never opened by a handler: it answers with it
(`Answer.form`), and the front end's wiring opens it with `open_form`. Telling a pair, a person
or a channel, redrawing a message Buddy sent, sending a file, updating a form, publishing Home,
and looking people up are all here, so no handler names a platform. Telling people is best
effort (False when it failed, logged); posting, redrawing, files and forms raise `OutletError`
with the platform's reason (or `UNREACHABLE`), for the handler to word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from conversation.blocks import Form, HomeView
    from conversation.deps import Deps
    from conversation.replies import OutgoingMessage
    from models.pairs import Pair, Profile
    from models.people import Participant

# The reason an `OutletError` gives when the platform could not be reached at all.
UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class OutletError(Exception):
    """The platform refused (`reason`: its own word, e.g. `not_in_channel`) or was unreachable."""

    reason: str


@dataclass(frozen=True)
class Posted:
    """Where a message went: its conversation and its id there (Slack's ts, a Teams activity id)."""

    conversation: str
    message_id: str


@dataclass(frozen=True)
class SentFile:
    filename: str
    content: bytes | str
    title: str
    # What an image shows, for people who cannot see it (the report's chart).
    alt_text: str | None = None


class Outlet(Protocol):
    """One platform's way of doing what handlers need after their answer."""

    platform: str

    # -- telling people (best effort) --
    def tell_pair(self, deps: Deps, pair_id: int, message: OutgoingMessage) -> bool: ...

    def tell_people(self, user_ids: Sequence[str], text: str) -> bool: ...

    def tell_person(
        self, user_id: str, message: OutgoingMessage, deps: Deps | None = None
    ) -> bool: ...

    # -- posting and redrawing (raise OutletError) --
    def pair_conversation(self, session: Session, pair: Pair) -> str: ...

    def person_conversation(self, session: Session, participant: Participant) -> str: ...

    def post(self, conversation: str, message: OutgoingMessage) -> Posted: ...

    def update(self, conversation: str, message_id: str, message: OutgoingMessage) -> None: ...

    def delete(self, conversation: str, message_id: str) -> None: ...

    def send_files(
        self, conversation: str, files: Sequence[SentFile], comment: str
    ) -> list[str]: ...

    def delete_file(self, file_id: str) -> None: ...

    def download(self, file_id: str, most_bytes: int) -> bytes:
        """A file someone gave in a form: at most `most_bytes + 1` bytes, so a caller can tell a
        file over its limit."""
        ...

    # -- forms and Home --
    def open_form(self, trigger_id: str | None, form: Form) -> str:
        """Show the form as the answer to a press or command (its trigger, on Slack); the id the
        platform gave it. Called by the front end's wiring for `Answer.form`, never by handlers."""
        ...

    def update_form(self, view_id: str, form: Form, view_hash: str | None = None) -> None: ...

    def publish_home(self, user_id: str, view: HomeView) -> None: ...

    # -- people (someone the platform doesn't know is a `Refusal`) --
    def profiles(self, user_ids: Sequence[str]) -> list[Profile]: ...

    def quick_profiles(self, user_ids: Sequence[str]) -> list[Profile]:
        """`profiles` inside the ack's time (before the answer): a slow or busy platform is a
        `Refusal` that changed nothing."""
        ...

    def user_ids_by_email(self, emails: Sequence[str]) -> dict[str, str]: ...
