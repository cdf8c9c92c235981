"""What a feature's handler starts from and what it gives back, in neutral terms.

A handler reads a `Request` (a `Command`, a `Press`, a `Submission`), calls the domain and returns
an `Answer`: what to say at once, a form to show, and any slow work (`then`, given the platform's
`Outlet`) for after the platform has its acknowledgement. Each front end turns its platform's
payloads into these requests (Slack's `from_body` in `frontends/slack/answers.py`) and delivers the
answer its own way; no handler knows which platform asked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from conversation.blocks import Form
from conversation.replies import SOMETHING_WENT_WRONG, Reply, ephemeral, refused
from conversation.values import meeting_value
from models.pairs import zone_of
from models.people import (
    DEFAULT_COHORT_TIMEZONE,
    Participant,
    ensure_participant,
    find_participant,
)
from models.refusals import Refusal

if TYPE_CHECKING:
    from conversation.deps import Deps
    from conversation.outlet import Outlet

logger = logging.getLogger(__name__)

T = TypeVar("T")
# Work for after the acknowledgement; its reply, if any, is shown the way the answer's is.
SlowWork = Callable[["Outlet"], Reply | None]

OUT_OF_DATE = (
    "This button is out of date, so nothing was changed. The latest messages from Buddy have "
    "buttons that work."
)
TOO_SLOW_TO_OPEN = (
    "I couldn't open the form just now (Slack allows only a few seconds). Please try again."
)


@dataclass(frozen=True)
class Who:
    """The person behind a request: their workspace (Slack team, Teams tenant) and user id."""

    team_id: str
    user_id: str


class FormValues(Protocol):
    """A submitted form's inputs, read by field id: Slack's `ViewState`, a Teams dialog's data."""

    def text(self, block_id: str) -> str | None: ...

    def date(self, block_id: str) -> date | None: ...

    def time(self, block_id: str) -> time | None: ...

    def option(self, block_id: str) -> str | None: ...

    def user(self, block_id: str) -> str | None: ...

    def options(self, block_id: str) -> list[str]: ...

    def file_ids(self, block_id: str) -> list[str]: ...


class NoValues:
    """A form with nothing in it (a request that came with no form)."""

    def text(self, block_id: str) -> str | None:
        return None

    def date(self, block_id: str) -> date | None:
        return None

    def time(self, block_id: str) -> time | None:
        return None

    def option(self, block_id: str) -> str | None:
        return None

    def user(self, block_id: str) -> str | None:
        return None

    def options(self, block_id: str) -> list[str]:
        return []

    def file_ids(self, block_id: str) -> list[str]:
        return []


@dataclass(frozen=True)
class Answer:
    """What to say at once, a form to show, and what to do after the ack (its reply is shown the
    way the answer's is)."""

    reply: Reply | None = None
    then: SlowWork | None = None
    # A form submission's own answer: `{"response_action": "errors", ...}`, "update", "clear".
    view_response: Reply | None = None
    # Show this form. A Teams dialog opens only as the direct answer to the press, so a handler
    # never opens a form later: it answers with it, and each front end opens it its own way.
    form: Form | None = None
    # Told the id the platform gave the opened form (the problem wizard keeps it, to update it).
    form_opened: Callable[[str], None] | None = None
    # What the person is told when the form could not be opened (None: nothing).
    form_unopened: Reply | None = field(default_factory=lambda: ephemeral(TOO_SLOW_TO_OPEN))


def accepted(parsed: T | Refusal) -> T:
    """What the grammar read, or the refusal it returned, raised for the one error path."""
    if isinstance(parsed, Refusal):
        raise parsed
    return parsed


def pressed_meeting(press: Press) -> tuple[int, date]:
    """The pair and meeting a nudge's button names (`<pair id>:<original date>`), or the
    out-of-date answer for a value Buddy cannot read."""
    target = meeting_value(press.value)
    if target is None:
        raise out_of_date()
    return target


