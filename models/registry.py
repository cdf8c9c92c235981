"""Imports every table module so `Base.metadata` is complete (Alembic, tests, erasure)."""

# A front end's own tables (plain SQLAlchemy; no chat SDK is imported with them).
from frontends.slack import install_tables as slack_install_tables
from frontends.teams import addresses as teams_addresses
from frontends.teams import copies as teams_copies
from frontends.teams import files as teams_files
from models import (
    actions,
    clock_due,
    deliveries,
    handled_requests,
    lifecycle,
    pairs,
    pauses,
    people,
    privacy,
)
from models.base import Base
from models.calendar import tables as calendar_tables
from models.community import tables as community_tables
from models.meetings import tables as meeting_tables
from models.problems import tables as problem_tables

__all__ = [
    "Base",
    "actions",
    "calendar_tables",
    "clock_due",
    "community_tables",
    "deliveries",
    "handled_requests",
    "lifecycle",
    "meeting_tables",
    "pairs",
    "pauses",
    "people",
    "privacy",
    "problem_tables",
    "slack_install_tables",
    "teams_addresses",
    "teams_copies",
    "teams_files",
]
