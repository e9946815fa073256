"""Sympto's contract: the API envelope and bodies, the page-load webhook request and response."""
