"""The rollups: coverage counts kept up to date by the database, so a count need not read every sign-up.

Both tables are written only by PostgreSQL triggers (``migrations/0002_rollup_triggers.py``) on
the sign-up and candidacy tables, in the transaction of every write, whatever wrote it
(intake, confirmation, organizer edits, stage changes, deletion); the Python side only
reads them (``coverage.rollup``). A row sums people who share everything a count may ask
about that is not a live filter (``coverage.rollup.folds``).
"""

from django.db import models


class DistrictRollup(models.Model):
    """The candidates, filed candidates and volunteers of one state and confirmation in one district
    of a stored layer; with no district, everyone of that state and confirmation, located or not."""

    state = models.CharField(max_length=2, help_text="USPS code of the sign-ups' home state.")
    confirmed = models.BooleanField(help_text="Whether these sign-ups confirmed their email.")
    layer = models.CharField(
        max_length=10, null=True, help_text="The district's layer (``District.chamber``); null for everyone."
    )
    district_id = models.BigIntegerField(
        null=True, help_text="The district (current maps) these people are assigned to; null for everyone."
    )
    candidates = models.IntegerField(
        default=0, help_text="Runners not withdrawn (in a local unit: who chose its office)."
    )
    filed = models.IntegerField(default=0, help_text="Of the candidates, those who filed or are further on.")
    volunteers = models.IntegerField(default=0, help_text="Sign-ups who want to volunteer.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["state", "confirmed", "district_id"], nulls_distinct=False, name="districtrollup_key"
            )
        ]

    def __str__(self):
        return f"{self.state} {self.layer or 'everyone'} {self.district_id or ''}"


class ActivityRollup(models.Model):
    """How many sign-ups of one state and confirmation came in one quarter hour (UTC), by what they counted as."""

    state = models.CharField(max_length=2, help_text="USPS code of the sign-ups' home state.")
    quarter = models.DateTimeField(help_text="Start of the quarter hour (UTC) the sign-ups were created in.")
    confirmed = models.BooleanField(help_text="Whether these sign-ups confirmed their email.")
    candidate = models.BooleanField(help_text="Counted as candidates: runners not withdrawn.")
    volunteer = models.BooleanField(help_text="Want to volunteer.")
    signups = models.IntegerField(default=0, help_text="How many sign-ups.")

    class Meta:
        # Led by the quarter: the activity page reads a range of time, of every state it may see.
        constraints = [
            models.UniqueConstraint(
                fields=["quarter", "state", "confirmed", "candidate", "volunteer"], name="activityrollup_key"
            )
        ]

    def __str__(self):
        return f"{self.state} {self.quarter:%Y-%m-%d %H:%M}: {self.signups}"
