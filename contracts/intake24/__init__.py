"""Intake24's integration contract: create-user, token login, respondent sessions, notifications.

Behaviour follows the open-source implementation (``specs/intake24.md``); the texts in
:mod:`contracts.intake24.messages` are Intake24's own strings, verbatim.
"""
