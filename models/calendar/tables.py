"""A cohort's module calendar and its breaks (holidays, half terms: nothing is nudged then)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Module(Base):
    """An application module: runs in the fortnight from `starts_on`, after an insight module."""

    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("cohort_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    insight_module: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)


class CohortBreak(Base):
    """Inclusive dates, in the cohort's zone."""

    __tablename__ = "cohort_breaks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
