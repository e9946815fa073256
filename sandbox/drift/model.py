"""The drift check's data: a case, the request it becomes at one instant, an answer, an outcome.

Plain values only, so that the corpus can be printed (``--dry-run``), recorded and reported without
knowing which side sent what.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Variables a side learns while the run goes on (e.g. a bearer from a login case).
Session = Mapping[str, str]


@dataclass(frozen=True)
class Request:
    """What is sent, below the vendor's base URL (``/some/path``, not ``/<vendor>/some/path``)."""

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    #: A JSON value sent as ``application/json``; ``None``: no body unless ``raw`` is given.
    json: Any = None
    raw: bytes | None = None
    #: Shown in reports instead of a token that carries them (the token itself is never shown).
    claims: Mapping[str, Any] | None = None

    def body_bytes(self) -> bytes | None:
        if self.raw is not None:
            return self.raw
        if self.json is None:
            return None
        return json.dumps(self.json, ensure_ascii=False).encode("utf-8")


#: Builds a case's request at ``minted_at`` (Unix seconds, the upstream's clock) for a side's session.
Builder = Callable[[int, Session], Request]
#: Reads what a side must remember from its answer (``{"bearer": ...}``), or nothing.
Capture = Callable[["RawAnswer"], dict[str, str]]


@dataclass(frozen=True)
class Case:
    """One request both sides get. ``id`` is stable for a given seed (recordings are matched by it)."""

    id: str
    vendor: str
    #: The rule the case exercises (the journal's rule name); ``""`` for a request the vendor accepts.
    rule: str
    description: str
    build: Builder
    #: The status the contracts predict, when they do (shown next to a divergence).
    expected_status: int | None = None
    #: Identities this case may create upstream (``member drift-…-1``), for the note before the run.
    creates: tuple[str, ...] = ()
    capture: Capture | None = None


@dataclass(frozen=True)
class RawAnswer:
    """An answer as received: status, headers (names lower-cased) and the body bytes."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


@dataclass(frozen=True)
class Answer:
    """An answer after normalisation: what is compared, recorded and shown (never a secret)."""

    status: int
    content_type: str
    headers: Mapping[str, str]
    body: Any

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "content_type": self.content_type,
            "headers": dict(self.headers),
            "body": self.body,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Answer:
        headers = value.get("headers") or {}
        return cls(
            status=int(value["status"]),
            content_type=str(value.get("content_type", "")),
            headers={str(k): str(v) for k, v in headers.items()},
            body=value.get("body"),
        )


@dataclass(frozen=True)
class Difference:
    """One aspect on which the two answers disagree (``status``, ``content-type``, ``body``, ``header X``)."""

    aspect: str
    upstream: str
    emulator: str


@dataclass(frozen=True)
class Outcome:
    """A case and both answers; ``differences`` empty means identical. ``missing`` names a case not recorded."""

    case: Case
    request: Request | None
    upstream: Answer | None
    emulator: Answer | None
    differences: tuple[Difference, ...] = ()
    missing: bool = False

    @property
    def diverged(self) -> bool:
        return bool(self.differences)
