"""Request hooks that run only for requests under one surface (a vendor's mount point, the control plane).

Why: Flask's ``before_request`` and ``after_request`` hooks run for every request of the app, so a
hook that one vendor needs (Intake24's Express middleware chain, Sympto's wake-up of its event
sender) made every other vendor's requests pay for its call and its own path check. Here one pair of
app-wide hooks finds the request's surface once (:func:`~sandbox.core.errors.surface_for`, the same
longest-prefix rule that picks the error shape) and runs only the hooks registered for that surface.

Order: :func:`init_app` registers the pair after every vendor's ``init_app`` (see
:mod:`sandbox.app`), which is where the vendors' app-wide hooks used to run: the surface's
``before`` hooks run after the core's (journal, refusals, clock, self-call, control guard, faults)
in the order they were registered, and its ``after`` hooks run before the journal's, last registered
first, as Flask runs its own. A ``before`` hook that returns a value ends the chain with that answer,
as in Flask. Unknown paths (a 404 under a vendor's prefix) belong to their surface too, so a
vendor's middleware still runs before its routing answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response

from sandbox.core.current import REQUEST_CONTEXT
from sandbox.core.errors import surface_for

BeforeHook = Callable[[], Any]
AfterHook = Callable[[Response], Response]

HOOKS_KEY = "sandbox.surface_hooks"


@dataclass
class SurfaceHooks:
    """The hooks of each surface, by its prefix; ``after`` hooks kept in the order they run (last registered first)."""

    before: dict[str, list[BeforeHook]] = field(default_factory=dict)
    after: dict[str, list[AfterHook]] = field(default_factory=dict)
    #: Set by :func:`init_app`: a hook registered later would never run, so it is refused.
    installed: bool = False


def _hooks(app: Flask) -> SurfaceHooks:
    found: SurfaceHooks = app.extensions.setdefault(HOOKS_KEY, SurfaceHooks())
    if found.installed:
        raise RuntimeError("surface hooks are registered in a vendor's init_app, before surfacehooks.init_app")
    return found


def before_request(app: Flask, prefix: str, hook: BeforeHook) -> None:
    """Run ``hook`` before every request whose surface has ``prefix`` (a registered surface's prefix)."""
    _hooks(app).before.setdefault(prefix, []).append(hook)


def after_request(app: Flask, prefix: str, hook: AfterHook) -> None:
    """Run ``hook`` on the response of every request whose surface has ``prefix``."""
    _hooks(app).after.setdefault(prefix, []).insert(0, hook)


def init_app(app: Flask) -> None:
    """The app-wide pair that runs the surfaces' hooks; registered once every vendor has registered its own."""
    hooks = app.extensions.setdefault(HOOKS_KEY, SurfaceHooks())
    hooks.installed = True
    before, after = hooks.before, hooks.after

    if before:

        @app.before_request
        def _surface_before() -> Any:
            surface = surface_for(REQUEST_CONTEXT.get().request.path)
            for hook in before.get(surface.prefix, ()) if surface is not None else ():
                answer = hook()
                if answer is not None:
                    return answer
            return None

    if after:

        @app.after_request
        def _surface_after(response: Response) -> Response:
            surface = surface_for(REQUEST_CONTEXT.get().request.path)
            for hook in after.get(surface.prefix, ()) if surface is not None else ():
                response = hook(response)
            return response
