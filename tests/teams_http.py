"""Plays Teams towards the running app: activities as the Bot Framework sends them to
`POST /api/messages`, each with a token signed by the fake's key (or a bad one, on request)."""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from tests.fake_teams import APP_ID, TENANT, FakeTeams

BOT_ID = f"28:{APP_ID}"
TEAM_ID = "19:team-general@thread.tacv2"
CHANNEL_ID = "19:cohort-channel@thread.tacv2"


@dataclass(frozen=True)
class Person:
    """A Teams user: their stable Entra id, their `29:` id, and their personal chat with Buddy."""

    aad: str
    name: str

    @property
    def user_id(self) -> str:
        return f"29:{self.aad}-id"

    @property
    def personal_chat(self) -> str:
        return f"a:personal-{self.aad}"

    def account(self) -> dict[str, Any]:
        return {"id": self.user_id, "name": self.name, "aadObjectId": self.aad}


ALICE = Person("aad-alice", "Alice Example")
BOB = Person("aad-bob", "Bob Example")


@dataclass
class TeamsResult:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class TeamsClientForTests:
    """Sends activities to the app at `messages_url`, signed by `fake` unless told otherwise."""

    def __init__(self, messages_url: str, fake: FakeTeams) -> None:
        self.messages_url = messages_url
        self.fake = fake
        self._ids = itertools.count(1)

    # -- sending ---------------------------------------------------------------------------------
    def post(
        self,
        activity: dict[str, Any] | bytes,
        *,
        token: str | None = None,
        authorization: str | None = None,
        unsigned: bool = False,
    ) -> TeamsResult:
        """POST `activity`; by default with a good token for its serviceUrl. `authorization`
        replaces the whole header, `unsigned` leaves it out."""
        data = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
        headers = {"Content-Type": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        elif not unsigned:
            service_url = activity.get("serviceUrl") if isinstance(activity, dict) else None
            signed = token or self.fake.token(
                service_url=service_url if isinstance(service_url, str) else None
            )
            headers["Authorization"] = f"Bearer {signed}"
        request = urllib.request.Request(
            self.messages_url, data=data, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return TeamsResult(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return TeamsResult(error.code, error.read().decode())

    # -- activities ------------------------------------------------------------------------------
    def _base(
        self, kind: str, sender: Person, conversation: dict[str, Any], **fields: Any
    ) -> dict[str, Any]:
        activity: dict[str, Any] = {
            "type": kind,
            "id": f"activity-{next(self._ids)}",
            "timestamp": "2026-11-24T10:00:00.000Z",
            "localTimestamp": "2026-11-24T10:00:00.000+00:00",
            "serviceUrl": self.fake.service_url,
            "channelId": "msteams",
            "from": sender.account(),
            "conversation": conversation,
            "recipient": {"id": BOT_ID, "name": "Buddy"},
            "channelData": {"tenant": {"id": TENANT}},
            "locale": "en-GB",
        }
        activity.update(fields)
        return activity

    def personal(self, sender: Person) -> dict[str, Any]:
        return {"id": sender.personal_chat, "conversationType": "personal", "tenantId": TENANT}

    def message(
        self, text: str, sender: Person = ALICE, *, timezone: str | None = "Europe/London"
    ) -> dict[str, Any]:
        """A message typed in the personal chat with Buddy, with the clientInfo Teams adds."""
        entities: list[dict[str, Any]] = []
        if timezone is not None:
            entities.append(
                {
                    "type": "clientInfo",
                    "locale": "en-GB",
                    "country": "GB",
                    "platform": "Web",
                    "timezone": timezone,
                }
            )
        return self._base(
            "message",
            sender,
            self.personal(sender),
            text=text,
            textFormat="plain",
            entities=entities,
        )

    def channel_mention(
        self, text: str, sender: Person = ALICE, *, root: str = "1700000000000001"
    ) -> dict[str, Any]:
        """`@Buddy <text>` in the cohort's channel, as a new post (its own thread root)."""
        mention = {
            "type": "mention",
            "mentioned": {"id": BOT_ID, "name": "Buddy"},
            "text": "<at>Buddy</at>",
        }
        conversation = {
            "id": f"{CHANNEL_ID};messageid={root}",
            "conversationType": "channel",
            "isGroup": True,
            "tenantId": TENANT,
        }
        return self._base(
            "message",
            sender,
            conversation,
            text=f"<at>Buddy</at> {text}",
            textFormat="plain",
            entities=[mention],
            channelData={
                "tenant": {"id": TENANT},
                "team": {"id": TEAM_ID, "name": "NPQ cohort", "aadGroupId": "group-1"},
                "channel": {"id": CHANNEL_ID, "name": "cohort"},
                "teamsTeamId": TEAM_ID,
                "teamsChannelId": CHANNEL_ID,
            },
        )

    def invoke(
        self, name: str, value: dict[str, Any], sender: Person = ALICE, **fields: Any
    ) -> dict[str, Any]:
        return self._base("invoke", sender, self.personal(sender), name=name, value=value, **fields)

    def execute(self, verb: str, data: dict[str, Any], sender: Person = ALICE) -> dict[str, Any]:
        """An Action.Execute press on a card Buddy sent (`adaptiveCard/action`)."""
        value = {
            "action": {"type": "Action.Execute", "verb": verb, "data": data},
            "trigger": "manual",
        }
        return self.invoke("adaptiveCard/action", value, sender, replyToId="1700000000000002")

    def task_fetch(self, data: dict[str, Any], sender: Person = ALICE) -> dict[str, Any]:
        return self.invoke(
            "task/fetch", {"data": {"msteams": {"type": "task/fetch"}, **data}}, sender
        )

    def task_submit(self, data: dict[str, Any], sender: Person = ALICE) -> dict[str, Any]:
        return self.invoke("task/submit", {"data": data}, sender)

    def tab_fetch(self, sender: Person = ALICE) -> dict[str, Any]:
        value = {"tabContext": {"tabEntityId": "home"}, "context": {"theme": "default"}}
        activity = self.invoke("tab/fetch", value, sender)
        activity["conversation"] = {"id": f"tab:{sender.aad}", "tenantId": TENANT}
        return activity

    def installation(self, action: str = "add", sender: Person = ALICE) -> dict[str, Any]:
        """Buddy installed in (or removed from) the sender's personal scope."""
        return self._base("installationUpdate", sender, self.personal(sender), action=action)

    def members_added(
        self, members: list[dict[str, Any]], sender: Person = ALICE, removed: bool = False
    ) -> dict[str, Any]:
        """A team's membership changed: Buddy (`BOT_ID`) or people added or removed."""
        conversation = {
            "id": CHANNEL_ID,
            "conversationType": "channel",
            "isGroup": True,
            "tenantId": TENANT,
        }
        field = "membersRemoved" if removed else "membersAdded"
        return self._base(
            "conversationUpdate",
            sender,
            conversation,
            **{field: members},
            channelData={
                "tenant": {"id": TENANT},
                "team": {"id": TEAM_ID, "name": "NPQ cohort"},
                "channel": {"id": CHANNEL_ID},
                "eventType": "teamMemberRemoved" if removed else "teamMemberAdded",
            },
        )

    def file_consent(
        self, action: str, context: dict[str, Any], sender: Person = ALICE, name: str = "slot.ics"
    ) -> dict[str, Any]:
        value: dict[str, Any] = {"type": "fileUpload", "action": action, "context": context}
        if action == "accept":
            value["uploadInfo"] = {
                "name": name,
                "uploadUrl": self.fake.upload_url(name),
                "contentUrl": f"https://contoso.example/files/{name}",
                "uniqueId": "file-1",
                "fileType": name.rsplit(".", 1)[-1],
            }
        return self.invoke("fileConsent/invoke", value, sender)
