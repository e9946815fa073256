"""Every message the Sympto emulation answers with, as named templates.

Sympto publishes no error bodies for its API (``specs/sympto.md`` §7): these texts are the
sandbox's own and each says what to change. The one message Sympto does publish is the page-load
failure text, :data:`INVALID_AUTH_CODE_PAGE` (README at ``28b4be7``, line 98).
"""

from __future__ import annotations

BEARER_LIFETIME_SECONDS = 15 * 60
SESSION_LIFETIME_SECONDS = 15 * 60
USER_AUTH_TOKEN_LIFETIME_SECONDS = 60
RATE_LIMIT_FAILURES = 10
RATE_LIMIT_WINDOW_SECONDS = 5 * 60
#: Redirects the page load follows (axios's ``maxRedirects`` default for the release Sympto's code used).
WEBHOOK_MAX_REDIRECTS = 5
#: The rate limit and the bearer lifetime as the documentation words them.
RATE_LIMIT_WORDS = f"more than {RATE_LIMIT_FAILURES} invalid attempts in {RATE_LIMIT_WINDOW_SECONDS // 60} minutes"
BEARER_LIFETIME_WORDS = f"{BEARER_LIFETIME_SECONDS // 60} minutes"

# The envelope
STATUS_OK = "OK"
STATUS_ERROR = "ERROR"

# 401 / 429: POST /authorization and bearer tokens
INVALID_CREDENTIALS = (
    "Invalid clientId or clientSecret: send the clinic admin's email (or phone) as clientId and the API secret as "
    "clientSecret."
)
RATE_LIMITED = (
    "Too many invalid authorization requests: more than {limit} in {window} minutes from this address. "
    "Wait {retry_after} s, then retry with the right clientId and clientSecret."
)
MISSING_BEARER = (
    "Missing Authorization header: send `Authorization: Bearer <token>` with the token from POST /authorization."
)
NOT_BEARER = "The Authorization header must be `Bearer <token>`; got scheme {scheme}."
UNKNOWN_BEARER = "The bearer token is not one POST /authorization issued: request a new one."
EXPIRED_BEARER = (
    "The bearer token expired {ago} s ago (tokens live " + BEARER_LIFETIME_WORDS + "): request a new one with "
    "POST /authorization."
)

# 400: bodies
INVALID_BODY = "Invalid request body: {problems}."
ENDPOINT_QUERY_PARAM_LETTERS = (
    "`endpointQueryParam` must be Latin letters A-Z or a-z only (it becomes part of the query parameter "
    "authCode<endpointQueryParam>), got {input}"
)
URL_NOT_HTTP = "`{name}` must be an absolute http:// or https:// URL, got {input}"
EMAIL_OR_PHONE_REQUIRED = "send `email` or `phoneNumber` (at least one is required)"
PHONE_E164 = "`{name}` must be an E.164 phone number such as +16505550123, got {input}"
TIME_ZONE_UNKNOWN = "`{name}` must be an IANA time zone such as America/Los_Angeles, got {input}"
DOB_FORMAT = "`dob` must be a date as YYYY-MM-DD (or MM/DD/YYYY), got {input}"
NOTIFICATION_NEEDS_EMAIL = "`notificationType` includes email, so send `email`"
NOTIFICATION_NEEDS_PHONE = "`notificationType` includes {kind}, so send `phoneNumber`"
NO_ENDPOINT_CONFIGURED = "No webhook endpoint is configured for this clinic: POST /clinicAdmin/clinics/endpoint first."

# 404 / 422
UNKNOWN_GROUP = "No group {group_id} in your clinic: create it with POST /providers/groups."
UNKNOWN_USER = "No user {user_id} in your clinic: create the patient or provider first."
UNKNOWN_EMAIL = "No user with email {email} in your clinic: create the patient or provider first."
DUPLICATE_EMAIL = "A user with email {email} already exists: use another email, or update the existing user."
DUPLICATE_PHONE = (
    "A user with phoneNumber {phone} already exists: use another phone number, or update the existing user."
)

# 200: DELETE /clinicAdmin/groups/manage answers this text
USER_REMOVED_FROM_GROUP = "User removed from group!"

# routing
NOT_FOUND = "No Sympto API route matches {method} {path}: see the Sympto Endpoints reference."
METHOD_NOT_ALLOWED = "{method} is not allowed on {path}: use {allowed}."
BODY_TOO_LARGE = "The request body is larger than {limit} bytes: send a smaller JSON object."

# The front end (page load)
INVALID_AUTH_CODE_PAGE = "Unable to connect to Sympto Health. Invalid auth code."
USER_AUTH_TOKEN_UNKNOWN = "The userAuthToken is not one Sympto issued: get one from POST /authorization/login/token."
USER_AUTH_TOKEN_USED = "The userAuthToken was already used: it is single use; request a new one for every sign-in."
USER_AUTH_TOKEN_EXPIRED = (
    "The userAuthToken expired {ago} s ago: it lives {lifetime} s; request it just before redirecting the user."
)


