"""Helpers for testing with the sandbox: a live server in a thread (the pytest plugin builds on it)."""
