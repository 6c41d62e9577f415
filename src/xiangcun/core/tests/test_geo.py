import math

from hypothesis import given
from hypothesis import strategies as st

from xiangcun.core.geo import gcj02_to_wgs84, haversine_m, point_in_polygon, wgs84_to_gcj02


def test_gcj02_offset_near_daming_is_a_few_hundred_metres():
    # 大名镇 centroid as published (GCJ-02) and its WGS-84 position.
    lon, lat = gcj02_to_wgs84(115.154089, 36.292649)
    assert round(lon, 6) == 115.148051
    assert round(lat, 6) == 36.292456
    assert 400 < haversine_m(lon, lat, 115.154089, 36.292649) < 700


@given(
    st.floats(min_value=73.0, max_value=135.0, allow_nan=False),
    st.floats(min_value=18.0, max_value=53.0, allow_nan=False),
)
def test_gcj02_inverse_roundtrips_within_a_centimetre(lon, lat):
    g = wgs84_to_gcj02(lon, lat)
    back = gcj02_to_wgs84(*g)
    assert haversine_m(back[0], back[1], lon, lat) < 0.01


def test_outside_china_is_unchanged():
    assert gcj02_to_wgs84(2.35, 48.85) == (2.35, 48.85)


def test_haversine_one_degree_of_latitude():
    assert math.isclose(haversine_m(115.0, 36.0, 115.0, 37.0), 111195.08, rel_tol=1e-5)


def test_point_in_polygon():
    square = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    assert point_in_polygon(0.5, 0.5, square)
    assert not point_in_polygon(1.5, 0.5, square)
