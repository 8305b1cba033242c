"""Counting SQL: statements apart from transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT,
RELEASE), which Django logs too and which are counted on their own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection
from django.test.utils import CaptureQueriesContext

TRANSACTION_KEYWORDS = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def is_transaction_control(statement: str) -> bool:
    """True for BEGIN/COMMIT/ROLLBACK and savepoint statements."""
    return statement.lstrip().split(None, 1)[0].upper() in TRANSACTION_KEYWORDS


@dataclass
class StatementCount:
    """What one block of code sent to the database."""

    statements: int = 0
    transaction_control: int = 0
    commits: int = 0
    sql: list[str] = field(default_factory=list, repr=False)

    def add(self, other: StatementCount) -> None:
        self.statements += other.statements
        self.transaction_control += other.transaction_control
        self.commits += other.commits
        self.sql.extend(other.sql)


@contextmanager
def counting() -> Iterator[StatementCount]:
    """Count what the default connection sends inside the block."""
    count = StatementCount()
    with CaptureQueriesContext(connection) as captured:
        yield count
    for query in captured.captured_queries:
        statement = query["sql"]
        count.sql.append(statement)
        if is_transaction_control(statement):
            count.transaction_control += 1
            count.commits += statement.strip().upper() == "COMMIT"
        else:
            count.statements += 1
