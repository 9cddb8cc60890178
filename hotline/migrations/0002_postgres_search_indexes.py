"""PostgreSQL only: pg_trgm, a GIN index on the tsvector and a trigram index for the fuzzy fallback.

On SQLite these steps do nothing: the same tokens are scored in Python there.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("hotline_searchentry_vector_gin", "USING gin (vector)"),
    ("hotline_searchentry_fuzzy_trgm", "USING gin (fuzzy_text gin_trgm_ops)"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("hotline", "SearchEntry")._meta.db_table
    for name, how in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {how}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("hotline", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
