"""schemathesis over the app's own OpenAPI schema, in-process: for generated requests the
API never answers 5xx, and every answer's status and body are ones the schema documents.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from ringcheck.settings import Settings
from ringcheck.web.app import create_app

# A limit this high never answers 429, so every answer comes from the API itself.
app = create_app(Settings(rate_per_minute=1_000_000, rate_burst=1_000_000))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def test_schema_lists_every_api_operation():
    operations = {
        (op.method.upper(), op.path) for op in (r.ok() for r in schema.get_all_operations())
    }
    assert operations == {
        ("GET", "/api/v1/check"),
        ("POST", "/api/v1/check"),
        ("POST", "/api/v1/check/batch"),
        ("GET", "/api/v1/codes"),
        ("POST", "/api/v1/reports"),
        ("GET", "/api/v1/numbers/{e164}/reports"),
        ("GET", "/api/v1/recent"),
        ("POST", "/api/v1/triage"),
        ("GET", "/api/v1/lookup/{number}"),
        ("GET", "/api/v1/cid/{number}"),
        ("GET", "/api/v1/blocklist"),
        ("GET", "/api/v1/range/{prefix}"),
    }


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples on every run
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_answers_inside_its_schema_and_never_5xx(case):
    # schemathesis calls the app in-process through its ASGI transport.
    case.call_and_validate(checks=CHECKS)
