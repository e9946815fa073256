"""Hypothesis strategies for Sympto: the webhook exchange (for the verifier) and the API bodies.

Webhook side: emails (unicode, plus-addressing, long), credential variants, code variants and body
encodings, each a small named value the verifier turns into a request and reports by name.
API side: valid endpoint configurations and named invalid mutations, each carrying the status
and message the sandbox answers (derived from :mod:`contracts.sympto.schemas`).
"""

from __future__ import annotations

import base64
import json
import string
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from hypothesis import strategies as st

from contracts.fields import Text, shown
from contracts.jws import sign_hmac, unsigned
from contracts.sympto import messages
from contracts.sympto.schemas import PATIENT

# --- emails -------------------------------------------------------------------------------------------

#: Always tried first: mixed case with plus-addressing, unicode, the longest an address gets.
EXPLICIT_EMAILS = (
    "Dana.Doctor+sympto@Example.test",
    "ünïcødé.名前@exämple.test",
    "l" * 64 + "@" + "d" * 60 + ".example.test",
)

_LOCAL = st.text(
    alphabet=st.sampled_from(string.ascii_letters + string.digits + "_-")
    | st.characters(categories=("Ll", "Lu", "Lo"), max_codepoint=0xFFFF),
    min_size=1,
    max_size=64,
)
_LABEL = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=63)


@st.composite
def emails(draw: st.DrawFn) -> str:
    """Plausible addresses: letters (any script), optional ``+tag``, one to three domain labels."""
    local = draw(_LOCAL)
    tag = draw(st.none() | st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=20))
    # Domain at most 150 characters, so the address stays within EMAIL_MAX_LENGTH (254).
    labels = draw(st.lists(_LABEL, min_size=1, max_size=3).filter(lambda found: len(".".join(found)) <= 150))
    tld = draw(st.sampled_from(["test", "example", "com", "org"]))
    return f"{local}{'' if tag is None else '+' + tag}@{'.'.join(labels)}.{tld}"


# --- credentials ---------------------------------------------------------------------------------------

BAD_CREDENTIALS = ("missing", "wrong_id", "wrong_secret", "swapped", "no_colon", "other_scheme", "empty_basic")


@dataclass(frozen=True)
class Credentials:
    kind: str
    other: str = "x"

    def header(self, client_id: str, client_secret: str) -> str | None:
        def basic(user: str, password: str | None = None) -> str:
            raw = user if password is None else f"{user}:{password}"
            return base64.b64encode(raw.encode("utf-8")).decode("ascii")

        other = self.other if self.other not in (client_id, client_secret) else self.other + "-not"
        return {
            "right": f"Basic {basic(client_id, client_secret)}",
            "missing": None,
            "wrong_id": f"Basic {basic(other, client_secret)}",
            "wrong_secret": f"Basic {basic(client_id, other)}",
            "swapped": f"Basic {basic(client_secret, client_id)}",
            "no_colon": f"Basic {basic(client_id + client_secret)}",
            "other_scheme": f"Bearer {basic(client_id, client_secret)}",
            "empty_basic": "Basic",
        }[self.kind]

    def describe(self) -> str:
        return {
            "right": "the right Basic credentials",
            "missing": "no Authorization header",
            "wrong_id": f"a wrong client id ({self.other!r})",
            "wrong_secret": f"a wrong client secret ({self.other!r})",
            "swapped": "client id and secret swapped",
            "no_colon": "id and secret joined without a colon",
            "other_scheme": "the right credentials under the scheme Bearer instead of Basic",
            "empty_basic": "`Basic` with no credentials",
        }[self.kind]


RIGHT = Credentials("right")
_OTHER = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=40)


def bad_credentials() -> st.SearchStrategy[Credentials]:
    return st.builds(Credentials, st.sampled_from(BAD_CREDENTIALS), _OTHER)


def any_credentials() -> st.SearchStrategy[Credentials]:
    return st.just(RIGHT) | bad_credentials()


# --- codes ---------------------------------------------------------------------------------------------

