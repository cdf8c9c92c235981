"""The yardstick for `bench/ack.py`: a bare slack-bolt app answering `/buddy` in its ack.

Bolt's fastest production mode: `process_before_response` (the answer goes in the ack's own
body, no thread hand-off), no `auth.test` at start, the signature checked as Buddy checks it.
It imports nothing of Buddy's, so it runs under any Python with slack-bolt (and gunicorn).

    gunicorn --workers 5 --bind 127.0.0.1:PORT bench.bare_app:wsgi
"""

from __future__ import annotations

import os
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

app = App(
    # Its one auth.test (Bolt's, on the first request of each worker) goes where Buddy's Web API
    # calls go in the benchmark: the local fake Slack.
    client=WebClient(
        token="xoxb-bench", base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/")
    ),
    signing_secret=os.environ.get("SLACK_SIGNING_SECRET", "test-signing-secret"),
    process_before_response=True,
    token_verification_enabled=False,
)


@app.command("/buddy")
def buddy(ack: Ack, command: dict[str, Any]) -> None:
    ack(text=f"You asked for `/buddy {command.get('text', '')}`.", response_type="ephemeral")


wsgi = SlackRequestHandler(app)
