"""New people from their first submission, in one statement per intake batch.

``people_create(submission_ids)`` turns each submission (one per new email) into an
unconfirmed person inside PostgreSQL: ``INSERT ... SELECT`` from the submission rows,
placed and given their districts in the same statement. Building the people as model
instances, placing them point by point in GEOS and quoting 40 values each cost the intake
worker more CPU than everything PostgreSQL did for the batch (``bench/findings.md``,
section 11); here Python sends a list of ids.

The placing rules are ``locating.signup_place``'s, for what a submission carries: a map
point is the location (``exact``); a ZIP without a street places the person at the ZIP's
centre when the ZIP lies in the given state (``zip``, or ``ambiguous`` when it spans
several congressional districts; ``none`` otherwise); a street address waits for the
Census Geocoder (``located_at`` null, handed over by the caller). The districts are
``districts.selectors.district_hits_sql``'s, the lookup every other path uses.
"""

import functools

from django.db import connection

from districts.models import ZipCode
from districts.selectors import district_hits_sql, layer_columns_sql

from ..models import (
    CONSENT_FIELDS,
    DISTRICT_LAYERS,
    PERSON_FIELDS,
    RUN_FIELDS,
    VOLUNTEER_FIELDS,
    LocationQuality,
    SignUp,
    Submission,
)


def _text(name: str, kind: str | None = None) -> str:
    value = f"coalesce(p.data->>'{name}', '')"
    return value if kind is None else f"CASE WHEN p.kind = '{kind}' THEN {value} ELSE '' END"


def _field_values() -> dict[str, str]:
    """Each ``SignUp`` column and the SQL giving its value from ``placed`` (``p``) and ``found`` (``f``)."""
    values = {name: _text(name) for name in PERSON_FIELDS}
    values |= {name: f"coalesce((p.data->>'{name}')::boolean, false)" for name in CONSENT_FIELDS}
    values |= {"email": "p.email", "language": "p.language"}
    values |= {"wants_to_run": "p.kind = 'run'", "wants_to_volunteer": "p.kind = 'volunteer'"}
    for kind, fields in (("run", RUN_FIELDS), ("volunteer", VOLUNTEER_FIELDS)):
        for name in fields:
            field = SignUp._meta.get_field(name)
            if field.get_internal_type() == "ArrayField":
                values[name] = (
                    f"CASE WHEN p.kind = '{kind}' THEN ARRAY(SELECT jsonb_array_elements_text("
                    f"coalesce(p.data->'{name}', '[]'))) ELSE '{{}}' END"
                )
            elif field.get_internal_type() == "PositiveSmallIntegerField":
                values[name] = f"CASE WHEN p.kind = '{kind}' THEN (p.data->>'{name}')::smallint END"
            else:
                values[name] = _text(name, kind)
    values |= {
        "submitted_location": "p.submitted",
        "location": "p.location",
        "location_quality": "p.quality",
        "located_at": "CASE WHEN p.to_geocode THEN NULL ELSE now() END",
        "districts_assigned_at": "CASE WHEN p.to_geocode THEN NULL ELSE now() END",
        "created_at": "now()",
        "updated_at": "now()",
    }
    values |= {f"{layer}_id": f"f.{layer}_id" for layer in DISTRICT_LAYERS}
    # Left NULL: confirmation_sent_at, confirmed_at, follow_up_queued_at, unsubscribed_at.
    unset = {"confirmation_sent_at", "confirmed_at", "follow_up_queued_at", "unsubscribed_at"}
    columns = {f.column for f in SignUp._meta.concrete_fields if not f.primary_key}
    missing = columns - set(values) - unset
    if missing:  # a new SignUp field must say here what a first submission gives it
        raise RuntimeError(f"people_create has no value for SignUp column(s) {sorted(missing)}")
    return values


@functools.cache
def _create_sql() -> tuple[str, list]:
    values = _field_values()
    hits, hit_params = district_hits_sql(rows="placed", key="id", location="location")
    found, layers = layer_columns_sql("h")
    sql = f"""
        WITH batch AS (
            SELECT s.id, s.email, s.kind, s.language, s.data, coalesce(s.data->>'street', '') AS street,
                   ST_SetSRID(ST_MakePoint(s.lng, s.lat), 4326) AS submitted
            FROM {Submission._meta.db_table} s WHERE s.id = ANY(%s)
        ), placed AS (
            SELECT b.*,
                CASE WHEN b.submitted IS NOT NULL THEN b.submitted WHEN b.street = '' THEN z.point END AS location,
                CASE WHEN b.submitted IS NOT NULL THEN '{LocationQuality.EXACT}'
                     WHEN b.street <> '' OR z.zip IS NULL THEN '{LocationQuality.NONE}'
                     WHEN jsonb_array_length(z.cd_geoids) > 1 THEN '{LocationQuality.AMBIGUOUS}'
                     ELSE '{LocationQuality.ZIP}' END AS quality,
                b.submitted IS NULL AND b.street <> '' AS to_geocode
            FROM batch b
            LEFT JOIN {ZipCode._meta.db_table} z ON z.zip = b.data->>'zip' AND z.state = b.data->>'state'
        ), hits AS ({hits}
        ), found AS (SELECT h.key, {found} FROM hits h GROUP BY h.key)
        INSERT INTO {SignUp._meta.db_table} ({", ".join(values)})
        SELECT {", ".join(values.values())}
        FROM placed p LEFT JOIN found f ON f.key = p.id
        ORDER BY p.id
        RETURNING id, email, located_at IS NULL
    """  # noqa: S608 (names from the models, values as parameters)
    return sql, [*hit_params, *layers]


def people_create(submission_ids: list[int]) -> dict[str, tuple[int, bool]]:
    """A new, unconfirmed person from each submission (one per new email, in the caller's
    transaction); returns ``{email: (person id, still to geocode)}``."""
    if not submission_ids:
        return {}
    sql, params = _create_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(submission_ids), *params])
        return {email: (pk, to_geocode) for pk, email, to_geocode in cursor.fetchall()}
