"""The OpenAPI schema describes the whole API, without warnings, and the docs page serves it."""

from io import StringIO

import pytest
import yaml
from django.core.management import call_command


def test_schema_generates_without_warnings_and_lists_every_endpoint():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/districts/lookup", "/api/v1/signups/", "/api/v1/signups/{id}/"} <= set(schema["paths"])
    intake = schema["paths"]["/api/v1/signups/"]["post"]
    assert {"202", "400", "415", "429"} <= set(intake["responses"])
    assert "201" not in intake["responses"] and "200" not in intake["responses"]  # one answer for every email
    assert set(intake["requestBody"]["content"]) == {"application/json"}  # JSON only
    assert intake["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/SignUpCreate")


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/districts/lookup" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    # Swagger UI comes from our own static files, not a CDN.
    assert b"drf_spectacular_sidecar/swagger-ui-dist" in docs.content
