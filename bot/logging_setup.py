"""One logging format for both processes."""

import logging
import os


def configure_logging() -> None:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def quiet_logger(name: str) -> logging.Logger:
    """A logger for slack_sdk's clients and Bolt, which log whole request and response bodies
    (what people typed, their reasons) at DEBUG: pinned at INFO, those never reach any handler,
    whatever LOG_LEVEL says."""
    quiet = logging.getLogger(name)
    quiet.setLevel(logging.INFO)
    return quiet
