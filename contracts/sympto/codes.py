"""Sympto ``authenticationCode`` values as a partner back end mints them, valid and named invalid ones.

Sympto treats the code as opaque: the partner mints it and its webhook judges it. The valid code is
what Sympto's published sample mints (HS256 over ``{email, iat, exp = iat + 600}`` with the partner's
own secret); each invalid kind is one of the strategies' code mutations
(:data:`contracts.sympto.strategies.INVALID_CODES`) made concrete, plus an expired code. A correct
webhook refuses every invalid one, and the sandbox's page load then fails with rule ``not_200``
(status 401): the answer ``vendor-sandbox token sympto --list`` predicts.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.jws import sign_hmac
from contracts.sympto.strategies import INVALID_CODES, CodeMutation

#: Sympto's sample partner mints codes that live 10 minutes.
CODE_LIFETIME_SECONDS = 600
#: What the page load answers when the partner's webhook refuses a code (any non-200).
REFUSED_STATUS = 401
REFUSED_RULE = "not_200"


@dataclass(frozen=True)
class CodeCase:
    name: str
    description: str

    @property
    def valid(self) -> bool:
        return self.name == "valid"

    def mint(self, email: str, secret: str, now: int) -> str:
        valid = sign_hmac({"email": email, "iat": now, "exp": now + CODE_LIFETIME_SECONDS}, secret)
        if self.name == "valid":
            return valid
        if self.name == "expired":
            return sign_hmac({"email": email, "iat": now - 2 * CODE_LIFETIME_SECONDS, "exp": now - 60}, secret)
        return CodeMutation(self.name, index=17, filler="not-a-code").apply(valid)


CASES: dict[str, CodeCase] = {
    "valid": CodeCase("valid", "HS256 {email, iat, exp = iat + 600} with the partner's secret"),
    "expired": CodeCase("expired", "the same claims, expired a minute ago"),
    **{kind: CodeCase(kind, CodeMutation(kind, index=17, filler="not-a-code").describe()) for kind in INVALID_CODES},
}
