"""Intake24's drift knowledge (``DRIFT``, found by ``vendor-sandbox drift`` through the registry): its corpus,
its normalisation rules, its credentials (the respondent API's optional ones too) and how the emulator is
given the same survey.

The cases: create-user with valid claims, every claim mutation, every token mutation, the expiry
boundary, the idempotent repeat, an unknown survey and bodies that are not a token.

Every username is the run's (``drift-<run id>-<n>``), mutated claims included, so that whatever the
upstream accepts by mistake is still recognisably ours.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from contracts.intake24 import strategies as intake24
from contracts.intake24.partner import INTAKE24_TOKEN_RULES
from contracts.intake24.strategies import CLAIM_MUTATION_NAMES
from contracts.jws import sign_hmac
from sandbox.drift import draw
from sandbox.drift.model import Case, Request, Session
from sandbox.drift.normalise import VendorRules
from sandbox.drift.tenant import Plan, Tenant
from sandbox.drift.vendors import Credential, DriftVendor

if TYPE_CHECKING:
    from flask.testing import FlaskClient

VALID_LIFETIME = 60
_USERNAME_MUTATIONS = {"username_missing", "username_not_string", "username_empty", "username_too_long"}


def _path(slug: str) -> str:
    return f"/api/surveys/{slug}/create-user"


def _signed(slug: str, secret: str, claims: dict[str, Any], **offsets: int) -> Callable[[int, Session], Request]:
    def build(now: int, _session: Session) -> Request:
        payload = {"exp": now + VALID_LIFETIME, **claims, **{key: now + value for key, value in offsets.items()}}
        return Request(
            "POST",
            _path(slug),
            {"Content-Type": "application/json"},
            json={"token": sign_hmac(payload, secret)},
            claims=payload,
        )

    return build


def _mutated_token(slug: str, secret: str, claims: dict[str, Any], name: str) -> Callable[[int, Session], Request]:
    def build(now: int, _session: Session) -> Request:
        token = intake24.token_mutation(name, claims, secret, now).token
        return Request("POST", _path(slug), {"Content-Type": "application/json"}, json={"token": token}, claims=claims)

    return build


def _raw(slug: str, content_type: str, body: bytes) -> Callable[[int, Session], Request]:
    return lambda _now, _session: Request("POST", _path(slug), {"Content-Type": content_type}, raw=body)


ADMIN_TOKEN = "admin"
SURVEY_ID = "survey_id"


def _admin(path: str, authorized: bool = True) -> Callable[[int, Session], Request]:
    """A respondent-API request: ``{survey}`` is each side's survey id, the bearer each side's own token."""

    def build(_now: int, session: Session) -> Request:
        headers = {"Authorization": f"Bearer {session.get(ADMIN_TOKEN, '')}"} if authorized else {}
        return Request("GET", path.replace("{survey}", session.get(SURVEY_ID, "")), headers)

    return build


def admin_cases(plan: Plan) -> list[Case]:
    """Read-only respondent-API cases about this run's respondents (after the corpus created them)."""
    base = "/api/admin/surveys/{survey}/respondents"
    return [
        Case(
            "intake24:admin:respondent",
            "intake24",
            "",
            "the respondent API's entry for this run's first respondent",
            _admin(f"{base}/{plan.identity(0)}"),
            200,
        ),
        Case(
            "intake24:admin:search",
            "intake24",
            "",
            "this run's respondents, searched by the run's prefix",
            _admin(f"{base}?search={plan.identity('')}"),
            200,
        ),
        Case(
            "intake24:admin:unknown_respondent",
            "intake24",
            "not_found",
            "a username nobody has",
            _admin(f"{base}/{plan.identity('nobody')}"),
            404,
        ),
        Case(
            "intake24:admin:page_zero",
            "intake24",
            "contract_validation",
            "`page=0` (pages start at 1)",
            _admin(f"{base}?page=0"),
            400,
        ),
        Case(
            "intake24:admin:no_token",
            "intake24",
            "unauthorized",
            "no personal access token",
            _admin(f"{base}/{plan.identity(0)}", authorized=False),
            401,
        ),
    ]


