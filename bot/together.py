"""`python -m bot all`: the Slack listener and the clock, run together for a small team.

Two processes, as in production (the Procfile keeps them apart), started and stopped as one:
Ctrl-C stops both, and if either stops the other is stopped too, so nobody is left with a bot
that answers but never nudges.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from types import FrameType

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.2
STOP_GRACE_SECONDS = 10
# Set for the children once the parent has checked the token, so Slack is asked once.
TOKEN_CHECKED = "BUDDY_TOKEN_CHECKED"


def run_together(env: Mapping[str, str]) -> int:
    child_env = {**env, TOKEN_CHECKED: "1"}
    children = {
        "the Slack listener": subprocess.Popen([sys.executable, "-m", "bot"], env=child_env),
        "the clock": subprocess.Popen([sys.executable, "-m", "scheduler"], env=child_env),
    }
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    logger.info("Buddy is running: the Slack listener and the clock. Ctrl-C stops both.")
    code = 0
    while not stopping:
        ended = {name: p.returncode for name, p in children.items() if p.poll() is not None}
        if ended:
            name, code = next(iter(ended.items()))
            logger.error("%s stopped (exit code %s), so Buddy stops too.", name, code)
            break
        time.sleep(POLL_SECONDS)
    _stop_all(children.values())
    return 0 if stopping else (code or 1)


def _stop_all(processes: Iterable[subprocess.Popen[bytes]]) -> None:
    running = [p for p in processes if p.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in running:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
