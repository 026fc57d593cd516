"""schemathesis against the OpenAPI schema at /api/v1/schema/, in process (WSGI), for the
public endpoints: no 500, and every answer (status, content type, body, headers) is the
one the schema documents. Bounded and repeatable: ``derandomize``, fixed examples.

Not checked: ``positive_data_acceptance`` (the schema cannot say everything the API
checks, e.g. that a ZIP code exists and lies in the state given, so some "valid"
payloads are rightly refused with a documented 400).
"""

from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks

from berniecrat.wsgi import application
from tests.reliability.conftest import report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zipcodes")]

PUBLIC = r"^/api/v1/(signups/|districts/lookup)$"
ANSWERS: Counter = Counter()


@pytest.fixture
def public_api(settings):
    settings.RATELIMIT_ENABLE = False
    # As Django's test client does: the end of a request must not close the test's
    # database connection (its transaction holds the test's data).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
        yield schema.include(path_regex=PUBLIC).exclude(method="GET", path="/api/v1/signups/")  # organizers' list
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


OPERATIONS = [("POST", "/api/v1/signups/"), ("GET", "/api/v1/districts/lookup")]


def operation(schema, method: str, path: str):
    return next(
        op.ok() for op in schema.get_all_operations() if (op.ok().method.upper(), op.ok().path) == (method, path)
    )


# Driven through schemathesis's Python API (operation strategies under @given): its pytest
# plugin does not support pytest 9 yet.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_public_api_matches_its_schema_and_never_500s(public_api, method, path, mode):
    strategy = operation(public_api, method, path).as_strategy(generation_mode=mode)

    @given(case=strategy)
    @settings(max_examples=150, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call_and_validate(excluded_checks=[checks.positive_data_acceptance])
        ANSWERS[(method, path, response.status_code)] += 1
        assert response.status_code < 500

    run()
    calls = {k[2]: v for k, v in ANSWERS.items() if k[:2] == (method, path)}
    report(f"\nFIGURES schemathesis {method} {path} ({mode}): answers so far {calls}, 500s 0")
