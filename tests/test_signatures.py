"""The signature check refuses, and never raises on, anything a forger can put in the headers."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from bot.signatures import MAX_AGE_SECONDS, RequestSignatures
from tests.slack_http import SIGNING_SECRET, sign

NOW = 1_790_000_000
BODY = b"token=legacy&command=%2Fbuddy&text=help"


def signatures(secret: str | None = SIGNING_SECRET) -> RequestSignatures:
    return RequestSignatures(secret, now=lambda: float(NOW))


def test_slacks_own_signature_is_accepted() -> None:
    headers = sign(BODY, timestamp=NOW)
    assert signatures().is_valid(
        BODY, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )


@pytest.mark.parametrize("offset", [-MAX_AGE_SECONDS, MAX_AGE_SECONDS])
def test_the_edges_of_the_five_minutes_are_accepted(offset: int) -> None:
    headers = sign(BODY, timestamp=NOW + offset)
    assert signatures().is_valid(
        BODY, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )


@pytest.mark.parametrize("offset", [-MAX_AGE_SECONDS - 1, MAX_AGE_SECONDS + 1])
def test_beyond_five_minutes_is_refused(offset: int) -> None:
    headers = sign(BODY, timestamp=NOW + offset)
    assert not signatures().is_valid(
        BODY, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )


def _sig(timestamp: str) -> str:
    """A correct signature over an odd timestamp: only the timestamp's form can refuse it."""
    base = b"v0:" + timestamp.encode() + b":" + BODY
    return "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    "timestamp",
    [
        "x",
        "",
        "1e3",
        "0x10",
        f"{NOW}.0",
        f"+{NOW}",
        f" {NOW}",
        f"{NOW}\n",
        "1_790_000_000",
        "\u0661\u0667\u0669\u0660\u0660\u0660\u0660\u0660\u0660\u0660",  # Arabic-Indic digits
        "9" * 5000,
        f"{NOW}, {NOW}",
        "-1",
    ],
)
def test_a_timestamp_that_is_not_plain_digits_is_refused_without_raising(timestamp: str) -> None:
    assert not signatures().is_valid(BODY, timestamp, _sig(timestamp))


@pytest.mark.parametrize(
    "signature",
    ["", "v0=", "v0=\xe9t\xe9", "v1=" + "0" * 64, "V0=" + "0" * 64, "v0=" + "G" * 64, "\u2603"],
)
def test_a_malformed_signature_is_refused_without_raising(signature: str) -> None:
    assert not signatures().is_valid(BODY, str(NOW), signature)


def test_missing_headers_are_refused() -> None:
    assert not signatures().is_valid(BODY, None, _sig(str(NOW)))
    assert not signatures().is_valid(BODY, str(NOW), None)


def test_a_body_that_is_not_utf8_is_checked_on_its_bytes() -> None:
    body = b"payload=\xff\xfe"
    headers = sign(body, timestamp=NOW)
    check = signatures()
    assert check.is_valid(body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    assert not check.is_valid(
        body + b"x", headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )


@pytest.mark.parametrize("secret", [None, ""])
def test_without_a_signing_secret_nothing_is_accepted(secret: str | None) -> None:
    headers = sign(BODY, timestamp=NOW, secret="")
    assert not signatures(secret).is_valid(
        BODY, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
