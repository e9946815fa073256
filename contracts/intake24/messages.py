"""Every string the Intake24 emulation answers with, verbatim from the open-source implementation.

Intake24 words its errors through three libraries: ``jsonwebtoken`` (token failures, 403),
``zod`` + ``zod-validation-error`` (400 validation bodies) and its own i18n bundle. The sandbox
renders these constants and the strategies predict them, so each wording lives here once.
"""

from __future__ import annotations

# 404 / routing
NOT_FOUND = "NotFoundError"
INVALID_ROUTE = "Invalid route"

# 403
GEN_USERS_DISABLED = "Survey doesn't support user generation"
FORBIDDEN = "Forbidden"
DB_VALIDATION_ERROR = "Validation error"  # a unique-constraint violation surfaced by Sequelize
DB_BUSY = "Internal Database Error"  # the sandbox's database stayed locked; retry

# jsonwebtoken 9.0.2 (verify.js) messages, answered as 403 by create-user
JWT_MALFORMED = "jwt malformed"
JWT_INVALID_TOKEN = "invalid token"
JWT_SIGNATURE_REQUIRED = "jwt signature is required"
JWT_INVALID_ALGORITHM = "invalid algorithm"
JWT_INVALID_SIGNATURE = "invalid signature"
JWT_INVALID_NBF = "invalid nbf value"
JWT_NOT_ACTIVE = "jwt not active"
JWT_INVALID_EXP = "invalid exp value"
JWT_EXPIRED = "jwt expired"
JWT_NULL_PAYLOAD = "Cannot read properties of null (reading 'nbf')"

# Sandbox-only strict claim checks (survey setting ``strictClaims``), worded like jsonwebtoken's.
STRICT_SUBJECT = "jwt subject invalid. expected: {slug}"
STRICT_AUDIENCE_REQUIRED = "jwt audience required"
STRICT_ISSUER_REQUIRED = "jwt issuer required"
STRICT_EXP_REQUIRED = "jwt expiration required"

# zod 3.25 issue messages
REQUIRED = "Required"
EXPECTED = "Expected {expected}, received {received}"
TOO_SMALL = "String must contain at least {minimum} character(s)"
TOO_BIG = "String must contain at most {maximum} character(s)"
ARRAY_TOO_BIG = "Array must contain at most {maximum} element(s)"
#: A sandbox-only limit (the real Intake24 has none), reported only where the real rules accept the request.
SANDBOX_TOO_LONG = (
    "Send at most {maximum} characters (UTF-16 units) here: a limit of the sandbox only, the real Intake24 has none"
)
SANDBOX_TOO_MANY = "Send at most {maximum} items here: a limit of the sandbox only, the real Intake24 has none"
#: A survey at the sandbox's respondent quota (403, as Intake24 refuses user generation it does not allow).
RESPONDENT_QUOTA = (
    "Survey {slug!r} already has {limit} respondents, the sandbox's limit: delete some (or reset this survey with "
    "POST /__sandbox/reset?vendor=intake24&tenant={slug}), or raise [limits] respondents in the config file "
    "(or VENDOR_SANDBOX_LIMITS_RESPONDENTS)"
)
INVALID_URL = "Invalid url"
INVALID_INPUT = "Invalid input"
INVALID_EMAIL = "Invalid email"
#: ``deleteRespondent`` once the respondent has submitted.
HAS_SUBMISSIONS = "User cannot be deleted. It already contains submission data."
TOKEN_NOT_JWT = "Token must be a valid JWT"
WEAK_PASSWORD = "Weak password"

# zod-validation-error 3.5 summary
SUMMARY_PREFIX = "Validation error"
ISSUE_SEPARATOR = "; "
UNION_SEPARATOR = ", or "

# custom ValidationError (admin endpoints)
VALIDATION_ERROR = "ValidationError"

# 401
BAD_CREDENTIALS = "Provided credentials do not match our records."
ACCOUNT_DISABLED = "Account is disabled."
INVALID_CAPTCHA = "Invalid CAPTCHA challenge."
UNAUTHORIZED_PLAIN = "Unauthorized"

# 429
RATE_LIMITED = "Too many requests, try again later."
LOGIN_RATE_LIMITED = "Too many failed login attempts, try again later."

# 413 (body-parser's own text; Intake24's error middleware would answer 500, the sandbox does not)
TOO_LARGE = "request entity too large"

EVENTS = ("survey.session.started", "survey.session.cancelled", "survey.session.submitted")
