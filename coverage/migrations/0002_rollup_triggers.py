"""The triggers that keep the rollups (``coverage.models``) exact.

Statement-level triggers with transition tables on ``signups_signup`` and
``pipeline_candidacy``: every write path (intake batches, confirmation, applied pending
changes, deletion, organizer edits, stage changes, district reassignment in place) changes
the rollups in its own statement and transaction, once per statement, not once per row.
Each trigger turns the rows it saw into signed contributions (+1 for a row as it is now,
-1 as it was) and adds them, summed per rollup row, with one ``INSERT ... ON CONFLICT``
per table. Who counts is ``coverage.people``'s rule, in SQL: a candidate is a runner whose
candidacy is not withdrawn, filed is a stage of ``pipeline.models.FILED_STAGES``, a local
unit counts a candidate who chose its office (``coverage.layers``); the tests in
``tests/organizing/test_rollup.py`` compare both after every kind of write.

TRUNCATE (the tests' flush) fires no row trigger: truncating the sign-ups empties the
rollups, truncating the candidacies rebuilds them.
"""

from django.db import migrations

# (layer, office a candidate must have chosen to count there, or None) per stored layer.
LAYERS = (
    ("sldl", None), ("sldu", None), ("cd", None),
    ("unsd", "school_board"), ("elsd", "school_board"), ("scsd", "school_board"),
    ("place", "city_council"), ("cousub", "city_council"), ("county", "county"),
)  # fmt: skip


OFFICES = sorted({office for _key, office in LAYERS if office})
COLUMNS = ", ".join(
    ["id", "state", "confirmed_at", "created_at", "wants_to_run", "wants_to_volunteer", "offices"]
    + [f"{key}_id" for key, _office in LAYERS]
)
# What a person is counted by in the district rollup: who they are, where, which local offices.
_PLACE = ", ".join(
    ["state", "confirmed", "candidate", "is_filed", "wants_to_volunteer"]
    + [f"runs_{office}" for office in OFFICES]
    + [f"{key}_id" for key, _office in LAYERS]
)
_UNITS = ",\n".join(
    ["(NULL::varchar, NULL::bigint, true)"]
    + [f"('{key}', p.{key}_id, {f'p.runs_{office}' if office else 'true'})" for key, office in LAYERS]
)
# Adds the contributions of ``{source}`` (the columns above, ``stage`` and ``sign``) to both rollups.
# People are first summed per place (a few thousand rows at 100,000 sign-ups) and only then
# spread over their districts, ten rows each: the spreading of every person was most of a rebuild.
# Sorted by key, so two transactions adding to the same rows lock them in the same order.
APPLY = f"""
WITH person AS (
    SELECT s.*, date_bin('15 minutes', s.created_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS quarter,
           s.confirmed_at IS NOT NULL AS confirmed,
           s.wants_to_run AND s.stage IS DISTINCT FROM 'withdrawn' AS candidate,
           s.wants_to_run AND s.stage IN ('filed', 'on_ballot', 'won', 'lost') AS is_filed,
           {", ".join(f"'{office}' = ANY (s.offices) AS runs_{office}" for office in OFFICES)}
      FROM ({{source}}) AS s
), activity AS (
    INSERT INTO coverage_activityrollup AS r (state, quarter, confirmed, candidate, volunteer, signups)
    SELECT state, quarter, confirmed, candidate, wants_to_volunteer, sum(sign)
      FROM person GROUP BY 1, 2, 3, 4, 5 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (state, quarter, confirmed, candidate, volunteer)
    DO UPDATE SET signups = r.signups + excluded.signups
), place AS (
    SELECT {_PLACE}, sum(sign) AS sign FROM person GROUP BY {_PLACE}
)
INSERT INTO coverage_districtrollup AS r (state, confirmed, layer, district_id, candidates, filed, volunteers)
SELECT * FROM (
    SELECT p.state, p.confirmed, u.layer, u.district_id,
           coalesce(sum(p.sign) FILTER (WHERE p.candidate AND u.runs_here), 0) AS candidates,
           coalesce(sum(p.sign) FILTER (WHERE p.is_filed AND u.runs_here), 0) AS filed,
           coalesce(sum(p.sign) FILTER (WHERE p.wants_to_volunteer), 0) AS volunteers
      FROM place p CROSS JOIN LATERAL (VALUES {_UNITS}) AS u (layer, district_id, runs_here)
     WHERE u.layer IS NULL OR u.district_id IS NOT NULL
     GROUP BY 1, 2, 3, 4
) AS delta
WHERE candidates <> 0 OR filed <> 0 OR volunteers <> 0
ORDER BY state, confirmed, district_id NULLS FIRST
ON CONFLICT (state, confirmed, district_id) DO UPDATE SET
    candidates = r.candidates + excluded.candidates,
    filed = r.filed + excluded.filed,
    volunteers = r.volunteers + excluded.volunteers
"""
_SIGNUP_SOURCES = {
    "insert": f"SELECT n.*, c.stage, 1 AS sign FROM (SELECT {COLUMNS} FROM new_rows) AS n"
    " LEFT JOIN pipeline_candidacy c ON c.signup_id = n.id",
    "delete": f"SELECT o.*, c.stage, -1 AS sign FROM (SELECT {COLUMNS} FROM old_rows) AS o"
    " LEFT JOIN pipeline_candidacy c ON c.signup_id = o.id",
    # Rows whose counted columns did not change cancel out before anything is joined.
    "update": f"""SELECT x.*, c.stage FROM (
        (SELECT {COLUMNS}, 1 AS sign FROM (SELECT {COLUMNS} FROM new_rows EXCEPT ALL SELECT {COLUMNS} FROM old_rows) AS n)
        UNION ALL
        (SELECT {COLUMNS}, -1 FROM (SELECT {COLUMNS} FROM old_rows EXCEPT ALL SELECT {COLUMNS} FROM new_rows) AS o)
    ) AS x LEFT JOIN pipeline_candidacy c ON c.signup_id = x.id""",
}
# A candidacy row as it was leaves its sign-up counted without one; as it is now, with its stage.
_OLD_CANDIDACY = "SELECT signup_id, stage, -1 AS sign FROM old_rows UNION ALL SELECT signup_id, NULL, 1 FROM old_rows"
_NEW_CANDIDACY = "SELECT signup_id, NULL, -1 FROM new_rows UNION ALL SELECT signup_id, stage, 1 FROM new_rows"
_CANDIDACY_CHANGES = {
    "insert": _NEW_CANDIDACY,
    "delete": _OLD_CANDIDACY,
    "update": f"{_OLD_CANDIDACY} UNION ALL {_NEW_CANDIDACY}",
}
_CANDIDACY_SOURCE = (
    f"SELECT {', '.join(f's.{c.strip()}' for c in COLUMNS.split(','))}, ch.stage, ch.sign"
    " FROM ({changes}) AS ch (signup_id, stage, sign) JOIN signups_signup s ON s.id = ch.signup_id"
)
REBUILD = APPLY.format(
    source=f"SELECT s.*, c.stage, 1 AS sign FROM (SELECT {COLUMNS} FROM signups_signup) AS s"
    " LEFT JOIN pipeline_candidacy c ON c.signup_id = s.id"
)


