"""Surface hooks: a hook one vendor needs runs for that vendor's requests only, in Flask's order."""

from __future__ import annotations

import pytest
from flask import Flask, Response, jsonify

from sandbox.core import surfacehooks
from sandbox.core.errors import VendorError, VendorSurface, register_surface, surface_for


def _surface(prefix: str) -> VendorSurface:
    def render(error: VendorError) -> Response:
        return jsonify({"error": error.message})

    return VendorSurface(
        name=prefix.strip("/"),
        prefix=prefix,
        render=render,
        not_found=lambda path: VendorError("missing", status=404),
        method_not_allowed=lambda method, path, allowed: VendorError("method", status=405),
        too_large=lambda size: VendorError("large", status=413),
    )


def _app(calls: list[str]) -> Flask:
    app = Flask("surfacehooks-test")
    register_surface(app, _surface("/one"))
    register_surface(app, _surface("/one/inner"))
    register_surface(app, _surface("/two"))
    surfacehooks.before_request(app, "/one", lambda: calls.append("one-before-a"))
    surfacehooks.before_request(app, "/one", lambda: calls.append("one-before-b"))
    surfacehooks.before_request(app, "/two", lambda: calls.append("two-before"))

    def after(name: str) -> surfacehooks.AfterHook:
        def hook(response: Response) -> Response:
            calls.append(name)
            return response

        return hook

    surfacehooks.after_request(app, "/one", after("one-after-first-registered"))
    surfacehooks.after_request(app, "/one", after("one-after-last-registered"))
    surfacehooks.init_app(app)
    app.add_url_rule("/one/view", "one", lambda: "one")
    app.add_url_rule("/two/view", "two", lambda: "two")
    app.add_url_rule("/elsewhere", "elsewhere", lambda: "elsewhere")
    return app


def test_a_surface_hook_runs_only_for_requests_under_its_surface() -> None:
    calls: list[str] = []
    client = _app(calls).test_client()
    client.get("/two/view")
    assert calls == ["two-before"]
    calls.clear()
    client.get("/elsewhere")
    assert calls == []
    client.get("/one/inner/view")  # the longer prefix is another surface: /one's hooks do not run
    assert calls == []


def test_hooks_run_in_flasks_order_and_on_unknown_paths_under_the_prefix() -> None:
    calls: list[str] = []
    client = _app(calls).test_client()
    assert client.get("/one/no-such-view").status_code == 404
    assert calls == ["one-before-a", "one-before-b", "one-after-last-registered", "one-after-first-registered"]


def test_a_before_hook_that_answers_ends_the_chain() -> None:
    app = Flask("surfacehooks-answer")
    register_surface(app, _surface("/one"))
    calls: list[str] = []
    surfacehooks.before_request(app, "/one", lambda: "answered early")
    surfacehooks.before_request(app, "/one", lambda: calls.append("never"))
    surfacehooks.init_app(app)
    app.add_url_rule("/one/view", "one", lambda: "the view")
    assert app.test_client().get("/one/view").get_data(as_text=True) == "answered early"
    assert calls == []


def test_a_hook_registered_after_the_dispatchers_is_refused() -> None:
    """It would silently never run."""
    app = Flask("surfacehooks-late")
    surfacehooks.init_app(app)
    with pytest.raises(RuntimeError):
        surfacehooks.before_request(app, "/one", lambda: None)


def test_no_vendor_hook_runs_on_every_request_of_the_app(app: Flask) -> None:
    """Every vendor hook is a surface hook: the app-wide lists hold only the core's and the control plane's."""
    for hooks in (app.before_request_funcs.get(None, []), app.after_request_funcs.get(None, [])):
        owners = {str(getattr(hook, "__module__", "")) for hook in hooks}
        assert not {owner for owner in owners if owner.startswith("sandbox.vendors.")}, owners


def test_the_surface_of_a_path_is_remembered_and_forgotten_when_surfaces_change() -> None:
    app = Flask("surfacehooks-memo")
    register_surface(app, _surface("/one"))
    with app.test_request_context("/one/inner/x"):
        assert surface_for("/one/inner/x") is not None
        assert surface_for("/one/inner/x").prefix == "/one"  # type: ignore[union-attr]
        register_surface(app, _surface("/one/inner"))
        assert surface_for("/one/inner/x").prefix == "/one/inner"  # type: ignore[union-attr]
        assert surface_for("/nowhere") is None
