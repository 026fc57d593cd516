"""Create the database named by the Django settings (DATABASE_URL) and PostGIS in it, if missing.

Run by scripts/setup.sh with the virtualenv's Python from the repository root.
The test database (``test_<name>``) is created by pytest-django, which adds the
extension itself; the configured user must be allowed to (``postgres`` is).
"""

import os
import sys
from contextlib import closing
from pathlib import Path

import psycopg2
from psycopg2 import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "berniecrat.settings.local")

from django.conf import settings  # noqa: E402


def connect(db: dict, dbname: str):
    params = {"dbname": dbname, "user": db.get("USER"), "password": db.get("PASSWORD"), "host": db.get("HOST")}
    params["port"] = db.get("PORT")
    params.update(db.get("OPTIONS") or {})
    connection = psycopg2.connect(**{k: v for k, v in params.items() if v not in (None, "")})
    connection.autocommit = True
    return connection


def main() -> None:
    db = settings.DATABASES["default"]
    name = db["NAME"]
    where = f"{db.get('USER') or '(default user)'}@{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    try:
        with closing(connect(db, "postgres")) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                print(f"    database {name} exists ({where})")
            else:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"    created database {name} ({where})")
        with closing(connect(db, name)) as connection, connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
            print(f"    postgis {cursor.fetchone()[0]}")
    except psycopg2.Error as exc:
        sys.exit(f"setup: cannot prepare database {name} as {where}: {str(exc).strip()}")


if __name__ == "__main__":
    main()
