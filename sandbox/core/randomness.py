"""Identifiers and nonces from one source that tests can seed for reproducible runs.

Unseeded, it draws from the operating system (``secrets``); seeded, from a private
``random.Random`` so two runs with the same seed produce the same ids.
"""

from __future__ import annotations

import random
import secrets
import threading
import uuid


class Randomness:
    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed) if seed is not None else None  # noqa: S311 - ids, not secrets

    def token_hex(self, nbytes: int = 16) -> str:
        if self._random is None:
            return secrets.token_hex(nbytes)
        with self._lock:
            return self._random.randbytes(nbytes).hex()

    def random(self) -> float:
        """A float in [0, 1), e.g. for a fault's probability."""
        if self._random is None:
            return secrets.randbelow(1 << 53) / (1 << 53)
        with self._lock:
            return self._random.random()

    def uuid(self) -> str:
        if self._random is None:
            return str(uuid.uuid4())
        with self._lock:
            return str(uuid.UUID(bytes=self._random.randbytes(16), version=4))
