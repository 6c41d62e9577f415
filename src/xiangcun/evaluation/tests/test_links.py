import pytest
from django.urls import reverse

from xiangcun.evaluation.links import PAGE_PATHS, register_url, with_county


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
def test_paths_match_the_pages(name):
    assert reverse(name) == PAGE_PATHS[name]


def test_with_county_appends_the_county():
    assert with_county("/network/stations/", "130425") == "/network/stations/?county=130425"
    assert with_county("/network/stations/?status=operating", "130425") == (
        "/network/stations/?status=operating&county=130425"
    )
    assert with_county("", "130425") == ""
