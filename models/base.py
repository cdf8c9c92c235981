"""Declarative base and the column types every table shares."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Explicit constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Room for any platform's ids: Slack's are short (`U0123ABCD`), but a Teams tenant or Entra
# object id is a 36-character GUID and a Teams conversation id runs past a hundred characters.
ID_LENGTH = 400
SLACK = "slack"
TEAMS = "teams"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def platform_of(workspace: str) -> str:
    """The front end a workspace id belongs to: a Teams tenant id is a GUID, a Slack team id
    (`T0123ABCD`, an Enterprise Grid's `E…`) never is. Every row keyed by workspace is thereby
    keyed by platform too, and a pair (its members found in one workspace) never spans two."""
    return TEAMS if _GUID.match(workspace) else SLACK


def platform_name(workspace: str) -> str:
    """The chat app a workspace's people use, as Buddy names it to them."""
    return "Teams" if platform_of(workspace) == TEAMS else "Slack"


def workspace_words(workspace: str) -> str:
    """Where a leaver has left, in the words of their platform: Buddy is in one Slack workspace,
    or in the cohort's team in Teams (whose removal is what Teams tells a bot)."""
    return (
        "the cohort's team in Teams" if platform_of(workspace) == TEAMS else "this Slack workspace"
    )


def platform_default(context: Any) -> str:
    """A `platform` column's value, from the row's own `team_id` as it is inserted."""
    return platform_of(str(context.get_current_parameters().get("team_id") or ""))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored as UTC; naive values are refused so a local time can never slip in.

    SQLite drops the zone on the way back, so values read are re-tagged as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC instant is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
