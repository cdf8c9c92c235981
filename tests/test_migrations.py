"""The migrations build exactly the tables the models describe, and go down and up again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, insert, inspect, select

from bot.migrate import alembic_config, upgrade_to_head
from models.db import make_engine, make_session_factory
from models.deliveries import PENDING, SENT, SKIPPED, Delivery
from models.people import Participant
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
        # Core inserts: the model has columns later migrations add.
        alice_id, bob_id = (
            session.execute(
                insert(Participant.__table__)
                .values(team_id="T1", slack_user_id=user, is_bot=False, created_at=now)
                .returning(Participant.__table__.c.id)
            ).scalar_one()
            for user in ("UALICE", "UBOB")
        )
        for key, who, status in (
            ("action-chase:action=1:due=2026-12-03", alice_id, SENT),
            ("action-chase:action=2:due=2026-12-03", alice_id, SENT),
            ("action-chase:action=3:due=2026-12-04", bob_id, PENDING),
        ):
            session.add(
                Delivery(
                    key=key,
                    kind="action-chase",
                    participant_id=who,
                    subject=f"action:{key.split('=')[1].split(':')[0]}",
                    status=status,
                    due_at=now,
                    next_attempt_at=now,
                    attempts=0,
                    created_at=now,
                )
            )
        session.commit()
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
