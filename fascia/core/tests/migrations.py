"""Data-migration tests: the test database migrated back and forth through Django's MigrationExecutor (schema
changes need a test outside a transaction: `transactional_db`)."""

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrated(targets: list[tuple[str, str]]) -> Apps:
    """Migrate the test database to `targets`; the historical models of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()  # what is applied now
    return executor.loader.project_state(targets).apps


def migrate_to_latest() -> None:
    """Back to today's models, for the tests that follow."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
