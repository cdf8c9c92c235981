"""Imports every table module so `Base.metadata` is complete (Alembic, tests)."""

from models import (
    actions,
    calendar,
    deliveries,
    handled_requests,
    meetings,
    pairs,
    people,
    problems,
)
from models.base import Base

__all__ = [
    "Base",
    "actions",
    "calendar",
    "deliveries",
    "handled_requests",
    "meetings",
    "pairs",
    "people",
    "problems",
]
