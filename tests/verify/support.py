"""Values shared by the Sympto events verifier's tests: a receiver's secret, the frozen instant, and the bodies of
the two event kinds with their ids left blank (each test fills in what it checks)."""

from __future__ import annotations

from typing import Any

SECRET = "whsec_0123456789"
NOW = 1_800_000_000.0
PATIENT: dict[str, Any] = {"patientTvId": "", "firstName": "Ada", "lastName": "L", "timeZone": "UTC"}
RESPONSE: dict[str, Any] = {
    "Status": "OK",
    "Response": {
        "patientSurveyId": "",
        "completionMedium": [{"channel": "Mobile", "user": {"type": "patient", "tvid": ""}}],
        "response": {"responseId": "", "response": {}},
    },
}
