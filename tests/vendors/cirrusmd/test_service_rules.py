"""CirrusMD's service on plain values: the config section, the clients and their sources, members, quota, the token.

The HTTP tests (``test_service_*.py``) go through the app; these call :class:`CirrusmdService` on a store of its own,
so each rule (what a config key may hold, which client a start removes, which members a reset forgets, where the
member quota refuses, what the SDK token says) is checked in a few milliseconds and named where it breaks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt
import pytest
from sqlalchemy import insert

from contracts.jws import sign_hmac
from sandbox.core.clock import Clock
from sandbox.core.randomness import Randomness
from sandbox.core.sections import SectionError
from sandbox.core.store import Store
from sandbox.vendors.cirrusmd.errors import Unauthorized, UnprocessableEntity
from sandbox.vendors.cirrusmd.models import members
from sandbox.vendors.cirrusmd.service import CirrusmdService, CirrusmdSettings, Client

NOW = 1_700_000_000.75
API_URL = "http://localhost/cirrusmd"


def service_on(store: Store, *clients: Client, seed: int = 7, **settings: Any) -> CirrusmdService:
    clock = Clock()
    clock.freeze(NOW)
    return CirrusmdService(store, clock, Randomness(seed=seed), CirrusmdSettings(clients=clients, **settings))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'cirrusmd.db'}")
    store.create_tables()
    return store


def member(external_user_id: str = "user-1", **changes: Any) -> dict[str, Any]:
    return {
        "external_user_id": external_user_id,
        "email": "pat@example.com",
        "first_name": "Pat",
        "last_name": "Doe",
        "dob": "1980-01-02",
        "gender": "female",
        "zipcode": None,
        "member_id": "m-1",
        "metadata": {},
        "external_plan_id": None,
        "origin_label": None,
        "welcome_message": None,
        **changes,
    }


A = Client("client-a", "secret-a")
B = Client("client-b", "secret-b")


# The [cirrusmd] section.


def test_an_empty_section_is_the_defaults() -> None:
    settings = CirrusmdSettings.from_section({})
    assert settings == CirrusmdSettings()
    assert (settings.leeway_seconds, settings.access_token_lifetime_seconds) == (5.0, 3600)
    assert (settings.clients, settings.max_members) == ((), 10_000)


def test_every_key_of_the_section_is_read() -> None:
    settings = CirrusmdSettings.from_section(
        {
            "leeway_seconds": 2.5,
            "access_token_lifetime_seconds": 60,
            "clients": [{"client_id": "a", "shared_secret": "s1"}, {"client_id": "b", "shared_secret": "s2"}],
        }
    )
    assert settings == CirrusmdSettings(2.5, 60, (Client("a", "s1"), Client("b", "s2")))


def test_a_leeway_of_zero_and_a_lifetime_of_one_second_are_allowed() -> None:
    settings = CirrusmdSettings.from_section({"leeway_seconds": 0, "access_token_lifetime_seconds": 1})
    assert (settings.leeway_seconds, settings.access_token_lifetime_seconds) == (0, 1)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"leeway": 5}, "[cirrusmd]"),
        ({"clients": [{"client_id": "a", "shared_secret": "s", "secret": "x"}]}, "[[cirrusmd.clients]]"),
        ({"clients": [{"client_id": "a"}]}, "[[cirrusmd.clients]] shared_secret must be a non-empty string"),
        ({"clients": [{"shared_secret": "s"}]}, "[[cirrusmd.clients]] client_id must be a non-empty string"),
        (
            {"clients": [{"client_id": "a", "shared_secret": "s"}, {"client_id": "a", "shared_secret": "t"}]},
            "[[cirrusmd.clients]] client_id 'a' is declared twice",
        ),
        ({"clients": {"client_id": "a"}}, "[[cirrusmd.clients]] must be an array of tables"),
        ({"leeway_seconds": -1}, "[cirrusmd] leeway_seconds must be a number"),
        (
            {"access_token_lifetime_seconds": 0},
            "[cirrusmd] access_token_lifetime_seconds must be a whole number of at least 1",
        ),
    ],
)
def test_a_section_the_sandbox_does_not_understand_is_refused_by_name(section: dict[str, Any], message: str) -> None:
    with pytest.raises(SectionError) as refused:
        CirrusmdSettings.from_section(section)
    assert message in str(refused.value)


def test_an_unknown_key_is_named_with_its_table_and_the_key_meant() -> None:
    with pytest.raises(SectionError) as refused:
        CirrusmdSettings.from_section({"leeway": 5})
    assert str(refused.value) == (
        "unknown key [cirrusmd] leeway (did you mean leeway_seconds?); "
        "known: access_token_lifetime_seconds, clients, leeway_seconds"
    )
    with pytest.raises(SectionError) as refused:
        CirrusmdSettings.from_section({"clients": [{"client_id": "a", "shared_secret": "s", "secret": "x"}]})
    assert str(refused.value) == (
        "unknown key [[cirrusmd.clients]] secret (did you mean shared_secret?); known: client_id, shared_secret"
    )


# Clients: installed from the config, created through the control plane, and where each came from.


def test_the_configured_clients_are_installed_with_their_secrets(store: Store) -> None:
    service = service_on(store, A, B)
    outcome = service.install_clients()
    assert (outcome.vendor, outcome.removed, outcome.kept) == ("cirrusmd", (), ())
    assert service.client_ids() == ["client-a", "client-b"]
    assert (service.secret_for("client-a"), service.secret_for("client-b")) == ("secret-a", "secret-b")
    assert service.secret_for("client-c") is None
    assert service.client_sources() == {"client-a": "config", "client-b": "config"}


def test_a_client_of_an_earlier_config_is_removed_with_its_members_and_a_control_client_is_kept(store: Store) -> None:
    earlier = service_on(store, A, B)
    earlier.install_clients()
    earlier.put_client("client-c", "secret-c")
    earlier.create_session("client-b", member(), API_URL)

    later = service_on(store, A)
    outcome = later.install_clients()

    assert (outcome.removed, outcome.kept) == (("client-b",), ("client-c",))
    assert later.client_ids() == ["client-a", "client-c"]
    assert later.client_sources() == {"client-a": "config", "client-c": "control"}
    assert later.count_members() == 0


def test_a_restart_restores_a_configured_secret_changed_at_run_time(store: Store) -> None:
    service = service_on(store, A)
    service.install_clients()
    service.put_client("client-a", "changed")
    assert service.secret_for("client-a") == "changed"
    assert service.client_sources() == {"client-a": "config"}
    service_on(store, A).install_clients()
    assert service.secret_for("client-a") == "secret-a"


def test_a_client_put_through_the_control_plane_is_a_control_client(store: Store) -> None:
    service = service_on(store)
    service.put_client("client-c", "secret-c")
    assert service.client_sources() == {"client-c": "control"}
    assert service.secret_for("client-c") == "secret-c"


def test_deleting_a_client_removes_it_with_its_members_only(store: Store) -> None:
    service = service_on(store, A, B)
    service.install_clients()
    service.create_session("client-a", member(), API_URL)
    service.create_session("client-b", member(), API_URL)
    assert service.delete_client("client-a") is True
    assert service.client_ids() == ["client-b"]
    assert service.secret_for("client-a") is None
    assert (service.count_members("client-a"), service.count_members("client-b")) == (0, 1)
    assert service.delete_client("client-a") is False


# Reset.


def test_a_whole_reset_forgets_members_and_control_clients_and_restores_the_configured_secrets(store: Store) -> None:
    service = service_on(store, A)
    service.install_clients()
    service.put_client("client-a", "changed")
    service.put_client("client-c", "secret-c")
    service.create_session("client-a", member(), API_URL)
    service.reset()
    assert service.client_ids() == ["client-a"]
    assert service.secret_for("client-a") == "secret-a"
    assert service.count_members() == 0


def test_a_tenants_reset_forgets_its_members_only(store: Store) -> None:
    service = service_on(store, A, B)
    service.install_clients()
    service.put_client("client-a", "changed")
    service.create_session("client-a", member(), API_URL)
    service.create_session("client-b", member(), API_URL)
    service.reset("client-a")
    assert (service.count_members("client-a"), service.count_members("client-b")) == (0, 1)
    assert service.client_ids() == ["client-a", "client-b"]
    assert service.secret_for("client-a") == "changed"


# Members.


def test_a_session_creates_then_updates_the_member_of_its_client(store: Store) -> None:
    service = service_on(store, A, B)
    service.install_clients()
    first = service.create_session("client-a", member(email="one@example.com"), API_URL)
    again = service.create_session("client-a", member(email="two@example.com"), API_URL)
    other = service.create_session("client-b", member(), API_URL)

    assert (first.created, again.created, other.created) == (True, False, True)
    assert again.member_uuid == first.member_uuid != other.member_uuid
    stored = service.member("client-a", "user-1")
    assert stored is not None
    assert (stored["email"], stored["sessions_created"], stored["client_id"]) == ("two@example.com", 2, "client-a")
    assert (stored["created_at"], stored["updated_at"]) == (NOW, NOW)
    assert service.member("client-a", "user-2") is None
    assert service.member("client-c", "user-1") is None


def test_members_are_listed_in_creation_order_by_client_limit_and_offset(store: Store) -> None:
    service = service_on(store, A, B)
    service.install_clients()
    for client_id, user in [("client-a", "u1"), ("client-b", "u2"), ("client-a", "u3"), ("client-a", "u4")]:
        service.create_session(client_id, member(user), API_URL)

    def users(**query: Any) -> list[str]:
        return [row["external_user_id"] for row in service.list_members(**query)]

    assert users() == ["u1", "u2", "u3", "u4"]
    assert users(client_id="client-a") == ["u1", "u3", "u4"]
    assert users(client_id="client-a", limit=2) == ["u1", "u3"]
    assert users(client_id="client-a", offset=1) == ["u3", "u4"]
    assert users(limit=1, offset=1) == ["u2"]
    assert (service.count_members(), service.count_members("client-a"), service.count_members("client-c")) == (4, 3, 0)


def test_a_listing_holds_1000_members_unless_asked_otherwise(store: Store) -> None:
    service = service_on(store)
    rows = [
        {**member(f"u{n}"), "client_id": "client-a", "member_uuid": f"uuid-{n}", "created_at": NOW, "updated_at": NOW}
        for n in range(1001)
    ]
    with store.begin() as connection:
        connection.execute(insert(members), rows)
    assert len(service.list_members()) == 1000
    assert service.list_members()[0]["external_user_id"] == "u0"


def test_the_member_quota_refuses_the_one_beyond_it_and_keeps_repeats(store: Store) -> None:
    service = service_on(store, A, B, max_members=2)
    service.install_clients()
    service.create_session("client-b", member("b1"), API_URL)
    service.create_session("client-a", member("a1"), API_URL)
    service.create_session("client-a", member("a2"), API_URL)  # exactly the quota: allowed
    with pytest.raises(UnprocessableEntity) as refused:
        service.create_session("client-a", member("a3"), API_URL)
    assert refused.value.rule == "quota_members"
    assert "CirrusMD client 'client-a' already has 2 members" in str(refused.value.message)
    assert service.create_session("client-a", member("a1"), API_URL).created is False
    assert [row["external_user_id"] for row in service.list_members("client-a")] == ["a1", "a2"]


# The SDK token.


def test_the_sdk_token_names_the_member_and_lives_the_configured_lifetime(store: Store) -> None:
    service = service_on(store, A, access_token_lifetime_seconds=90)
    service.install_clients()
    result = service.create_session("client-a", member(), API_URL)
    key = service.access_token_key
    assert key == service.access_token_key == store.signing_key("cirrusmd.access_token")

    header = jwt.get_unverified_header(result.access_token)
    claims = jwt.decode(result.access_token, options={"verify_signature": False})
    assert header == {"alg": "HS256", "typ": "JWT", "kid": "cirrusmd.access_token"}
    assert claims == {
        "iss": "vendor-sandbox/cirrusmd",
        "aud": "cirrusmd-sdk",
        "sub": result.member_uuid,
        "client_id": "client-a",
        "external_user_id": "user-1",
        "api_url": API_URL,
        "iat": 1_700_000_000,
        "exp": 1_700_000_090,
        "jti": claims["jti"],
    }
    assert len(claims["jti"]) == 32
    assert result.access_token == sign_hmac(claims, key, "HS256", header={"kid": "cirrusmd.access_token"})


def test_the_authentication_reads_the_clients_secret_and_the_configured_leeway(store: Store) -> None:
    from contracts.cirrusmd.tokens import Credentials, bearer, claims, sign

    service = service_on(store, A, leeway_seconds=10)
    service.install_clients()
    credentials = Credentials(A.client_id, A.shared_secret)
    late = sign(credentials, claims(credentials, NOW, exp=int(NOW) - 9, iat=int(NOW) - 60))
    assert service.authenticate(bearer(late))["sub"] == "client-a"
    too_late = sign(credentials, claims(credentials, NOW, exp=int(NOW) - 11, iat=int(NOW) - 60))
    with pytest.raises(Unauthorized):
        service.authenticate(bearer(too_late))


def test_a_repeat_is_never_refused_even_over_a_lowered_quota(store: Store) -> None:
    """A client already past a quota lowered by a new config keeps its members, and their sessions still work."""
    earlier = service_on(store, A)
    earlier.install_clients()
    for user in ("a1", "a2", "a3"):
        earlier.create_session("client-a", member(user), API_URL)
    lowered = service_on(store, A, seed=8, max_members=2)
    assert lowered.create_session("client-a", member("a3"), API_URL).created is False
    assert lowered.count_members("client-a") == 3
    with pytest.raises(UnprocessableEntity):
        lowered.create_session("client-a", member("a4"), API_URL)


def test_a_client_recreated_through_the_control_plane_is_a_control_client(store: Store) -> None:
    """Deleting a configured client leaves its source record behind; creating it again makes it a control client."""
    service = service_on(store, A)
    service.install_clients()
    assert service.delete_client("client-a") is True
    service.put_client("client-a", "again")
    assert service.client_sources() == {"client-a": "control"}


def test_a_session_waits_for_the_requests_journal_entry_and_is_undone_with_its_answer(store: Store) -> None:
    """Inside a journaled request the member is written in the request's one transaction: undone if the answer is."""
    service = service_on(store, A)
    service.install_clients()
    store.begin_request()
    store.defer_commits()
    try:
        service.create_session("client-a", member(), API_URL)
        store.rollback_deferred()
    finally:
        store.end_request()
    assert service.count_members() == 0
