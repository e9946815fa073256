"""``vendor-sandbox verify sympto-webhook``: tell a partner exactly what is wrong with their webhook.

The verifier plays Sympto's page-load call against the partner's webhook (``POST`` with
``Authorization: Basic base64(clientId:clientSecret)`` and ``{"authenticationCode": ...}``) and
lets Hypothesis generate the cases: emails, credential variants, code variants and body
encodings. Each rule is a small check raising :class:`CheckFailure`; Hypothesis shrinks a failure
to the simplest request that shows it. MUST rules fail the run; the rules Sympto only "strongly
recommends" warn, and fail under ``strict``. A rule that cannot be checked is skipped, never passed.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

from hypothesis import strategies as st

from contracts.jws import sign_hmac
from contracts.sympto import strategies, webhook
from contracts.sympto.codes import CODE_LIFETIME_SECONDS
from contracts.sympto.strategies import RIGHT, CodeMutation, Credentials
from sandbox.verify.engine import FAIL as FAIL
from sandbox.verify.engine import MUST, SHOULD, Engine, Rule, shown_request
from sandbox.verify.engine import PASS as PASS
from sandbox.verify.engine import SKIP as SKIP
from sandbox.verify.engine import WARN as WARN
from sandbox.verify.engine import CheckFailure as CheckFailure
from sandbox.verify.engine import Report as Report
from sandbox.verify.engine import RuleResult as RuleResult
from sandbox.verify.engine import junit_xml as junit_xml
from sandbox.verify.exchange import Answer, SentRequest, send

NAME = "sympto-webhook"
#: Expired codes are at least this old, so a partner forgiving some clock skew is not blamed.
MIN_EXPIRED_AGE_SECONDS = 120
PROBE_EMAIL = "verifier.probe@example.test"


MINT_HOOK = Rule("mint-hook", MUST, "the --mint-url test hook answers a code for an email")
ACCEPTS_POST = Rule("accepts-post", MUST, "the webhook accepts POST")
VALID_CODE = Rule(
    "valid-code-returns-email",
    MUST,
    'a valid code with the right credentials gets 200 and {"email": <the email it was minted for>}',
)
NO_SERVER_ERROR = Rule("no-server-error", MUST, "no 5xx and no stack trace, whatever the request")
INVALID_CODE = Rule("no-email-for-invalid-code", MUST, "never an email for an invalid code")
BAD_CREDENTIALS = Rule("rejects-bad-credentials", SHOULD, "wrong or missing Basic credentials are rejected")
EXPIRED_CODE = Rule("rejects-expired-codes", SHOULD, "expired codes are rejected")
RULES = (MINT_HOOK, ACCEPTS_POST, VALID_CODE, NO_SERVER_ERROR, INVALID_CODE, BAD_CREDENTIALS, EXPIRED_CODE)

STACK_TRACE = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|^\s+at [\w$.<>]+ \(.+:\d+:\d+\)|"
    r"Exception in thread|java\.lang\.\w+Exception|System\.\w+Exception|Werkzeug Debugger|"
    r"\.(?:py|rb|php|js|ts|java|cs|go):\d+",
    re.MULTILINE,
)


@dataclass(frozen=True)
class VerifyOptions:
    url: str
    client_id: str
    client_secret: str
    jwt_secret: str | None = None
    mint_url: str | None = None
    examples: int = 50
    seed: int | None = None
    strict: bool = False
    timeout_seconds: float = 5.0

    def __post_init__(self) -> None:
        if (self.jwt_secret is None) == (self.mint_url is None):
            raise ValueError("give exactly one of jwt_secret (mint codes like Sympto's sample) or mint_url")
        if self.examples < 1:
            raise ValueError("examples must be at least 1")


class MintFailure(Exception):
    def __init__(self, message: str, request: SentRequest, answer: Answer) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.answer = answer


def credentials_hidden(failure: CheckFailure, request: SentRequest) -> str:
    """The request with its ``Authorization`` replaced by what the case says of the credentials."""
    return shown_request(request, failure.case.split("; ")[-1])


# --- minting codes --------------------------------------------------------------------------------------


class Minter(Protocol):
    can_expire: bool
    description: str

    def mint(self, email: str) -> str: ...

    def expired(self, email: str, age_seconds: int) -> str: ...


class JwtMinter:
    """Codes as Sympto's published sample mints them: HS256 ``{email, iat, exp = iat + 600}``."""

    can_expire = True
    description = "HS256 codes minted with --jwt-secret"

    def __init__(self, secret: str, now: Callable[[], float] = time.time) -> None:
        self.secret = secret
        self.now = now

    def mint(self, email: str) -> str:
        issued = int(self.now())
        return sign_hmac({"email": email, "iat": issued, "exp": issued + CODE_LIFETIME_SECONDS}, self.secret)

    def expired(self, email: str, age_seconds: int) -> str:
        expired_at = int(self.now()) - age_seconds
        return sign_hmac({"email": email, "iat": expired_at - CODE_LIFETIME_SECONDS, "exp": expired_at}, self.secret)


