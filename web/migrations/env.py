"""Alembic environment: the URL comes from the app's configuration (DATABASE_URL).

`web.db.upgrade()` hands over an open connection; run from the command line
(`alembic -c web/alembic.ini upgrade head`) the URL is read from the environment
the same way `create_app()` reads it.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from web.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from pathlib import Path

    from web.config import load_config

    settings = load_config()
    Path(settings["GRADEDESK_DATA_DIR"]).mkdir(parents=True, exist_ok=True)  # SQLite's default home
    return settings["DATABASE_URL"]


def _configure(**kwargs) -> None:
    context.configure(target_metadata=target_metadata, compare_type=True, **kwargs)


def run_migrations_offline() -> None:
    url = _url()
    _configure(url=url, literal_binds=True, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url())
    with engine.begin() as conn:
        _configure(connection=conn, render_as_batch=conn.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
