"""Vendors defined only under ``tests/``, "installed" by a test through a ``*.dist-info`` entry point."""
