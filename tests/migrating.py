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

    def to(self, app: str, name: str | None) -> Any:
        """Migrate `app` to `name` (None: before its first); the models as
        they were then."""
        return self.to_nodes([(app, name)])

    def to_nodes(self, targets: list[tuple[str, str | None]]) -> Any:
        self.executor.loader.build_graph()
        self.executor.migrate(targets)
        self.executor.loader.build_graph()
        return self.executor.loader.project_state(
            [t for t in targets if t[1] is not None]
        ).apps


@contextmanager
def migrator() -> Iterator[Migrator]:
    """A migrator; the database is brought back to the latest migrations after."""
    migrating = Migrator()
    try:
        yield migrating
    finally:
        migrating.executor.loader.build_graph()
        migrating.executor.migrate(migrating.executor.loader.graph.leaf_nodes())
