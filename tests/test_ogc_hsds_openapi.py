"""Schemathesis over our own OpenAPI documents (/ogc/api and /hsds/openapi.json), against the demo
served over real HTTP: generated requests, valid (positive) and invalid (negative), never get a
server error, and the answers match the status codes, media types and schemas the documents declare.

Kept small (a few examples per operation and mode) so each run stays well under a minute. The
schemathesis pytest plugin (from_fixture) does not run under pytest 9, so the operations are
driven here with Hypothesis directly, which is what the plugin does."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)
MAX_EXAMPLES = 5


def run_all(schema_url: str) -> int:
    schema = schemathesis.openapi.from_url(schema_url)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    calls = 0
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # operations without parameters have nothing to make invalid
            if mode is GenerationMode.NEGATIVE and not list(operation.iter_parameters()):
                continue

            @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                nonlocal calls
                response = case.call(timeout=60)
                calls += 1
                case.validate_response(response, checks=CHECKS)

            try:
                check()
            except Unsatisfiable:
                # e.g. a free-form string path parameter: no request can be made invalid by schema
                if mode is GenerationMode.POSITIVE:
                    raise
    return calls


def test_ogc_api_never_fails(live_server):
    assert run_all(f"{live_server}/ogc/api") > 20


def test_hsds_api_never_fails(live_server):
    assert run_all(f"{live_server}/hsds/openapi.json") > 20
