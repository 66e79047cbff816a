"""Property-based requests from the OpenAPI document (schemathesis): whatever a client sends, no 500.

Every operation of ``/api/v1/openapi.json`` gets generated requests, sent with an admin's API token (every
scope) so the authenticated endpoints run past their access checks into the service layer. The app is
real, over a real data folder with one seeded dossier; the rate limits are raised so that generated
lookups reach the code behind them instead of a 429.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from seed_results import decision_fields, seed_dossier
from web_helpers import make_service

from web.app import create_app

EXAMPLES = 25  # generated requests per operation


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The app's OpenAPI schema and an admin's bearer header."""
    service = make_service(
        tmp_path_factory.mktemp("schema") / "data", login_attempts_per_minute=100_000, lookups_per_minute=100_000
    )
    dossier, (result,) = seed_dossier(service.ctx.engine, "schemathesis", [decision_fields()])
    token = service.token_create("quan.tri", ["submit", "read", "review"], days=1, name="schemathesis", by="test")
    known = {"/dossiers/": dossier, "/status/": dossier, "/results/": result, "/review/": result}
    yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(service, background=False)), token, known
    service.close()


def with_known_codes(strategy: Any, path: str, known: dict[str, str]) -> Any:
    """Half the cases aim at the seeded dossier or result (and a field it has), so the code behind the
    access checks runs too, not only the 404 of a random code."""

    def aim(case: Any) -> Any:
        params = dict(case.path_parameters or {})
        for prefix, code in known.items():
            if f"/api/v1{prefix}{{" in path:
                params |= {name: code for name in params if name in ("code", "result")}
        if "field" in params:
            params["field"] = "personal_id"
        case.path_parameters = params
        return case

    return st.one_of(strategy, strategy.map(aim)) if "{" in path else strategy


def _problem(case: Any, bearer: dict[str, str]) -> str | None:
    """What is wrong with the answer to one generated request, if anything."""
    where = f"{case.method} {case.formatted_path}"
    try:
        response = case.call(headers=bearer)
    except Exception as exc:  # the test client raises what the server would answer with a 500
        return f"{where}: {type(exc).__name__}: {exc}"
    if response.status_code >= 500 and response.status_code != 503:
        return f"{where}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400 and set(response.json()) != {"error"}:
        return f"{where}: the error is not in the one JSON shape: {response.text[:300]}"
    return None


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error(api: Any) -> None:
    schema, token, known = api
    bearer = {"Authorization": f"Bearer {token}"}
    operations = [found.ok() for found in schema.get_all_operations()]
    assert len(operations) >= 15, "every API operation is in the OpenAPI document"
    failures: list[str] = []
    for operation in operations:

        @given(case=with_known_codes(operation.as_strategy(), operation.path, known))
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            problem = _problem(case, bearer)
            assert problem is None, problem

        try:
            run()
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
    assert not failures, "\n".join(failures)
