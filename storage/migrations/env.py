"""Alembic environment for sohoa's results database.

``storage.db.migrate`` passes an open connection (inside its locked transaction) through
``config.attributes["connection"]``. Run from a shell for development, e.g.
``alembic -c storage/alembic.ini revision --autogenerate -m "..."``, it connects to
``sqlalchemy.url`` or, if unset, to ``SOHOA_DATABASE_URL`` / the embedded default.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from storage.tables import UtcDateTime, metadata

config = context.config


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write application column types as plain SQLAlchemy ones, so migrations never import them."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=metadata,
        render_as_batch=True,  # SQLite can only ALTER by copying the table; harmless elsewhere
        compare_type=True,
        render_item=_render_item,
        **kwargs,  # type: ignore[arg-type]
    )


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from sohoa.settings import load_settings

    return load_settings().effective_database_url


def run_offline() -> None:
    """Emit SQL instead of running it (``alembic upgrade head --sql``), e.g. for a DBA."""
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Migrate over the caller's connection, or over a new engine when run from the shell."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from storage.db import make_engine

    engine = make_engine(_url())
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
