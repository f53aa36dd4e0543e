"""The database itself refuses UPDATE and DELETE on the audit trail and the event log (PostgreSQL)."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION command_center_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append-only table %%: %% refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
TRIGGER = """
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION command_center_append_only();
"""
TABLES = ("events_auditentry", "events_event")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite (the embedded default) relies on the model's save()/delete() guards
    schema_editor.execute(FUNCTION)
    for table in TABLES:
        schema_editor.execute(TRIGGER.format(table=table))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS command_center_append_only()")


class Migration(migrations.Migration):
    dependencies = [("events", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
