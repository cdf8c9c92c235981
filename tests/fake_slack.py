"""A local stand-in for Slack's Web API: records every call, answers like Slack, fails on cue.

Also receives `response_url` posts and file uploads, and remembers posted messages (with their
metadata) so `conversations.history` can show them back, as the scheduler's resend check needs.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Scripted:
    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    """Start with `start()`; point SLACK_API_URL at `api_url`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.response_posts: list[dict[str, Any]] = []
        self.uploads: dict[str, bytes] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self._scripts: dict[str, deque[Scripted]] = {}
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
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

    # -- reading what happened ---------------------------------------------------------------
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
                    status, body, extra = fake._answer(method, params, headers)
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

        return Handler

    def _record_response_post(self, raw: bytes) -> None:
        with self._lock:
            self.response_posts.append(json.loads(raw or b"{}"))

    def _answer(
        self, method: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            self.calls.append(Call(method, params, headers))
            queue = self._scripts.get(method)
            if queue:
                scripted = queue.popleft()
                return scripted.status, scripted.body or {"ok": True}, scripted.headers
        return 200, self._default(method, params), {}

    def _default(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
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
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "chat.delete":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "conversations.history":
            channel = str(params.get("channel"))
            with_meta = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
            messages = [
                m if with_meta else {k: v for k, v in m.items() if k != "metadata"}
                for m in reversed(self.messages.get(channel, []))
            ]
            return {"ok": True, "messages": messages, "has_more": False}
        if method in ("views.open", "views.update", "views.push"):
            view = params.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            return {"ok": True, "view": {"id": f"V{next(self._ids)}", **(view or {})}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids)}"
            return {
                "ok": True,
                "upload_url": f"{self.base_url}/upload/{file_id}",
                "file_id": file_id,
            }
        if method == "files.completeUploadExternal":
            files = params.get("files")
            files = json.loads(files) if isinstance(files, str) else files
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        return {"ok": True}

    def _post(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel"))
        ts = f"{1_700_000_000 + next(self._ts)}.000100"
        message: dict[str, Any] = {"ts": ts, "text": params.get("text", "")}
        metadata = params.get("metadata")
        if metadata:
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        self.messages.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}


def _parse_params(raw: bytes, content_type: str) -> dict[str, Any]:
    if "application/json" in content_type:
        loaded = json.loads(raw or b"{}")
        return loaded if isinstance(loaded, dict) else {}
    parsed = parse_qs(raw.decode(), keep_blank_values=True)
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}
