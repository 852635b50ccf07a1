"""Alembic: one head, head equals the models, every revision goes down and up again."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from lms import create_app
from lms.extensions import db
from tests.conftest import BACKENDS, ROOT, database_url, make_config

MIGRATIONS = str(ROOT / "migrations")


@pytest.fixture(params=BACKENDS)
def empty_app(request, tmp_path):
    app = create_app(make_config(database_url(request.param, tmp_path, "lms_migrations")))
    yield app
    with app.app_context():
        db.engine.dispose()


def script_directory(app) -> ScriptDirectory:
    with app.app_context():
        return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config(MIGRATIONS))


def test_single_head(empty_app):
    assert len(script_directory(empty_app).get_heads()) == 1


def test_upgrade_head_matches_models(empty_app):
    with empty_app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_every_revision_runs_down_and_up(empty_app):
    revisions = list(reversed(list(script_directory(empty_app).walk_revisions())))
    with empty_app.app_context():
        for revision in revisions:
            upgrade(directory=MIGRATIONS, revision=revision.revision)
            downgrade(directory=MIGRATIONS, revision=revision.down_revision or "base")
            upgrade(directory=MIGRATIONS, revision=revision.revision)
        tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
