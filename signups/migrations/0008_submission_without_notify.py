from django.db import migrations


class Migration(migrations.Migration):
    """The intake workers look for submissions every SIGNUP_INTAKE_POLL seconds instead of being woken
    by a NOTIFY per INSERT: PostgreSQL serialises the commits of every transaction that notifies
    (one lock per database, held through the commit's flush to disk), so concurrent sign-ups
    committed one at a time: 383 INSERTs/s with the trigger, 2,157 without it, 8 writers
    (bench/findings.md, issue 11)."""

    dependencies = [
        ("signups", "0007_local_units"),
    ]

    operations = [
        migrations.RunSQL(
            sql="""
                DROP TRIGGER IF EXISTS signups_submission_notify ON signups_submission;
                DROP FUNCTION IF EXISTS signups_submission_notify();
            """,
            reverse_sql="""
                CREATE FUNCTION signups_submission_notify() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('signups_intake', '');
                    RETURN NULL;
                END $$;
                CREATE TRIGGER signups_submission_notify AFTER INSERT ON signups_submission
                    FOR EACH STATEMENT EXECUTE FUNCTION signups_submission_notify();
            """,
        ),
    ]
