"""Running the project's migrations back and forth inside a test, to see what
a data migration does to rows that existed before it."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


class Migrator:
    def __init__(self) -> None:
        self.executor = MigrationExecutor(connection)

    def to(self, app: str, name: str) -> Any:
        """Migrate `app` to `name`; the models as they were then."""
        target = [(app, name)]
        self.executor.loader.build_graph()
        self.executor.migrate(target)
        return self.executor.loader.project_state(target).apps


@contextmanager
def migrator() -> Iterator[Migrator]:
    """A migrator; the database is brought back to the latest migrations after."""
    migrating = Migrator()
    try:
        yield migrating
    finally:
        migrating.executor.loader.build_graph()
        migrating.executor.migrate(migrating.executor.loader.graph.leaf_nodes())
