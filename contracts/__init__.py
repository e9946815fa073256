"""The vendors' contracts: marshmallow schemas and the Hypothesis strategies derived from them.

The sandbox validates with these schemas, the OpenAPI document is generated from them and the
tests (ours and partners') generate from them, so each rule is written once, here.
"""
