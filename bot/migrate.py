"""Apply Alembic migrations programmatically (the Procfile's release step, and `run`)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

from models.db import normalise_database_url

REPO_ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> Config:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    # ConfigParser treats % as interpolation; URLs with escaped passwords contain it.
    config.set_main_option(
        "sqlalchemy.url", normalise_database_url(database_url).replace("%", "%%")
    )
    return config


def upgrade_to_head(database_url: str) -> None:
    """Bring the database to the newest schema; Alembic's per-step chatter stays out of the log
    unless LOG_LEVEL is DEBUG."""
    chatter = logging.getLogger("alembic")
    if chatter.getEffectiveLevel() > logging.DEBUG:
        chatter.setLevel(logging.WARNING)
    command.upgrade(alembic_config(database_url), "head")
