"""A local stand-in for Slack's Web API: records every call, answers like Slack, fails on cue.

Also receives `response_url` posts and file uploads, and remembers posted messages (with their
blocks and metadata) so `conversations.history` can show them back, as the scheduler's resend check
needs; `chat.update`, `chat.delete` and `files.delete` change what it holds, as they do in Slack.

Faults the clock must survive can be scripted: the next few calls failing (`fail_next`), 429s or an
outage for a span of the fake's own clock (`rate_limit`, `outage`), and posts that Slack accepts
but answers late (`delay_next`) or never (`drop_next`). Given a clock, the fake stamps each call
and message with it, and `on_post` can move it on as each message is sent (a slow pass).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import struct
import threading
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from models.clock import Clock

# Methods that post a message: what `delay_next`, `drop_next` and `accept` store before failing.
POSTING = ("chat.postMessage", "chat.postEphemeral")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    # The fake's clock when the call arrived (None without a clock).
    at: datetime | None = None

    @property
    def token(self) -> str | None:
        """The token the call was made with (a Bearer header, or `token` in its body)."""
        auth = self.headers.get("authorization", "")
        if auth.startswith("Bearer "):
            return auth[len("Bearer ") :]
        token = self.params.get("token")
        return str(token) if token else None


@dataclass
class Install:
    """What oauth.v2.access answers for one install's code: a workspace and its bot token (and a
    refresh token with a lifetime, when the app rotates its tokens)."""

    team_id: str | None
    bot_token: str
    installer: str
    team_name: str = "School"
    enterprise_id: str | None = None
    is_enterprise_install: bool = False
    bot_user_id: str = "UBUDDYBOT"
    scope: str = "commands,chat:write"
    rotating: bool = False
    expires_in: int = 43200


@dataclass
class Scripted:
    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # Store the message first (Slack accepted it), then answer late or not at all.
    accept: bool = False
    delay_seconds: float = 0.0
    drop: bool = False
    reset: bool = False


@dataclass
class Window:
    """Answer every call to `methods` (None: every method) this way while start <= clock < end."""

    start: datetime
    end: datetime
    methods: frozenset[str] | None
    status: int
    error: str
    retry_after: int | None = None
    accept: bool = False

    def covers(self, method: str, at: datetime) -> bool:
        in_methods = self.methods is None or method in self.methods
        return in_methods and self.start <= at < self.end


class FakeSlack:
    """Start with `start()`; point SLACK_API_URL at `api_url`."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock
        # Called (outside the fake's lock) after each message is stored, e.g. to move the clock.
        self.on_post: Callable[[], None] | None = None
        self.calls: list[Call] = []
        self.response_posts: list[dict[str, Any]] = []
        # The id of each view views.open opened, as Slack gives it back to the app.
        self.opened_views: list[str] = []
        self.uploads: dict[str, bytes] = {}
        # Files people uploaded (a modal's file input), served by files.info and a download URL.
        self.files: dict[str, bytes] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self._scripts: dict[str, deque[Scripted]] = {}
        self._windows: list[Window] = []
        # Multi-workspace installs: each install's code (used once), each bot token's install, the
        # tokens Slack no longer accepts, and each refresh token (rotation) with its install.
        self.install_codes: dict[str, Install] = {}
        self.token_installs: dict[str, Install] = {}
        self.revoked: set[str] = set()
        self.refresh_tokens: dict[str, Install] = {}
        self.client_credentials: tuple[str, str] | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ts = itertools.count(1)
        self._last_ts = 0.0
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        # serve_forever checks for shutdown once per poll: the default 0.5 s made each test that
        # stops a fake wait that long, most of the suite's time.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # a late answer still waiting gives up
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base_url}/response/{name}"

    # -- scripting ---------------------------------------------------------------------------
    def add_user(
        self, user_id: str, tz: str = "Europe/London", is_bot: bool = False, name: str = ""
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "name": name or user_id.lower(),
            "tz": tz,
            "is_bot": is_bot,
            "deleted": False,
        }

    def offer_install(self, code: str, install: Install) -> None:
        """The installer approved on Slack's page: Slack sends them back with `code`."""
        self.install_codes[code] = install

    def revoke(self, token: str) -> None:
        """The token stops working, as after an uninstall."""
        self.revoked.add(token)

    def calls_with(self, token: str, method: str | None = None) -> list[Call]:
        """Every call made with `token` (of `method` only, if given)."""
        with self._lock:
            return [c for c in self.calls if c.token == token and method in (None, c.method)]

    def add_file(self, content: bytes, name: str = "upload.csv") -> str:
        """A file someone uploaded to Slack; its id goes in a file input's state."""
        file_id = f"FUP{next(self._ids)}"
        self.files[file_id] = content
        return file_id

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` answer 429, 5xx or `ok: false`."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        if status == 429:
            body: dict[str, Any] = {"ok": False, "error": "ratelimited"}
        elif status >= 500:
            body = {"ok": False, "error": "internal_error"}
        else:
            body = {"ok": False, "error": error or "invalid_arguments"}
        with self._lock:
            queue = self._scripts.setdefault(method, deque())
            for _ in range(times):
                queue.append(Scripted(status=status, body=body, headers=headers))

    def rate_limit(
        self,
        method: str | None = "chat.postMessage",
        *,
        seconds: float,
        retry_after: int = 1,
        start: datetime | None = None,
    ) -> None:
        """429 with `Retry-After` for each call to `method` during `seconds` of the fake's clock."""
        begin = start or self._now_required()
        self._add_window(
            Window(
                begin,
                begin + timedelta(seconds=seconds),
                None if method is None else frozenset({method}),
                429,
                "ratelimited",
                retry_after=retry_after,
            )
        )

    def outage(
        self,
        *,
        start: datetime,
        end: datetime,
        status: int = 503,
        methods: Collection[str] | None = None,
        accept: bool = False,
    ) -> None:
        """Answer `status` to every call (or to `methods`) from `start` to `end` on the fake's
        clock; with `accept`, posts are stored first, as when Slack posts but then errs."""
        self._add_window(
            Window(
                start,
                end,
                None if methods is None else frozenset(methods),
                status,
                "service_unavailable" if status >= 500 else "internal_error",
                accept=accept,
            )
        )

    def delay_next(self, method: str, *, seconds: float, times: int = 1) -> None:
        """Accept the next `times` posts at once, but answer each `seconds` later (real time)."""
        self._script(method, times, Scripted(accept=True, delay_seconds=seconds))

    def drop_next(self, method: str, *, times: int = 1, reset: bool = False) -> None:
        """Accept the next `times` posts, then close the connection without an answer (with a TCP
        reset if `reset`, else a plain close)."""
        self._script(method, times, Scripted(accept=True, drop=True, reset=reset))

    def advance_per_post(self, clock: Any, seconds: float) -> None:
        """A slow pass: `clock` (a SettableClock) moves on `seconds` as each message is stored."""
        self.clock = clock
        step = timedelta(seconds=seconds)

        def advance() -> None:
            clock.set(clock.now() + step)

        self.on_post = advance

    def _script(self, method: str, times: int, scripted: Scripted) -> None:
        with self._lock:
            queue = self._scripts.setdefault(method, deque())
            for _ in range(times):
                queue.append(scripted)

    def _add_window(self, window: Window) -> None:
        with self._lock:
            self._windows.append(window)

    def _now_required(self) -> datetime:
        if self.clock is None:
            raise RuntimeError("give the fake a clock first")
        return self.clock.now()

    # -- reading what happened ---------------------------------------------------------------
    def delivery_keys(self) -> list[str]:
        """The delivery key of every message that reached a channel, in order: what users saw."""
        with self._lock:
            channels = [list(messages) for messages in self.messages.values()]
        keys = []
        for messages in channels:
            for message in messages:
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if "delivery_key" in payload:
                    keys.append(str(payload["delivery_key"]))
        return keys

    def conversations(self) -> dict[str, list[dict[str, Any]]]:
        """Every channel's messages as they stand now (updates and deletions applied): what
        `conversations.history` shows and what people can still read."""
        with self._lock:
            return {
                channel: [json.loads(json.dumps(m)) for m in messages]
                for channel, messages in self.messages.items()
            }

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def posted_texts(self) -> list[str]:
        return [str(c.params.get("text", "")) for c in self.calls_to("chat.postMessage")]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()
            self.response_posts.clear()

    # -- the server --------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                path = urlparse(self.path).path
                content = fake.files.get(path.rsplit("/", 1)[-1])
                authorised = self.headers.get("Authorization") == "Bearer xoxb-test"
                if not path.startswith("/files/") or content is None or not authorised:
                    self._send(404, {"ok": False, "error": "file_not_found"})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                path = urlparse(self.path).path
                if path.startswith("/response/"):
                    fake._record_response_post(raw)
                    self._send(200, {"ok": True})
                elif path.startswith("/upload/"):
                    fake.uploads[path.rsplit("/", 1)[-1]] = raw
                    self._send(200, {"ok": True}, text=True)
                elif path.startswith("/api/"):
                    method = path[len("/api/") :]
                    params = _parse_params(raw, self.headers.get("Content-Type") or "")
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    status, body, extra, how = fake._answer(method, params, headers)
                    if how.drop:
                        self._drop(reset=how.reset)
                        return
                    if how.delay_seconds and fake._stopping.wait(how.delay_seconds):
                        return
                    # A late answer may find the client gone (its timeout): as with Slack.
                    with contextlib.suppress(OSError):
                        self._send(status, body, extra)
                else:
                    self._send(404, {"ok": False, "error": "unknown_path"})

            def _send(
                self,
                status: int,
                body: dict[str, Any],
                headers: dict[str, str] | None = None,
                text: bool = False,
            ) -> None:
                data = b"OK" if text else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain" if text else "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _drop(self, *, reset: bool) -> None:
                self.close_connection = True
                if reset:  # linger 0: close sends RST, the client reads "connection reset"
                    linger = struct.pack("ii", 1, 0)
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                else:
                    self.connection.shutdown(socket.SHUT_RDWR)

        return Handler

    def _record_response_post(self, raw: bytes) -> None:
        with self._lock:
            self.response_posts.append(json.loads(raw or b"{}"))

    def _answer(
        self, method: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str], Scripted]:
        posted = False
        try:
            with self._lock:
                at = self.clock.now() if self.clock is not None else None
                self.calls.append(Call(method, params, headers, at))
                queue = self._scripts.get(method)
                scripted = queue.popleft() if queue else None
                window = next(
                    (w for w in self._windows if at is not None and w.covers(method, at)), None
                )
                if scripted is None and window is not None:
                    headers_out = (
                        {"Retry-After": str(window.retry_after)}
                        if window.retry_after is not None
                        else {}
                    )
                    scripted = Scripted(
                        status=window.status,
                        body={"ok": False, "error": window.error},
                        headers=headers_out,
                        accept=window.accept,
                    )
                if scripted is None:
                    body = self._default(method, params, Call(method, params, headers).token)
                    posted = method in POSTING and bool(body.get("ok"))
                    return 200, body, {}, Scripted()
                if scripted.accept and method in POSTING:
                    accepted = self._post(params)
                    posted = True
                    if scripted.body is None:
                        return 200, accepted, {}, scripted
                return scripted.status, scripted.body or {"ok": True}, scripted.headers, scripted
        finally:
            if posted and self.on_post is not None:
                self.on_post()

    def _default(
        self, method: str, params: dict[str, Any], token: str | None = None
    ) -> dict[str, Any]:
        if token is not None and token in self.revoked:
            return {"ok": False, "error": "token_revoked"}
        if method == "oauth.v2.access":
            return self._oauth_access(params)
        if method == "auth.test" and token in self.token_installs:
            install = self.token_installs[token]
            return {
                "ok": True,
                "user_id": install.bot_user_id,
                "team_id": install.team_id,
                "enterprise_id": install.enterprise_id,
                "bot_id": "B" + (install.team_id or install.enterprise_id or ""),
                "is_enterprise_install": install.is_enterprise_install,
                "url": "https://school.slack.com/",
            }
        if method == "auth.test":
            return {"ok": True, "user_id": "UBUDDYBOT", "team_id": "T1", "bot_id": "BBUDDY"}
        if method == "users.info":
            user = self.users.get(str(params.get("user")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": user}
        if method == "conversations.open":
            users = sorted(str(params.get("users", "")).split(","))
            prefix = "D" if len(users) == 1 else "G"
            return {"ok": True, "channel": {"id": prefix + "-".join(users)}}
        if method in ("chat.postMessage", "chat.postEphemeral"):
            return self._post(params)
        if method == "chat.update":
            self._update(params)
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "chat.delete":
            self._delete(params)
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "files.delete":
            self.uploads.pop(str(params.get("file")), None)
            return {"ok": True}
        if method == "conversations.history":
            return self._history(params)
        if method in ("views.open", "views.update", "views.push"):
            view = params.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            view_id = params.get("view_id") or f"V{next(self._ids)}"
            if method == "views.open":
                self.opened_views.append(view_id)
            return {"ok": True, "view": {"id": view_id, **(view or {})}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids)}"
            return {
                "ok": True,
                "upload_url": f"{self.base_url}/upload/{file_id}",
                "file_id": file_id,
            }
        if method == "files.info":
            file_id = str(params.get("file"))
            if file_id not in self.files:
                return {"ok": False, "error": "file_not_found"}
            url = f"{self.base_url}/files/{file_id}"
            return {"ok": True, "file": {"id": file_id, "url_private_download": url}}
        if method == "files.completeUploadExternal":
            files = params.get("files")
            files = json.loads(files) if isinstance(files, str) else files
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        return {"ok": True}

    def _oauth_access(self, params: dict[str, Any]) -> dict[str, Any]:
        """Exchange an install's code for its tokens (once), or, with grant_type=refresh_token,
        a rotating token's refresh token for a new pair."""
        if params.get("grant_type") == "refresh_token":
            install = self.refresh_tokens.pop(str(params.get("refresh_token")), None)
            if install is None:
                return {"ok": False, "error": "invalid_refresh_token"}
            install.bot_token = f"xoxe.xoxb-{install.team_id}-{next(self._ids)}"
            return self._tokens_of(install)
        install = self.install_codes.pop(str(params.get("code")), None)
        if install is None:
            return {"ok": False, "error": "invalid_code"}
        answer = self._tokens_of(install)
        answer.update(
            {
                "app_id": "A1",
                "authed_user": {"id": install.installer},
                "scope": install.scope,
                "bot_user_id": install.bot_user_id,
                "team": {"id": install.team_id, "name": install.team_name}
                if install.team_id
                else None,
                "enterprise": {"id": install.enterprise_id, "name": "District"}
                if install.enterprise_id
                else None,
                "is_enterprise_install": install.is_enterprise_install,
            }
        )
        return answer

    def _tokens_of(self, install: Install) -> dict[str, Any]:
        self.token_installs[install.bot_token] = install
        answer: dict[str, Any] = {
            "ok": True,
            "access_token": install.bot_token,
            "token_type": "bot",
        }
        if install.rotating:
            refresh = f"xoxe-1-{install.team_id}-{next(self._ids)}"
            self.refresh_tokens[refresh] = install
            answer.update({"refresh_token": refresh, "expires_in": install.expires_in})
        return answer

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Newest first, `limit` a page, with a cursor; after `oldest` and before `latest` when the
        fake has a clock (without one, its timestamps are counters that mean no time)."""
        channel = str(params.get("channel"))
        with_meta = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        timed = self.clock is not None
        oldest = float(params.get("oldest") or 0) if timed else 0.0
        latest = float(params.get("latest") or "inf") if timed else float("inf")
        limit = int(params.get("limit") or 100)
        start = int(params.get("cursor") or 0)
        found = [
            m if with_meta else {k: v for k, v in m.items() if k != "metadata"}
            for m in reversed(self.messages.get(channel, []))
            if oldest < float(m["ts"]) < latest
        ]
        page = found[start : start + limit]
        more = start + limit < len(found)
        answer: dict[str, Any] = {"ok": True, "messages": page, "has_more": more}
        if more:
            answer["response_metadata"] = {"next_cursor": str(start + limit)}
        return answer

    def _next_ts(self) -> str:
        """Unique, rising timestamps: from the fake's clock when it has one, like Slack's."""
        if self.clock is not None:
            stamp = max(self.clock.now().timestamp(), self._last_ts + 0.000001)
        else:
            stamp = 1_700_000_000 + next(self._ts) + 0.0001
        self._last_ts = stamp
        return f"{stamp:.6f}"

    def _post(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel"))
        ts = self._next_ts()
        message: dict[str, Any] = {"ts": ts, "text": params.get("text", "")}
        blocks = params.get("blocks")
        if blocks:
            message["blocks"] = json.loads(blocks) if isinstance(blocks, str) else blocks
        metadata = params.get("metadata")
        if metadata:
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        self.messages.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _find(self, params: dict[str, Any]) -> dict[str, Any] | None:
        channel, ts = str(params.get("channel")), str(params.get("ts"))
        return next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)

    def _update(self, params: dict[str, Any]) -> None:
        """As Slack does: the text is replaced, and the blocks when they are given."""
        message = self._find(params)
        if message is None:
            return
        if "text" in params:
            message["text"] = params["text"]
        if "blocks" in params:
            blocks = params["blocks"]
            message["blocks"] = json.loads(blocks) if isinstance(blocks, str) else blocks
        message["edited"] = True

    def _delete(self, params: dict[str, Any]) -> None:
        message = self._find(params)
        if message is not None:
            self.messages[str(params.get("channel"))].remove(message)


def _parse_params(raw: bytes, content_type: str) -> dict[str, Any]:
    if "application/json" in content_type:
        loaded = json.loads(raw or b"{}")
        return loaded if isinstance(loaded, dict) else {}
    parsed = parse_qs(raw.decode(), keep_blank_values=True)
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}
