"""Which surface owns a path (:meth:`sandbox.core.errors.VendorSurface.owns`), the lookup that picks
the error shape, the surface hooks, the journal's vendor and the faults: a vendor may declare the end
of its prefix caseless (its own server matches its mount path without regard to case, as Express's
``app.use`` does), while the sandbox's part of the prefix stays exact."""

from __future__ import annotations

import pytest

from sandbox.core.errors import VendorError, VendorSurface, register_surface


def _surface(prefix: str, caseless_tail: str = "") -> VendorSurface:
    def refuse(*_: object) -> VendorError:
        return VendorError("no")

    return VendorSurface(
        name="v",
        prefix=prefix,
        render=lambda _error: None,  # type: ignore[arg-type,return-value]
        not_found=refuse,
        method_not_allowed=refuse,
        too_large=refuse,
        caseless_tail=caseless_tail,
    )


@pytest.mark.parametrize(
    ("path", "owned"),
    [
        ("/v/api", True),
        ("/v/api/x", True),
        ("/v/API/x", True),
        ("/v/Api", True),
        ("/v/apix", False),
        ("/v/APIx/y", False),
        ("/V/api/x", False),  # the sandbox's part stays exact
        ("/v/ap", False),
        ("/v/\u0130pi/x", False),  # only ASCII letters fold
        ("/v/a\u017fi/x", False),
    ],
)
def test_a_caseless_tail_folds_only_the_vendors_part(path: str, owned: bool) -> None:
    assert _surface("/v/api", "/api").owns(path) is owned


def test_without_a_caseless_tail_the_prefix_is_exact() -> None:
    surface = _surface("/v/api")
    assert surface.owns("/v/api/x")
    assert not surface.owns("/v/API/x")


def test_a_caseless_tail_must_end_the_prefix() -> None:
    with pytest.raises(ValueError, match="no ASCII end"):
        register_surface(None, _surface("/v/api", "/survey"))  # type: ignore[arg-type]
