"""A small typed application over unshaken: `mypy --strict` must accept it as it is
(tests/test_typing.py runs mypy on it, and runs it against the test server).

Every value below has a precise type through the stubs: a tuple row from Cursor, a
dict row from DictCursor, the DB-API exceptions as classes to catch.
"""

from __future__ import annotations

from typing import Any

import unshaken
from unshaken.connections import Connection
from unshaken.cursors import DictCursor


def open_connection(server: dict[str, Any]) -> Connection:
    return unshaken.connect(
        host=server["host"], port=server["port"], user=server["user"],
        password=server.get("password") or "", database=server["database"],
        unix_socket=server.get("unix_socket"), charset="utf8mb4", autocommit=True,
        connect_timeout=10.0, read_timeout=30.0, query_timeout=30.0,
    )


def add_users(conn: Connection, names: list[str]) -> int:
    with conn.cursor() as cur:
        cur.execute("CREATE TEMPORARY TABLE typed_users"
                    " (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) UNIQUE)")
        inserted = cur.executemany("INSERT INTO typed_users (name) VALUES (%s)",
                                   [(n,) for n in names])
        return inserted or 0


def user_id(conn: Connection, name: str) -> int | None:
    cur = conn.cursor()
    cur.execute("SELECT id FROM typed_users WHERE name = %s", (name,))
    row = cur.fetchone()  # tuple[Any, ...] | None
    cur.close()
    if row is None:
        return None
    found: int = row[0]
    return found


def users_by_name(conn: Connection) -> dict[str, int]:
    cur = conn.cursor(DictCursor)
    cur.execute("SELECT id, name FROM typed_users WHERE id > %(min)s ORDER BY id", {"min": 0})
    rows = cur.fetchall()  # Sequence[dict[str, Any]]
    cur.close()
    return {str(r["name"]): int(r["id"]) for r in rows}


def insert_duplicate(conn: Connection, name: str) -> str:
    """The errno of the IntegrityError a duplicate name raises."""
    cur = conn.cursor()
    try:
        cur.execute("INSERT INTO typed_users (name) VALUES (%s)", (name,))
    except unshaken.IntegrityError as e:
        errno: int = e.args[0]
        return f"duplicate ({errno})"
    except unshaken.DatabaseError as e:
        return f"other database error: {e}"
    finally:
        cur.close()
    return "inserted"


def run(server: dict[str, Any]) -> list[str]:
    out: list[str] = []
    conn = open_connection(server)
    try:
        out.append(f"inserted {add_users(conn, ['ada', 'grace'])}")
        out.append(f"grace is {user_id(conn, 'grace')}")
        out.append(f"by name {sorted(users_by_name(conn).items())}")
        out.append(insert_duplicate(conn, "ada"))
        try:
            conn.cursor().execute("SELECT * FROM no_such_table_typed")
        except unshaken.ProgrammingError as e:
            out.append(f"missing table ({e.args[0]})")
    finally:
        conn.close()
    return out
