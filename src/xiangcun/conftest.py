"""Fixtures shared by every app's tests (builders live in `xiangcun.core.testing`)."""

import pytest

from xiangcun.core.testing import make_county, make_user


@pytest.fixture
def county(db):
    return make_county("130425", "大名县")


@pytest.fixture
def other_county(db):
    return make_county("130426", "邻县")


@pytest.fixture
def superuser(db):
    return make_user(None, None, username="root")


@pytest.fixture
def bureau(county):
    return make_user("bureau_admin", county, username="bureau")


@pytest.fixture
def contractor(county):
    return make_user("contractor", county, username="contractor")


@pytest.fixture
def auditor(county):
    return make_user("auditor", county, username="auditor")


@pytest.fixture
def other_bureau(other_county):
    return make_user("bureau_admin", other_county, username="other-bureau")


@pytest.fixture(autouse=True)
def _english():
    """Tests assert the English msgids: each test starts with English active in its thread (Chinese is
    the site's default; tests of that activate it, or send no Accept-Language to the pages). This also
    stops a test-client request's language, which stays active in the thread, leaking into the next test.
    """
    from django.conf import settings
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate(settings.LANGUAGE_CODE)
