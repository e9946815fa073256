"""The reference partners against the sandbox through the plugin: the correct ones pass its assertions, the
buggy twins fail them with a message that names the broken rule."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import given

from contracts import strategies as cs
from sandbox.fixtures.partners.cirrusmd.client import AuthenticationFailed, CirrusmdClient, Flaws, MemberRejected
from sandbox.fixtures.partners.intake24 import integration
from sandbox.fixtures.partners.intake24.integration import Intake24Error, Intake24Integration, Received
from sandbox.testing.live import LiveServer
from sandbox.testing.sandbox import VendorSandbox

CLIENT_ID, SECRET = "acme-health", "acme-shared-secret-for-the-partner-kit"
MEMBER = {
    "external_user_id": "u-1",
    "email": "jane@jones.com",
    "first_name": "Jane",
    "last_name": "Jones",
    "dob": "1977-01-11",
    "gender": "female",
    "member_id": "M-1",
    "metadata": {},
}


def cirrusmd_client(sandbox: VendorSandbox, flaws: Flaws | None = None) -> CirrusmdClient:
    sandbox.cirrusmd_client(CLIENT_ID, SECRET)
    return CirrusmdClient(sandbox.url("cirrusmd"), CLIENT_ID, SECRET, flaws=flaws or Flaws())


# --- CirrusMD ---------------------------------------------------------------------------------------


@given(member=cs.cirrusmd_members())
def test_the_correct_cirrusmd_client_passes_the_plugin_assertions(
    vendor_sandbox: VendorSandbox, member: dict[str, Any]
) -> None:
    vendor_sandbox.reset()
    client = cirrusmd_client(vendor_sandbox)
    assert client.create_session(member)
    vendor_sandbox.assert_no_violations()
    vendor_sandbox.assert_requests(vendor="cirrusmd", verdict="accepted", count=1)
    [stored] = vendor_sandbox.cirrusmd_members(CLIENT_ID)
    assert stored["external_user_id"] == member["external_user_id"]


def test_the_correct_client_retries_once_after_a_401(vendor_sandbox: VendorSandbox) -> None:
    client = cirrusmd_client(vendor_sandbox)
    vendor_sandbox.faults.arm("cirrusmd.token_expired", times=1)
    assert client.create_session(MEMBER)
    vendor_sandbox.assert_requests(vendor="cirrusmd", rule="fault:cirrusmd.token_expired", status=401, count=1)
    vendor_sandbox.assert_requests(vendor="cirrusmd", verdict="accepted", count=1)
    vendor_sandbox.assert_no_violations()  # what an armed fault answered is not the partner's violation


def test_the_correct_client_reports_a_persistent_401_with_cirrusmds_message(vendor_sandbox: VendorSandbox) -> None:
    client = cirrusmd_client(vendor_sandbox)
    vendor_sandbox.faults.arm("cirrusmd.token_expired", times=2)
    with pytest.raises(AuthenticationFailed, match="has expired"):
        client.create_session(MEMBER)


def test_the_correct_client_reports_a_422_with_the_field_to_fix(vendor_sandbox: VendorSandbox) -> None:
    client = cirrusmd_client(vendor_sandbox)
    with pytest.raises(MemberRejected, match="`gender`"):
        client.create_session({**MEMBER, "gender": "Female"})
    vendor_sandbox.assert_requests(vendor="cirrusmd", rule="invalid_body", count=1)  # no retry of a 422


def test_the_twin_with_a_five_minute_exp_fails_assert_no_violations(vendor_sandbox: VendorSandbox) -> None:
    client = cirrusmd_client(vendor_sandbox, Flaws(five_minute_exp=True))
    with pytest.raises(AuthenticationFailed, match="must NOT exceed 2 minutes"):
        client.create_session(MEMBER)
    with pytest.raises(AssertionError) as failure:
        vendor_sandbox.assert_no_violations()
    message = str(failure.value)
    assert "2 cirrusmd exchange(s)" not in message  # no vendor filter was given
    assert "2 exchange(s) broke the vendor's contract" in message
    assert "POST /cirrusmd/sdk/v2/public/sessions → 401 rejected [token_lifetime_too_long]" in message


def test_the_twin_without_metadata_fails_assert_requests_with_the_nearest_miss(vendor_sandbox: VendorSandbox) -> None:
    client = cirrusmd_client(vendor_sandbox, Flaws(omit_metadata=True))
    with pytest.raises(MemberRejected, match="`metadata` is required"):
        client.create_session(MEMBER)
    with pytest.raises(AssertionError) as failure:
        vendor_sandbox.assert_requests(vendor="cirrusmd", verdict="accepted", count=1)
    message = str(failure.value)
    assert (
        "expected exactly 1 exchange(s) with vendor='cirrusmd', verdict='accepted'; 0 matched of 1 recorded" in message
    )
    assert "422 rejected [invalid_body]" in message
    assert "send {} when you have no membership data" in message
    assert "did not match: verdict is 'rejected', not 'accepted'" in message


# --- Intake24 ---------------------------------------------------------------------------------------

SLUG, KEY = "kit-study", "kit-study-jwt-secret-of-32-bytes!!"


@pytest.fixture
def receiver() -> Iterator[tuple[LiveServer, Received]]:
    received = Received()
    with LiveServer(integration.notification_receiver(KEY, received=received)) as server:
        yield server, received


def survey(sandbox: VendorSandbox, key: str = KEY, webhook: str | None = None) -> None:
    hooks = [{"type": "survey.session.started", "channel": "webhook", "url": webhook}] if webhook else []
    sandbox.intake24_survey(
        SLUG,
        allowGenUsers=True,
        genUserKey=key,
        userPersonalIdentifiers=True,
        userCustomFields=True,
        notifications=hooks,
    )


@given(claims=cs.intake24_respondent_claims())
def test_the_correct_intake24_integration_passes_the_plugin_assertions(
    vendor_sandbox: VendorSandbox, claims: dict[str, Any]
) -> None:
    vendor_sandbox.reset()
    survey(vendor_sandbox)
    partner = Intake24Integration(vendor_sandbox.url("intake24"), SLUG, KEY)
    respondent = partner.create_respondent(claims["username"], name=claims.get("name"))
    assert respondent.username == claims["username"]
    followed = partner.follow(partner.authentication_url(claims["username"]))
    assert followed.signed_in
    assert followed.location.endswith(f"/survey/{SLUG}/recall")
    vendor_sandbox.assert_no_violations(vendor="intake24")
    vendor_sandbox.assert_requests(vendor="intake24", verdict="accepted", count=2)


def test_the_twin_with_a_weak_password_fails_with_intake24s_message(vendor_sandbox: VendorSandbox) -> None:
    survey(vendor_sandbox)
    partner = Intake24Integration(
        vendor_sandbox.url("intake24"), SLUG, KEY, flaws=integration.Flaws(weak_password=True)
    )
    with pytest.raises(Intake24Error, match='Weak password at "password"') as refused:
        partner.create_respondent("p-001")
    assert refused.value.status == 400
    assert not partner.follow(partner.authentication_url("p-001")).signed_in
    with pytest.raises(AssertionError, match=r"400 rejected \[claims_validation\]"):
        vendor_sandbox.assert_no_violations(vendor="intake24")


def start_recall(sandbox: VendorSandbox, respondent: integration.Respondent) -> None:
    api = sandbox.url("intake24") + "/api"
    login = requests.post(f"{api}/auth/login/token", json={"token": respondent.auth_token}, timeout=10)
    assert login.status_code == 200, login.text
    bearer = {"Authorization": f"Bearer {login.json()['accessToken']}"}
    started = requests.post(f"{api}/surveys/{SLUG}/session", json={}, headers=bearer, timeout=10)
    assert started.status_code == 200, started.text


def test_the_correct_receiver_takes_signed_notifications(
    vendor_sandbox: VendorSandbox, receiver: tuple[LiveServer, Received]
) -> None:
    server, received = receiver
    survey(vendor_sandbox, webhook=server.url + integration.WEBHOOK_PATH)
    start_recall(
        vendor_sandbox, Intake24Integration(vendor_sandbox.url("intake24"), SLUG, KEY).create_respondent("p-1")
    )
    assert [a["status"] for a in vendor_sandbox.intake24_notifications()] == [200]
    assert [e["type"] for e in received.events] == ["survey.session.started"]
    vendor_sandbox.assert_requests(vendor="intake24", direction="outbound", verdict="accepted", count=1)
    vendor_sandbox.assert_no_violations()


@pytest.mark.parametrize(
    "flaws", [integration.Flaws(), integration.Flaws(skip_signature_check=True)], ids=["correct", "twin"]
)
def test_a_receiver_must_refuse_notifications_signed_with_another_key(
    vendor_sandbox: VendorSandbox, flaws: integration.Flaws
) -> None:
    received = Received()
    with LiveServer(integration.notification_receiver(KEY, flaws, received)) as server:
        # The sandbox signs with a key the partner does not hold: as a forger would.
        survey(vendor_sandbox, key="a-forgers-key-not-the-partners-32b", webhook=server.url + integration.WEBHOOK_PATH)
        partner = Intake24Integration(vendor_sandbox.url("intake24"), SLUG, "a-forgers-key-not-the-partners-32b")
        start_recall(vendor_sandbox, partner.create_respondent("p-2"))
        vendor_sandbox.intake24_notifications()
    if not flaws.skip_signature_check:
        vendor_sandbox.assert_requests(vendor="intake24", direction="outbound", status=401, count=1)
        assert received.events == []
        return
    with pytest.raises(AssertionError) as failure:
        vendor_sandbox.assert_requests(vendor="intake24", direction="outbound", status=401, count=1)
    message = str(failure.value)
    assert (
        "expected exactly 1 exchange(s) with vendor='intake24', direction='outbound', status=401; 0 matched" in message
    )
    assert "⇒ partner 200 accepted" in message
    assert "did not match: status is 200, not 401" in message
