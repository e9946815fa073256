"""Vendor-agnostic machinery. Nothing in this package imports a vendor package."""