INVALID_CODES = ("tampered", "resigned", "alg_none", "truncated", "random", "empty", "huge")
HUGE_CODE_LENGTH = 100_000


def jwt_claims(code: str) -> dict[str, Any] | None:
    """The payload of a compact JWS, unverified, or None when the code is not one."""
    parts = code.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


@dataclass(frozen=True)
class CodeMutation:
    """An invalid code derived from a valid one; ``index`` and ``filler`` make it concrete."""

    kind: str
    index: int = 0
    filler: str = "x"

    def apply(self, code: str) -> str:
        claims = jwt_claims(code)
        if self.kind == "tampered" and claims is not None:
            parts = code.split(".")
            forged = sign_hmac({**claims, "email": f"intruder.{len(self.filler)}@example.invalid"}, "k" * 32)
            return f"{parts[0]}.{forged.split('.')[1]}.{parts[2]}"
        if self.kind in ("tampered", "resigned", "alg_none") and claims is None:
            return self._flip(code)
        if self.kind == "resigned":
            assert claims is not None
            return sign_hmac(claims, "another-key-" + self.filler + "-" * 32)
        if self.kind == "alg_none":
            assert claims is not None
            return unsigned(claims)
        if self.kind == "truncated":
            return code[: self.index % len(code)] if code else ""
        if self.kind == "random":
            return self.filler if self.filler != code else self.filler + "x"
        if self.kind == "empty":
            return ""
        return "A" * HUGE_CODE_LENGTH

    def _flip(self, code: str) -> str:
        """Change one character that is not the last of a dot-separated segment (whose low bits may not count)."""
        ends = {i for i, c in enumerate(code) if c == "."} | {len(code)}
        positions = [i for i, c in enumerate(code) if c != "." and i + 1 not in ends] or list(range(len(code)))
        if not positions:
            return "x"
        at = positions[self.index % len(positions)]
        replacement = "B" if code[at] == "A" else "A"
        return code[:at] + replacement + code[at + 1 :]

    def describe(self) -> str:
        return {
            "tampered": "a tampered code (payload email changed, signature kept)",
            "resigned": "the same claims re-signed with another key",
            "alg_none": "the same claims as an `alg: none` token",
            "truncated": f"the code truncated to {self.index} characters",
            "random": f"a random string {self.filler[:40]!r}",
            "empty": "an empty code",
            "huge": f"a {HUGE_CODE_LENGTH}-character code",
        }[self.kind]


def invalid_codes() -> st.SearchStrategy[CodeMutation]:
    return st.builds(
        CodeMutation, st.sampled_from(INVALID_CODES), st.integers(0, 2000), st.text(min_size=1, max_size=60)
    )


# --- bodies --------------------------------------------------------------------------------------------

WELL_FORMED_BODIES = ("json", "form")
ODD_BODIES = ("json_number", "json_null", "json_missing", "json_array", "invalid_json", "text_plain", "empty")


def body(kind: str, code: str) -> tuple[str | None, bytes]:
    """``(content type, bytes)`` carrying ``code`` (or deliberately not) in the given encoding."""
    if kind == "json":
        return "application/json", json.dumps({"authenticationCode": code}).encode()
    if kind == "form":
        return "application/x-www-form-urlencoded", urlencode({"authenticationCode": code}).encode()
    if kind == "json_number":
        return "application/json", b'{"authenticationCode": 12345}'
    if kind == "json_null":
        return "application/json", b'{"authenticationCode": null}'
    if kind == "json_missing":
        return "application/json", b"{}"
    if kind == "json_array":
        return "application/json", json.dumps([code]).encode()
    if kind == "invalid_json":
        return "application/json", json.dumps({"authenticationCode": code}).encode()[:-2]
    if kind == "text_plain":
        return "text/plain", code.encode()
    return None, b""


# --- API bodies: valid values and named invalid mutations ---------------------------------------------


@dataclass(frozen=True)
class Mutation:
    """An invalid body, the rule it breaks and what the sandbox answers."""

    name: str
    body: dict[str, Any]
    status: int
    message: str


