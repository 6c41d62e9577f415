import pytest

from .world import logistics_world


@pytest.fixture
def w(county, other_county, superuser, bureau, contractor, auditor, other_bureau):
    return logistics_world(county, other_county, superuser, bureau, contractor, auditor, other_bureau)
