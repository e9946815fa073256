"""What legitimately differs between the vendor and the emulator, replaced by a named placeholder.

Generated ids, tokens, timestamps, hosts and this run's namespace differ on every call and between
any two servers; comparing them would report noise. Each vendor has its own rules (which keys hold
generated ids, which headers matter, which texts quote the server's clock), given by its drift role
module (:mod:`sandbox.drift.vendors`). The same pass removes
every secret: values under secret-looking keys keep only their type, and the tenant's own secret is
replaced wherever it appears, so an :class:`~sandbox.drift.model.Answer` can be shown and stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.core.redact import REDACTED, Redaction
from sandbox.drift.model import Answer, RawAnswer

#: Characters of a non-JSON body kept (an HTML page is compared on its beginning).
TEXT_LIMIT = 4000
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,}$")
#: Keys whose values are credentials. Narrower than the journal's pattern: an error ``Code`` may be a rule name.
SECRET_KEY = re.compile(r"token|secret|password|authorization|cookie|api[-_]?key|auth(?:entication)?code", re.I)
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")


@dataclass(frozen=True)
class VendorRules:
    """One vendor's normalisation: generated-id keys, the headers compared, texts quoting the clock."""

    vendor: str
    id_keys: frozenset[str] = frozenset()
    #: Lower-case names of the headers compared besides ``Content-Type`` (present or absent, and value).
    headers: tuple[str, ...] = ("retry-after", "www-authenticate")
    #: ``(pattern, replacement)`` applied to every string, after the generic placeholders.
    texts: tuple[tuple[re.Pattern[str], str], ...] = ()
    #: The vendor's key order is stable, so a different order is a divergence.
    ordered_keys: bool = True


def media_type(content_type: str) -> str:
    """``application/json; charset=UTF-8`` → ``application/json;charset=utf-8`` (spacing and case are noise)."""
    return ";".join(part.strip().lower() for part in content_type.split(";") if part.strip())


@dataclass
class Normaliser:
    """Normalises the answers of one run: ``bases`` are the URLs each side answers from."""

    rules: VendorRules
    run_id: str
    bases: Iterable[str] = ()
    secrets: Iterable[str] = ()
    _bases: list[str] = field(init=False)
    _secrets: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self._bases = sorted({b.rstrip("/") for b in self.bases if b}, key=len, reverse=True)
        self._secrets = sorted({s for s in self.secrets if s}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, REDACTED)
        for base in self._bases:
            value = value.replace(base, "<base>")
        if self.run_id:
            value = value.replace(self.run_id, "<run>")
        value = _JWT.sub("<jwt>", value)
        value = _UUID.sub("<uuid>", value)
        value = _TIMESTAMP.sub("<timestamp>", value)
        if _TOKEN.match(value):
            value = "<token>"
        for pattern, replacement in self.rules.texts:
            value = pattern.sub(replacement, value)
        return value

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {str(key): self._keyed(str(key), item) for key, item in value.items()}
        return value

    def _keyed(self, key: str, item: Any) -> Any:
        if item is None:
            return None
        if SECRET_KEY.search(key):
            return REDACTED if isinstance(item, str) else f"{REDACTED} {type(item).__name__}"
        if key in self.rules.id_keys and isinstance(item, str | int):
            return "<id>"
        return self.value(item)

    def answer(self, raw: RawAnswer) -> Answer:
        content_type = media_type(raw.content_type)
        headers = {name: self.text(raw.headers[name]) for name in self.rules.headers if name in raw.headers}
        return Answer(raw.status, content_type, headers, self.value(_body(raw.body, content_type)))


def _body(data: bytes, content_type: str) -> Any:
    text = data.decode("utf-8", "replace")
    if "json" in content_type or text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + "…"


#: The core policy alone: what HTTP makes secret (credentials keep their scheme, cookies their names).
_HEADER_POLICY = Redaction()


def request_view(normaliser: Normaliser, headers: Mapping[str, str], body: Any) -> tuple[dict[str, str], Any]:
    """A request as reports show it: credentials reduced to their scheme, secret-keyed values removed."""
    return _HEADER_POLICY.headers(dict(headers)), normaliser.value(body)
