"""A patient's message thread: the API user sends, fetches a window, and learns what is new.

Endpoints.md's Messages data model: ``recentlyViewed`` is true the first time the API user (the
clinic admin, whichever bearer token it uses) fetches a message; ``hasNewMessages`` says messages it
has not fetched yet remain. Every patient's thread starts with the consent message Sympto sends on
creation (stored at the first send or fetch, dated at the patient's creation).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update

from contracts.sympto.messaging import CONSENT_TEXT, MAX_FETCH, SYSTEM_NAME
from sandbox.vendors.sympto.models import UploadedFile, message_files, thread_messages, users
from sandbox.vendors.sympto.service.profiles import find_user
from sandbox.vendors.sympto.service.settings import Part
from sandbox.vendors.sympto.service.users import count, refuse_quota


def milliseconds(seconds: float) -> int:
    return int(seconds * 1000)


class Messaging(Part):
    """Sending to a patient and fetching their thread."""

    def send(
        self,
        clinic_id: str,
        patient_id: str,
        text: str,
        file: UploadedFile | None = None,
        file_name: str | None = None,
        thread_id: str | None = None,
    ) -> None:
        """Send ``text`` from the clinic admin (role ``clinicAdmin``); at most ``[limits] messages`` per clinic.
        ``POST /providers/file`` sends a file with it: the thread shows its name, type and size."""
        message_id = self.randomness.uuid()
        with self.store.begin() as connection:
            patient = find_user(connection, clinic_id, patient_id, "patient")
            self._consent(connection, patient)
            if count(connection, thread_messages, clinic_id) >= self.settings.max_messages:
                refuse_quota("messages", self.settings.max_messages, clinic_id, "messages")
            admin = self._admin(connection, clinic_id)
            connection.execute(
                insert(thread_messages).values(
                    message_id=message_id,
                    clinic_id=clinic_id,
                    patient_id=patient_id,
                    sender_id=admin["user_id"],
                    sender_name=admin["name"],
                    role="clinicAdmin",
                    is_consent=0,
                    message=text,
                    sent_at=milliseconds(self.clock.now()),
                )
            )
            if file is not None:
                connection.execute(
                    insert(message_files).values(
                        message_id=message_id,
                        clinic_id=clinic_id,
                        patient_id=patient_id,
                        file_name=file_name or "",
                        content_type=file.content_type,
                        size=file.size,
                        sha256=file.sha256,
                        thread_id=thread_id,
                    )
                )

    def fetch(
        self, clinic_id: str, patient_id: str, before: float | None, after: float | None, limit: int | None
    ) -> dict[str, Any]:
        """Messages sent strictly between ``after`` and ``before`` (ms), oldest first, at most ``limit``
        (capped at :data:`MAX_FETCH`): the newest of the window, or the oldest when only ``after`` is
        given (paging forward). Marks them fetched."""
        wanted = MAX_FETCH if limit is None else min(limit, MAX_FETCH)
        now = self.clock.now()
        with self.store.begin() as connection:
            patient = find_user(connection, clinic_id, patient_id, "patient")
            self._consent(connection, patient)
            admin = self._admin(connection, clinic_id)
            statement = select(thread_messages).where(thread_messages.c.patient_id == patient_id)
            if before is not None:
                statement = statement.where(thread_messages.c.sent_at < before)
            if after is not None:
                statement = statement.where(thread_messages.c.sent_at > after)
            forward = after is not None and before is None
            order = (thread_messages.c.sent_at, thread_messages.c.id)
            statement = statement.order_by(*(order if forward else (column.desc() for column in order)))
            rows = [dict(row._mapping) for row in connection.execute(statement.limit(wanted))]
            if not forward:
                rows.reverse()
            fresh = [row["id"] for row in rows if row["first_fetched_at"] is None]
            if fresh:
                connection.execute(
                    update(thread_messages).where(thread_messages.c.id.in_(fresh)).values(first_fetched_at=now)
                )
            files = {
                row.message_id: {
                    "fileName": row.file_name,
                    "contentType": row.content_type,
                    "size": row.size,
                    "sha256": row.sha256,
                    "threadId": row.thread_id,
                }
                for row in connection.execute(
                    select(message_files).where(message_files.c.message_id.in_([r["message_id"] for r in rows]))
                )
            }
            unread = connection.execute(
                select(func.count()).where(
                    thread_messages.c.patient_id == patient_id, thread_messages.c.first_fetched_at.is_(None)
                )
            ).scalar_one()
        shown = [_message(row, admin, row["first_fetched_at"] or now, row["id"] in fresh) for row in rows]
        for message in shown:
            if message["id"] in files:  # the sandbox's addition: what was sent with POST /providers/file
                message["file"] = files[message["id"]]
        return {"messages": shown, "hasNewMessages": unread > 0}

    def _consent(self, connection: Any, patient: dict[str, Any]) -> None:
        """The consent message Sympto sends on creation, stored once, dated at the patient's creation."""
        exists = connection.execute(
            select(thread_messages.c.id).where(
                thread_messages.c.patient_id == patient["user_id"], thread_messages.c.is_consent == 1
            )
        ).first()
        if exists is None:
            connection.execute(
                insert(thread_messages).values(
                    message_id=self.randomness.uuid(),
                    clinic_id=patient["clinic_id"],
                    patient_id=patient["user_id"],
                    sender_id=None,
                    sender_name=SYSTEM_NAME,
                    role="system",
                    is_consent=1,
                    message=CONSENT_TEXT,
                    sent_at=milliseconds(patient["created_at"]),
                )
            )

    @staticmethod
    def _admin(connection: Any, clinic_id: str) -> dict[str, Any]:
        """The clinic admin: the API user who sends and views."""
        row = connection.execute(
            select(users.c.user_id, users.c.first_name, users.c.last_name)
            .where(users.c.clinic_id == clinic_id, users.c.role == "clinicAdmin")
            .order_by(users.c.id)
            .limit(1)
        ).first()
        if row is None:  # a clinic always has its admin; never fail a send over it
            return {"user_id": None, "name": "Clinic Admin"}
        return {"user_id": row.user_id, "name": f"{row.first_name} {row.last_name}"}


def _message(row: dict[str, Any], admin: dict[str, Any], viewed_at: float, first_fetch: bool) -> dict[str, Any]:
    """A stored message as the Message data model shows it."""
    return {
        "id": row["message_id"],
        "patientId": row["patient_id"],
        "message": row["message"],
        "sentAt": int(row["sent_at"]),
        "role": row["role"],
        "isConsent": bool(row["is_consent"]),
        "recentlyViewed": first_fetch,
        "viewed": [
            {
                "tvid": admin["user_id"],
                "name": admin["name"],
                "role": "clinicAdmin",
                "viewedAt": milliseconds(viewed_at),
            }
        ],
        "from": {"name": row["sender_name"], "tvid": row["sender_id"]},
    }
