from decimal import Decimal

import pytest

from xiangcun.core.money import yuan


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.345", "12.35"),
        ("12.344", "12.34"),
        (3, "3.00"),
        (0.1, "0.10"),
        (" 2000 ", "2000.00"),
        ("-1.005", "-1.01"),
    ],
)
def test_yuan_rounds_half_up_to_the_fen(raw, expected):
    assert yuan(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["abc", "", "NaN", "Infinity", None])
def test_yuan_rejects_non_amounts(raw):
    with pytest.raises(ValueError):
        yuan(raw)