def shown(value: object, limit: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = '"' + text + '"' if isinstance(value, str) else text
    return text if len(text) <= limit else text[: limit - 1] + "…"


# The page-load verdict: what the partner's webhook did, and which rule it broke.
WEBHOOK_RULES: dict[str, str] = {
    "missing_auth_code": (
        "The page URL carries no authCode<endpointQueryParam> parameter: send the user to "
        "/sympto/?authCode<endpointQueryParam>=<code> (the parameter name is case-sensitive)."
    ),
    "auth_code_param_case": (
        "The page URL has the parameter {seen!r}; Sympto reads only authCode<endpointQueryParam>, spelled exactly "
        "so (capital C; the name is case-sensitive)."
    ),
    "unknown_query_param": (
        "No clinic registered endpointQueryParam {param!r} (the parameter name is case-sensitive); "
        "registered: {known}. Register it with POST /clinicAdmin/clinics/endpoint or fix the URL."
    ),
    "invalid_url": "The registered endpointURL is not a usable http(s) URL: {detail}.",
    "dns_failure": "Sympto could not resolve your webhook's host: {detail}.",
    "host_not_allowed": "Sympto may not call this host: {detail}. Add it to [sympto] allowed_hosts in the config.",
    "self_call": "The URL Sympto was to call points at this sandbox, not at your webhook: {detail}",
    "connection_refused": "Sympto could not connect to your webhook: {detail}. Is it running at endpointURL?",
    "connection_error": "The connection to your webhook failed: {detail}.",
    "timeout": "Your webhook did not answer in time: {detail}. Answer within the timeout.",
    "response_too_large": "Your webhook's response is too large: {detail}. Answer with a small JSON object.",
    "redirect": (
        "Your webhook answered {status}, a redirect without a Location header, so there is nothing to follow: "
        'answer 200 with {{"email": ...}}.'
    ),
    "too_many_redirects": (
        "Your webhook's redirects did not end ({detail}; axios follows at most " + str(WEBHOOK_MAX_REDIRECTS) + "): "
        "register the final URL as endpointURL and answer 200 there."
    ),
    "not_200": 'Your webhook answered HTTP {status}; Sympto signs the user in only on 200 with {{"email": ...}}.',
    "not_json": 'Your webhook answered 200 but the body is not JSON ({detail}): answer {{"email": "<email>"}}.',
    "not_object": 'Your webhook answered 200 with a JSON {kind}, not an object: answer {{"email": "<email>"}}.',
    "missing_email": (
        "Your webhook answered 200 without a non-empty string `email` (keys seen: {keys}): "
        'answer {{"email": "<email>"}}.'
    ),
    "email_not_unicode": (
        "Your webhook answered an `email` holding a lone UTF-16 surrogate escape (like \\ud800), which is not "
        'text: answer {{"email": "<email>"}} in valid Unicode.'
    ),
    "unknown_user": (
        "Your webhook answered email {email!r}, but no Sympto user of clinic {clinic!r} has that email: "
        "create the user first, {paths}."
    ),
}
#: Put before a failure reached by following redirects (``chain``: every URL called, in order).
AFTER_REDIRECTS = "Sympto followed {count} redirect(s) from your endpointURL ({chain}); there: "
#: The two API generations and the paths of each that create users (``unknown_user`` names them).
SAMPLE_ERA = "sample-era"
CURRENT = "current"
USER_CREATING_PATHS = {
    SAMPLE_ERA: "POST /clinicAdmin/providers or POST /providers/patient/create",
    CURRENT: "POST /providers or POST /providers/patients",
}


def user_creating_paths(generations: list[str]) -> str:
    """How to create a user, in the generation(s) the clinic has used (most recent first), or both."""
    if len(generations) == 1:
        (generation,) = generations
        return f"with the {generation} API your clinic uses ({USER_CREATING_PATHS[generation]})"
    if generations:
        return "with the API generations your clinic uses: " + "; ".join(
            f"{generation} ({USER_CREATING_PATHS[generation]})" for generation in generations
        )
    return (
        f"with the sample-era API ({USER_CREATING_PATHS[SAMPLE_ERA]}) "
        f"or the current API ({USER_CREATING_PATHS[CURRENT]})"
    )


CONTENT_TYPE_WARNING = (
    "Your webhook's Content-Type is {content_type!r}; Sympto parsed the JSON anyway, but answer "
    "`application/json` so every client does."
)
EMAIL_CASE_WARNING = (
    "Your webhook answered {seen!r}; the Sympto user is {stored!r}. Sympto matched it ignoring case; "
    "answer the email exactly as the user was created."
)
