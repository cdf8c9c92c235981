"""One logging format for both processes."""

import logging
import os
from collections.abc import Mapping

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def configure_logging(env: Mapping[str, str] | None = None) -> None:
    """LOG_LEVEL from `env` (the process's settings, .env included), INFO if unset. A level
    logging does not know is said in the log, not a traceback: logging is set up before the
    settings are checked, and a typo in it should not stop the bot."""
    settings = os.environ if env is None else env
    asked = (settings.get("LOG_LEVEL") or "INFO").strip().upper()
    logging.basicConfig(
        level=asked if asked in LEVELS else "INFO",
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if asked not in LEVELS:
        logging.getLogger(__name__).warning(
            "LOG_LEVEL %r is not one of %s, so the log is at INFO.", asked, ", ".join(LEVELS)
        )


def quiet_logger(name: str) -> logging.Logger:
    """A logger for slack_sdk's clients and Bolt, which log whole request and response bodies
    (what people typed, their reasons) at DEBUG: pinned at INFO, those never reach any handler,
    whatever LOG_LEVEL says."""
    quiet = logging.getLogger(name)
    quiet.setLevel(logging.INFO)
    return quiet