@st.composite
def endpoint_configs(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "endpointURL": "https://" + draw(_LABEL) + ".example.test/" + draw(_LABEL),
        "clientId": draw(_OTHER),
        "clientSecret": draw(_OTHER),
        "endpointQueryParam": draw(st.text(alphabet=string.ascii_letters, min_size=1, max_size=30)),
    }


def _invalid(problem: str) -> str:
    return messages.INVALID_BODY.format(problems=problem)


@st.composite
def invalid_endpoint_configs(draw: st.DrawFn) -> Mutation:
    valid = draw(endpoint_configs())
    bad_param = valid["endpointQueryParam"] + draw(st.sampled_from(["1", "_", "-", " ", "é", "Ä"]))
    mutations = [
        Mutation(
            "param_not_latin",
            {**valid, "endpointQueryParam": bad_param},
            400,
            _invalid(messages.ENDPOINT_QUERY_PARAM_LETTERS.format(input=shown(bad_param))),
        ),
        Mutation(
            "url_not_http",
            {**valid, "endpointURL": "ftp://partner.example.test/hook"},
            400,
            _invalid(messages.URL_NOT_HTTP.format(name="endpointURL", input='"ftp://partner.example.test/hook"')),
        ),
        Mutation(
            "client_id_missing",
            {k: v for k, v in valid.items() if k != "clientId"},
            400,
            _invalid("`clientId` is required"),
        ),
        Mutation(
            "secret_not_string",
            {**valid, "clientSecret": 42},
            400,
            _invalid("`clientSecret` must be a string, got a JSON number"),
        ),
    ]
    return draw(st.sampled_from(mutations))


#: The patient's ``firstName`` field, whose length limit and message the mutation below uses.
_FIRST_NAME: Text = PATIENT.fields["firstName"]  # type: ignore[assignment]

PATIENT_BASE: dict[str, Any] = {
    "firstName": "Pat",
    "lastName": "Ient",
    "timeZone": "America/Los_Angeles",
    "notificationType": ["email"],
}


@st.composite
def patients(draw: st.DrawFn) -> dict[str, Any]:
    """A valid patient for ``POST /providers/patients`` with a fresh email."""
    return {
        **PATIENT_BASE,
        "email": draw(emails()),
        "sex": draw(st.sampled_from([None, "M", "F", "X"])),
        "language": draw(st.sampled_from([None, "English", "Spanish", "French"])),
    }


@st.composite
def invalid_patients(draw: st.DrawFn) -> Mutation:
    valid = draw(patients())
    zone = draw(st.sampled_from(["Mars/Olympus", "PST", "America/Nowhere"]))
    phone = draw(st.sampled_from(["650-555-0123", "+0123", "16505550123"]))
    mutations = [
        Mutation(
            "unknown_time_zone",
            {**valid, "timeZone": zone},
            400,
            _invalid(messages.TIME_ZONE_UNKNOWN.format(name="timeZone", input=shown(zone))),
        ),
        Mutation(
            "phone_not_e164",
            {**valid, "phoneNumber": phone},
            400,
            _invalid(messages.PHONE_E164.format(name="phoneNumber", input=shown(phone))),
        ),
        Mutation(
            "no_email_or_phone",
            {k: v for k, v in valid.items() if k != "email"},
            400,
            _invalid(messages.EMAIL_OR_PHONE_REQUIRED),
        ),
        Mutation(
            "notification_type_missing",
            {k: v for k, v in valid.items() if k != "notificationType"},
            400,
            _invalid("`notificationType` is required"),
        ),
        Mutation(
            "first_name_too_long",
            {**valid, "firstName": "n" * (_FIRST_NAME.max_length or 0) + "n"},
            400,
            _invalid(str(_FIRST_NAME.error_messages["too_long"]).format(length=(_FIRST_NAME.max_length or 0) + 1)),
        ),
    ]
    return draw(st.sampled_from(mutations))
