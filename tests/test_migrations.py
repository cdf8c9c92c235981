"""The migrations build exactly the tables the models describe, and go down and up again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text

from bot.migrate import alembic_config, upgrade_to_head
from models.db import make_engine, make_session_factory
from models.deliveries import PENDING, SENT, SKIPPED, Delivery
from models.registry import Base


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_downgrade_to_base_and_upgrade_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/roundtrip.db"
    upgrade_to_head(url)
    command.downgrade(alembic_config(url), "base")
    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    upgrade_to_head(url)
    assert "deliveries" in inspect(engine).get_table_names()
    engine.dispose()


def test_a_day_chased_one_action_at_a_time_is_not_chased_again_after_0007(
    tmp_path: Path,
) -> None:
    """Before 0007 each action had its own chase; a day whose chases went out gets a row under
    the new one-a-day key, so upgrading sends nothing twice; a day not yet chased is left."""
    url = f"sqlite:///{tmp_path}/chases.db"
    command.upgrade(alembic_config(url), "0004")
    engine = make_engine(url)
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    with make_session_factory(engine)() as session:
        # Participants as they were at 0004 (the model has columns added since).
        for user in ("UALICE", "UBOB"):
            session.execute(
                text(
                    "INSERT INTO participants (team_id, slack_user_id, is_bot, created_at) "
                    "VALUES ('T1', :user, 0, :now)"
                ),
                {"user": user, "now": now.isoformat()},
            )
        ids = dict(
            session.execute(text("SELECT slack_user_id, id FROM participants")).tuples().all()
        )
        for key, who_id, status in (
            ("action-chase:action=1:due=2026-12-03", ids["UALICE"], SENT),
            ("action-chase:action=2:due=2026-12-03", ids["UALICE"], SENT),
            ("action-chase:action=3:due=2026-12-04", ids["UBOB"], PENDING),
        ):
            session.add(
                Delivery(
                    key=key,
                    kind="action-chase",
                    participant_id=who_id,
                    subject=f"action:{key.split('=')[1].split(':')[0]}",
                    status=status,
                    due_at=now,
                    next_attempt_at=now,
                    attempts=0,
                    created_at=now,
                )
            )
        session.commit()
        alice_id, bob_id = ids["UALICE"], ids["UBOB"]
    upgrade_to_head(url)
    with make_session_factory(engine)() as session:
        rows = dict(
            session.execute(
                select(Delivery.key, Delivery.status).where(Delivery.key.contains(":owner="))
            ).all()
        )
    assert rows == {f"action-chase:owner={alice_id}:due=2026-12-03": SKIPPED}
    assert f"action-chase:owner={bob_id}:due=2026-12-04" not in rows
    command.downgrade(alembic_config(url), "0004")
    engine.dispose()


def test_0016_keeps_every_row_and_marks_it_slack(tmp_path: Path) -> None:
    """Renaming `slack_user_id` and widening ids copies tables on SQLite: nothing that refers to
    them (a pair's members, its meetings' outcomes) may be deleted or cascaded on the way."""
    url = f"sqlite:///{tmp_path}/platforms.db"
    command.upgrade(alembic_config(url), "0015")
    engine = make_engine(url)
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC).isoformat()
    with make_session_factory(engine)() as session:
        run = session.execute
        run(
            text(
                "INSERT INTO cohorts (id, team_id, name, timezone, created_at) "
                "VALUES (1, 'T1', 'Everyone', 'Europe/London', :now)"
            ),
            {"now": now},
        )
        for pid, user in ((1, "UALICE"), (2, "UBOB")):
            run(
                text(
                    "INSERT INTO participants (id, team_id, slack_user_id, cohort_id, is_bot, "
                    "created_at) VALUES (:id, 'T1', :user, 1, 0, :now)"
                ),
                {"id": pid, "user": user, "now": now},
            )
        run(
            text(
                "INSERT INTO pairs (id, team_id, cohort_id, formed_by, created_at) "
                "VALUES (7, 'T1', 1, 'UALICE', :now)"
            ),
            {"now": now},
        )
        for pid in (1, 2):
            run(
                text(
                    "INSERT INTO pair_members (pair_id, participant_id, joined_at) "
                    "VALUES (7, :p, :now)"
                ),
                {"p": pid, "now": now},
            )
        run(
            text(
                "INSERT INTO meeting_outcomes (pair_id, original_date, outcome, answered_by, "
                "answered_at) VALUES (7, '2026-12-03', 'met', 'UALICE', :now)"
            ),
            {"now": now},
        )
        session.commit()
    upgrade_to_head(url)
    with engine.connect() as connection:
        people = connection.execute(
            text("SELECT user_id, platform FROM participants ORDER BY id")
        ).all()
        pairs = connection.execute(text("SELECT id, platform FROM pairs")).all()
        members = connection.execute(text("SELECT count(*) FROM pair_members")).scalar()
        outcomes = connection.execute(text("SELECT count(*) FROM meeting_outcomes")).scalar()
    assert [tuple(p) for p in people] == [("UALICE", "slack"), ("UBOB", "slack")]
    assert [tuple(p) for p in pairs] == [(7, "slack")]
    assert (members, outcomes) == (2, 1)
    engine.dispose()
