"""Counting SQL: statements apart from transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT,
RELEASE), which Django logs too and which are counted on their own; and, where asked, the Python
function calls, a measure of the work done that a shared machine's noise does not move."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
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
    calls: int = 0  # Python function calls, where counted (counting(calls=True))
    sql: list[str] = field(default_factory=list, repr=False)

    def add(self, other: StatementCount) -> None:
        self.statements += other.statements
        self.transaction_control += other.transaction_control
        self.commits += other.commits
        self.calls += other.calls
        self.sql.extend(other.sql)


@contextmanager
def counting(*, calls: bool = False) -> Iterator[StatementCount]:
    """Count what the default connection sends inside the block, and with `calls` the Python
    functions it calls (profiled: never inside a timed block)."""
    count = StatementCount()
    with CaptureQueriesContext(connection) as captured, _calls(count) if calls else nullcontext():
        yield count
    for query in captured.captured_queries:
        statement = query["sql"]
        count.sql.append(statement)
        if is_transaction_control(statement):
            count.transaction_control += 1
            count.commits += statement.strip().upper() == "COMMIT"
        else:
            count.statements += 1


@contextmanager
def _calls(count: StatementCount) -> Iterator[None]:
    """Every Python function called in this thread inside the block (not C functions); a
    profiler already set is suspended for the block and set back after it."""

    def profile(_frame, event, _arg) -> None:
        if event == "call":
            count.calls += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield
    finally:
        sys.setprofile(previous)
