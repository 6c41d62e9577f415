"""Cell → value rules of the Excel columns (`xiangcun.core.excel_columns`)."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.utils import translation

from xiangcun.core.excel_columns import (
    DIVISION_CODE,
    BooleanWidget,
    ChoiceWidget,
    CodeWidget,
    DateWidget,
    DecimalWidget,
    IntegerWidget,
    TextWidget,
    TimeWidget,
)
from xiangcun.network.choices import SiteStatus


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("是", True), ("否", False), ("YES", True), ("no", False), (" True ", True), ("FALSE", False),
        ("1", True), ("0", False), (1, True), (0.0, False), (True, True), (False, False),
    ],
)  # fmt: skip
def test_yes_and_no(cell, value):
    assert BooleanWidget().clean(cell) is value


def test_yes_and_no_refuses_anything_else_and_blank_unless_allowed():
    for cell in ("maybe", "有", 2, "y es"):
        with pytest.raises(ValueError, match=r"^Enter Yes or No\.$"):
            BooleanWidget().clean(cell)
    with pytest.raises(ValueError):
        BooleanWidget().clean("  ")
    assert BooleanWidget(nullable=True).clean(None) is None
    assert BooleanWidget(blank=False).clean("") is False
    assert BooleanWidget().render(True) == "Yes"
    with translation.override("zh-hans"):
        assert (BooleanWidget().render(True), BooleanWidget().render(False)) == ("是", "否")


def test_division_codes_stay_text_and_numbers_must_give_12_digits():
    assert DIVISION_CODE.clean(" 130425100201 ") == "130425100201"
    assert DIVISION_CODE.clean(130425100201) == "130425100201"
    assert DIVISION_CODE.clean(130425100201.0) == "130425100201"
    assert DIVISION_CODE.clean(None) == ""
    for cell, message in (
        (13042510020, "The cell holds the number 13042510020, not a code; format the column as text."),
        (
            1.304251002015e11,
            "The cell holds the number 130425100201.5, not a code; format the column as text.",
        ),
        (-130425100201, "The cell holds the number -130425100201, not a code; format the column as text."),
        ("13042510020a", "A division code has exactly 12 digits."),
        (True, "A division code has exactly 12 digits."),
    ):
        with pytest.raises(ValueError) as exc:
            DIVISION_CODE.clean(cell)
        assert str(exc.value) == message


def test_phone_numbers_typed_as_numbers_keep_their_digits():
    phone = CodeWidget(r"[0-9+\- ]{5,20}", "Enter a phone number (digits, +, -).")
    assert phone.clean(13912345678) == "13912345678"
    assert phone.clean("0310-1234567") == "0310-1234567"
    with pytest.raises(ValueError):
        phone.clean("call me")


def test_numbers():
    assert IntegerWidget().clean("1,234") == 1234
    assert IntegerWidget().clean(800.0) == 800
    assert IntegerWidget().clean(" ") is None
    for cell in ("abc", 1.5, True):
        with pytest.raises(ValueError, match=r"^Enter a whole number\.$"):
            IntegerWidget().clean(cell)
    assert DecimalWidget().clean(36.285) == Decimal("36.285")  # not 36.28499999…
    assert DecimalWidget().clean("115.1") == Decimal("115.1")
    assert DecimalWidget().clean(20) == Decimal("20")
    for cell in ("wide", "NaN", "inf", False):
        with pytest.raises(ValueError, match=r"^Enter a number\.$"):
            DecimalWidget().clean(cell)


def test_dates_and_times():
    assert DateWidget().clean(datetime(2018, 12, 31, 10, 0)) == date(2018, 12, 31)
    assert DateWidget().clean("2018/12/31") == date(2018, 12, 31)
    assert TimeWidget().clean("8:30") == time(8, 30)
    assert TimeWidget().clean(time(18, 0)) == time(18, 0)
    assert TimeWidget().clean(0.375) == time(9, 0)  # a time in a General cell is a fraction of a day
    with pytest.raises(ValueError, match=r"^Enter a date as YYYY-MM-DD\.$"):
        DateWidget().clean("31.12.18")
    with pytest.raises(ValueError, match=r"^Enter a time as HH:MM\.$"):
        TimeWidget().clean("half past eight")


def test_choices_read_label_in_any_language_or_the_value():
    status = ChoiceWidget(SiteStatus)
    assert status.clean("Under construction") == "building"
    assert status.clean("under  CONSTRUCTION") == "building"
    assert status.clean("operating") == "operating"
    with translation.override("zh-hans"):
        assert status.clean(str(SiteStatus.OPERATING.label)) == "operating"
    with pytest.raises(ValueError) as exc:
        status.clean("flying")
    assert str(exc.value) == (
        "Unknown value “flying”; use one of: Planned, Under construction, Operating, Suspended, Closed."
    )
    assert status.render("suspended") == "Suspended"


def test_text_is_trimmed_and_whole_numbers_lose_their_point():
    assert TextWidget().clean("  甲站 ") == "甲站"
    assert TextWidget().clean(12.0) == "12"
    assert TextWidget().clean(None) == ""