# Most updates change nothing counted (the outbox's stamps, a note, an organizer assigned): a
# cheap check spares them planning and running the whole of ``APPLY`` (about 3 ms a statement).
_UNCHANGED = (
    "IF NOT EXISTS (SELECT {columns} FROM new_rows EXCEPT ALL SELECT {columns} FROM old_rows) THEN RETURN NULL; END IF;"
)


# Room to group a bulk statement's rows (or a rebuild's) in memory: 100,000 sorted on disk
# took a rebuild from 1.1 to 1.7 s. Only while the function runs; a row or two never uses it.
WORK_MEM = "SET work_mem = '64MB'"


def _function(name: str, body: str) -> str:
    return f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql {WORK_MEM} AS $$ BEGIN {body}; RETURN NULL; END $$;"


def _forward() -> str:
    statements = [
        f"CREATE FUNCTION coverage_rollup_rebuild() RETURNS void LANGUAGE plpgsql {WORK_MEM} AS $$ BEGIN"
        " DELETE FROM coverage_activityrollup; DELETE FROM coverage_districtrollup;"
        f" {REBUILD}; END $$;",
        _function("coverage_rollup_emptied", "DELETE FROM coverage_activityrollup; DELETE FROM coverage_districtrollup"),
        _function("coverage_rollup_candidacies_emptied", "PERFORM coverage_rollup_rebuild()"),
    ]
    for op, source in _SIGNUP_SOURCES.items():
        body = APPLY.format(source=source)
        if op == "update":
            body = f"{_UNCHANGED.format(columns=COLUMNS)} {body}"
        statements.append(_function(f"coverage_rollup_signup_{op}", body))
        statements.append(_trigger("signups_signup", f"coverage_rollup_signup_{op}", op))
    for op, changes in _CANDIDACY_CHANGES.items():
        body = APPLY.format(source=_CANDIDACY_SOURCE.format(changes=changes))
        if op == "update":
            body = f"{_UNCHANGED.format(columns='signup_id, stage')} {body}"
        statements.append(_function(f"coverage_rollup_candidacy_{op}", body))
        statements.append(_trigger("pipeline_candidacy", f"coverage_rollup_candidacy_{op}", op))
    statements += [
        "CREATE TRIGGER coverage_rollup_signup_truncate AFTER TRUNCATE ON signups_signup"
        " FOR EACH STATEMENT EXECUTE FUNCTION coverage_rollup_emptied();",
        "CREATE TRIGGER coverage_rollup_candidacy_truncate AFTER TRUNCATE ON pipeline_candidacy"
        " FOR EACH STATEMENT EXECUTE FUNCTION coverage_rollup_candidacies_emptied();",
        "SELECT coverage_rollup_rebuild();",
    ]
    return "\n".join(statements)


def _trigger(table: str, name: str, op: str) -> str:
    tables = {"insert": "NEW TABLE AS new_rows", "delete": "OLD TABLE AS old_rows"}.get(
        op, "OLD TABLE AS old_rows NEW TABLE AS new_rows"
    )
    return (
        f"CREATE TRIGGER {name} AFTER {op.upper()} ON {table} REFERENCING {tables}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {name}();"
    )


def _reverse() -> str:
    names = [f"coverage_rollup_{table}_{op}" for table in ("signup", "candidacy") for op in _SIGNUP_SOURCES]
    drops = [f"DROP FUNCTION {name}() CASCADE;" for name in names]
    return "\n".join(
        [
            *drops,
            "DROP FUNCTION coverage_rollup_emptied() CASCADE;",
            "DROP FUNCTION coverage_rollup_candidacies_emptied() CASCADE;",
            "DROP FUNCTION coverage_rollup_rebuild();",
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("coverage", "0001_rollups")]

    operations = [migrations.RunSQL(_forward(), _reverse())]
