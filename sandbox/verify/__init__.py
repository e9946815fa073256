"""Verifiers that exercise a partner's implementation (e.g. the Sympto page-load webhook)."""
