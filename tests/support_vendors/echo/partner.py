"""Echo's part of ``contracts.strategies``, named only by an entry point in ``vendor_sandbox.contracts``."""

from __future__ import annotations

from hypothesis import strategies as st


def echo_words() -> st.SearchStrategy[str]:
    """Words echo repeats."""
    return st.text(min_size=1, max_size=20)


__all__ = ["echo_words"]
