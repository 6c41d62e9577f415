import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xiangcun.evaluation import registry
from xiangcun.evaluation.tables import display_width
from xiangcun.regions.models import Township, Village

from .helpers import at, station

INDICATOR_KEYS = [
    "id",
    "ref",
    "name",
    "name_en",
    "target",
    "comparator",
    "value",
    "unit",
    "status",
    "numerator",
    "denominator",
    "reason",
]


def _evaluate(*args, language: str = "en") -> str:
    out = StringIO()
    call_command("evaluate", *args, "--language", language, stdout=out)
    return out.getvalue()


@pytest.fixture
def two_stations(county):
    township = Township.objects.filter(county=county).order_by("code").first()
    first, second, _third = Village.objects.filter(township=township).order_by("code")
    station(first, operating=at(2018, 5, 1))
    station(second, operating=at(2018, 6, 1))


@pytest.mark.django_db
def test_json_shape(county, two_stations):
    data = json.loads(_evaluate("--county", "130425", "--year", "2018", "--format", "json"))
    assert list(data) == ["county", "year", "indicators", "veto"]
    assert (data["county"], data["year"]) == ("130425", 2018)
    assert [i["id"] for i in data["indicators"]] == [i.id for i in registry.scored()]
    for item in data["indicators"]:
        assert list(item) == INDICATOR_KEYS
        assert item["status"] in {"met", "not_met", "not_measured", "manual"}
        if item["unit"] == "%" and item["value"] is not None:
            assert isinstance(item["numerator"], int) and isinstance(item["denominator"], int), item["id"]
        if item["numerator"] is None:
            assert item["denominator"] is None
    coverage = next(i for i in data["indicators"] if i["id"] == "R1.5-village-coverage")
    assert coverage == {
        "id": "R1.5-village-coverage",
        "ref": "R1.5",
        "name": "村级电商服务站点行政村覆盖率",
        "name_en": "Administrative villages with a station (coverage)",
        "target": 50,
        "comparator": ">=",
        "value": 33.3,
        "unit": "%",
        "status": "not_met",
        "numerator": 2,
        "denominator": 6,
        "reason": "",
    }
    stations = next(i for i in data["indicators"] if i["id"] == "R1.4-stations")
    assert (stations["value"], stations["numerator"], stations["denominator"]) == (2, None, None)
    products = next(i for i in data["indicators"] if i["id"] == "R4-products")
    assert (products["target"], products["value"], products["status"]) == ([5, 10], None, "not_measured")
    layout = next(i for i in data["indicators"] if i["id"] == "R3-layout-plan")
    assert layout["target"] == "2018-01-31"
    assert [list(v) for v in data["veto"]] == [["id", "name", "name_en", "triggered", "reason"]] * 5
    assert [v["triggered"] for v in data["veto"]] == [None, None, None, True, None]
    assert data["veto"][3]["name"] == "进度缓慢"


@pytest.mark.django_db
def test_table_is_aligned(county, two_stations):
    lines = _evaluate("--county", "130425", "--year", "2018").splitlines()
    assert lines[0] == "Scorecard of 大名县 (130425), 2018, as of 2018-12-31 23:59 CST"
    # Met: the two stations meet the standard (and overall), no village has two funded stations. Not met
    # among the logistics ones: no carrier at a township center, no layout plan saved by 31 January 2018.
    assert lines[1] == "Met: 4, Not met: 21, Not measured: 77, Assessed manually: 0"
    header, rule = lines[3], lines[4]
    assert header.split() == ["ID", "Indicator", "Target", "Value", "Unit", "N/D", "Status"]
    rows = lines[5 : 5 + len(registry.scored())]
    # Each column starts at the same display column in every row, Chinese names included.
    status_column = display_width(header[: header.index("Status")])
    row = next(r for r in rows if r.startswith("R1.5-village-coverage "))
    assert row.split()[-3:] == ["2/6", "Not", "met"]
    for line in rows:
        prefix = line[: len(line) - len(line.lstrip())]  # (no indentation)
        assert prefix == ""
        status = line.rsplit("  ", 1)[-1].strip()
        assert display_width(line) - display_width(status) == status_column, line
    assert set(rule.replace(" ", "")) == {"-"}
    veto_rows = lines[5 + len(registry.scored()) + 3 :]
    assert [r.split()[0] for r in veto_rows] == [v.id for v in registry.veto_items()]
    assert veto_rows[3].startswith("R13-progress ") and "  yes  " in veto_rows[3]


@pytest.mark.django_db
def test_year_defaults_to_the_program_year_plus_one(county):
    data = json.loads(_evaluate("--county", "130425", "--format", "json"))
    assert data["year"] == 2018


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--county", "999999", "--year", "2018"], "There is no county with code 999999."),
        (["--county", "130425", "--year", "2014"], "Enter a year from 2015 to 2100."),
        (["--county", "130425", "--year", "2101"], "Enter a year from 2015 to 2100."),
        (["--county", "130425", "--year", "twenty"], "Enter a year from 2015 to 2100."),
    ],
)
def test_bad_input_is_a_command_error(county, args, message):
    with pytest.raises(CommandError) as exc:
        _evaluate(*args)
    assert str(exc.value) == message


@pytest.mark.django_db
def test_bad_format_is_refused(county):
    with pytest.raises(CommandError, match="invalid choice: 'xml'"):
        _evaluate("--county", "130425", "--year", "2018", "--format", "xml")