def cases(tenant: Tenant, plan: Plan) -> list[Case]:
    slug, secret = tenant.identity, tenant.secret
    claims = draw.examples(intake24.valid_claims(), plan.examples + 1, plan.seed)
    base = {**claims[0], "username": plan.identity(0)}
    user0 = (f"respondent {plan.identity(0)}",)
    found: list[Case] = []
    for n, drawn in enumerate(claims[1:], start=1):
        mine = {**drawn, "username": plan.identity(n)}
        found.append(
            Case(
                f"intake24:valid:{n}",
                "intake24",
                "",
                "valid create-user claims",
                _signed(slug, secret, mine),
                200,
                (f"respondent {plan.identity(n)}",),
            )
        )
    found.append(
        Case(
            "intake24:valid:new_respondent",
            "intake24",
            "",
            "valid claims for a new respondent",
            _signed(slug, secret, base),
            200,
            user0,
        )
    )
    found.append(
        Case(
            "intake24:valid:repeat",
            "intake24",
            "",
            "the same username again (idempotent: same respondent)",
            _signed(slug, secret, base),
            200,
            user0,
        )
    )
    mutations = draw.covering(intake24.claim_mutations(), lambda m: m.name, CLAIM_MUTATION_NAMES, plan.seed)
    for k, mutation in enumerate(mutations):
        broken = dict(mutation.claims)
        if mutation.name not in _USERNAME_MUTATIONS:
            broken["username"] = plan.identity(f"c{k}")
        found.append(
            Case(
                f"intake24:claims:{mutation.name}",
                "intake24",
                "claims_validation",
                f"claims broken: {mutation.name}",
                _signed(slug, secret, broken),
                mutation.expected.status,
                (f"respondent {plan.identity(f'c{k}')}",),
            )
        )
    for k, name in enumerate(intake24.TOKEN_MUTATION_NAMES):
        mine = {**base, "username": plan.identity(f"t{k}")}
        found.append(
            Case(
                f"intake24:token:{name}",
                "intake24",
                INTAKE24_TOKEN_RULES.get(name, name),
                f"the token broken: {name}",
                _mutated_token(slug, secret, mine, name),
                intake24.token_mutation(name, mine, secret, 0).expected.status,  # the status is time-free
                (f"respondent {plan.identity(f't{k}')}",),
            )
        )
    found.append(
        Case(
            "intake24:boundary:exp_just_ahead",
            "intake24",
            "",
            "`exp` 3 s ahead (not expired yet)",
            _signed(slug, secret, {**base, "username": plan.identity("b1")}, exp=3),
            200,
            (f"respondent {plan.identity('b1')}",),
        )
    )
    found.append(
        Case(
            "intake24:boundary:exp_just_passed",
            "intake24",
            "jwt_expired",
            "`exp` 2 s in the past",
            _signed(slug, secret, {**base, "username": plan.identity("b2")}, exp=-2),
            403,
            (f"respondent {plan.identity('b2')}",),
        )
    )
    found.append(
        Case(
            "intake24:boundary:nbf_just_passed",
            "intake24",
            "",
            "`nbf` 2 s in the past (active)",
            _signed(slug, secret, {**base, "username": plan.identity("b3")}, nbf=-2),
            200,
            (f"respondent {plan.identity('b3')}",),
        )
    )
    found.append(
        Case(
            "intake24:survey:unknown",
            "intake24",
            "not_found",
            "a survey slug that does not exist",
            _signed(plan.identity("no-such-survey"), secret, base),
            404,
        )
    )
    found.append(
        Case(
            "intake24:body:no_token",
            "intake24",
            "contract_validation",
            "a JSON body without `token`",
            _raw(slug, "application/json", b"{}"),
            400,
        )
    )
    found.append(
        Case(
            "intake24:body:invalid_json",
            "intake24",
            "bad_request",
            "a body that is not JSON",
            _raw(slug, "application/json", b'{"token": '),
            400,
        )
    )
    return found + (admin_cases(plan) if plan.admin else [])


