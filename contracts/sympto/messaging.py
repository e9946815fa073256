"""Sympto's patient messages (``POST|GET /provider/messaging/:patientTvId``): the body, the data model, the texts.

Endpoints.md's Messages section: ``POST {message}`` answers ``Response: true``; ``GET`` answers
``{messages: Array<MessageDataModel>, hasNewMessages}`` and takes ``before``/``after`` (milliseconds
since the epoch) and ``limit``. The doc lists those three under "Body" for a GET; the sandbox reads
them from the query string (an HTTP client sends no body with a GET, axios included).
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

from contracts.fields import Text

#: Sympto publishes no limit; the sandbox's own (a long text message is about 1600 characters).
MESSAGE_MAX_LENGTH = 2000
#: Messages one fetch answers at most (also when ``limit`` is left out): the sandbox's own limit.
MAX_FETCH = 1000
#: Every role a sender can have (the data model's ``role`` enum).
ROLES = ("patient", "doctor", "nurse", "admin", "system", "clinicAdmin", "audit")
#: The consent message Sympto sends "by default on patient creation" (its text is not published).
CONSENT_TEXT = (
    "Welcome to your care team's messaging. Reply YES to agree to receive messages and questionnaires, "
    "or STOP to opt out. (Sandbox stand-in for Sympto's consent message.)"
)
SYSTEM_NAME = "Sympto"
#: ``before``, ``after`` and ``limit`` as read from the query string.
WINDOW_PARAMETERS = ("before", "after", "limit")
BAD_WINDOW = "`{name}` must be a number of milliseconds since the epoch (digits, optionally a fraction), got {input}"
BAD_LIMIT = "`limit` must be a whole number, got {input}"
IGNORED_GET_BODY = (
    "A body was sent with GET /provider/messaging/<patientTvId>: the sandbox reads before, after and limit from "
    "the query string only (HTTP clients do not send a body with GET)."
)


class MessageCreateSchema(Schema):
    """``POST /provider/messaging/:patientTvId``: the text to send to the patient."""

    class Meta:
        unknown = EXCLUDE

    message = Text(required=True, max_length=MESSAGE_MAX_LENGTH, metadata={"description": "Message to send."})


class MessageSenderSchema(Schema):
    name = fields.String(required=True)
    tvid = fields.String(allow_none=True, metadata={"description": "null for an automated system message."})


class ThreadMessageSchema(Schema):
    """The Message data model."""

    id = fields.String(required=True)
    patientId = fields.String(required=True)
    message = fields.String(required=True)
    sentAt = fields.Integer(required=True, metadata={"description": "Milliseconds since the epoch."})
    role = fields.String(required=True, metadata={"enum": list(ROLES)})
    isConsent = fields.Boolean(required=True)
    recentlyViewed = fields.Boolean(required=True, metadata={"description": "True on the API user's first fetch."})
    viewed = fields.List(fields.Dict(), required=True)
    from_ = fields.Nested(MessageSenderSchema, required=True, data_key="from")


class MessagePageSchema(Schema):
    messages = fields.List(fields.Nested(ThreadMessageSchema), required=True)
    hasNewMessages = fields.Boolean(
        required=True, metadata={"description": "Messages the API user has not fetched yet remain."}
    )


MESSAGE_CREATE = MessageCreateSchema()
