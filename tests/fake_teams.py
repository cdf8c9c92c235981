"""A local stand-in for Microsoft's side of Teams: Entra's token service, Bot Framework's signing
keys and the Bot Connector, over TLS with a CA of its own, plus the forward proxy that brings
MSAL's call to login.microsoftonline.com here (docs TEAMS_RESEARCH §7).

- The CA, the server certificate (localhost, 127.0.0.1 and login.microsoftonline.com) and the
  key that signs activities' tokens are made when the fake is built; `ca_path` is what
  SSL_CERT_FILE and REQUESTS_CA_BUNDLE name.
- `proxy_url` is a real forward proxy: `CONNECT login.microsoftonline.com:443` is tunnelled to the
  fake, any other CONNECT to its host, and absolute-form `http://` requests are forwarded (the
  Slack client sends its fake Slack calls through HTTPS_PROXY too, ignoring NO_PROXY).
- Every Bot Connector call is recorded (`calls`); faults are scripted for the next connector
  calls (`fail_next`, `drop_next`, `slow_next`) or token requests (`fail_token_next`).
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import itertools
import json
import select
import socket
import ssl
import tempfile
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

APP_ID = "00000000-0000-4000-8000-0000000000b0"
APP_SECRET = "test-teams-secret"
TENANT = "11111111-1111-4111-8111-111111111111"
ISSUER = "https://api.botframework.test"
KID = "buddy-test-key"
LOGIN_HOST = "login.microsoftonline.com"
CONNECTOR_PREFIX = "/teams"
# How long a "slow" answer waits at most for the test to release it.
SLOW_LIMIT_SECONDS = 30.0


def b64url(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate it signed, as PEM files: (ca, certificate, key)."""
    now = datetime.now(UTC)
    ca_key, key = new_key(), new_key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Buddy test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    names = [
        x509.DNSName("localhost"),
        x509.DNSName(LOGIN_HOST),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


@dataclass
class ConnectorCall:
    """One call to the Bot Connector, as it arrived (path without the service URL's prefix)."""

    method: str
    path: str
    body: Any
    authorization: str | None
    # Whether it carried the bot token the fake's token endpoint gave out.
    authorized: bool = False


@dataclass
class Fault:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    drop: bool = False  # accept (record) the call, then close without answering
    slow: bool = False  # accept the call, then answer only once released


class _QuietServer(ThreadingHTTPServer):
    """A connection the client dropped (a timeout test, a dropped-answer fault) is not news."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None


class FakeTeams:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or Path(tempfile.mkdtemp(prefix="fake-teams-"))
        self.ca_path, cert, key = _certificates(self.folder)
        self.signing_key = new_key()
        self.other_key = new_key()  # a signer the fake does not publish
        self.calls: list[ConnectorCall] = []
        self.token_requests: list[dict[str, str]] = []
        self.discovery_requests: list[str] = []
        self.key_requests = 0
        self.uploads: dict[str, bytes] = {}
        self.upload_headers: dict[str, dict[str, str]] = {}
        self.members: dict[str, dict[str, Any]] = {}
        self.issued_tokens: set[str] = set()
        self.proxied: list[str] = []
        self._faults: deque[Fault] = deque()
        self._token_faults: deque[Fault] = deque()
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = _QuietServer(("127.0.0.1", 0), self._handler_class())
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._proxy = _QuietServer(("127.0.0.1", 0), self._proxy_class())

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FakeTeams:
        for server in (self._server, self._proxy):
            threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
            ).start()
        return self

    def stop(self) -> None:
        self._release.set()
        for server in (self._server, self._proxy):
            server.shutdown()
            server.server_close()

    def clear(self) -> None:
        """Forget every call and fault (a test's start); keys, certificates and tokens stay."""
        self._release.set()
        with self._lock:
            self.calls.clear()
            self.token_requests.clear()
            self.discovery_requests.clear()
            self.uploads.clear()
            self.upload_headers.clear()
            self.members.clear()
            self.proxied.clear()
            self._faults.clear()
            self._token_faults.clear()
        self._release = threading.Event()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"https://localhost:{self.port}"

    @property
    def service_url(self) -> str:
        """The serviceUrl activities name: the fake's Bot Connector."""
        return f"{self.base_url}{CONNECTOR_PREFIX}/"

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/v1/.well-known/openidconfiguration"

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self._proxy.server_address[1]}"

    def upload_url(self, name: str) -> str:
        return f"{self.base_url}/upload/{name}"

    def env(self) -> dict[str, str]:
        """The settings and the TLS/proxy environment that point Buddy at this fake."""
        return {
            "TEAMS_CLIENT_ID": APP_ID,
            "TEAMS_CLIENT_SECRET": APP_SECRET,
            "TEAMS_LOGIN_URL": self.base_url,
            "TEAMS_OPENID_METADATA_URL": self.metadata_url,
            "TEAMS_TOKEN_ISSUER": ISSUER,
            "SSL_CERT_FILE": str(self.ca_path),
            "REQUESTS_CA_BUNDLE": str(self.ca_path),
            "HTTPS_PROXY": self.proxy_url,
            "NO_PROXY": "localhost,127.0.0.1",
        }

    # -- scripting ---------------------------------------------------------------------------------
    def fail_next(self, status: int, headers: dict[str, str] | None = None, times: int = 1) -> None:
        body = {"error": {"code": "Fake", "message": f"the fake answered {status}"}}
        for _ in range(times):
            self._faults.append(Fault(status=status, headers=headers or {}, body=body))

    def drop_next(self) -> None:
        """The next connector call is accepted (recorded, as if posted), then never answered."""
        self._faults.append(Fault(drop=True))

    def slow_next(self) -> None:
        """The next connector call is accepted, and answered only at `release()` (or the end)."""
        self._faults.append(Fault(slow=True))

    def release(self) -> None:
        self._release.set()

    def fail_token_next(self, status: int = 401, error: str = "invalid_client") -> None:
        self._token_faults.append(Fault(status=status, body={"error": error}))

    def add_member(self, member_id: str, **fields: Any) -> None:
        self.members[member_id] = {"id": member_id, **fields}

    # -- tokens ------------------------------------------------------------------------------------
    def token(
        self,
        *,
        service_url: str | None = None,
        audience: str = APP_ID,
        issuer: str = ISSUER,
        expires_in: int = 600,
        key: rsa.RSAPrivateKey | None = None,
        kid: str = KID,
        without: tuple[str, ...] = (),
        extra: dict[str, Any] | None = None,
    ) -> str:
        """A token as Bot Framework signs one for an activity (by default a good one)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience,
            "exp": now + expires_in,
            "nbf": now - 5,
            "iat": now - 5,
            "serviceurl": service_url or self.service_url,
        }
        claims.update(extra or {})
        for name in without:
            claims.pop(name, None)
        return jwt.encode(claims, key or self.signing_key, algorithm="RS256", headers={"kid": kid})

    def posted(self) -> list[ConnectorCall]:
        """The activities posted (new messages and replies), oldest first."""
        return [c for c in self.calls if c.method == "POST" and c.path.endswith("/activities")]

    def updated(self) -> list[ConnectorCall]:
        return [c for c in self.calls if c.method == "PUT" and "/activities/" in c.path]

    def created(self) -> list[ConnectorCall]:
        return [c for c in self.calls if c.method == "POST" and c.path == "/v3/conversations"]

    # -- the TLS server ----------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                raw = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

            def _read(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def do_GET(self) -> None:
                url = urlparse(self.path)
                base = fake.base_url
                if url.path == "/v1/.well-known/openidconfiguration":
                    return self._send(
                        200,
                        {
                            "issuer": ISSUER,
                            "jwks_uri": f"{base}/v1/.well-known/keys",
                            "id_token_signing_alg_values_supported": ["RS256"],
                        },
                    )
                if url.path == "/v1/.well-known/keys":
                    fake.key_requests += 1
                    public = fake.signing_key.public_key().public_numbers()
                    key = {"kty": "RSA", "use": "sig", "kid": KID}
                    key.update(n=b64url(public.n), e=b64url(public.e))
                    return self._send(200, {"keys": [{**key, "endorsements": ["msteams"]}]})
                if url.path == "/common/discovery/instance":
                    fake.discovery_requests.append(self.path)
                    query = parse_qs(url.query)
                    endpoint = urlparse(query.get("authorization_endpoint", [""])[0])
                    tenant = endpoint.path.split("/")[1] if endpoint.path else "common"
                    return self._send(
                        200,
                        {
                            "tenant_discovery_endpoint": (
                                f"{base}/{tenant}/v2.0/.well-known/openid-configuration"
                            ),
                            "api-version": "1.1",
                            "metadata": [],
                        },
                    )
                if url.path.endswith("/v2.0/.well-known/openid-configuration"):
                    tenant = url.path.split("/")[1]
                    return self._send(
                        200,
                        {
                            "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
                            "token_endpoint": f"{base}/{tenant}/oauth2/v2.0/token",
                            "issuer": f"{base}/{tenant}/v2.0",
                        },
                    )
                if url.path.startswith(CONNECTOR_PREFIX + "/"):
                    return self._connector("GET", url.path[len(CONNECTOR_PREFIX) :], b"")
                return self._send(404, {"error": "not found"})

            def do_POST(self) -> None:
                self._write("POST")

            def do_PUT(self) -> None:
                self._write("PUT")

            def do_DELETE(self) -> None:
                self._write("DELETE")

            def _write(self, method: str) -> None:
                url = urlparse(self.path)
                raw = self._read()
                if url.path.endswith("/oauth2/v2.0/token") and method == "POST":
                    return self._token(raw)
                if url.path.startswith("/upload/") and method == "PUT":
                    name = url.path[len("/upload/") :]
                    with fake._lock:
                        fault = fake._faults.popleft() if fake._faults else None
                    if fault is not None and fault.status:
                        return self._send(fault.status, fault.body, fault.headers)
                    fake.uploads[name] = raw
                    fake.upload_headers[name] = {k.lower(): v for k, v in self.headers.items()}
                    return self._send(201, {"id": name})
                if url.path.startswith(CONNECTOR_PREFIX + "/"):
                    return self._connector(method, url.path[len(CONNECTOR_PREFIX) :], raw)
                return self._send(404, {"error": "not found"})

            def _token(self, raw: bytes) -> None:
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                with fake._lock:
                    fake.token_requests.append(form)
                    fault = fake._token_faults.popleft() if fake._token_faults else None
                if fault is not None:
                    return self._send(fault.status, fault.body)
                if form.get("client_secret") != APP_SECRET or form.get("client_id") != APP_ID:
                    return self._send(401, {"error": "invalid_client"})
                now = int(time.time())
                claims = {
                    "aud": "https://api.botframework.com",
                    "iss": "https://sts.windows.net/fake/",
                    "appid": form.get("client_id"),
                    "exp": now + 3600,
                    "jti": uuid.uuid4().hex,
                }
                token = jwt.encode(claims, fake.signing_key, algorithm="RS256")
                fake.issued_tokens.add(token)
                return self._send(
                    200,
                    {
                        "token_type": "Bearer",
                        "expires_in": 3600,
                        "ext_expires_in": 3600,
                        "access_token": token,
                    },
                )

            def _connector(self, method: str, path: str, raw: bytes) -> None:
                authorization = self.headers.get("Authorization")
                bearer = (authorization or "").removeprefix("Bearer ")
                call = ConnectorCall(
                    method=method,
                    path=unquote(path),
                    body=json.loads(raw) if raw else None,
                    authorization=authorization,
                    authorized=bearer in fake.issued_tokens,
                )
                with fake._lock:
                    fake.calls.append(call)
                    fault = fake._faults.popleft() if fake._faults else None
                    release = fake._release
                if fault is not None and fault.drop:
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                    return None
                if fault is not None and fault.slow:
                    release.wait(SLOW_LIMIT_SECONDS)
                elif fault is not None:
                    return self._send(fault.status, fault.body, fault.headers)
                return self._answer(call)

            def _answer(self, call: ConnectorCall) -> None:
                parts = call.path.strip("/").split("/")
                # v3/conversations[/{id}/activities[/{activity id}] | /{id}/members/{member}]
                if parts[:2] != ["v3", "conversations"]:
                    return self._send(404, {"error": {"code": "NotFound", "message": "no"}})
                if len(parts) == 2 and call.method == "POST":
                    return self._send(201, {"id": f"a:fake-personal-{next(fake._ids)}"})
                if len(parts) == 4 and parts[3] == "activities" and call.method == "POST":
                    return self._send(201, {"id": f"1700000000{next(fake._ids):06d}"})
                if len(parts) == 5 and parts[3] == "activities" and call.method == "POST":
                    return self._send(201, {"id": f"1700000000{next(fake._ids):06d}"})
                if len(parts) == 5 and parts[3] == "activities" and call.method == "PUT":
                    return self._send(200, {"id": parts[4]})
                if len(parts) == 5 and parts[3] == "members" and call.method == "GET":
                    member = fake.members.get(parts[4])
                    if member is None:
                        return self._send(404, {"error": {"code": "MemberNotFound"}})
                    return self._send(200, member)
                return self._send(404, {"error": {"code": "NotFound", "message": "no"}})

        return Handler

    # -- the forward proxy -------------------------------------------------------------------------
    def _proxy_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Proxy(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_CONNECT(self) -> None:
                fake.proxied.append(f"CONNECT {self.path}")
                host, _, port = self.path.rpartition(":")
                target = ("127.0.0.1", fake.port) if host == LOGIN_HOST else (host, int(port))
                try:
                    upstream = socket.create_connection(target, timeout=10)
                except (OSError, RuntimeError):
                    self.send_error(502)
                    return
                self.send_response(200, "Connection established")
                self.end_headers()
                self._tunnel(upstream)

            def _tunnel(self, upstream: socket.socket) -> None:
                client = self.connection
                sockets = [client, upstream]
                try:
                    while True:
                        ready, _, _ = select.select(sockets, [], [], SLOW_LIMIT_SECONDS)
                        if not ready:
                            return
                        for sock in ready:
                            data = sock.recv(65536)
                            if not data:
                                return
                            (upstream if sock is client else client).sendall(data)
                except OSError:
                    return
                finally:
                    upstream.close()
                    self.close_connection = True

            def _forward(self) -> None:
                """An absolute-form `http://` request, sent on to its host."""
                url = urlparse(self.path)
                fake.proxied.append(f"{self.command} {url.scheme}://{url.netloc}")
                if url.scheme != "http" or not url.hostname:
                    self.send_error(400)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if not k.lower().startswith("proxy-") and k.lower() != "connection"
                }
                try:
                    upstream = HTTPConnection(url.hostname, url.port or 80, timeout=30)
                    path = url.path + (f"?{url.query}" if url.query else "")
                    upstream.request(self.command, path or "/", body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                except (OSError, RuntimeError):
                    self.send_error(502)
                    return
                self.send_response(answer.status, answer.reason)
                for name, value in answer.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        return Proxy
