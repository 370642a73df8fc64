"""Indexes the coder's worklist needs on the encounters table.

Kept here, with the worklist that needs them, as plain SQL: a migration can
only change its own app's models. A page walks `(date DESC, id DESC)` and
stops after 26 rows instead of sorting 100,000; the count per status reads
`(status, location_id)` alone.
"""

from django.db import migrations

INDEXES = {
    "coding_worklist_newest": "(date DESC, id DESC)",
    "coding_worklist_status": "(status, location_id)",
}


class Migration(migrations.Migration):
    dependencies = [("coding", "0006_claims"), ("encounters", "0002_capture")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON encounters_encounter {columns}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, columns in INDEXES.items()
    ]
