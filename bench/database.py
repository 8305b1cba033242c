"""The benchmark's own PostgreSQL database on the server that DATABASE_URL names: created
before Django starts, dropped at the end, so a run never touches anyone's data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Server:
    """A PostgreSQL server as a URL, with the pieces libpq tools need."""

    url: str

    @classmethod
    def from_environment(cls) -> Server:
        """The server of DATABASE_URL, or the local default; anything else is refused."""
        url = os.environ.get("DATABASE_URL") or DEFAULT_SERVER_URL
        if urlsplit(url).scheme not in ("postgres", "postgresql"):
            raise SystemExit(f"The benchmark needs PostgreSQL; DATABASE_URL is {url!r}.")
        return cls(url)

    @property
    def parts(self):
        return urlsplit(self.url)

    def url_for(self, database: str) -> str:
        """The same server and credentials, another database."""
        return urlunsplit(self.parts._replace(path=f"/{database}"))

    def libpq_environment(self, database: str) -> dict[str, str]:
        """PG* variables for pgbench and psql."""
        parts = self.parts
        env = {
            "PGHOST": parts.hostname or "127.0.0.1",
            "PGPORT": str(parts.port or 5432),
            "PGDATABASE": database,
        }
        if parts.username:
            env["PGUSER"] = unquote(parts.username)
        if parts.password:
            env["PGPASSWORD"] = unquote(parts.password)
        return env

    def connect(self) -> psycopg.Connection:
        """An autocommit connection to the server's `postgres` maintenance database (the URL's
        own database need not exist: pytest makes `test_<name>`)."""
        return psycopg.connect(self.url_for("postgres"), autocommit=True)


def create_database(server: Server, name: str) -> None:
    with server.connect() as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(server: Server, name: str) -> None:
    with server.connect() as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextmanager
def scratch_database(server: Server, name: str | None = None) -> Iterator[str]:
    """Create `hotro_bench_<pid>` (or `name`), point DATABASE_URL at it, drop it afterwards."""
    name = name or f"hotro_bench_{os.getpid()}"
    create_database(server, name)
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = server.url_for(name)
    try:
        yield name
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
        drop_database(server, name)
