import pytest
from django.urls import NoReverseMatch, reverse

from xiangcun.evaluation.links import PAGE_PATHS, register_url


def test_register_url_encodes_filters_in_order():
    assert register_url("network:station_list") == "/network/stations/"
    assert register_url("network:station_list", status="operating") == "/network/stations/?status=operating"
    assert (
        register_url("regions:village_list", is_poor=True, has_station=False)
        == "/regions/villages/?is_poor=true&has_station=false"
    )
    with pytest.raises(KeyError):
        register_url("network:nowhere")


@pytest.mark.parametrize("name", sorted(PAGE_PATHS))
def test_paths_match_the_pages_once_installed(name):
    try:
        path = reverse(name)
    except NoReverseMatch:
        pytest.skip(f"{name} is not installed in this branch yet")
    assert path == PAGE_PATHS[name]
