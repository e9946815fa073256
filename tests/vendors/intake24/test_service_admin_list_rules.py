"""The admin respondent list (``UserSurveyAlias.paginate``) called directly on the Intake24 service:
the order each ``sort`` column gives, the page's ``meta``, and the refused direction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
from flask import Flask
from sqlalchemy import update

from contracts.intake24.pagination import ListQuery
from sandbox.core.clock import Clock
from sandbox.vendors.intake24.errors import BadRequest
from sandbox.vendors.intake24.models import Survey, respondents
from sandbox.vendors.intake24.service import Intake24Service

BASE = "https://sandbox.example"


@pytest.fixture
def service(app: Flask) -> Intake24Service:
    return cast(Intake24Service, app.extensions["sandbox.intake24"])


@pytest.fixture
def survey(service: Intake24Service, clock: Clock, make_survey: Callable[..., Any]) -> Survey:
    """A survey of three respondents, ``b_x``, ``baa`` and ``a`` created in that order 10 s apart
    (ids ascending), then ``baa`` and ``b_x`` updated 10 s apart, and URL tokens whose order
    depends on lower-casing: ``a`` ``M_a``, ``b_x`` ``mb``, ``baa`` ``m_c``."""
    make_survey("listed")
    found = service.require_survey("listed")
    for username in ("b_x", "baa", "a"):
        service.admin_create(found, {"username": username}, BASE)
        clock.advance(10)
    for username in ("baa", "b_x"):
        service.admin_patch(found, service.admin_get(found, username), {"password": "Another-pass-1"}, BASE)
        clock.advance(10)
    with service.store.begin() as connection:
        for username, token in (("a", "M_a"), ("b_x", "mb"), ("baa", "m_c")):
            connection.execute(
                update(respondents)
                .where(respondents.c.survey_id == found.id, respondents.c.username == username)
                .values(url_auth_token=token)
            )
    return found


@pytest.mark.parametrize(
    ("sort", "usernames"),
    [
        (None, ["a", "b_x", "baa"]),  # username ASC, by UTF-8 bytes
        ("username|ASC", ["a", "b_x", "baa"]),  # lower(username): "_" (0x5F) sorts before "a", after "A"
        ("urlAuthToken|ASC", ["a", "baa", "b_x"]),  # lower(): m_a, m_c, mb
        ("urlAuthToken|DESC", ["b_x", "baa", "a"]),
        ("surveyId|ASC", ["b_x", "baa", "a"]),  # all equal: the rows stay in id order
        ("userId|DESC", ["a", "baa", "b_x"]),
        ("createdAt|DESC", ["a", "baa", "b_x"]),
        ("updatedAt|ASC", ["a", "baa", "b_x"]),  # a never updated; baa then b_x patched
        ("updatedAt|DESC", ["b_x", "baa", "a"]),
    ],
)
def test_the_admin_list_is_ordered_by_the_sort_column(
    service: Intake24Service, survey: Survey, sort: str | None, usernames: list[str]
) -> None:
    listed = service.admin_list(survey, ListQuery(sort=sort), BASE)
    assert [entry["username"] for entry in listed["data"]] == usernames


def test_a_page_meta_is_computed_from_the_request_and_the_total(service: Intake24Service, survey: Survey) -> None:
    listed = service.admin_list(survey, ListQuery(page=2, limit=2), BASE)
    assert listed["meta"] == {"from": 3, "lastPage": 2, "page": 2, "path": "", "limit": 2, "to": 4, "total": 3}
    assert isinstance(listed["meta"]["lastPage"], int)
    [entry] = listed["data"]
    assert entry == {
        "id": entry["id"],
        "userId": entry["id"],
        "surveyId": str(survey.id),
        "username": "baa",
        "urlAuthToken": "m_c",
        "surveyAuthUrl": f"{BASE}/a/m_c",
        "feedbackAuthUrl": f"{BASE}/listed/feedback?auth=m_c",
    }


def test_an_unknown_sort_direction_is_refused_by_its_rule(service: Intake24Service, survey: Survey) -> None:
    with pytest.raises(BadRequest) as raised:
        service.admin_list(survey, ListQuery(sort="id|sideways"), BASE)
    assert raised.value.rule == "sort_direction"
