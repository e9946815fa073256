"""``--record FILE`` and ``--against FILE``: the upstream's normalised answers, kept for a later comparison.

A recording holds what rebuilds the same corpus (vendor, seed, examples, run id, the tenant's public
identity, the ``--cases`` entries) and, per case, the instant its token was minted, the upstream's
time and its normalised answer. It never holds a secret: answers are normalised (tokens, secret-keyed
values and the tenant's secret replaced) and requests are not stored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.drift.model import Answer

FORMAT = "vendor-sandbox drift recording 1"


class RecordingError(ValueError):
    """The file is not a drift recording this version can read."""


@dataclass(frozen=True)
class Exchange:
    case_id: str
    minted_at: int
    upstream_time: float
    answer: Answer


@dataclass
class Recording:
    vendor: str
    identity: str
    seed: int
    examples: int
    run_id: str
    upstream: str
    leeway: float
    extra_cases: Sequence[Any] = ()
    #: The vendor's optional cases were recorded (its optional credentials were given; ``Plan.admin``).
    admin: bool = False
    exchanges: dict[str, Exchange] = field(default_factory=dict)

    def add(self, exchange: Exchange) -> None:
        self.exchanges[exchange.case_id] = exchange

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "vendor": self.vendor,
            "identity": self.identity,
            "seed": self.seed,
            "examples": self.examples,
            "run_id": self.run_id,
            "upstream": self.upstream,
            "leeway": self.leeway,
            "extra_cases": list(self.extra_cases),
            "admin": self.admin,
            "cases": [
                {
                    "id": e.case_id,
                    "minted_at": e.minted_at,
                    "upstream_time": e.upstream_time,
                    "answer": e.answer.to_json(),
                }
                for e in self.exchanges.values()
            ],
        }

    def write(self, path: str | Path) -> None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _field(document: Mapping[str, Any], key: str, kind: type) -> Any:
    value = document.get(key)
    if kind is float and isinstance(value, int):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise RecordingError(f"the recording's `{key}` is missing or not a {kind.__name__}")
    return value


def read(path: str | Path) -> Recording:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise RecordingError(f"cannot read the recording {path}: {error.strerror or type(error).__name__}") from None
    except ValueError:
        raise RecordingError(f"{path} is not JSON: not a drift recording") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RecordingError(f"{path} is not a drift recording (format {FORMAT!r})")
    recording = Recording(
        vendor=_field(document, "vendor", str),
        identity=_field(document, "identity", str),
        seed=_field(document, "seed", int),
        examples=_field(document, "examples", int),
        run_id=_field(document, "run_id", str),
        upstream=_field(document, "upstream", str),
        leeway=_field(document, "leeway", float),
        extra_cases=_field(document, "extra_cases", list),
        admin=document.get("admin") is True,
    )
    for item in _field(document, "cases", list):
        try:
            recording.add(
                Exchange(
                    str(item["id"]),
                    int(item["minted_at"]),
                    float(item["upstream_time"]),
                    Answer.from_json(item["answer"]),
                )
            )
        except (KeyError, TypeError, ValueError):
            raise RecordingError(f"{path}: a recorded case is incomplete") from None
    return recording