#: The option names of the respondent API's credentials (``tenant.extras``).
ADMIN_OPTION = "admin_token"
SURVEY_ID_OPTION = "survey_id"


def configure(section: Mapping[str, Any], tenant: Tenant) -> dict[str, Any]:
    """The ``[intake24]`` section with one survey: the configured one of that slug (or the first) as the model,
    user generation on, signed with the drift tenant's secret."""
    known = [s for s in section.get("surveys", []) if isinstance(s, dict)]
    model = next((s for s in known if s.get("slug") == tenant.identity), known[0] if known else {})
    survey = {**model, "slug": tenant.identity, "allowGenUsers": True, "genUserKey": tenant.secret}
    return {**section, "surveys": [survey]}


def check(tenant: Tenant) -> None:
    if (ADMIN_OPTION in tenant.extras) != (SURVEY_ID_OPTION in tenant.extras):
        raise ValueError("the respondent API needs both --admin-token and --survey-id")


def file_auth(
    tenant: Tenant, _session: Session, now: int, request: Request, payload: Mapping[str, Any] | None, _valid: bool
) -> Request:
    """``claims`` become the body ``{"token": <JWT signed with the survey's secret>}`` (``exp`` a minute ahead)."""
    if payload is None:
        return request
    signed = {"exp": now + VALID_LIFETIME, **payload}
    body = request.json if isinstance(request.json, dict) else {}
    return replace(request, json={**body, "token": sign_hmac(signed, tenant.secret)}, claims=signed)


def emulator_session(client: FlaskClient, tenant: Tenant) -> dict[str, str]:
    """The emulator's own respondent-API credentials: a personal access token it issues and its survey id,
    asked of its control plane like any user would."""
    issued = client.post("/__sandbox/intake24/personal-access-tokens", json={"name": "vendor-sandbox drift"})
    surveys = client.get("/__sandbox/intake24/surveys").get_json()["surveys"]
    survey_id = next((str(s["id"]) for s in surveys if s.get("slug") == tenant.identity), "")
    return {ADMIN_TOKEN: str(issued.get_json()["jwt"]), SURVEY_ID: survey_id}


def upstream_session(tenant: Tenant) -> dict[str, str]:
    """The upstream's respondent-API credentials, as given."""
    token, survey_id = tenant.extras.get(ADMIN_OPTION), tenant.extras.get(SURVEY_ID_OPTION)
    return {ADMIN_TOKEN: token, SURVEY_ID: survey_id} if token and survey_id else {}


DRIFT = DriftVendor(
    name="intake24",
    prefix="/intake24",  # the common root of its API and survey mounts: the upstream URL replaces it
    identity_name="survey",
    identity=Credential("survey", "--survey", "Intake24: the survey slug."),
    secret=Credential("jwt_secret", "--jwt-secret", "Intake24: the survey's JWT secret (genUserKey).", secret=True),
    extras=(
        Credential(
            ADMIN_OPTION,
            "--admin-token",
            "Intake24, optional: a personal access token, to compare the respondent API.",
            secret=True,
        ),
        Credential(
            SURVEY_ID_OPTION, "--survey-id", "Intake24, with --admin-token: the survey's numeric id on the upstream."
        ),
    ),
    rules=VendorRules(
        "intake24",
        id_keys=frozenset({"userId", "id", "surveyId"}),
        headers=(
            "retry-after",
            "www-authenticate",
            "access-control-allow-credentials",
            "access-control-expose-headers",
            "x-content-type-options",
            "x-frame-options",
            "referrer-policy",
            "strict-transport-security",
        ),
        # a respondent's sign-in links carry their URL token: a credential, and generated
        texts=((re.compile(r"(/a/|[?&]auth=)[A-Za-z0-9_-]+"), r"\1<token>"),),
    ),
    cases=cases,
    configure=configure,
    check=check,
    file_auth=file_auth,
    emulator_session=emulator_session,
    upstream_session=upstream_session,
    session_secrets=(ADMIN_TOKEN,),
    dry_run_session={ADMIN_TOKEN: "<the personal access token>", SURVEY_ID: "<survey id>"},
)
