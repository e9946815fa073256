"""The factory itself: defaults, health, vendor-neutral errors, and what it refuses."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask.testing import FlaskClient

from sandbox import config
from sandbox.app import create_app
from sandbox.config import Settings


def test_health(client: FlaskClient) -> None:
    response = client.get("/__sandbox/health")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert "cirrusmd" in response.json["vendors"]


def test_demo_client_is_installed_from_the_default_config(sandbox_settings: Settings) -> None:
    app = create_app(sandbox_settings)
    assert app.extensions["sandbox.cirrusmd"].secret_for("demo-client") == "demo-cirrusmd-shared-secret-change-me"


def test_a_config_with_other_clients_has_no_demo_client(database_url: str) -> None:
    settings = replace(
        config.load_file(None),
        database=database_url,
        vendors={"cirrusmd": {"clients": [{"client_id": "acme", "shared_secret": "s3"}]}},
    )
    service = create_app(settings).extensions["sandbox.cirrusmd"]
    assert service.secret_for("acme") == "s3"
    assert service.secret_for("demo-client") is None


def test_unknown_cirrusmd_keys_are_refused(database_url: str) -> None:
    settings = replace(config.load_file(None), database=database_url, vendors={"cirrusmd": {"lewway": 5}})
    with pytest.raises(ValueError, match="unknown key"):
        create_app(settings)


def test_paths_outside_vendors_get_a_plain_json_404(client: FlaskClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.json == {
        "error": "The requested URL was not found on the server. If you entered the URL "
        "manually please check your spelling and try again."
    }


def test_a_crash_inside_a_view_is_a_vendor_shaped_500_without_a_trace(client: FlaskClient, app: object) -> None:
    service = app.extensions["sandbox.cirrusmd"]  # type: ignore[attr-defined]

    def explode(_: str) -> None:
        raise RuntimeError("secret detail")

    service.secret_for = explode
    from tests.conftest import FROZEN_AT
    from tests.vendors.cirrusmd.support import post_session

    response = post_session(client, FROZEN_AT)
    assert response.status_code == 500
    assert response.json == {"error_message": "The sandbox hit an internal error; this is a sandbox bug, not yours."}
    assert "secret detail" not in response.get_data(as_text=True)
