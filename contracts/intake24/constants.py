"""Intake24's numbers and wire constants, each defined once.

The sandbox's rules, its answers (cookies, tokens, notification headers) and the control plane's
contract read these; a number typed a second time elsewhere would drift from the first.
"""

from __future__ import annotations

#: nanoid's URL-safe alphabet: URL auth tokens (unless the survey names a charset), ``jti`` values.
NANOID_ALPHABET = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict"
#: A URL auth token's length unless the survey sets ``authUrlTokenLength``.
URL_TOKEN_LENGTH = 32
#: The length of every ``jti`` Intake24 mints (access and refresh tokens, personal access tokens,
#: notification JWTs).
JTI_LENGTH = 64
#: The random password given to a respondent created without one.
GENERATED_PASSWORD_LENGTH = 12

#: ``iss`` of the tokens Intake24 signs (access tokens, personal access tokens, notification JWTs).
ISSUER = "intake24"
#: The create-user JWT's algorithms (``jsonwebtoken.verify(..., {algorithms: ['HS256', 'HS512']})``).
CREATE_USER_ALGORITHMS = ("HS256", "HS512")
#: The claims jsonwebtoken type-checks in ``verify`` (``typeof payload.nbf !== 'number'``), in its order.
CREATE_USER_TYPED_CLAIMS = ("nbf", "exp")

SECONDS_PER_DAY = 24 * 3600
ACCESS_LIFETIME_SECONDS = 15 * 60
#: The refresh token's lifetime, which is also its cookies' ``Max-Age``.
REFRESH_LIFETIME_SECONDS = SECONDS_PER_DAY
#: A notification JWT's ``exp`` - ``iat``.
NOTIFICATION_TOKEN_LIFETIME_SECONDS = 60
PAT_DEFAULT_LIFETIME_SECONDS = 30 * SECONDS_PER_DAY
PAT_MAX_LIFETIME_SECONDS = 2 * 366 * SECONDS_PER_DAY
PAT_NAME_MIN_LENGTH = 3
PAT_NAME_MAX_LENGTH = 128

#: A survey slug: 1 to this many characters of ``A-Z a-z 0-9 _ -``.
SLUG_MAX_LENGTH = 128
#: A client-supplied ``uxSessionId`` longer than a UUID is ignored (a fresh one is drawn).
SESSION_ID_MAX_LENGTH = 36

#: The admin API's list query (``paginationRequest``): ``limit`` at most this, 50 when absent; ``search`` at most
#: this many UTF-16 units. The query contract (``pagination.py``) and its OpenAPI schema read them.
MAX_LIMIT = 1000
DEFAULT_LIMIT = 50
MAX_SEARCH = 128

#: ``express-rate-limit`` on ``/api`` (per client address) and on the token login (failures only).
RATE_LIMIT_MAX = 300
RATE_LIMIT_WINDOW_SECONDS = 300.0
LOGIN_RATE_LIMIT_MAX = 5
LOGIN_RATE_LIMIT_WINDOW_SECONDS = 900.0

#: Where the sandbox serves Intake24 (fixed mount points): its REST API and its survey app.
API_PREFIX = "/intake24/api"
SURVEY_PREFIX = "/intake24/survey"

#: The algorithm of every token Intake24 signs (access tokens, personal access tokens, notification JWTs).
SIGNING_ALGORITHM = "HS256"
