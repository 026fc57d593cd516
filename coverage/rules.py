"""What a district's counts mean: its status and the gap lists, each defined once.

A district's *status* is the first of ``STATUS_ORDER`` whose count is above zero:
``filed`` (a candidate who has filed, is on the ballot, won or lost), ``candidate``
(covered: at least one would-be candidate), ``volunteers``; else ``none``. The SQL
the engine runs (``status_sql``) and Python (``status``) are both made from that table.

The *gaps* are the state page's lists of districts that need work, as predicates on
a district's counts; the public coverage pages ask the same ones.
"""

# (status, the count that earns it), strongest first.
STATUS_ORDER = (("filed", "filed"), ("candidate", "candidates"), ("volunteers", "volunteers"))
NO_STATUS = "none"
STATUSES = (*(name for name, _count in STATUS_ORDER), NO_STATUS)


def status_asked(params, errors: dict[str, list[str]]) -> str | None:
    """The ``status`` a district list keeps (``status=none``: the districts with nobody), or None for all."""
    asked = params.get("status") or None
    if asked is not None and asked not in STATUSES:
        errors.setdefault("status", []).append(f"Choose one of {', '.join(STATUSES)}.")
        return None
    return asked


def status(*, candidates: int, filed: int, volunteers: int) -> str:
    """The status of a district with these counts."""
    counts = {"candidates": candidates, "filed": filed, "volunteers": volunteers}
    return next((name for name, count in STATUS_ORDER if counts[count] > 0), NO_STATUS)


def status_sql() -> str:
    """``status`` as a SQL ``CASE`` over the columns ``candidates``, ``filed`` and ``volunteers``."""
    whens = " ".join(f"WHEN {count} > 0 THEN '{name}'" for name, count in STATUS_ORDER)
    return f"CASE {whens} ELSE '{NO_STATUS}' END"


# (key, label, predicate on a district with candidates/filed/volunteers/status).
GAPS = (
    ("nobody", "No one yet", lambda d: d.status == NO_STATUS),
    ("volunteers_only", "Volunteers but no candidate", lambda d: d.status == "volunteers"),
    ("candidate_only", "A candidate but no volunteers", lambda d: d.candidates > 0 and d.volunteers == 0),
)


def gaps(districts) -> list[tuple[str, str, list]]:
    """``districts`` (with counts) split into the gap lists: ``[(key, label, districts)]``, no query."""
    return [(key, label, [d for d in districts if needs(d)]) for key, label, needs in GAPS]
