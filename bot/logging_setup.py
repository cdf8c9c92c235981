"""One logging format for both processes."""

import logging
import os
from collections.abc import Mapping


def configure_logging(env: Mapping[str, str] | None = None) -> None:
    """LOG_LEVEL from `env` (the process's settings, .env included), INFO if unset."""
    settings = os.environ if env is None else env
    logging.basicConfig(
        level=(settings.get("LOG_LEVEL") or "INFO").strip().upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def quiet_logger(name: str) -> logging.Logger:
    """A logger for slack_sdk's clients and Bolt, which log whole request and response bodies
    (what people typed, their reasons) at DEBUG: pinned at INFO, those never reach any handler,
    whatever LOG_LEVEL says."""
    quiet = logging.getLogger(name)
    quiet.setLevel(logging.INFO)
    return quiet
