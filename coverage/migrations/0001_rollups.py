"""The rollup tables (``coverage.models``); their triggers are in ``0002_rollup_triggers``
(PostgreSQL must have the tables' unique constraints, which Django adds at the end of a
migration, before the triggers' first ``INSERT ... ON CONFLICT``)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("signups", "0008_submission_without_notify"),
        ("pipeline", "0002_nomination_confirmation"),
    ]

    operations = [
        migrations.CreateModel(
            name="ActivityRollup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("state", models.CharField(help_text="USPS code of the sign-ups' home state.", max_length=2)),
                (
                    "quarter",
                    models.DateTimeField(help_text="Start of the quarter hour (UTC) the sign-ups were created in."),
                ),
                ("confirmed", models.BooleanField(help_text="Whether these sign-ups confirmed their email.")),
                ("candidate", models.BooleanField(help_text="Counted as candidates: runners not withdrawn.")),
                ("volunteer", models.BooleanField(help_text="Want to volunteer.")),
                ("signups", models.IntegerField(default=0, help_text="How many sign-ups.")),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("quarter", "state", "confirmed", "candidate", "volunteer"), name="activityrollup_key"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="DistrictRollup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("state", models.CharField(help_text="USPS code of the sign-ups' home state.", max_length=2)),
                ("confirmed", models.BooleanField(help_text="Whether these sign-ups confirmed their email.")),
                (
                    "layer",
                    models.CharField(
                        help_text="The district's layer (``District.chamber``); null for everyone.",
                        max_length=10,
                        null=True,
                    ),
                ),
                (
                    "district_id",
                    models.BigIntegerField(
                        help_text="The district (current maps) these people are assigned to; null for everyone.",
                        null=True,
                    ),
                ),
                (
                    "candidates",
                    models.IntegerField(
                        default=0, help_text="Runners not withdrawn (in a local unit: who chose its office)."
                    ),
                ),
                (
                    "filed",
                    models.IntegerField(default=0, help_text="Of the candidates, those who filed or are further on."),
                ),
                ("volunteers", models.IntegerField(default=0, help_text="Sign-ups who want to volunteer.")),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("state", "confirmed", "district_id"), name="districtrollup_key", nulls_distinct=False
                    )
                ],
            },
        ),
    ]
