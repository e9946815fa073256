"""``contracts.strategies`` as a partner imports it: one module exporting every vendor's public names.

The vendors' modules are found through entry points and read on first use (a module ``__getattr__``); these check
what a partner sees of it (``__all__``, ``dir()``, an unknown name), fast and without drawing any example.
"""

from __future__ import annotations

import pytest

import contracts.strategies as strategies


def test_all_lists_the_shared_names_then_every_vendors_sorted() -> None:
    exported = strategies.__all__
    assert exported[:3] == ["Answer", "Invalid", "every_json_type"]
    assert exported[3:] == sorted(exported[3:])
    for name in ("cirrusmd_members", "cirrusmd_invalid_requests", "CIRRUSMD_DEMO"):
        assert name in exported


def test_the_vendors_are_named_without_importing_them() -> None:
    assert {"cirrusmd", "intake24", "sympto"} <= set(strategies.names())
    assert list(strategies.names()) == sorted(strategies.names())


def test_dir_shows_the_module_and_every_vendors_names() -> None:
    shown = dir(strategies)
    assert shown == sorted(shown)
    assert {"names", "every_json_type", "cirrusmd_members", "cirrusmd_authorization"} <= set(shown)


def test_a_vendor_name_is_the_vendor_modules_own_object() -> None:
    from contracts.cirrusmd import partner

    assert strategies.cirrusmd_members is partner.cirrusmd_members


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match=r"module 'contracts\.strategies' has no attribute 'no_such_name'"):
        strategies.no_such_name  # noqa: B018
