"""schemathesis over every operation of an association's API, on the real server, as a
logged-in member and as an HQ administrator.

Each operation gets the coverage phase's deterministic cases (boundaries, missing and
wrong-typed fields) and a bounded number of generated ones, valid and invalid, derandomised so
that a run is reproducible. Any 5xx fails, and so does a documented response that does not
match its schema or content type. A failure prints the request as a curl command (with the
session's cookies and Host header) to replay against the test server; see
docs/development.md, "API fuzzing".

The operations are collected from the tenant URLconf's schema, built in this process when the
module is imported, so that each one is a test of its own (`-k "POST /api/v1/review"`); the
first test proves the running server publishes that very document at /api/schema/ on the
association's host. (schemathesis's fixture-loaded schemas, which could read it from the
server directly, do not run under pytest 9.2.)
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
import requests
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import strategies as st

from tests.fuzz.conftest import APPLICANT_PHONE, KNOWN, MEMBER_PHONE, SLUG, login

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

MAX_EXAMPLES = 20  # generated cases per operation and session, besides the coverage cases
# (20, not 30, since the staff console added its operations: the suite stays under 15 minutes)
SEED = 8  # the run's seed; change it locally to explore other inputs

# An applicant (an application in progress), a member (a renewal order waiting for finance)
# and the HQ administrator (configuration, review, finance).
PEOPLE = {"applicant": APPLICANT_PHONE, "member": MEMBER_PHONE,
          "hq_admin": f"admin@{SLUG}.test"}


def tenant_api_schema() -> dict:
    """The document an association's host serves at /api/schema/."""
    document = SchemaGenerator(urlconf="huiji.urls_tenants").get_schema(request=None,
                                                                       public=True)
    return json.loads(json.dumps(document, default=str))


DOCUMENT = tenant_api_schema()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=schemathesis.Config.from_dict({
    "seed": SEED,
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True,
                   "database": "none"},
    "phases": {"examples": {"enabled": False}, "stateful": {"enabled": False}},
    "request-timeout": 30,
}))


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Each path parameter is, more often than not, the id of a real object (see KNOWN)."""
    known = next((ids for prefix, ids in KNOWN.items()
                  if context.operation.path.startswith(prefix)), {})
    if not isinstance(path_parameters, dict) or not known:
        return st.just(path_parameters)
    return st.fixed_dictionaries({
        name: st.one_of(st.sampled_from(known[name]), st.just(value)) if name in known
        else st.just(value) for name, value in path_parameters.items()})


CHECKS = [schemathesis.checks.not_a_server_error,
          schemathesis.checks.response_schema_conformance,
          schemathesis.checks.content_type_conformance]


ANSWERS: Counter = Counter()  # (session, status) -> responses, printed after the run


@pytest.fixture(scope="module", params=sorted(PEOPLE))
def session(request, server, fuzz_association):
    yield login(server, request.param, PEOPLE[request.param])
    counts = {status: n for (who, status), n in sorted(ANSWERS.items())
              if who == request.param}
    print(f"\nschemathesis as {request.param}: {sum(counts.values())} requests, "
          f"by status {counts}")


def test_the_server_publishes_the_fuzzed_schema(session):
    served = requests.get(f"{session.base_url}/api/schema/?format=json",
                          headers=session.headers, timeout=30)
    assert served.status_code == 200
    assert served.json() == DOCUMENT


@schema.parametrize()
def test_api_answers_without_server_errors(case, session):
    response = case.call(base_url=session.base_url, headers=session.headers)
    ANSWERS[session.who, response.status_code] += 1
    case.validate_response(response, checks=CHECKS, headers=session.headers)
