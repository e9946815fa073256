"""Two normalised answers → what differs: status, content type, body, body key order, each header that matters."""

from __future__ import annotations

import json
from typing import Any

from sandbox.drift.model import Answer, Difference

ABSENT = "(absent)"


def _dump(body: Any, *, sort: bool) -> str:
    return json.dumps(body, ensure_ascii=False, sort_keys=sort)


def differences(upstream: Answer, emulator: Answer, ordered_keys: bool = True) -> tuple[Difference, ...]:
    found: list[Difference] = []
    if upstream.status != emulator.status:
        found.append(Difference("status", str(upstream.status), str(emulator.status)))
    if upstream.content_type != emulator.content_type:
        found.append(Difference("content-type", upstream.content_type or ABSENT, emulator.content_type or ABSENT))
    theirs, ours = _dump(upstream.body, sort=True), _dump(emulator.body, sort=True)
    if theirs != ours:
        found.append(Difference("body", theirs, ours))
    elif ordered_keys and _dump(upstream.body, sort=False) != _dump(emulator.body, sort=False):
        found.append(Difference("key order", _dump(upstream.body, sort=False), _dump(emulator.body, sort=False)))
    for name in sorted(set(upstream.headers) | set(emulator.headers)):
        theirs_h, ours_h = upstream.headers.get(name, ABSENT), emulator.headers.get(name, ABSENT)
        if theirs_h != ours_h:
            found.append(Difference(f"header {name}", theirs_h, ours_h))
    return tuple(found)