def out_of_date() -> Refusal:
    """For a press or submission whose payload Buddy cannot read (old, or tampered with)."""
    return Refusal(OUT_OF_DATE)


@dataclass(frozen=True)
class Request:
    """Who asked, when, and the app's dependencies: what every handler starts from."""

    deps: Deps
    who: Who
    now: datetime
    # The platform, for the rare lookup an answer cannot be given without (`pair` checks its
    # people before it pairs them); any other platform work goes after the ack, in `then`.
    outlet: Outlet | None = None

    @property
    def user_id(self) -> str:
        return self.who.user_id

    @property
    def team_id(self) -> str:
        return self.who.team_id

    def caller(self, session: Session) -> Participant:
        """The person asking, created on first contact."""
        return ensure_participant(session, self.team_id, self.user_id, self.now)

    def today(self) -> date:
        """The caller's today, for reading dates they typed (`thu`, `3/12`). It only reads (a
        first contact is not created here), so it is safe inside another session: a second
        session writing the same new participant would wait for the first, for ever on
        PostgreSQL."""
        with self.deps.session() as session:
            known = find_participant(session, self.team_id, self.user_id)
            zone = zone_of(known) if known is not None else DEFAULT_COHORT_TIMEZONE
        return self.now.astimezone(ZoneInfo(zone)).date()


def local_today(participant: Participant, now: datetime) -> date:
    """Today where the participant is: what `thu` and `3/12` are read against."""
    return now.astimezone(ZoneInfo(zone_of(participant))).date()


@dataclass(frozen=True)
class Command(Request):
    """One `/buddy <name> <args>` call."""

    channel_id: str = ""
    name: str = ""
    args: str = ""
    trigger_id: str | None = None
    response_url: str | None = None
    # The front end's way back from its markup to what the person typed (Slack's entities and
    # `<@U1|sam>` links); stored words go through it once. Teams' text comes in as typed.
    plain: Callable[[str], str] = field(default=str, compare=False, repr=False)

    def typed(self, text: str) -> str:
        """`text` (part of `args`) as the person typed it."""
        return self.plain(text)


@dataclass(frozen=True)
class PressedIn:
    """The form a button was pressed in: its intent, payload, id and version on the platform
    (Slack's view id and hash), and what was typed in it so far."""

    intent: str
    payload: str
    form_id: str
    version: str | None
    values: FormValues


@dataclass(frozen=True)
class Press(Request):
    """A button pressed on a message, a form or Home."""

    action_id: str = ""
    value: str = ""
    message: tuple[str, str] | None = None  # the conversation and id of the message it was on
    trigger_id: str | None = None
    form: PressedIn | None = None  # the form it was in, if any


@dataclass(frozen=True)
class Submission(Request):
    """A form submitted (or closed, for forms that ask to be told)."""

    callback_id: str = ""
    metadata: str = ""
    state: FormValues = field(default_factory=NoValues)
    view_id: str = ""


def decide(run: Callable[[], Answer | Reply | None], what: str) -> Answer:
    """Run a handler's quick part; a refusal or an error becomes the answer to show."""
    try:
        answer = run()
    except Refusal as refusal:
        return Answer(reply=refused(refusal))
    except Exception:
        logger.exception("%s failed", what)
        return Answer(reply=ephemeral(SOMETHING_WENT_WRONG))
    if answer is None:
        return Answer()
    return answer if isinstance(answer, Answer) else Answer(reply=answer)


ButtonHandler = Callable[[Press], Answer | Reply | None]
SubmissionHandler = Callable[[Submission], Answer | Reply | None]


@dataclass(frozen=True)
class Handlers:
    """What a feature answers besides its commands, for each front end to wire up: buttons by
    their intent, form submissions by the form's intent, and forms closed (for forms that ask)."""

    buttons: Mapping[str, ButtonHandler] = field(default_factory=dict)
    submissions: Mapping[str, SubmissionHandler] = field(default_factory=dict)
    closings: Mapping[str, SubmissionHandler] = field(default_factory=dict)
