"""PostgreSQL privileges of the runtime role: what sohoa's processes may do to the tables an owner made.

Why: triggers refuse UPDATE and DELETE on the audit log, but the owner of a table can drop its triggers.
So when ``SOHOA_DATABASE_OWNER_URL`` is set, migrations run as that owner role and the processes run as
another one (the user of ``SOHOA_DATABASE_URL``) that gets:

- ``SELECT, INSERT`` on the append-only tables (``info={"append_only": True}``: the audit log, its seals,
  field revisions): no UPDATE, DELETE, TRUNCATE, TRIGGER, and, not being their owner, no DROP TRIGGER;
- ``SELECT, INSERT, UPDATE, DELETE`` on the other tables (``audit_head`` among them: appenders lock and
  move it; a runtime role can spoil it, which ``sohoa audit verify`` reports, but cannot rewrite history);
- ``SELECT`` on ``alembic_version``, ``USAGE`` on the schema and on its sequences.

The runtime role must not be a superuser nor a member of the tables' owner (either would bypass the
grants): ``check_runtime_role`` refuses both, and a forbidden privilege it still holds through another
role or PUBLIC is refused after granting. Grants are set after every upgrade, inside the migration's
locked transaction (two GRANTs racing fail with "tuple concurrently updated"), so the tables of later
migrations get theirs too. SQLite has no roles: whoever can write the file can do anything there.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from sohoa.errors import StorageError

APPEND_ONLY = frozenset({"SELECT", "INSERT"})
READ_WRITE = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"})
VERSION_TABLE = "alembic_version"
_SEQUENCE = frozenset({"USAGE"})
_FORBIDDEN = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER")

_PRIVILEGES = text(
    """
    SELECT c.relname, c.relkind,
           coalesce(array_agg(a.privilege_type::text) FILTER (WHERE a.grantee = r.oid), '{}') AS privileges,
           pg_has_role(r.oid, c.relowner, 'MEMBER') AS owns
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    CROSS JOIN (SELECT oid FROM pg_roles WHERE rolname = :role) r
    LEFT JOIN LATERAL aclexplode(c.relacl) a ON true
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'S')
    GROUP BY c.relname, c.relkind, r.oid, c.relowner
    """
)


def expected_privileges(metadata: MetaData) -> dict[str, frozenset[str]]:
    """Table name -> the privileges the runtime role must have on it, exactly."""
    wanted = {VERSION_TABLE: frozenset({"SELECT"})}
    for table in metadata.sorted_tables:
        wanted[table.name] = APPEND_ONLY if table.info.get("append_only") else READ_WRITE
    return wanted


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def check_runtime_role(conn: Connection, role: str) -> None:
    """Refuse a runtime role that does not exist, is a superuser, or can act as the tables' owner."""
    found = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :role"), {"role": role}).first()
    if found is None:
        raise StorageError(
            f"the runtime database role {role!r} does not exist",
            hint="create it (CREATE ROLE ... LOGIN) or set SOHOA_DATABASE_RUNTIME_ROLE",
        )
    if found[0]:
        raise StorageError(
            f"the runtime database role {role!r} is a superuser: no grant binds it",
            hint="run sohoa as an ordinary role; only SOHOA_DATABASE_OWNER_URL may own the tables",
        )
    owned = sorted(row.relname for row in conn.execute(_PRIVILEGES, {"role": role}) if row.owns)
    if owned:
        raise StorageError(
            f"the runtime database role {role!r} owns (or is a member of the owner of) {', '.join(owned)}: "
            "as owner it could drop the audit log's triggers",
            hint="ALTER TABLE ... OWNER TO the owner role (or REASSIGN OWNED BY runtime TO owner), "
            "and do not make the runtime role a member of the owner role",
        )


def grants_in_place(conn: Connection, role: str, wanted: Mapping[str, frozenset[str]]) -> bool:
    """True when ``role`` has exactly the ``wanted`` privileges on every table and USAGE on every sequence."""
    rows = conn.execute(_PRIVILEGES, {"role": role}).all()
    if not rows:
        return False
    tables = {row.relname: frozenset(row.privileges) for row in rows if row.relkind != "S"}
    sequences = [frozenset(row.privileges) for row in rows if row.relkind == "S"]
    schema_usage = conn.execute(text("SELECT has_schema_privilege(:role, current_schema(), 'USAGE')"), {"role": role})
    return (
        bool(schema_usage.scalar())
        and all(tables.get(name) == privileges for name, privileges in wanted.items())
        and all(privileges == _SEQUENCE for privileges in sequences)
        and not any(row.owns for row in rows)
        and not _inherited(conn, role, wanted)
    )


def grant_runtime_role(conn: Connection, role: str, wanted: Mapping[str, frozenset[str]]) -> None:
    """Give ``role`` exactly ``wanted`` (everything else revoked first), in the caller's transaction."""
    check_runtime_role(conn, role)
    who = _quote(conn, role)
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    present = {row.relname for row in conn.execute(_PRIVILEGES, {"role": role})}
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {_quote(conn, schema)} TO {who}")
    for name, privileges in sorted(wanted.items()):
        if name not in present:
            continue
        table = _quote(conn, name)
        conn.exec_driver_sql(f"REVOKE ALL ON TABLE {table} FROM {who}")
        conn.exec_driver_sql(f"GRANT {', '.join(sorted(privileges))} ON TABLE {table} TO {who}")
    conn.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {_quote(conn, schema)} FROM {who}")
    conn.exec_driver_sql(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {_quote(conn, schema)} TO {who}")
    leaks = _inherited(conn, role, wanted)
    if leaks:
        raise StorageError(
            f"the runtime database role {role!r} may still {', '.join(leaks)} through another role or PUBLIC",
            hint="revoke those grants (or the role membership) so the append-only tables stay append-only",
        )


def _inherited(conn: Connection, role: str, wanted: Mapping[str, frozenset[str]]) -> list[str]:
    """Forbidden privileges ``role`` holds on the append-only tables anyway (``has_table_privilege`` counts
    the roles it belongs to and PUBLIC, which a REVOKE from ``role`` itself does not touch)."""
    tables = sorted(name for name, privileges in wanted.items() if privileges == APPEND_ONLY)
    rows = conn.execute(
        text(
            "SELECT t.name, p.privilege FROM unnest(CAST(:tables AS text[])) AS t(name) "
            "CROSS JOIN unnest(CAST(:privileges AS text[])) AS p(privilege) "
            "WHERE to_regclass(t.name) IS NOT NULL AND has_table_privilege(:role, t.name, p.privilege) "
            "ORDER BY t.name, p.privilege"
        ),
        {"tables": tables, "privileges": list(_FORBIDDEN), "role": role},
    )
    return [f"{privilege} {name}" for name, privilege in rows]
