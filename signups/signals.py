"""Signals other apps listen to, so ``signups`` need not know them (they sit above it)."""

from django.dispatch import Signal

# Sent inside the transaction of a bulk rewrite of sign-up rows (``services/redistricting.py``),
# which runs with the table's user triggers off: a cheaper way than a trigger's per-statement
# bookkeeping over every row. Whatever such a trigger maintains (``coverage``'s rollups) is to be
# rebuilt by the receiver, in the same transaction, before the rewrite commits.
signups_rewritten = Signal()
