"""Every operation of every service, fed what its OpenAPI document allows and what it does not, with every check
schemathesis has (#24 item 8): no server error, statuses, content types, headers and bodies as documented, invalid
data refused, valid data accepted, authentication not ignored.

Each service runs as a real process on a PostgreSQL database of its own; requests carry a token holding every
role, of the province, so they reach the handlers rather than stopping at authorization.

Randomized, with the seed recorded: ``FUZZ_SEED`` (default: today's date as YYYYMMDD, so a day's runs repeat one
another and every day explores new examples); a failure names the seed to run it again with. ``FUZZ_EXAMPLES``
examples per operation and mode (default 6 in ``make test``; ``make fuzz`` runs 60).

Deliberate, and why (each refusal is still checked to be what it claims):
* Schema-valid data refused with 422 by a rule: a request the document allows may still break a rule (a claim that
  is not active, a month that has not ended, a unit that does not exist); the answer names the rule's code and the
  field. Accepted when the problem's code is a rule's, not ``validation_failed``.
* ``validation_failed`` for what JSON Schema cannot say (``SCHEMA_CANNOT_SAY``): the check digits and components of
  identity numbers and credit codes (GB 11643, GB 32100), dates before the law's start or in the future, decimal
  places of a number. Every other validation failure of schema-valid data is a contract that says too little, and
  fails.
* 503 for a peer this lone process cannot ask (``PEER_UNAVAILABLE``): documented, the work not done.
"""

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, positive_data_acceptance

from insurance_shared.auth import Role, issue_token
from insurance_shared.migrations import upgrade
from insurance_shared.settings import DEV_JWT_SECRET
from insurance_shared.testing.fixtures import create_test_database, drop_test_database

pytestmark = pytest.mark.slow

SERVICES = {
    "contributions": ("contributions", "CONTRIBUTIONS", 18401),
    "claims": ("claims", "CLAIMS", 18402),
    "layoff-reporting": ("layoff_reporting", "LAYOFF_REPORTING", 18403),
    "fund-monitor": ("fund_monitor", "FUND_MONITOR", 18404),
}
SEED = int(os.environ.get("FUZZ_SEED") or dt.date.today().strftime("%Y%m%d"))
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
SCHEMA_CANNOT_SAY = {
    "resident_id_checksum",  # GB 11643's check digit
    "resident_id_component",  # a birth date that exists, an area code that does
    "credit_code_checksum",  # GB 32100's check character
    "credit_code_format",  # GB 32100's registration authority and kind pairs
    "date_before_law",  # a date's bounds: JSON Schema bounds numbers, not dates
    "date_in_future",
    "month_before_law",
    "greater_than_equal",  # pydantic's name for a date's lower bound (a number's is in the schema)
    "decimal_max_places",  # decimal places of a JSON number (multipleOf 0.1 is not exact in binary floats)
}
TOKEN = issue_token(DEV_JWT_SECRET, sub="fuzz", region="220000", roles=[r.value for r in Role])
# 503s the services document for a peer they cannot ask (each service runs alone here): the work was not done and
# the caller is told to retry; not a server error
PEER_UNAVAILABLE = {"source_not_configured", "source_unreachable", "history_catching_up"}


@schemathesis.check
def no_server_error(ctx, response, case):
    if response.status_code == 503:
        kind = response.headers.get("content-type") or ""
        kind = kind[0] if isinstance(kind, list) and kind else kind  # schemathesis keeps every header as a list
        if str(kind).startswith("application/problem+json") and response.json().get("code") in PEER_UNAVAILABLE:
            return None
    return not_a_server_error(ctx, response, case)


@schemathesis.check
def valid_data_accepted_or_refused_by_a_rule(ctx, response, case):
    """schemathesis' positive_data_acceptance, with the deliberate refusals of the module docstring."""
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and response.status_code in (415, 422):
        problem = response.json()
        codes = {e.get("code") for e in problem.get("errors", [])}
        if problem.get("code") != "validation_failed" or (codes and codes <= SCHEMA_CANNOT_SAY):
            return None
        raise AssertionError(f"schema-valid data refused by validation the document does not state: {codes}")
    return positive_data_acceptance(ctx, response, case)


@pytest.fixture(scope="module", params=list(SERVICES))
def service_url(request) -> Iterator[str]:
    package, prefix, port = SERVICES[request.param]
    url = create_test_database(f"fuzz_{package}")
    upgrade(package, url)
    env = {
        **os.environ,
        f"{prefix}_DATABASE_URL": url,
        f"{prefix}_BACKGROUND_TASKS": "false",
        f"{prefix}_LOG_LEVEL": "ERROR",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", package, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise AssertionError(
                f"{package} did not start: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}"
            )
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        drop_test_database(url)


def test_every_check_on_every_operation(service_url: str) -> None:
    # driven directly rather than through schemathesis' pytest plugin, which this pytest version does not load
    schema = schemathesis.openapi.from_url(f"{service_url}/openapi.json")

    @schema.auth()
    class Token:  # given as the schema's auth, so that the negative cases without a token are not overridden
        def get(self, case, ctx):
            return TOKEN

        def set(self, case, data, ctx):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 10
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            @seed(SEED)
            def fuzz(case) -> None:
                case.call_and_validate(
                    base_url=service_url,
                    excluded_checks=[not_a_server_error, positive_data_acceptance],
                    additional_checks=[no_server_error, valid_data_accepted_or_refused_by_a_rule],
                    timeout=30,
                )

            try:
                fuzz()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, operation.label  # nothing in it can be made invalid
            except (Exception, BaseExceptionGroup) as exc:  # every operation's failures, reported together
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:1500]}")
    assert not failures, f"FUZZ_SEED={SEED}\n\n" + "\n\n".join(failures)
