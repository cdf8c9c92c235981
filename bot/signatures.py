"""Slack's request signatures, checked strictly and without ever raising.

slack_sdk's `SignatureVerifier.is_valid` calls `int()` on the timestamp header, so "x", "" or "1e3"
raise instead of returning False, and Bolt then runs the global error handler on a body nobody
signed. Here every header a forger can send ends in a plain False.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

# Slack refuses to sign further from now than this, and so do we (replays older than it fail).
MAX_AGE_SECONDS = 300
# ASCII digits only: `int()` also takes "+1", " 1", "1_0" and other scripts' digits.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class RequestSignatures:
    """Checks `X-Slack-Signature` against the signing secret, on the raw bytes of the body.

    `now` is the real clock (seconds since the epoch), not the app's domain clock: Slack signs with
    real time even when tests move Buddy's calendar about.
    """

    def __init__(self, signing_secret: str | None, now: Callable[[], float] = time.time) -> None:
        self._secret = (signing_secret or "").encode()
        self._now = now

    def is_valid(self, body: bytes, timestamp: str | None, signature: str | None) -> bool:
        try:
            return self._check(body, timestamp, signature)
        except Exception:
            logger.exception("The signature check failed; the request is refused")
            return False

    def _check(self, body: bytes, timestamp: str | None, signature: str | None) -> bool:
        if not self._secret or timestamp is None or signature is None:
            return False
        if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            return False
        if abs(self._now() - int(timestamp)) > MAX_AGE_SECONDS:
            return False
        base = b"v0:" + timestamp.encode("ascii") + b":" + body
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii"))
