"""A platform that only records what handlers asked of it: handlers run on it with no Slack (or
Teams) at all, which shows they are one core for every front end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from conversation.blocks import Form, HomeView
from conversation.deps import Deps
from conversation.outlet import OutletError, Posted, SentFile
from conversation.replies import OutgoingMessage
from models.pairs import Pair, Profile
from models.people import Participant


@dataclass
class FakeOutlet:
    """Each call kept in order, by kind; `refuse` makes posting and redrawing fail with it."""

    platform: str = "fake"
    told_pairs: list[tuple[int, OutgoingMessage]] = field(default_factory=list)
    told_people: list[tuple[str, str]] = field(default_factory=list)
    told_persons: list[tuple[str, OutgoingMessage]] = field(default_factory=list)
    posts: list[tuple[str, OutgoingMessage]] = field(default_factory=list)
    updates: list[tuple[str, str, OutgoingMessage]] = field(default_factory=list)
    deleted: list[tuple[str, str]] = field(default_factory=list)
    files: list[tuple[str, list[SentFile], str]] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    homes: list[tuple[str, HomeView]] = field(default_factory=list)
    looked_up: list[str] = field(default_factory=list)
    zones: dict[str, str] = field(default_factory=dict)
    refuse: str | None = None

    def _check(self) -> None:
        if self.refuse is not None:
            raise OutletError(self.refuse)

    def tell_pair(self, deps: Deps, pair_id: int, message: OutgoingMessage) -> bool:
        self.told_pairs.append((pair_id, message))
        return self.refuse is None

    def tell_people(self, user_ids: Sequence[str], text: str) -> bool:
        self.told_people.extend((user_id, text) for user_id in user_ids)
        return self.refuse is None

    def tell_person(self, user_id: str, message: OutgoingMessage, deps: Deps | None = None) -> bool:
        self.told_persons.append((user_id, message))
        return self.refuse is None

    def pair_conversation(self, session: Session, pair: Pair) -> str:
        self._check()
        return f"pair-{pair.id}"

    def person_conversation(self, session: Session, participant: Participant) -> str:
        self._check()
        return f"dm-{participant.user_id}"

    def post(self, conversation: str, message: OutgoingMessage) -> Posted:
        self._check()
        self.posts.append((conversation, message))
        return Posted(conversation, f"m{len(self.posts)}")

    def update(self, conversation: str, message_id: str, message: OutgoingMessage) -> None:
        self._check()
        self.updates.append((conversation, message_id, message))

    def delete(self, conversation: str, message_id: str) -> None:
        self._check()
        self.deleted.append((conversation, message_id))

    def send_files(self, conversation: str, files: Sequence[SentFile], comment: str) -> list[str]:
        self._check()
        self.files.append((conversation, list(files), comment))
        return [f"F{len(self.files)}-{i}" for i, _ in enumerate(files)]

    def delete_file(self, file_id: str) -> None:
        self._check()

    def download(self, file_id: str, most_bytes: int) -> bytes:
        self._check()
        return b""

    def open_form(self, trigger_id: str | None, form: Form) -> str:
        self._check()
        self.forms.append(form)
        return f"V{len(self.forms)}"

    def update_form(self, view_id: str, form: Form, view_hash: str | None = None) -> None:
        self._check()
        self.forms.append(form)

    def publish_home(self, user_id: str, view: HomeView) -> None:
        self._check()
        self.homes.append((user_id, view))

    def profiles(self, user_ids: Sequence[str]) -> list[Profile]:
        self.looked_up.extend(user_ids)
        return [
            Profile(user_id, self.zones.get(user_id, "Europe/London"), is_bot=False, name=user_id)
            for user_id in user_ids
        ]

    def quick_profiles(self, user_ids: Sequence[str]) -> list[Profile]:
        return self.profiles(user_ids)

    def user_ids_by_email(self, emails: Sequence[str]) -> dict[str, str]:
        return {}