class HookMinter:
    """Codes from the partner's own test hook: ``GET <mint_url>?email=<email>``."""

    can_expire = False
    description = "codes from the partner's --mint-url hook"

    def __init__(self, mint_url: str, timeout: float) -> None:
        self.mint_url = mint_url
        self.timeout = timeout

    def mint(self, email: str) -> str:
        joiner = "&" if urlsplit(self.mint_url).query else "?"
        request = SentRequest(
            "GET", f"{self.mint_url}{joiner}{urlencode({'email': email})}", {"Accept": "application/json"}
        )
        answer = send(request, self.timeout)
        return code_from_mint_answer(request, answer)

    def expired(self, email: str, age_seconds: int) -> str:
        raise NotImplementedError("a mint hook cannot mint expired codes")


def code_from_mint_answer(request: SentRequest, answer: Answer) -> str:
    """The code in a mint hook's JSON: ``token``, ``authenticationCode``, or a ``url`` with ``authCode<X>=``."""
    if answer.status != 200:
        raise MintFailure(f"the mint hook answered {answer.status or answer.error}, not 200", request, answer)
    try:
        document = json.loads(answer.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise MintFailure("the mint hook's body is not JSON", request, answer) from None
    if isinstance(document, dict):
        for key in ("token", "authenticationCode"):
            if isinstance(document.get(key), str) and document[key]:
                return str(document[key])
        url = document.get("url")
        if isinstance(url, str):
            for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
                if webhook.parameter_code(name) is not None and value:
                    return value
    raise MintFailure(
        'the mint hook must answer JSON with "token", "authenticationCode", or a "url" carrying '
        "?authCode<endpointQueryParam>=<code>",
        request,
        answer,
    )


# --- the checks -----------------------------------------------------------------------------------------


def returned_email(answer: Answer) -> str | None:
    """The email a 2xx answer hands over, if any, as Sympto's judge reads it
    (:attr:`contracts.sympto.webhook.Judgement.offered`: any 2xx, not only the 200 Sympto signs in on)."""
    return webhook.judge(answer.status, answer.content_type, answer.body).offered


class Verifier(Engine[VerifyOptions]):
    NAME = NAME
    UNSTEADY = " (the webhook did not answer this request the same way every time)"

    def prepare(self) -> None:
        options = self.options
        self.minter: Minter = (
            JwtMinter(options.jwt_secret, self.now)
            if options.jwt_secret is not None
            else HookMinter(str(options.mint_url), options.timeout_seconds)
        )
        self._probe_email: str | None = None

    # one exchange
    def post(self, credentials: Credentials, body_kind: str, code: str) -> tuple[SentRequest, Answer]:
        headers = {"User-Agent": "vendor-sandbox verify sympto-webhook", "Accept": "application/json"}
        authorization = credentials.header(self.options.client_id, self.options.client_secret)
        if authorization is not None:
            headers["Authorization"] = authorization
        content_type, data = strategies.body(body_kind, code)
        if content_type is not None:
            headers["Content-Type"] = content_type
        request = SentRequest("POST", self.options.url, headers, data)
        self.counted()
        return request, send(request, self.options.timeout_seconds)

    def mint(self, email: str, case: str) -> str:
        try:
            return self.minter.mint(email)
        except MintFailure as failure:
            raise CheckFailure(
                f"could not mint a code: {failure.message}", case, failure.request, failure.answer
            ) from None

    # the rules
    def run(self) -> Report:
        report = self.report(credentials_hidden)
        if isinstance(self.minter, HookMinter):
            result = self.check(MINT_HOOK, self.mint_hook)
            report.results.append(result)
            if result.outcome == FAIL:
                report.results.extend(RuleResult(r, SKIP, "no code could be minted (see mint-hook)") for r in RULES[2:])
                report.results.insert(1, RuleResult(ACCEPTS_POST, SKIP, "no code could be minted (see mint-hook)"))
                return report
        else:
            report.results.append(RuleResult(MINT_HOOK, SKIP, "not applicable: codes are minted with --jwt-secret"))
        reachable = self.check(ACCEPTS_POST, self.accepts_post)
        report.results.append(reachable)
        if (
            reachable.failure is not None
            and reachable.failure.answer is not None
            and reachable.failure.answer.status is None
        ):
            report.results.extend(
                RuleResult(r, SKIP, "the webhook could not be reached (see accepts-post)") for r in RULES[2:]
            )
            return report
        negative_rules_checkable = self._probe_email is not None
        report.results.append(
            self.check(
                VALID_CODE,
                self.property(
                    st.tuples(strategies.emails()), [(e,) for e in strategies.EXPLICIT_EMAILS], self.valid_code
                ),
            )
        )
        report.results.append(
            self.check(
                NO_SERVER_ERROR, self.property(self.any_request(), self.explicit_odd_requests(), self.no_server_error)
            )
        )
        if not negative_rules_checkable:
            why = (
                "cannot be checked: the webhook gave no email even for a valid code with the right credentials "
                "(see accepts-post and valid-code-returns-email)"
            )
            report.results.extend(RuleResult(r, SKIP, why) for r in (INVALID_CODE, BAD_CREDENTIALS, EXPIRED_CODE))
            self.progress("done")
            return report
        report.results.append(
            self.check(
                INVALID_CODE,
                self.property(
                    st.tuples(
                        strategies.emails(), strategies.invalid_codes(), st.sampled_from(strategies.WELL_FORMED_BODIES)
                    ),
                    [(PROBE_EMAIL, CodeMutation(kind, 7, "random-code"), "json") for kind in strategies.INVALID_CODES],
                    self.invalid_code,
                ),
            )
        )
        report.results.append(
            self.check(
                BAD_CREDENTIALS,
                self.property(
                    st.tuples(strategies.emails(), strategies.bad_credentials()),
                    [(PROBE_EMAIL, Credentials(kind, "wrong-value")) for kind in strategies.BAD_CREDENTIALS],
                    self.bad_credentials,
                ),
            )
        )
        if self.minter.can_expire:
            report.results.append(
                self.check(
                    EXPIRED_CODE,
                    self.property(
                        st.tuples(strategies.emails(), st.integers(MIN_EXPIRED_AGE_SECONDS, 30 * 86400)),
                        [(PROBE_EMAIL, MIN_EXPIRED_AGE_SECONDS), (PROBE_EMAIL, 86400)],
                        self.expired_code,
                    ),
                )
            )
        else:
            report.results.append(
                RuleResult(
                    EXPIRED_CODE, SKIP, "cannot be checked with --mint-url: give --jwt-secret to mint expired codes"
                )
            )
        self.progress("done")
        return report

    def mint_hook(self) -> None:
        self.mint(PROBE_EMAIL, f"mint a code for {PROBE_EMAIL}")

    def accepts_post(self) -> None:
        case = "a valid code; JSON body; the right Basic credentials"
        request, answer = self.post(RIGHT, "json", self.mint(PROBE_EMAIL, case))
        self._probe_email = returned_email(answer)
        if answer.status is None:
            raise CheckFailure(f"the webhook could not be reached: {answer.error}", case, request, answer)
        if answer.status in (404, 405, 501):
            raise CheckFailure(
                f"POST to the webhook answered {answer.status}: register the URL of a route that accepts POST",
                case,
                request,
                answer,
            )

    def valid_code(self, email: str) -> None:
        case = f"a valid code for {email!r}; JSON body; {RIGHT.describe()}"
        request, answer = self.post(RIGHT, "json", self.mint(email, case))
        if answer.status != 200:
            hint = (
                " (do --client-id and --client-secret match what your webhook expects?)"
                if answer.status in (401, 403)
                else ""
            )
            raise CheckFailure(f"expected 200, got {answer.status or answer.error}{hint}", case, request, answer)
        try:
            document = json.loads(answer.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise CheckFailure('the 200 body is not JSON: answer {"email": "<email>"}', case, request, answer) from None
        if not isinstance(document, dict) or "email" not in document:
            raise CheckFailure('the 200 body has no "email" key: answer {"email": "<email>"}', case, request, answer)
        if document["email"] != email:
            raise CheckFailure(
                f"answered email {document['email']!r} for a code minted for {email!r}: return the "
                "email exactly as it is in the code",
                case,
                request,
                answer,
            )

    def any_request(self) -> st.SearchStrategy[tuple[Any, ...]]:
        kinds = ["valid", *strategies.INVALID_CODES, *(["expired"] if self.minter.can_expire else [])]
        return st.tuples(
            strategies.emails(),
            strategies.any_credentials(),
            st.sampled_from(kinds),
            strategies.invalid_codes(),
            st.sampled_from(strategies.WELL_FORMED_BODIES + strategies.ODD_BODIES),
        )

    def explicit_odd_requests(self) -> list[tuple[Any, ...]]:
        mutation = CodeMutation("random", 3, "not-a-code")
        cases: list[tuple[Any, ...]] = [(PROBE_EMAIL, RIGHT, "valid", mutation, kind) for kind in strategies.ODD_BODIES]
        cases += [
            (PROBE_EMAIL, RIGHT, kind, CodeMutation(kind, 11, "not-a-code"), "json")
            for kind in strategies.INVALID_CODES
        ]
        return cases

    def no_server_error(
        self, email: str, credentials: Credentials, kind: str, mutation: CodeMutation, body_kind: str
    ) -> None:
        if kind == "valid":
            code, what = self.mint(email, f"a valid code for {email!r}"), f"a valid code for {email!r}"
        elif kind == "expired":
            code, what = self.minter.expired(email, 3600), f"a code for {email!r} expired an hour ago"
        else:
            mutation = CodeMutation(kind, mutation.index, mutation.filler)
            code, what = mutation.apply(self.mint(email, mutation.describe())), mutation.describe()
        case = f"{what}; body {body_kind}; {credentials.describe()}"
        request, answer = self.post(credentials, body_kind, code)
        if answer.status is None:
            raise CheckFailure(
                f"the webhook gave no response ({answer.error}): answer every request", case, request, answer
            )
        if answer.status >= 500:
            raise CheckFailure(
                f"the webhook answered {answer.status}: answer bad input with a 4xx", case, request, answer
            )
        trace = STACK_TRACE.search(answer.body.decode("utf-8", "replace"))
        if trace:
            raise CheckFailure(
                f"the response shows a stack trace ({trace.group(0)[:60]!r}): never send internals",
                case,
                request,
                answer,
            )

    def invalid_code(self, email: str, mutation: CodeMutation, body_kind: str) -> None:
        case = f"{mutation.describe()} (from a code for {email!r}); body {body_kind}; {RIGHT.describe()}"
        request, answer = self.post(RIGHT, body_kind, mutation.apply(self.mint(email, case)))
        given = returned_email(answer)
        if given is not None:
            raise CheckFailure(
                f"the webhook answered email {given!r} for an invalid code: verify the code's "
                "signature and reject anything that does not verify",
                case,
                request,
                answer,
            )

    def bad_credentials(self, email: str, credentials: Credentials) -> None:
        case = f"a valid code for {email!r}; JSON body; {credentials.describe()}"
        request, answer = self.post(credentials, "json", self.mint(email, case))
        given = returned_email(answer)
        if given is not None:
            raise CheckFailure(
                f"the webhook answered email {given!r} to a caller with {credentials.describe()}: "
                "check `Authorization: Basic base64(clientId:clientSecret)` (Sympto strongly "
                "recommends it)",
                case,
                request,
                answer,
            )

    def expired_code(self, email: str, age_seconds: int) -> None:
        case = f"a code for {email!r} that expired {age_seconds} s ago; JSON body; {RIGHT.describe()}"
        request, answer = self.post(RIGHT, "json", self.minter.expired(email, age_seconds))
        given = returned_email(answer)
        if given is not None:
            raise CheckFailure(
                f"the webhook answered email {given!r} for a code that expired {age_seconds} s ago: "
                "check `exp` (Sympto strongly recommends that codes expire)",
                case,
                request,
                answer,
            )


def verify(options: VerifyOptions, progress: Callable[[str], None] | None = None) -> tuple[Report, int]:
    """Run every rule against the partner's webhook; return the report and the exit code."""
    report = Verifier(options, progress).run()
    return report, report.exit_code
